import ReconcileCore
import YAML

/// The L3/L4 layer: Kubernetes NetworkPolicies and Calico policies over a fixed set of
/// workloads, with each workload's applicable policies found once per direction, so a verdict
/// looks only at the policies that select its two ends.
struct NetworkLayer: Sendable {
    struct Tier: Sendable {
        var order: Double?
        /// `Deny` (Calico's default) or `Pass`.
        var defaultAction: NetAction
    }

    let policies: [NetPolicy]
    let tiers: [String: Tier]
    /// Per workload index: the policies that select it, in evaluation order, and whether the
    /// selection itself is unknown.
    let ingressIndex: [[(policy: Int, unsure: String?)]]
    let egressIndex: [[(policy: Int, unsure: String?)]]
    /// The workloads each policy (and each tier, through its policies) may select.
    let selections: [ObjectKey: Set<Int>]

    init(policies unsorted: [NetPolicy], tierObjects: [PolicyObject], workloads: [EvaluatedWorkload]) {
        var tiers: [String: Tier] = ["default": Tier(order: 1_000_000, defaultAction: .deny)]
        for object in tierObjects {
            let spec = object.body["spec"]
            tiers[object.name] = Tier(order: spec?["order"]?.double,
                                      defaultAction: spec?["defaultAction"]?.string == "Pass" ? .pass : .deny)
        }
        func key(_ p: NetPolicy) -> (Double, String, Double, String) {
            (tiers[p.tier]?.order ?? .infinity, p.tier, p.order ?? .infinity, p.sortName)
        }
        let policies = unsorted.sorted { key($0) < key($1) }
        self.policies = policies
        self.tiers = tiers
        var ingress = Array(repeating: [(policy: Int, unsure: String?)](), count: workloads.count)
        var egress = ingress
        var selections: [ObjectKey: Set<Int>] = [:]
        for (p, policy) in policies.enumerated() where policy.ingress != nil || policy.egress != nil || policy.problem != nil {
            for (w, workload) in workloads.enumerated() {
                let unsure: String?
                switch policy.selects.matches(workload) {
                case .no: continue
                case .yes, .conditional: unsure = nil
                case .unknown(let why): unsure = why
                }
                selections[policy.object.key, default: []].insert(w)
                selections[ObjectKey(group: "projectcalico.org", kind: "Tier", name: policy.tier), default: []].insert(w)
                if policy.ingress != nil || policy.problem != nil { ingress[w].append((p, unsure)) }
                if policy.egress != nil || policy.problem != nil { egress[w].append((p, unsure)) }
            }
        }
        ingressIndex = ingress
        self.selections = selections
        egressIndex = egress
    }

    /// Source egress, then destination ingress.
    func verdict(source: Int, destination: Int, workloads: [EvaluatedWorkload], port: WorkloadPort) -> Verdict {
        let egress = decide(.egress, local: source, remote: destination, workloads: workloads, port: port)
        if egress.outcome == .denied { return egress }
        let ingress = decide(.ingress, local: destination, remote: source, workloads: workloads, port: port)
        if ingress.outcome == .denied || egress.outcome == .unknown { return ingress.outcome == .denied ? ingress : egress }
        if ingress.outcome == .unknown { return ingress }
        return ingress.rule.isDefault && !egress.rule.isDefault ? egress : ingress
    }

    private struct Pending {
        var action: NetAction?
        var rule: RuleRef
        var why: String
    }

    func decide(_ direction: NetPolicy.Direction, local: Int, remote: Int, workloads: [EvaluatedWorkload], port: WorkloadPort) -> Verdict {
        let applicable = direction == .ingress ? ingressIndex[local] : egressIndex[local]
        let name = direction == .ingress ? "ingress" : "egress"
        let localWorkload = workloads[local], remoteWorkload = workloads[remote]
        var pending: [Pending] = []

        func finish(_ action: NetAction, _ rule: RuleRef) -> Verdict {
            let outcome: Outcome = action == .deny ? .denied : .allowed
            if let doubt = pending.first(where: { $0.action != action }) {
                var rule = doubt.rule
                rule.detail += " — unknown: \(doubt.why)"
                return Verdict(.unknown, .network, rule)
            }
            return Verdict(outcome, .network, rule)
        }

        var i = 0
        while i < applicable.count {
            let tierName = policies[applicable[i].policy].tier
            let firstInTier = applicable[i].policy
            var passed = false
            while i < applicable.count, policies[applicable[i].policy].tier == tierName {
                let (index, unsure) = applicable[i]
                i += 1
                if passed { continue }
                let policy = policies[index]
                if let problem = policy.problem {
                    pending.append(Pending(action: nil, rule: policy.object.ref("unreadable"), why: problem.description))
                    continue
                }
                if let unsure { pending.append(Pending(action: nil, rule: policy.object.ref("may select the workload"), why: unsure)) }
                let namespace: String? = policy.object.kind == "GlobalNetworkPolicy" ? nil : policy.object.namespace
                for rule in policy.rules(direction) ?? [] {
                    let match = rule.match.matches(local: localWorkload, remote: remoteWorkload, port: port, direction: direction,
                                                   policyNamespace: namespace)
                    let ref = policy.object.ref(policy.object.group == "networking.k8s.io" ? "\(name) rule \(rule.index)"
                                                    : "\(name) rule \(rule.index) (\(rule.action.rawValue))")
                    switch match {
                    case .no: continue
                    case .unknown(let why):
                        if rule.action != .log { pending.append(Pending(action: rule.action, rule: ref, why: why)) }
                    case .yes, .conditional:
                        switch rule.action {
                        case .log: continue
                        case .pass: passed = true
                        case .allow, .deny: return finish(rule.action, ref)
                        }
                    }
                    if passed { break }
                }
            }
            if !passed {
                let tier = tiers[tierName] ?? Tier(order: nil, defaultAction: .deny)
                if tier.defaultAction == .deny {
                    let policy = policies[firstInTier].object
                    let detail = policy.group == "networking.k8s.io"
                        ? "isolates the \(direction == .ingress ? "destination" : "source") for \(name); no rule admits this peer and port"
                        : "end of tier \(tierName): no \(name) rule matched"
                    return finish(.deny, policy.ref(detail))
                }
            }
        }
        // No tier decided: the namespace profile, which allows.
        let side = direction == .ingress ? "destination" : "source"
        let detail = applicable.isEmpty ? "no \(name) policy selects the \(side)" : "every tier passed"
        return finish(.allow, .none(detail))
    }
}
