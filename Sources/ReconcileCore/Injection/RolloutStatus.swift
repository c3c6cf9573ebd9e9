public import YAML

/// Whether a restarted workload has finished rolling out, decided exactly as
/// `kubectl rollout status` does from the workload's status (observedGeneration, updated, ready
/// and available replicas, the Progressing condition).
public enum RolloutStatus: Sendable, Equatable {
    case complete
    case progressing(String)
    case failed(String)

    public static func of(_ workload: Node) -> RolloutStatus {
        let generation = workload[path: ["metadata", "generation"]]?.int ?? 0
        let status = workload["status"] ?? Node(.mapping([]))
        let observed = status["observedGeneration"]?.int ?? 0
        guard observed >= generation else { return .progressing("waiting for the rollout to be observed") }
        func count(_ key: String) -> Int { status[key]?.int ?? 0 }
        switch workload.kind {
        case "Deployment":
            let conditions = status["conditions"]?.sequence ?? []
            if conditions.contains(where: { $0["type"]?.string == "Progressing" && $0["reason"]?.string == "ProgressDeadlineExceeded" }) {
                return .failed("deployment exceeded its progress deadline")
            }
            let wanted = workload[path: ["spec", "replicas"]]?.int ?? 1
            let updated = count("updatedReplicas")
            if updated < wanted { return .progressing("\(updated) of \(wanted) updated replicas are available") }
            if count("replicas") > updated { return .progressing("\(count("replicas") - updated) old replicas are pending termination") }
            if count("availableReplicas") < updated { return .progressing("\(count("availableReplicas")) of \(updated) updated replicas are available") }
            return .complete
        case "StatefulSet":
            let wanted = workload[path: ["spec", "replicas"]]?.int ?? 1
            if workload[path: ["spec", "updateStrategy", "type"]]?.string == "OnDelete" {
                return .failed("the StatefulSet uses the OnDelete update strategy: its pods must be deleted by hand")
            }
            if count("readyReplicas") < wanted { return .progressing("\(count("readyReplicas")) of \(wanted) pods are ready") }
            if let partition = workload[path: ["spec", "updateStrategy", "rollingUpdate", "partition"]]?.int, partition > 0 {
                return count("updatedReplicas") >= wanted - partition ? .complete : .progressing("\(count("updatedReplicas")) of \(wanted - partition) partitioned pods updated")
            }
            let current = status["currentRevision"]?.string
            let update = status["updateRevision"]?.string
            if let update, current != update { return .progressing("\(count("updatedReplicas")) of \(wanted) pods updated") }
            return .complete
        case "DaemonSet":
            let desired = count("desiredNumberScheduled")
            if count("updatedNumberScheduled") < desired { return .progressing("\(count("updatedNumberScheduled")) of \(desired) pods updated") }
            if count("numberAvailable") < desired { return .progressing("\(count("numberAvailable")) of \(desired) updated pods are available") }
            return .complete
        default:
            return .failed("\(workload.kind ?? "object") cannot be rolled out")
        }
    }

    /// The merge patch `kubectl rollout restart` sends: a new pod-template annotation, so the
    /// controller rolls every pod. Not server-side apply: reconcile must not own this field.
    /// The pod-template annotation `kubectl rollout restart` (and reconcile) sets.
    public static let restartedAtAnnotation = "kubectl.kubernetes.io/restartedAt"

    public static func restartPatch(at timestamp: String) -> Node {
        var patch = Node(.mapping([]))
        patch.set(.string(timestamp), at: ["spec", "template", "metadata", "annotations", restartedAtAnnotation])
        return patch
    }
}
