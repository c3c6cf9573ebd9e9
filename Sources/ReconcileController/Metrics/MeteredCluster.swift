import Kube
import ReconcileEngine
import YAML

/// Counts every API call by verb and answer code into `reconcile_api_requests_total` (code 0:
/// no answer, a transport failure). A decorator, so the engine and the Kubernetes client stay
/// unaware of metrics.
public struct MeteredCluster: ControllerCluster {
    public let base: any ControllerCluster
    public let metrics: ControllerMetrics

    public init(base: any ControllerCluster, metrics: ControllerMetrics) {
        self.base = base
        self.metrics = metrics
    }

    private func count<T>(_ verb: String, success: Int = 200, _ call: () async throws -> T) async throws -> T {
        do {
            let result = try await call()
            metrics.apiRequest(verb: verb, code: success)
            return result
        } catch let error as KubeError {
            metrics.apiRequest(verb: verb, code: error.code)
            throw error
        } catch {
            metrics.apiRequest(verb: verb, code: 0)
            throw error
        }
    }

    public func resource(group: String, kind: String, version: String?) async throws -> APIResource {
        try await base.resource(group: group, kind: kind, version: version)
    }

    public func list(_ resource: APIResource, namespace: String?, labelSelector: String?, limit: Int) async throws -> ListResult {
        try await count("list") { try await base.list(resource, namespace: namespace, labelSelector: labelSelector, limit: limit) }
    }

    public func listPages(_ resource: APIResource, namespace: String?, labelSelector: String?, limit: Int,
                          eachPage: (ListPage) async throws -> Void)
        async throws -> (resourceVersion: String, pages: Int) {
        try await count("list") {
            try await base.listPages(resource, namespace: namespace, labelSelector: labelSelector, limit: limit,
                                     eachPage: eachPage)
        }
    }

    public func get(_ ref: ObjectReference) async throws -> Node? {
        let object = try await count("get") { try await base.get(ref) }
        if object == nil { metrics.apiRequest(verb: "get", code: 404) }
        return object
    }

    public func apply(_ object: Node, fieldManager: String, force: Bool, dryRun: Bool) async throws -> Node {
        try await count(dryRun ? "apply-dry-run" : "apply") { try await base.apply(object, fieldManager: fieldManager, force: force, dryRun: dryRun) }
    }

    public func mergePatch(_ ref: ObjectReference, patch: Node, fieldManager: String?) async throws -> Node {
        try await count("patch") { try await base.mergePatch(ref, patch: patch, fieldManager: fieldManager) }
    }

    public func delete(_ ref: ObjectReference, propagation: String, uid: String?, resourceVersion: String?) async throws {
        try await count("delete") { try await base.delete(ref, propagation: propagation, uid: uid, resourceVersion: resourceVersion) }
    }

    public func createEvent(_ event: Node) async throws -> Node {
        try await count("create", success: 201) { try await base.createEvent(event) }
    }

    public func create(_ object: Node) async throws -> Node {
        try await count("create", success: 201) { try await base.create(object) }
    }

    public func update(_ object: Node) async throws -> Node {
        try await count("update") { try await base.update(object) }
    }

    public func watch(_ resource: APIResource, namespace: String?, labelSelector: String?, resourceVersion: String?) -> AsyncThrowingStream<WatchEvent, any Error> {
        metrics.apiRequest(verb: "watch", code: 200)
        return base.watch(resource, namespace: namespace, labelSelector: labelSelector, resourceVersion: resourceVersion)
    }
}
