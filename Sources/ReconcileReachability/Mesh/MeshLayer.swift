import ReconcileCore

/// Istio settings the model needs that are not in the policy objects.
public struct MeshSettings: Sendable, Hashable {
    /// Namespaces whose selector-less policies apply mesh-wide: Istio's default root namespace
    /// `istio-system`, and `aks-istio-system`, the AKS add-on's. Both are read, as a snapshot
    /// does not say which control plane runs; a cluster rarely has policies in both.
    public var rootNamespaces: [String]
    public var trustDomain: String

    public init(rootNamespaces: [String] = ["istio-system", "aks-istio-system"], trustDomain: String = "cluster.local") {
        self.rootNamespaces = rootNamespaces
        self.trustDomain = trustDomain
    }
}

/// The destination sidecar: PeerAuthentication (does it accept the source's plain text?),
/// then AuthorizationPolicy (CUSTOM, DENY, ALLOW; AUDIT decides nothing). A destination without
/// a sidecar enforces neither.
struct MeshLayer: Sendable {
    let settings: MeshSettings
    /// Per workload: its workload-level PeerAuthentications (oldest first), namespace-level one, mesh-wide one.
    private let workloadPeer: [[PeerAuthentication]]
    private let namespacePeer: [String: PeerAuthentication]
    private let meshPeer: PeerAuthentication?
    /// Per workload: the AuthorizationPolicies that apply to its sidecar.
    private let authorization: [[AuthorizationPolicy]]
    private let problems: [String: [PolicyProblem]]   // namespace ("" = mesh-wide) → unreadable policies there
    /// The workloads each policy applies to (an unreadable one: every workload it could).
    let selections: [ObjectKey: Set<Int>]

    init(peerAuthentications: [PolicyObject], authorizationPolicies: [PolicyObject], workloads: [EvaluatedWorkload],
         settings: MeshSettings) {
        self.settings = settings
        var problems: [String: [PolicyProblem]] = [:]
        func note(_ object: PolicyObject, _ problem: PolicyProblem) {
            var problem = problem
            problem.key = object.key
            problems[settings.rootNamespaces.contains(object.namespace) ? "" : object.namespace, default: []].append(problem)
        }
        var peers: [PeerAuthentication] = []
        for object in peerAuthentications {
            do { peers.append(try PeerAuthentication.read(object)) } catch { note(object, error) }
        }
        peers.sort { ($0.created, $0.object.namespace, $0.object.name) < ($1.created, $1.object.namespace, $1.object.name) }
        var namespacePeer: [String: PeerAuthentication] = [:]
        var meshPeer: PeerAuthentication?
        for peer in peers where peer.selector == nil {
            if settings.rootNamespaces.contains(peer.object.namespace) {
                if meshPeer == nil { meshPeer = peer }
            } else if namespacePeer[peer.object.namespace] == nil {
                namespacePeer[peer.object.namespace] = peer
            }
        }
        self.namespacePeer = namespacePeer
        self.meshPeer = meshPeer
        workloadPeer = workloads.map { workload in
            peers.filter { peer in
                guard let selector = peer.selector, peer.object.namespace == workload.id.namespace else { return false }
                return selector.matches(workload.labels)
            }
        }
        var policies: [AuthorizationPolicy] = []
        for object in authorizationPolicies {
            do { policies.append(try AuthorizationPolicy.read(object)) } catch { note(object, error) }
        }
        policies.sort { ($0.object.namespace, $0.object.name) < ($1.object.namespace, $1.object.name) }
        authorization = workloads.map { workload in
            policies.filter { policy in
                guard !policy.targetsProxies else { return false }
                let meshWide = settings.rootNamespaces.contains(policy.object.namespace)
                guard meshWide || policy.object.namespace == workload.id.namespace else { return false }
                return policy.selector.matches(workload.labels)
            }
        }
        self.problems = problems
        var selections: [ObjectKey: Set<Int>] = [:]
        for (w, workload) in workloads.enumerated() {
            for peer in workloadPeer[w] { selections[peer.object.key, default: []].insert(w) }
            if let peer = namespacePeer[workload.id.namespace] { selections[peer.object.key, default: []].insert(w) }
            if let peer = meshPeer { selections[peer.object.key, default: []].insert(w) }
            for policy in authorization[w] { selections[policy.object.key, default: []].insert(w) }
            for problem in problems[workload.id.namespace] ?? [] { if let key = problem.key { selections[key, default: []].insert(w) } }
            for problem in problems[""] ?? [] { if let key = problem.key { selections[key, default: []].insert(w) } }
        }
        self.selections = selections
    }

    /// The mode the destination's sidecar enforces on `port`, and the policy that set it.
    func mtls(destination: Int, namespace: String, port: WorkloadPort) -> (PeerAuthentication.Mode, PeerAuthentication?) {
        for peer in workloadPeer[destination].prefix(1) {
            if let mode = peer.portModes[port.number], mode != .unset { return (mode, peer) }
            if peer.mode != .unset { return (peer.mode, peer) }
        }
        if let peer = namespacePeer[namespace], peer.mode != .unset { return (peer.mode, peer) }
        if let peer = meshPeer, peer.mode != .unset { return (peer.mode, peer) }
        return (.permissive, nil)
    }

