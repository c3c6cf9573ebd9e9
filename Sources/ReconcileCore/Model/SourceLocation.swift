public import YAML

/// Where a desired object came from: the repo-relative file, the document's position in it, and
/// the object's line. Kept on every object so late errors (a conflict, a finding) still point
/// at the manifest a reviewer can open.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible, Codable {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, mark: Mark?) {
        self.file = file
        self.line = mark?.line ?? 1
        self.column = mark?.column ?? 1
    }

    public var mark: Mark { Mark(line: line, column: column) }
    public var description: String { "\(file):\(line)" }
}
