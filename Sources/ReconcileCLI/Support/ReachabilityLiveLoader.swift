import Kube
import ReconcileCore
import ReconcileEngine
import ReconcileReachability
import YAML

/// Reads what the reachability model needs from a cluster: namespaces, pods and their
/// ReplicaSets, Services, and every policy object of the kinds it reads (not only those this
/// instance manages). Kinds the cluster does not serve (no Calico, no Istio) are skipped.
struct ReachabilityLiveLoader {
    var cluster: any ClusterAPI
    var pageSize = 500

    static let kinds: [(group: String, kind: String)] = [
        ("", "Namespace"), ("", "Pod"), ("apps", "ReplicaSet"), ("", "Service"),
        ("networking.k8s.io", "NetworkPolicy"), ("projectcalico.org", "NetworkPolicy"),
        ("projectcalico.org", "GlobalNetworkPolicy"), ("projectcalico.org", "Tier"),
        ("security.istio.io", "PeerAuthentication"), ("security.istio.io", "AuthorizationPolicy"),
    ]

    func load() async throws -> LiveState {
        let cluster = self.cluster, pageSize = self.pageSize
        return try await withThrowingTaskGroup(of: [LiveState.Item].self) { group in
            for (groupName, kind) in Self.kinds {
                group.addTask {
                    let resource: APIResource
                    do { resource = try await cluster.resource(group: groupName, kind: kind, version: nil) } catch let error as KubeError where error.isNotFound {
                        return []
                    }
                    let result = try await cluster.list(resource, namespace: nil, labelSelector: nil, limit: pageSize)
                    return result.rawItems.compactMap {
                        LiveState.Item(json: $0, listAPIVersion: result.itemAPIVersion, listKind: result.itemKind, decode: result.decode)
                    }
                }
            }
            var state = LiveState()
            for try await items in group { for item in items { state.insert(item) } }
            return state
        }
    }
}
