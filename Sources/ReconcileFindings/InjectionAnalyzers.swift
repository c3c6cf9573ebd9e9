import ReconcileCore
import YAML

/// IST0102 NamespaceNotInjected: a namespace holding desired Istio configuration that does not
/// inject sidecars after the plan. Needs the cluster (the namespace's labels may be set outside git).
struct NamespaceNotInjected: Analyzer {
    var codes: [String] { ["IST0102"] }

    func analyze(_ input: AnalysisInput) -> [Finding] {
        guard input.live != nil else { return [] }
        var findings: [Finding] = []
        var seen = Set<String>()
        let meshGroups = Mesh.networking.union(Mesh.security)
        for object in input.desired.objects where meshGroups.contains(object.key.group) {
            let namespace = object.key.namespace
            guard !namespace.isEmpty, !Mesh.systemNamespaces.contains(namespace), seen.insert(namespace).inserted else { continue }
            guard let injects = input.namespaceInjects(namespace), !injects else { continue }
            findings.append(Finding(
                code: "IST0102", severity: .warning,
                message: "namespace \(namespace) is not enabled for Istio injection, but \(object.key.shortDescription) configures the mesh in it",
                object: ObjectKey(group: "", kind: "Namespace", name: namespace), source: object.source,
                hint: "add `\(namespace): enabled` (or `{ revision: <rev> }`) to namespaces: in reconcile.yaml"))
        }
        return findings
    }
}

/// RC4001: a STRICT PeerAuthentication (namespace-wide, or mesh-wide in the root namespace)
/// applied where running pods have no sidecar and will not get one from this plan's restarts:
/// they can no longer call the namespace's (or the mesh's) injected workloads in plain text.
/// Namespace-wide is an error; mesh-wide is a warning (its callers may live anywhere).
struct StrictMTLSWithUninjectedPods: Analyzer {
    var codes: [String] { ["RC4001"] }

    func analyze(_ input: AnalysisInput) -> [Finding] {
        guard let live = input.live else { return [] }
        var findings: [Finding] = []
        for policy in input.desiredItems(kind: "PeerAuthentication", groups: Mesh.security) {
            guard policy.body[path: ["spec", "selector"]] == nil,
                  policy.body[path: ["spec", "mtls", "mode"]]?.string == "STRICT" else { continue }
            let meshWide = Mesh.rootNamespaces.contains(policy.key.namespace)
            let namespaces = meshWide
                ? live.namespaces.keys.filter { !Mesh.systemNamespaces.contains($0) }.sorted()
                : [policy.key.namespace]
            for namespace in namespaces {
                let stale = uninjectedPods(namespace: namespace, input: input, live: live)
                guard !stale.isEmpty else { continue }
                let shown = stale.prefix(5).joined(separator: ", ") + (stale.count > 5 ? " and \(stale.count - 5) more" : "")
                findings.append(Finding(
                    code: "RC4001", severity: meshWide ? .warning : .error,
                    message: "\(policy.key.shortDescription) makes mTLS STRICT \(meshWide ? "mesh-wide" : "in namespace \(namespace)") but \(stale.count) running pod\(stale.count == 1 ? "" : "s") in \(namespace) will have no sidecar after this plan (\(shown)): their plain-text calls to injected workloads will be refused",
                    object: policy.key, source: input.source(policy, at: policy.body[path: ["spec", "mtls"]]?.mark(ofKey: "mode")),
                    hint: "inject namespace \(namespace) and restart its workloads first (namespaces: in reconcile.yaml), or keep PERMISSIVE until every pod has a sidecar"))
            }
        }
        return findings
    }

    /// Running pods of a namespace without a sidecar that no planned restart gives one.
    private func uninjectedPods(namespace: String, input: AnalysisInput, live: LiveState) -> [String] {
        let restarted = input.restarts.filter { $0.workload.namespace == namespace && $0.to.injected }.compactMap { restart -> LabelSelector? in
            LabelSelector(selectorNode: live.context[restart.workload]?[path: ["spec", "selector"]])
        }
        return live.context(kind: "Pod", group: "", namespace: namespace).filter { pod in
            let phase = pod[path: ["status", "phase"]]?.string
            if phase == "Succeeded" || phase == "Failed" { return false }
            if PodInjection.running(pod: pod).injected { return false }
            return !restarted.contains { $0.matches(pod.labels) }
        }.compactMap(\.name).sorted()
    }
}

/// RC4002: a planned restart that takes every replica of a workload down at once — one replica,
/// a Deployment with the Recreate strategy, or maxUnavailable covering all replicas.
struct RestartTakesAllReplicasDown: Analyzer {
    var codes: [String] { ["RC4002"] }

    func analyze(_ input: AnalysisInput) -> [Finding] {
        guard let live = input.live else { return [] }
        var findings: [Finding] = []
        for restart in input.restarts {
            guard let workload = live.context[restart.workload], let why = RestartTakesAllReplicasDown.reason(workload) else { continue }
            let source = input.desired.namespaceInjection[restart.workload.namespace]?.source
            findings.append(Finding(
                code: "RC4002", severity: .warning,
                message: "restarting \(restart.workload.shortDescription) takes all of its pods down at once (\(why)): it is unavailable until the new pod is ready",
                object: restart.workload, source: source,
                hint: "scale it to 2 or more replicas with a RollingUpdate strategy before the restart, or accept the short outage"))
        }
        return findings
    }

    static func reason(_ workload: Node) -> String? {
        switch workload.kind {
        case "Deployment":
            let replicas = workload[path: ["spec", "replicas"]]?.int ?? 1
            if workload[path: ["spec", "strategy", "type"]]?.string == "Recreate" { return "strategy Recreate" }
            if replicas <= 1 { return "1 replica" }
            if let unavailable = workload[path: ["spec", "strategy", "rollingUpdate", "maxUnavailable"]],
               scaled(unavailable, of: replicas) >= replicas { return "maxUnavailable \(unavailable.scalarText ?? "") of \(replicas) replicas" }
            return nil
        case "StatefulSet":
            let replicas = workload[path: ["spec", "replicas"]]?.int ?? 1
            if replicas <= 1 { return "1 replica" }
            if let unavailable = workload[path: ["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"]],
               scaled(unavailable, of: replicas) >= replicas { return "maxUnavailable \(unavailable.scalarText ?? "") of \(replicas) replicas" }
            return nil
        case "DaemonSet":
            let scheduled = workload[path: ["status", "desiredNumberScheduled"]]?.int ?? 0
            if scheduled == 1 { return "1 pod scheduled" }
            if scheduled > 1, let unavailable = workload[path: ["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"]],
               scaled(unavailable, of: scheduled) >= scheduled { return "maxUnavailable \(unavailable.scalarText ?? "") of \(scheduled) pods" }
            return nil
        default:
            return nil
        }
    }

    /// An int-or-percent as Kubernetes scales maxUnavailable (percentages round down).
    static func scaled(_ value: Node, of total: Int) -> Int {
        if let int = value.int { return int }
        guard let text = value.string, text.hasSuffix("%"), let percent = Int(text.dropLast()) else { return 0 }
        return total * percent / 100
    }
}
