/// Which endpoints a Calico policy applies to: its `selector` (in its namespace for a
/// NetworkPolicy), a GlobalNetworkPolicy's `namespaceSelector`, and `serviceAccountSelector`.
struct CalicoEndpointSelector: Sendable {
    var selector: CalicoSelector
    var namespaceSelector: CalicoSelector?
    var serviceAccountSelector: CalicoSelector?
    /// The policy's namespace; nil for a GlobalNetworkPolicy.
    var namespace: String?

    func matches(_ workload: EvaluatedWorkload) -> Match {
        if let namespace, workload.id.namespace != namespace { return .no }
        if let namespaceSelector, !namespaceSelector.matches(workload.calicoNamespaceLabels) { return .no }
        guard selector.matches(workload.calicoLabels) else { return .no }
        return CalicoEntity.serviceAccount(serviceAccountSelector, of: workload)
    }
}

/// A Calico rule's `source` or `destination`.
struct CalicoEntity: Sendable {
    var nets: [CIDR] = []
    var notNets: [CIDR] = []
    var selector: CalicoSelector?
    var notSelector: CalicoSelector?
    var namespaceSelector: CalicoSelector?
    var ports: [CalicoPort] = []
    var notPorts: [CalicoPort] = []
    var serviceAccountNames: [String] = []
    var serviceAccountSelector: CalicoSelector?
    /// `services`: endpoints of this Service (name, namespace).
    var service: (name: String, namespace: String?)?

    var selectsEndpoints: Bool {
        selector != nil || notSelector != nil || namespaceSelector != nil || !serviceAccountNames.isEmpty || serviceAccountSelector != nil
    }

    /// `workload` is this side of the traffic; `port` is the destination port, given only when
    /// this entity is the destination.
    func matches(_ workload: EvaluatedWorkload, port: WorkloadPort?, destination: EvaluatedWorkload,
                 policyNamespace: String?) -> Match {
        var parts: [Match] = []
        if selectsEndpoints {
            if let namespaceSelector {
                if !namespaceSelector.matches(workload.calicoNamespaceLabels) { return .no }
            } else if let policyNamespace, workload.id.namespace != policyNamespace {
                return .no
            }
            if let selector, !selector.matches(workload.calicoLabels) { return .no }
            if let notSelector, notSelector.matches(workload.calicoLabels) { return .no }
            if !serviceAccountNames.isEmpty, !serviceAccountNames.contains(workload.workload.serviceAccount) { return .no }
            parts.append(Self.serviceAccount(serviceAccountSelector, of: workload))
        }
        if let service {
            let namespace = service.namespace ?? policyNamespace ?? workload.id.namespace
            if workload.id.namespace != namespace || !workload.workload.services.contains(service.name) { return .no }
        }
        if !nets.isEmpty { parts.append(IPMatch.matches(workload, nets: nets)) }
        if !notNets.isEmpty {
            switch IPMatch.matches(workload, nets: notNets) {
            case .yes: return .no
            case .no: break
            case .unknown(let why): parts.append(.unknown(why))
            case .conditional: break
            }
        }
        if !ports.isEmpty || !notPorts.isEmpty {
            guard let port else { return .unknown("source ports are ephemeral: a rule on source ports cannot be decided") }
            if !ports.isEmpty, !ports.contains(where: { $0.matches(port, on: destination) }) { return .no }
            if notPorts.contains(where: { $0.matches(port, on: destination) }) { return .no }
        }
        return Match.all(parts)
    }

    static func serviceAccount(_ selector: CalicoSelector?, of workload: EvaluatedWorkload) -> Match {
        guard let selector, selector != .all else { return .yes }
        guard let labels = workload.serviceAccountLabels else {
            return .unknown("the labels of service account \(workload.id.namespace)/\(workload.workload.serviceAccount) are not known")
        }
        return Match.from(selector.matches(labels))
    }
}

/// A Calico port: a number, a range `from:to`, or a named port of the destination.
enum CalicoPort: Sendable, Hashable {
    case range(Int, Int)
    case named(String)

    func matches(_ port: WorkloadPort, on destination: EvaluatedWorkload) -> Bool {
        switch self {
        case .range(let low, let high): return port.number >= low && port.number <= high
        case .named(let name): return destination.workload.ports.contains { $0.name == name && $0.number == port.number }
        }
    }
}

/// One rule of a Calico policy.
struct CalicoRule: Sendable {
    var proto: String?
    var notProto: String?
    var ipVersion: Int?
    var source = CalicoEntity()
    var destination = CalicoEntity()
    /// Set when the rule uses something the model does not evaluate (`http`, ICMP on TCP...).
    var unknown: String?

    func matches(local: EvaluatedWorkload, remote: EvaluatedWorkload, port: WorkloadPort, direction: NetPolicy.Direction,
                 policyNamespace: String?) -> Match {
        if let proto, proto.uppercased() != port.proto { return .no }
        if let notProto, notProto.uppercased() == port.proto { return .no }
        let (sourceWorkload, destinationWorkload) = direction == .ingress ? (remote, local) : (local, remote)
        if let ipVersion, ipVersion == 6 {
            let ips = sourceWorkload.workload.podIPs
            if ips.isEmpty { return .unknown("ipVersion 6: the pod IPs of \(sourceWorkload.id.qualified) are not known") }
            if ips.allSatisfy(\.isV4) { return .no }
        }
        let parts = [
            source.matches(sourceWorkload, port: nil, destination: destinationWorkload, policyNamespace: policyNamespace),
            destination.matches(destinationWorkload, port: port, destination: destinationWorkload, policyNamespace: policyNamespace),
        ]
        let result = Match.all(parts)
        if result == .no { return .no }
        if let unknown { return .unknown(unknown) }
        return result
    }
}
