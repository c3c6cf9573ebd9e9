import ReconcileCore

/// The verdict function: (source workload, destination workload, port) → allowed / denied /
/// unknown with the rule that decided, layered as the data path is: Kubernetes NetworkPolicy
/// and Calico at L3/L4 (source egress, then destination ingress), then Istio at the
/// destination's sidecar. Pure: built from objects already read.
public struct ReachabilityModel: Sendable {
    public let workloads: [Workload]
    let evaluated: [EvaluatedWorkload]
    let index: [WorkloadID: Int]
    let network: NetworkLayer
    let mesh: MeshLayer
    /// Policies that could not be read (each named by file, line and field).
    public let problems: [PolicyProblem]

    /// The policy kinds the model reads, as (group, kind).
    public static let policyKinds: Set<PolicyKind> = [
        PolicyKind(group: "networking.k8s.io", kind: "NetworkPolicy"),
        PolicyKind(group: "projectcalico.org", kind: "NetworkPolicy"),
        PolicyKind(group: "projectcalico.org", kind: "GlobalNetworkPolicy"),
        PolicyKind(group: "projectcalico.org", kind: "Tier"),
        PolicyKind(group: "security.istio.io", kind: "PeerAuthentication"),
        PolicyKind(group: "security.istio.io", kind: "AuthorizationPolicy"),
    ]

    /// `serviceAccountLabels`: labels of ServiceAccounts by `namespace/name`, when known (Calico
    /// `serviceAccountSelector`); a selector on an unknown account's labels is unknown.
    public init(workloads: [Workload], policies: [PolicyObject], settings: MeshSettings = MeshSettings(),
                serviceAccountLabels: [String: [String: String]]? = nil) {
        self.workloads = workloads
        let evaluated = workloads.map { workload in
            EvaluatedWorkload(workload, serviceAccountLabels: serviceAccountLabels.map { $0["\(workload.id.namespace)/\(workload.serviceAccount)"] ?? [:] })
        }
        self.evaluated = evaluated
        index = Dictionary(workloads.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        var net: [NetPolicy] = [], tiers: [PolicyObject] = [], peers: [PolicyObject] = [], authorizations: [PolicyObject] = []
        for object in policies {
            switch (object.group, object.kind) {
            case ("networking.k8s.io", "NetworkPolicy"): net.append(.kube(object))
            case ("projectcalico.org", "NetworkPolicy"), ("projectcalico.org", "GlobalNetworkPolicy"): net.append(.calico(object))
            case ("projectcalico.org", "Tier"): tiers.append(object)
            case ("security.istio.io", "PeerAuthentication"): peers.append(object)
            case ("security.istio.io", "AuthorizationPolicy"): authorizations.append(object)
            default: continue
            }
        }
        network = NetworkLayer(policies: net, tierObjects: tiers, workloads: evaluated)
        mesh = MeshLayer(peerAuthentications: peers, authorizationPolicies: authorizations, workloads: evaluated, settings: settings)
        var problems = net.compactMap(\.problem)
        for object in peers { if case .failure(let error) = Result(catching: { () throws(PolicyProblem) in try PeerAuthentication.read(object) }) { problems.append(error) } }
        for object in authorizations { if case .failure(let error) = Result(catching: { () throws(PolicyProblem) in try AuthorizationPolicy.read(object) }) { problems.append(error) } }
        self.problems = problems
    }

    /// Indices of the workloads a policy (or a Calico tier) may apply to.
    func selected(by key: ObjectKey) -> Set<Int> {
        (network.selections[key] ?? []).union(mesh.selections[key] ?? [])
    }

    public func workload(_ id: WorkloadID) -> Workload? { index[id].map { workloads[$0] } }

    /// The verdict for traffic from `source` to `destination` on `port` (a port of the destination).
    public func verdict(from source: WorkloadID, to destination: WorkloadID, port: WorkloadPort) -> Verdict? {
        guard let s = index[source], let d = index[destination] else { return nil }
        return verdict(source: s, destination: d, port: port)
    }

    func verdict(source: Int, destination: Int, port: WorkloadPort) -> Verdict {
        let net = network.verdict(source: source, destination: destination, workloads: evaluated, port: port)
        if net.outcome == .denied { return net }
        let sidecar = mesh.verdict(source: source, destination: destination, workloads: evaluated, port: port)
        if sidecar.outcome == .denied || net.outcome == .unknown { return sidecar.outcome == .denied ? sidecar : net }
        if sidecar.outcome == .unknown { return sidecar }
        if sidecar.rule.isDefault && sidecar.conditions.isEmpty && !net.rule.isDefault { return net }
        return sidecar
    }
}

/// A policy kind by API group and kind.
public struct PolicyKind: Hashable, Sendable {
    public var group: String
    public var kind: String
    public init(group: String, kind: String) {
        self.group = group
        self.kind = kind
    }
}
