import Kube
import ReconcileEngine
import YAML

/// What the controller needs beyond the engine's `ClusterAPI`: create/update (the Lease, with
/// optimistic concurrency) and watches (drift). `KubeClient` is the real one; `MeteredCluster`
/// and `LeaderGuardedCluster` decorate it.
public protocol ControllerCluster: ClusterAPI {
    func create(_ object: Node) async throws -> Node
    func update(_ object: Node) async throws -> Node
    func watch(_ resource: APIResource, namespace: String?, labelSelector: String?, resourceVersion: String?) -> AsyncThrowingStream<WatchEvent, any Error>
}

extension KubeClient: ControllerCluster {}
