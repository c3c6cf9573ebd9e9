import Kube
import ReconcileEngine
import YAML

/// The cluster as the writers (Applier, Restarter, events, status, drift correction) see it:
/// reads pass through; every write first asks for a lease token valid *at that instant* (and
/// checks the task is not cancelled) and fails at once otherwise. The token carries its deadline
/// (`LeaseToken.validUntil`, the last successful renewal's start plus `renewDeadline`), so a
/// leader whose renewals stall stops writing at the deadline even if nothing told it it lost,
/// before any other replica may acquire the Lease.
public struct LeaderGuardedCluster: ControllerCluster {
    public struct NotLeader: Error, CustomStringConvertible {
        public var description: String { "not the leader (any more): nothing is written" }
    }

    public let base: any ControllerCluster
    /// A token valid now, or nil (`LeaderElector.validToken`).
    public let token: @Sendable () -> LeaseToken?

    public init(base: any ControllerCluster, token: @escaping @Sendable () -> LeaseToken?) {
        self.base = base
        self.token = token
    }

    public init(base: any ControllerCluster, leader: LeaderElector) {
        self.init(base: base, token: { [leader] in leader.validToken() })
    }

    private func checkLeader() throws {
        guard token() != nil, !Task.isCancelled else { throw NotLeader() }
    }

    public func resource(group: String, kind: String, version: String?) async throws -> APIResource {
        try await base.resource(group: group, kind: kind, version: version)
    }

    public func list(_ resource: APIResource, namespace: String?, labelSelector: String?, limit: Int) async throws -> ListResult {
        try await base.list(resource, namespace: namespace, labelSelector: labelSelector, limit: limit)
    }

    public func listPages(_ resource: APIResource, namespace: String?, labelSelector: String?, limit: Int,
                          eachPage: (ListPage) async throws -> Void)
        async throws -> (resourceVersion: String, pages: Int) {
        try await base.listPages(resource, namespace: namespace, labelSelector: labelSelector, limit: limit,
                                 eachPage: eachPage)
    }

    public func get(_ ref: ObjectReference) async throws -> Node? {
        try await base.get(ref)
    }

    public func apply(_ object: Node, fieldManager: String, force: Bool, dryRun: Bool) async throws -> Node {
        if !dryRun { try checkLeader() }
        return try await base.apply(object, fieldManager: fieldManager, force: force, dryRun: dryRun)
    }

    public func mergePatch(_ ref: ObjectReference, patch: Node, fieldManager: String?) async throws -> Node {
        try checkLeader()
        return try await base.mergePatch(ref, patch: patch, fieldManager: fieldManager)
    }

    public func delete(_ ref: ObjectReference, propagation: String, uid: String?, resourceVersion: String?) async throws {
        try checkLeader()
        try await base.delete(ref, propagation: propagation, uid: uid, resourceVersion: resourceVersion)
    }

    public func createEvent(_ event: Node) async throws -> Node {
        try checkLeader()
        return try await base.createEvent(event)
    }

    public func create(_ object: Node) async throws -> Node {
        try checkLeader()
        return try await base.create(object)
    }

    public func update(_ object: Node) async throws -> Node {
        try checkLeader()
        return try await base.update(object)
    }

    public func watch(_ resource: APIResource, namespace: String?, labelSelector: String?, resourceVersion: String?) -> AsyncThrowingStream<WatchEvent, any Error> {
        base.watch(resource, namespace: namespace, labelSelector: labelSelector, resourceVersion: resourceVersion)
    }
}