    func verdict(source: Int, destination: Int, workloads: [EvaluatedWorkload], port: WorkloadPort) -> Verdict {
        let from = workloads[source], to = workloads[destination]
        guard to.workload.injected else { return Verdict(.allowed, .mesh, .none("the destination has no sidecar")) }
        if let problem = (problems[to.id.namespace] ?? []).first ?? (problems[""] ?? []).first {
            return Verdict(.unknown, .mesh, RuleRef.none("unreadable mesh policy: \(problem)"))
        }
        let (mode, peer) = mtls(destination: destination, namespace: to.id.namespace, port: port)
        if mode == .strict && !from.workload.injected {
            return Verdict(.denied, .mesh, peer!.object.ref("mTLS STRICT: the source has no sidecar, so it sends plain text"))
        }
        let identified = from.workload.injected && mode != .disable
        let facts = RequestFacts(
            source: from, destination: to, port: port,
            principal: identified ? "\(settings.trustDomain)/ns/\(from.id.namespace)/sa/\(from.workload.serviceAccount)" : nil,
            sourceNamespace: identified ? from.id.namespace : nil,
            tcpOnly: Self.tcpOnly(port))
        return authorize(facts, policies: authorization[destination])
    }

    private func authorize(_ facts: RequestFacts, policies: [AuthorizationPolicy]) -> Verdict {
        var doubt: (RuleRef, String)?
        var exceptions: [String] = []
        func firstRule(_ policy: AuthorizationPolicy, deny: Bool) -> (Match, Int?) {
            var unknown: (Match, Int)?
            var conditional: (Match, Int)?
            for rule in policy.rules {
                let match = rule.matches(facts, deny: deny, object: policy.object)
                switch match {
                case .yes: return (match, rule.index)
                case .no: continue
                case .unknown: unknown = unknown ?? (match, rule.index)
                case .conditional: conditional = conditional ?? (match, rule.index)
                }
            }
            if let unknown { return (unknown.0, unknown.1) }
            if let conditional { return (conditional.0, conditional.1) }
            return (.no, nil)
        }
        for policy in policies where policy.action == .custom {
            if case (let match, let rule?) = firstRule(policy, deny: true), match != .no {
                return Verdict(.unknown, .mesh, policy.object.ref("CUSTOM rule \(rule): decided by an external authorizer"))
            }
        }
        for policy in policies where policy.action == .deny {
            let (match, rule) = firstRule(policy, deny: true)
            let ref = policy.object.ref("DENY rule \(rule ?? 0)")
            switch match {
            case .yes: return Verdict(.denied, .mesh, ref)
            case .no: continue
            case .conditional(let conditions): exceptions.append("not (\(conditions.joined(separator: " and "))) [\(ref.object)]")
            case .unknown(let why): doubt = doubt ?? (ref, why)
            }
        }
        let allows = policies.filter { $0.action == .allow }
        var verdict: Verdict
        if allows.isEmpty {
            verdict = Verdict(.allowed, .mesh, .none("no ALLOW policy selects the destination"))
        } else {
            var best: Verdict?
            var allowDoubt: (RuleRef, String)?
            for policy in allows {
                let (match, rule) = firstRule(policy, deny: false)
                let ref = policy.object.ref("ALLOW rule \(rule ?? 0)")
                switch match {
                case .yes: best = Verdict(.allowed, .mesh, ref)
                case .no: continue
                case .conditional(let conditions):
                    if best == nil { best = Verdict(.allowed, .mesh, ref, conditions: conditions) }
                case .unknown(let why): allowDoubt = allowDoubt ?? (ref, why)
                }
                if let best, best.conditions.isEmpty { break }
            }
            // A rule that surely allows settles it; otherwise an undecidable rule might have.
            if best == nil || best?.conditions.isEmpty == false { doubt = doubt ?? allowDoubt }
            if let best { verdict = best } else {
                let policy = allows[0].object
                let detail = allows.count > 1 ? "no rule of \(allows.count) ALLOW policies matches" : "no ALLOW rule matches"
                verdict = Verdict(.denied, .mesh, policy.ref("\(detail) this source and port"))
            }
        }
        if let (ref, why) = doubt {
            var rule = ref
            rule.detail += " — unknown: \(why)"
            return Verdict(.unknown, .mesh, rule)
        }
        verdict.conditions += exceptions
        return verdict
    }

    /// Istio reads the protocol from the port name's prefix; these are served as plain TCP.
    static func tcpOnly(_ port: WorkloadPort) -> Bool {
        guard let name = port.name?.lowercased() else { return port.proto != "TCP" }
        return ["tcp", "tls", "mongo", "mysql", "redis"].contains { name == $0 || name.hasPrefix($0 + "-") } || port.proto != "TCP"
    }
}
