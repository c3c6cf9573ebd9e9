import JSON
import YAML

/// A complete LIST: every page's items, the list's resourceVersion (watch from it to see what
/// came after) and how many pages it took.
///
/// The items stay in the pages they came in, indexed (`JSONTape`) rather than decoded: a plan
/// reads thousands of objects and needs trees only for the few that differ from git.
public struct ListResult: Sendable {
    /// The items as read. Some servers leave `apiVersion` and `kind` out of items of built-in
    /// lists: `itemAPIVersion` and `itemKind` say what they are.
    public var rawItems: [JSONView]
    public var itemAPIVersion: String
    public var itemKind: String
    public var resourceVersion: String
    public var pages: Int

    public init(rawItems: [JSONView], itemAPIVersion: String, itemKind: String, resourceVersion: String, pages: Int) {
        self.rawItems = rawItems
        self.itemAPIVersion = itemAPIVersion
        self.itemKind = itemKind
        self.resourceVersion = resourceVersion
        self.pages = pages
    }

    /// The items decoded, each with `apiVersion` and `kind`.
    public var items: [Node] { rawItems.map(decode) }

    /// One item decoded, with `apiVersion` and `kind` filled in where the server left them out.
    public func decode(_ item: JSONView) -> Node {
        var node = item.node
        if node["apiVersion"] == nil { node["apiVersion"] = .string(itemAPIVersion) }
        if node["kind"] == nil { node["kind"] = .string(itemKind) }
        return node
    }
}
