import Kube
public import ReconcileCore

extension ClusterBinding {
    /// The binding of the cluster behind `cluster`: `server` as the kubeconfig names it, and the
    /// uid of its `kube-system` Namespace (nil when the cluster has none).
    public static func read(from cluster: any ClusterAPI, server: String) async throws -> ClusterBinding {
        let ref = ObjectReference(apiVersion: "v1", kind: "Namespace", namespace: "", name: "kube-system")
        let uid = try await cluster.get(ref)?[path: ["metadata", "uid"]]?.string
        return ClusterBinding(server: server, kubeSystemUID: uid)
    }
}
