import ReconcileCore
import YAML

/// The reachability section of a plan: the live workloads and policies (before) against the
/// same cluster with the plan's changes made (after): policy objects created, updated or
/// deleted, namespace labels applied, and workloads restarted into (or out of) the mesh.
public enum PlanReachability {
    /// Whether a plan can change reachability at all (so a live plan lists pods only then).
    public static func affects(_ plan: Plan) -> Bool {
        plan.changes.contains { isPolicy($0.key) || ($0.key.kind == "Namespace" && $0.key.group.isEmpty) } || !plan.restarts.isEmpty
    }

    public static func isPolicy(_ key: ObjectKey) -> Bool {
        ReachabilityModel.policyKinds.contains(PolicyKind(group: key.group, kind: key.kind))
    }

    /// `live` must hold the namespaces, pods (with their ReplicaSets), Services and every
    /// policy object of the kinds the model reads, not only those this instance manages.
    public static func report(_ plan: Plan, live: LiveState, settings: MeshSettings = MeshSettings()) -> ReachabilityReport {
        let workloads = WorkloadInventory.build(namespaces: live.namespaces, objects: Array(live.context.values))
        var beforePolicies: [ObjectKey: PolicyObject] = [:]
        for (key, object) in live.objects where isPolicy(key) { beforePolicies[key] = PolicyObject(body: object.body) }
        for (key, body) in live.context where isPolicy(key) { beforePolicies[key] = PolicyObject(body: body) }
        var afterPolicies = beforePolicies
        var changed = Set<ObjectKey>()
        var namespaceLabels: [String: [String: String]] = [:]
        for change in plan.changes where change.blocked == nil {
            if isPolicy(change.key) {
                changed.insert(change.key)
                if change.action == .delete { afterPolicies[change.key] = nil }
                else if let body = change.body { afterPolicies[change.key] = PolicyObject(body: body, file: change.source?.file) }
            } else if change.key.kind == "Namespace", change.key.group.isEmpty, change.action != .delete, let body = change.body {
                namespaceLabels[change.key.name] = body.labels
            }
        }
        var restarted: [WorkloadID: Bool] = [:]
        for restart in plan.restarts {
            restarted[WorkloadID(kind: restart.workload.kind, namespace: restart.workload.namespace, name: restart.workload.name)] = restart.to.injected
        }
        let afterWorkloads = workloads.map { workload -> Workload in
            var workload = workload
            if let labels = namespaceLabels[workload.id.namespace] { workload.namespaceLabels.merge(labels) { _, new in new } }
            if let injected = restarted[workload.id] { workload.injected = injected }
            return workload
        }
        let accounts = serviceAccountLabels(live)
        let before = ReachabilityModel(workloads: workloads, policies: beforePolicies.sorted { $0.key < $1.key }.map(\.value),
                                       settings: settings, serviceAccountLabels: accounts)
        let after = ReachabilityModel(workloads: afterWorkloads, policies: afterPolicies.sorted { $0.key < $1.key }.map(\.value),
                                      settings: settings, serviceAccountLabels: accounts)
        var report = ReachabilityDiff.compare(before: before, after: after, changedPolicies: changed)
        report.policies = PolicySummary.changes(in: plan)
        return report
    }

    /// A plan between two revisions: no workloads, so only what each changed policy selects and does.
    public static func policyLevel(_ plan: Plan) -> ReachabilityReport {
        ReachabilityReport(status: .needsLiveWorkloads, policies: PolicySummary.changes(in: plan))
    }

    /// ServiceAccount labels by `namespace/name`, when the snapshot has ServiceAccounts.
    private static func serviceAccountLabels(_ live: LiveState) -> [String: [String: String]]? {
        var result: [String: [String: String]] = [:]
        for (key, body) in live.context where key.kind == "ServiceAccount" && key.group.isEmpty {
            result["\(key.namespace)/\(key.name)"] = body.labels
        }
        return result.isEmpty ? nil : result
    }
}
