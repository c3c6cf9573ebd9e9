import Kube
import ReconcileEngine
import YAML

/// The cluster as the writers (Applier, Restarter, events, status, drift correction) see it:
/// reads pass through; every write first checks that this replica is still the leader (and the
/// task not cancelled) and fails at once otherwise, so leadership lost mid-run stops writes
/// before the next request, whatever the writer is doing.
public struct LeaderGuardedCluster: ControllerCluster {
    public struct NotLeader: Error, CustomStringConvertible {
        public var description: String { "not the leader (any more): nothing is written" }
    }

    public let base: any ControllerCluster
    public let isLeader: @Sendable () -> Bool

    public init(base: any ControllerCluster, isLeader: @escaping @Sendable () -> Bool) {
        self.base = base
        self.isLeader = isLeader
    }

    private func checkLeader() throws {
        guard isLeader(), !Task.isCancelled else { throw NotLeader() }
    }

    public func resource(group: String, kind: String, version: String?) async throws -> APIResource {
        try await base.resource(group: group, kind: kind, version: version)
    }

    public func list(_ resource: APIResource, namespace: String?, labelSelector: String?, limit: Int) async throws -> ListResult {
        try await base.list(resource, namespace: namespace, labelSelector: labelSelector, limit: limit)
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
