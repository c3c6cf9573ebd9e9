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
        // A hidden directory: a path starting with "." or containing "/.", before the file name.
        let directories = path.utf8.lastIndex(of: UInt8(ascii: "/")).map { path.utf8[..<$0] } ?? path.utf8[path.utf8.startIndex..<path.utf8.startIndex]
        guard let first = directories.first else { return true }
        if first == UInt8(ascii: ".") { return false }
        var previous = first
        for byte in directories.dropFirst() {
            if previous == UInt8(ascii: "/") && byte == UInt8(ascii: ".") { return false }
            previous = byte
        }
        return true
    }
}
