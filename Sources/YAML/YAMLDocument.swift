/// One document of a YAML stream. Kubernetes manifests are usually multi-document files, and a
/// bad resource has to be reported as "document N of file F", so the position travels with it.
public struct YAMLDocument: Sendable {
    /// The document's content.
    public var root: Node
    /// 0-based position in the stream, counting every document libyaml saw (empty ones too), so
    /// the number matches what a reader counts by `---` separators.
    public var index: Int
    /// Where the document starts: its `---` marker, or its first token when the marker is implicit.
    public var mark: Mark

    public init(root: Node, index: Int, mark: Mark) {
        self.root = root
        self.index = index
        self.mark = mark
    }
}
