import YAML

/// A complete LIST: every page's items, the list's resourceVersion (watch from it to see what
/// came after) and how many pages it took.
public struct ListResult: Sendable {
    public var items: [Node]
    public var resourceVersion: String
    public var pages: Int

    public init(items: [Node], resourceVersion: String, pages: Int) {
        self.items = items
        self.resourceVersion = resourceVersion
        self.pages = pages
    }
}
