public import YAML

/// The mesh-aware apply order. Namespaces (and their labels) and Calico Tiers come first; then
/// bundles in `needs:` order, and inside a bundle Istio's make-before-break rule:
/// hosts (ServiceEntry) → DestinationRules that add subsets → Gateways → VirtualServices →
/// DestinationRules that drop subsets (after the routes stop using them) → other mesh config →
/// network sets → allow policies → deny policies. Deletions run last, in the reverse order, so
/// routes go before the subsets they use and deny policies before the allows they narrow.
public enum ApplyOrder {
    /// Sorts changes and numbers their steps from 1.
    public static func sort(_ changes: [PlannedChange], bundleOrder: [String]) -> [PlannedChange] {
        let bundleIndex = Dictionary(bundleOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        func rank(_ change: PlannedChange) -> (Int, Int, Int, ObjectKey) {
            let bundle = change.bundle.flatMap { bundleIndex[$0] } ?? bundleOrder.count
            let kind = kindRank(change)
            switch (change.action, kind) {
            case (.delete, _): return (3, -bundle, -kind, change.key)
            case (_, 0), (_, 1): return (0, kind, 0, change.key)
            default: return (1, bundle, kind, change.key)
            }
        }
        var sorted = changes.sorted { a, b in
            let ra = rank(a), rb = rank(b)
            if (ra.0, ra.1, ra.2) != (rb.0, rb.1, rb.2) { return (ra.0, ra.1, ra.2) < (rb.0, rb.1, rb.2) }
            // Deletions mirror the apply order completely, names included.
            return a.action == .delete ? rb.3 < ra.3 : ra.3 < rb.3
        }
        for index in sorted.indices { sorted[index].step = index + 1 }
        return sorted
    }

    /// Which wave of the order a change belongs to: consecutive changes of one sorted plan with the
    /// same wave share action class, bundle and kind rank, so none of them can depend on another
    /// (every `ApplyDependencies` edge crosses waves) and they may be applied concurrently.
    public struct Wave: Hashable, Sendable {
        var phase: Int
        var bundle: String?
        var kind: Int
    }

    public static func wave(of change: PlannedChange) -> Wave {
        let kind = kindRank(change)
        switch (change.action, kind) {
        case (.delete, _): return Wave(phase: 3, bundle: change.bundle, kind: kind)
        case (_, 0), (_, 1): return Wave(phase: 0, bundle: nil, kind: kind)
        default: return Wave(phase: 1, bundle: change.bundle, kind: kind)
        }
    }

    /// The kind's place in the order (lower first).
    static func kindRank(_ change: PlannedChange) -> Int {
        let key = change.key
        switch (key.group, key.kind) {
        case ("", "Namespace"): return 0
        case ("projectcalico.org", "Tier"): return 1
        case ("networking.istio.io", "ServiceEntry"), ("networking.istio.io", "WorkloadEntry"), ("networking.istio.io", "WorkloadGroup"): return 2
        case ("networking.istio.io", "DestinationRule"): return change.subsetsRemoved.isEmpty ? 3 : 6
        case ("networking.istio.io", "Gateway"): return 4
        case ("networking.istio.io", "VirtualService"): return 5
        case ("projectcalico.org", "NetworkSet"), ("projectcalico.org", "GlobalNetworkSet"): return 8
        default: break
        }
        guard let entry = Allowlist.entry(for: key.groupKind), entry.role == .policy, let body = change.body ?? change.liveBody else { return 7 }
        return isDenyPolicy(key: key, body: body) ? 10 : 9
    }

    /// Whether a policy denies traffic: an Istio DENY (or allow-nothing) AuthorizationPolicy, a
    /// Kubernetes NetworkPolicy with a policy type and no rules for it, a Calico policy with a
    /// Deny rule or no rules at all.
    public static func isDenyPolicy(key: ObjectKey, body: Node) -> Bool {
        let spec = body["spec"] ?? Node(.mapping([]))
        switch (key.group, key.kind) {
        case ("security.istio.io", "AuthorizationPolicy"):
            let action = spec["action"]?.string ?? "ALLOW"
            if action == "DENY" { return true }
            return action == "ALLOW" && (spec["rules"]?.sequence ?? []).isEmpty
        case ("networking.k8s.io", "NetworkPolicy"):
            let types = (spec["policyTypes"]?.sequence ?? []).compactMap(\.string)
            let effectiveTypes = types.isEmpty ? ["Ingress"] + (spec["egress"] != nil ? ["Egress"] : []) : types
            return (effectiveTypes.contains("Ingress") && (spec["ingress"]?.sequence ?? []).isEmpty)
                || (effectiveTypes.contains("Egress") && (spec["egress"]?.sequence ?? []).isEmpty)
        case ("projectcalico.org", "NetworkPolicy"), ("projectcalico.org", "GlobalNetworkPolicy"):
            let rules = (spec["ingress"]?.sequence ?? []) + (spec["egress"]?.sequence ?? [])
            return rules.isEmpty || rules.contains { $0["action"]?.string == "Deny" }
        default:
            return false
        }
    }
}
