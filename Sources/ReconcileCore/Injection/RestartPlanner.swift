import YAML

/// A workload whose pods must restart to get the sidecar injection their namespace now asks for.
public struct PlannedRestart: Sendable, Codable, Hashable {
    public var workload: ObjectKey
    public var from: PodInjection
    public var to: PodInjection
    public var pods: Int
    public var reason: String
    /// A restart was already triggered after every stale pod was created (`restartedAt` on the
    /// pod template): its rollout is under way — an apply interrupted mid-restart, resumed by
    /// the next run — so the executor waits for it instead of restarting the workload again.
    public var rolloutStarted: Bool

    public init(workload: ObjectKey, from: PodInjection, to: PodInjection, pods: Int, reason: String, rolloutStarted: Bool = false) {
        self.workload = workload
        self.from = from
        self.to = to
        self.pods = pods
        self.reason = reason
        self.rolloutStarted = rolloutStarted
    }
}

/// Something reconcile cannot or will not restart itself; a person must act.
public struct ManualRestart: Sendable, Codable, Hashable {
    public var object: ObjectKey
    public var reason: String
}

/// Finds the workloads whose running pods' injection differs from what the namespace (after the
/// planned label changes) would give them, as `kubectl rollout restart` users check by hand.
public struct RestartPlanner: Sendable {
    /// Namespace labels after the plan, for each namespace whose injection reconcile manages.
    public var namespaceLabels: [String: [String: String]]
    public var live: LiveState

    public init(namespaceLabels: [String: [String: String]], live: LiveState) {
        self.namespaceLabels = namespaceLabels
        self.live = live
    }

    public func plan() -> (restarts: [PlannedRestart], manual: [ManualRestart]) {
        var restarts: [PlannedRestart] = []
        var manual: [ManualRestart] = []
        for namespace in namespaceLabels.keys.sorted() {
            let labels = namespaceLabels[namespace] ?? [:]
            let pods = live.context(kind: "Pod", group: "", namespace: namespace)
            var claimed = Set<String>()
            for kind in ["Deployment", "StatefulSet", "DaemonSet"] {
                let workloads = live.context(kind: kind, group: "apps", namespace: namespace).sorted { ($0.name ?? "") < ($1.name ?? "") }
                for workload in workloads {
                    guard let name = workload.name, let selector = LabelSelector(selectorNode: workload[path: ["spec", "selector"]]) else { continue }
                    let key = ObjectKey(group: "apps", kind: kind, namespace: namespace, name: name)
                    let owned = pods.filter { selector.matches($0.labels) }
                    owned.compactMap(\.name).forEach { claimed.insert($0) }
                    let template = workload[path: ["spec", "template", "metadata"]] ?? Node(.mapping([]))
                    let wanted = PodInjection.wanted(templateLabels: template.stringMap(at: ["labels"]),
                                                     templateAnnotations: template.stringMap(at: ["annotations"]),
                                                     namespaceLabels: labels)
                    let stale = owned.filter { PodInjection.running(pod: $0).needsRestart(toGet: wanted) }
                    guard let sample = stale.first else { continue }
                    let have = PodInjection.running(pod: sample)
                    let reason = RestartPlanner.reason(have: have, want: wanted, stale: stale.count, total: owned.count)
                    if workload.annotations[Tracking.restartAnnotation] == "disabled" {
                        manual.append(ManualRestart(object: key, reason: "\(reason); not restarted: annotated \(Tracking.restartAnnotation)=disabled"))
                    } else if kind == "Deployment", workload[path: ["spec", "paused"]]?.bool == true {
                        manual.append(ManualRestart(object: key, reason: "\(reason); the Deployment is paused: resume it to roll out"))
                    } else {
                        let started = RestartPlanner.rolloutStarted(templateAnnotations: template.stringMap(at: ["annotations"]), stale: stale)
                        restarts.append(PlannedRestart(workload: key, from: have, to: wanted, pods: stale.count,
                                                       reason: started ? reason + "; its restart is already rolling out" : reason, rolloutStarted: started))
                    }
                }
            }
            // Pods no Deployment/StatefulSet/DaemonSet restarts: Jobs, bare Pods, orphan ReplicaSets.
            for pod in pods.sorted(by: { ($0.name ?? "") < ($1.name ?? "") }) {
                guard let name = pod.name, !claimed.contains(name) else { continue }
                if pod[path: ["status", "phase"]]?.string == "Succeeded" || pod[path: ["status", "phase"]]?.string == "Failed" { continue }
                let wanted = PodInjection.wanted(templateLabels: pod.labels, templateAnnotations: pod.annotations, namespaceLabels: labels)
                let have = PodInjection.running(pod: pod)
                guard have.needsRestart(toGet: wanted) else { continue }
                let owner = pod[path: ["metadata", "ownerReferences"]]?.sequence?.first
                let ownerText = owner.flatMap { o in o["kind"]?.string.map { "\($0) \(o["name"]?.string ?? "")" } } ?? "no owner (a bare Pod)"
                manual.append(ManualRestart(object: ObjectKey(group: "", kind: "Pod", namespace: namespace, name: name),
                                            reason: "\(have) but would be \(wanted); owned by \(ownerText): recreate it by hand"))
            }
        }
        return (restarts, manual)
    }

    /// Whether the template's `restartedAt` is later than the creation of every stale pod: the
    /// restart that replaces them was already made (ISO 8601 times compare as text).
    static func rolloutStarted(templateAnnotations: [String: String], stale: [Node]) -> Bool {
        guard let restartedAt = templateAnnotations[RolloutStatus.restartedAtAnnotation], !restartedAt.isEmpty else { return false }
        return stale.allSatisfy { pod in
            guard let created = pod[path: ["metadata", "creationTimestamp"]]?.string, !created.isEmpty else { return false }
            return created < restartedAt
        }
    }

    static func reason(have: PodInjection, want: PodInjection, stale: Int, total: Int) -> String {
        let pods = stale == total ? "\(stale) pod\(stale == 1 ? "" : "s")" : "\(stale) of \(total) pods"
        switch (have.injected, want.injected) {
        case (false, true): return "\(pods) not injected; namespace now injects \(want.revision.map { "revision \($0)" } ?? "the default revision")"
        case (true, false): return "\(pods) \(have); namespace now disables injection"
        default: return "\(pods) on revision \(have.revision ?? "default"); namespace now selects \(want.revision ?? "default")"
        }
    }
}
