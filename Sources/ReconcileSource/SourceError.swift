/// An error in reading the config repository that is the user's to fix (a missing directory, a
/// ref that a plain folder cannot resolve), printed as one line.
public struct SourceError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
