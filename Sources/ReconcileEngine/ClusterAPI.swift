import Kube
import YAML

/// The Kubernetes operations the engine needs, as a protocol so the engine's control flow can be
/// exercised against the test API server or a recording fake. `KubeClient` is the real one.
public protocol ClusterAPI: Sendable {
    func resource(group: String, kind: String, version: String?) async throws -> APIResource
    /// The items stay in their pages (`ListResult.rawItems`); `items` and `decode` give them with
    /// `apiVersion` and `kind`, which servers leave out of built-in lists, filled in from `resource`.
    func list(_ resource: APIResource, namespace: String?, labelSelector: String?, limit: Int) async throws -> ListResult
    func get(_ ref: ObjectReference) async throws -> Node?
    func apply(_ object: Node, fieldManager: String, force: Bool, dryRun: Bool) async throws -> Node
    func mergePatch(_ ref: ObjectReference, patch: Node, fieldManager: String?) async throws -> Node
    func delete(_ ref: ObjectReference, propagation: String, uid: String?, resourceVersion: String?) async throws
    func createEvent(_ event: Node) async throws -> Node
}

extension KubeClient: ClusterAPI {}

extension ObjectReference {
    /// The reference to an object as the planner names it.
    init(apiVersion: String, kind: String, namespace: String, name: String) {
        self.init(apiVersion: apiVersion, kind: kind, namespace: namespace.isEmpty ? nil : namespace, name: name)
    }
}
