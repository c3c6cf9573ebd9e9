import JSON
import YAML

/// One page of a LIST, handed to the caller as soon as it is read (`KubeClient.listPages`), so
/// that the page's bytes and index can be freed as soon as the caller is done with its items,
/// instead of every page of every collection being held until the whole LIST is in.
public struct ListPage: Sendable {
    /// The page's items, read in place. Some servers leave `apiVersion` and `kind` out of items of
    /// built-in lists: `itemAPIVersion` and `itemKind` say what they are.
    public var items: [JSONView]
    public var itemAPIVersion: String
    public var itemKind: String
    /// True for the first page, and again when an expired continue token (410) restarted the
    /// LIST from the beginning: the items of the pages before it are to be dropped.
    public var isFirst: Bool

    public init(items: [JSONView], itemAPIVersion: String, itemKind: String, isFirst: Bool) {
        self.items = items
        self.itemAPIVersion = itemAPIVersion
        self.itemKind = itemKind
        self.isFirst = isFirst
    }

    /// One item decoded, with `apiVersion` and `kind` filled in where the server left them out.
    public func decode(_ item: JSONView) -> Node {
        ListResult.decode(item, apiVersion: itemAPIVersion, kind: itemKind)
    }
}
