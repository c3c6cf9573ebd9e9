/// A kubeconfig (or in-cluster configuration) that cannot be used. Names the file and the entry
/// (`context "prod"`, `user "admin"`, `cluster "aks"`) so the user knows exactly what to fix.
public struct KubeConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The file at fault (or the files searched, joined with `:`).
    public var file: String
    /// `context "x"`, `user "x"`, `cluster "x"`, or nil for the file as a whole.
    public var entry: String?
    public var message: String

    public init(file: String, entry: String? = nil, message: String) {
        self.file = file
        self.entry = entry
        self.message = message
    }

    public var description: String {
        if let entry { return "kubeconfig \(file): \(entry): \(message)" }
        return "kubeconfig \(file): \(message)"
    }
}

/// A credential plugin (`users[].user.exec`) that failed or answered something unusable.
public struct ExecPluginError: Error, Sendable, CustomStringConvertible {
    public var command: String
    public var message: String

    public init(command: String, message: String) {
        self.command = command
        self.message = message
    }

    public var description: String { "exec credential plugin \(command): \(message)" }
}
