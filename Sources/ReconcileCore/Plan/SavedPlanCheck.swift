public import YAML

/// The cluster a live plan was made against: its API server URL and the uid of its `kube-system`
/// Namespace (a uid is minted once per cluster, so a recreated or different cluster behind the
/// same URL is told apart). A saved plan is applied only to that cluster.
public struct ClusterBinding: Sendable, Hashable {
    public var server: String
    public var kubeSystemUID: String?

    public init(server: String, kubeSystemUID: String?) {
        self.server = server
        self.kubeSystemUID = kubeSystemUID
    }

    public var description: String { "\(server) (kube-system uid \(kubeSystemUID ?? "unknown"))" }
}

/// What `apply plan.json` checks before it writes anything. The plan file's digest only catches
/// accidental edits (anyone can recompute it), so everything a saved plan would write is checked
/// again against this process's own boundary: the allowlist, the operator's namespace scope and
/// Namespace label rules, the pinned instance, and the cluster the plan was made for. Pure.
public enum SavedPlanCheck {
    public struct Refusal: Error, CustomStringConvertible, Sendable {
        public var problems: [String]
        public var file: String
        public var description: String {
            "\(file) is refused, nothing was applied:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
        }
    }

    public static func check(_ plan: Plan, file: String, scope: Scope, cluster: ClusterBinding) throws(Refusal) {
        var problems: [String] = []
        if let pinned = scope.instance, pinned != plan.instance {
            problems.append("it was made for instance \"\(plan.instance)\"; this process is pinned to --instance \(pinned)")
        }
        if let bound = plan.cluster {
            if bound.server != cluster.server || bound.kubeSystemUID != cluster.kubeSystemUID {
                problems.append("it was made against the cluster \(bound.description), not \(cluster.description)")
            }
        } else {
            problems.append("it names no cluster: save plans against a cluster with `reconcile plan -o FILE`")
        }
        for (index, change) in plan.changes.enumerated() where change.blocked == nil {
            let at = "change \(index + 1) (\(change.action.rawValue) \(change.key.shortDescription))"
            problems += self.problems(of: change, instance: plan.instance, scope: scope).map { "\(at): \($0)" }
        }
        for restart in plan.restarts {
            let at = "restart of \(restart.workload.shortDescription)"
            if !Allowlist.workloadKinds.contains(restart.workload.groupKind) {
                problems.append("\(at): \(restart.workload.kind) is not a workload reconcile restarts")
            }
            if let refusal = scope.namespaceRefusal(restart.workload.namespace) { problems.append("\(at): \(refusal)") }
        }
        if !problems.isEmpty { throw Refusal(problems: problems, file: file) }
    }

    /// Why one change may not be carried out by this process, if it may not.
    static func problems(of change: PlannedChange, instance: String, scope: Scope) -> [String] {
        let key = change.key
        guard let entry = Allowlist.entry(for: key.groupKind) else {
            return [Allowlist.refusal(apiVersion: change.apiVersion, kind: key.kind) ?? "\(key.kind) is not in the allowlist"]
        }
        var problems: [String] = []
        if Allowlist.refusal(apiVersion: change.apiVersion, kind: key.kind) != nil || splitAPIVersion(change.apiVersion).group != key.group {
            problems.append("apiVersion \(change.apiVersion) does not belong to \(key.kind)")
        }
        if entry.namespaced {
            if key.namespace.isEmpty { problems.append("\(key.kind) is namespaced but the change names no namespace") }
            else if let refusal = scope.namespaceRefusal(key.namespace) { problems.append(refusal) }
        } else if !key.namespace.isEmpty {
            problems.append("\(key.kind) is cluster-scoped but the change names namespace \(key.namespace)")
        } else if entry.role == .namespace {
            if let refusal = scope.namespaceRefusal(key.name) { problems.append(refusal) }
        } else if let refusal = scope.clusterScopedRefusal(kind: key.kind) {
            problems.append(refusal)
        }
        switch change.action {
        case .delete:
            if entry.role == .namespace { problems.append("reconcile never deletes a Namespace") }
        case .create, .update:
            guard let body = change.body else { problems.append("the change has no body"); break }
            problems += bodyProblems(body, change: change, role: entry.role, instance: instance, scope: scope)
        }
        return problems
    }

    /// The body must be the object the change names, tracked by this plan's instance, and a
    /// Namespace may only carry the labels and annotations the operator allows.
    static func bodyProblems(_ body: Node, change: PlannedChange, role: Allowlist.Role, instance: String, scope: Scope) -> [String] {
        var problems: [String] = []
        let key = change.key
        if body["apiVersion"]?.string != change.apiVersion || body["kind"]?.string != key.kind
            || body[path: ["metadata", "name"]]?.string != key.name
            || (body[path: ["metadata", "namespace"]]?.string ?? "") != key.namespace {
            problems.append("the body is not the object the change names")
        }
        let labels = body[path: ["metadata", "labels"]]?.entries ?? []
        if role == .namespace {
            for label in labels where label.key != Tracking.instanceLabel && label.key != Tracking.bundleLabel {
                if let refusal = scope.namespaceLabelRefusal(label.key) { problems.append(refusal) }
            }
            for annotation in body[path: ["metadata", "annotations"]]?.entries ?? [] where annotation.key != Tracking.sourceAnnotation {
                if let refusal = scope.namespaceAnnotationRefusal(annotation.key) { problems.append(refusal) }
            }
            for field in body.entries ?? [] where !["apiVersion", "kind", "metadata"].contains(field.key) {
                problems.append("a Namespace body may only set labels and annotations, not \(field.key)")
            }
            if body[path: ["metadata", "finalizers"]] != nil { problems.append("a Namespace body may not set metadata.finalizers") }
        }
        if !change.labelsOnly {
            let tracked = labels.first { $0.key == Tracking.instanceLabel }?.value.string
            if tracked != instance { problems.append("the body is tracked by instance \"\(tracked ?? "none")\", not the plan's \"\(instance)\"") }
        }
        return problems
    }
}
