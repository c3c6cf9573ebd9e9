import JSON
import Kube
import YAML

/// The Kubernetes operations the engine needs, as a protocol so the engine's control flow can be
/// exercised against the test API server or a recording fake. `KubeClient` is the real one.
public protocol ClusterAPI: Sendable {
    func resource(group: String, kind: String, version: String?) async throws -> APIResource
    /// The items stay in their pages (`ListResult.rawItems`); `items` and `decode` give them with
    /// `apiVersion` and `kind`, which servers leave out of built-in lists, filled in from `resource`.
    func list(_ resource: APIResource, namespace: String?, labelSelector: String?, limit: Int) async throws -> ListResult
    /// `list` a page at a time (`KubeClient.listPages`): each page is handed over before the next
    /// is requested, so its memory can go once its items are dealt with. Returns the list's
    /// resourceVersion and page count.
    func listPages(_ resource: APIResource, namespace: String?, labelSelector: String?, limit: Int,
                   eachPage: (ListPage) async throws -> Void) async throws -> (resourceVersion: String, pages: Int)
    func get(_ ref: ObjectReference) async throws -> Node?
    func apply(_ object: Node, fieldManager: String, force: Bool, dryRun: Bool) async throws -> Node
    func mergePatch(_ ref: ObjectReference, patch: Node, fieldManager: String?) async throws -> Node
    func delete(_ ref: ObjectReference, propagation: String, uid: String?, resourceVersion: String?) async throws
    func createEvent(_ event: Node) async throws -> Node
}

extension ClusterAPI {
    /// For clusters that only answer whole LISTs (test fakes): the LIST as one page.
    public func listPages(_ resource: APIResource, namespace: String?, labelSelector: String?, limit: Int,
                          eachPage: (ListPage) async throws -> Void)
        async throws -> (resourceVersion: String, pages: Int) {
        let result = try await list(resource, namespace: namespace, labelSelector: labelSelector, limit: limit)
        try await eachPage(ListPage(items: result.rawItems, itemAPIVersion: result.itemAPIVersion,
                                    itemKind: result.itemKind, isFirst: true))
        return (result.resourceVersion, result.pages)
    }
}

extension KubeClient: ClusterAPI {}

extension ObjectReference {
    /// The reference to an object as the planner names it.
    init(apiVersion: String, kind: String, namespace: String, name: String) {
        self.init(apiVersion: apiVersion, kind: kind, namespace: namespace.isEmpty ? nil : namespace, name: name)
    }
}
