/// A file of the config repository as read from a commit or a working tree. The core never
/// touches the filesystem or git itself; callers hand it these.
public struct SourceFile: Sendable {
    /// Repository-relative, `/`-separated.
    public var path: String
    public var bytes: [UInt8]

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }

    /// Whether a repository path can hold manifests or config: `*.yaml`/`*.yml` outside hidden
    /// directories (`.git`, `.github`, ...).
    public static func isCandidate(_ path: String) -> Bool {
        guard path.hasSuffix(".yaml") || path.hasSuffix(".yml") else { return false }
        return !path.split(separator: "/").dropLast().contains { $0.hasPrefix(".") }
    }
}
