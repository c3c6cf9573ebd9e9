import YAML

extension NetPolicy {
    /// A `projectcalico.org/v3` NetworkPolicy (namespaced) or GlobalNetworkPolicy.
    static func calico(_ object: PolicyObject) -> NetPolicy {
        let spec = object.body["spec"]
        let global = object.kind == "GlobalNetworkPolicy"
        var policy = NetPolicy(object: object, tier: spec?["tier"]?.string ?? "default", order: spec?["order"]?.double,
                               selects: .unknown("unreadable", namespace: nil), ingress: nil, egress: nil)
        do throws(PolicyProblem) {
            if spec?["doNotTrack"]?.bool == true || spec?["preDNAT"]?.bool == true {
                // Untracked and pre-DNAT policies apply to host endpoints only, never to pods.
                policy.selects = .calico(CalicoEndpointSelector(selector: .global, namespace: nil))
                return policy
            }
            let selector = try selectorField(spec, "selector", object) ?? .all
            let namespaceSelector = global ? try selectorField(spec, "namespaceSelector", object) : nil
            let accountSelector = try selectorField(spec, "serviceAccountSelector", object)
            policy.selects = .calico(CalicoEndpointSelector(selector: selector, namespaceSelector: namespaceSelector,
                                                            serviceAccountSelector: accountSelector,
                                                            namespace: global ? nil : object.namespace))
            let hasIngress = !(spec?["ingress"]?.sequence ?? []).isEmpty
            let hasEgress = !(spec?["egress"]?.sequence ?? []).isEmpty
            // Calico's default: Ingress, unless there are egress rules (then Egress, and Ingress too if there are ingress rules).
            var types: Set<String> = hasEgress ? (hasIngress ? ["Ingress", "Egress"] : ["Egress"]) : ["Ingress"]
            if let listed = spec?["types"], !listed.isNull {
                guard let values = listed.sequence?.compactMap(\.string), values.count == listed.sequence?.count,
                      values.allSatisfy({ $0 == "Ingress" || $0 == "Egress" }) else {
                    throw object.problem("spec.types", at: listed, "expected a list of Ingress and/or Egress")
                }
                types = Set(values)
            }
            if types.contains("Ingress") { policy.ingress = try calicoRules(spec?["ingress"], field: "spec.ingress", object) }
            if types.contains("Egress") { policy.egress = try calicoRules(spec?["egress"], field: "spec.egress", object) }
        } catch {
            policy.problem = error
            policy.selects = .unknown(error.description, namespace: global ? nil : object.namespace)
        }
        return policy
    }

    private static func selectorField(_ node: Node?, _ key: String, _ object: PolicyObject, prefix: String = "spec")
        throws(PolicyProblem) -> CalicoSelector? {
        guard let value = node?[key], !value.isNull else { return nil }
        guard let text = value.string else { throw object.problem("\(prefix).\(key)", at: value, "expected a selector string") }
        do { return try CalicoSelector.parse(text) } catch { throw object.problem("\(prefix).\(key)", at: value, error.description) }
    }

    private static func calicoRules(_ node: Node?, field: String, _ object: PolicyObject) throws(PolicyProblem) -> [NetRule] {
        guard let node, !node.isNull else { return [] }
        guard let list = node.sequence else { throw object.problem(field, at: node, "expected a list of rules") }
        var rules: [NetRule] = []
        for (index, item) in list.enumerated() {
            let here = "\(field)[\(index)]"
            guard let actionText = item["action"]?.string else { throw object.problem(here + ".action", at: item, "missing") }
            guard let action = NetAction(rawValue: actionText) else {
                throw object.problem(here + ".action", at: item["action"], "\"\(actionText)\" is not Allow, Deny, Pass or Log")
            }
            var rule = CalicoRule()
            rule.proto = try protocolField(item["protocol"], field: here + ".protocol", object)
            rule.notProto = try protocolField(item["notProtocol"], field: here + ".notProtocol", object)
            rule.ipVersion = item["ipVersion"]?.int
            if let source = item["source"], !source.isNull { rule.source = try entity(source, field: here + ".source", object) }
            if let destination = item["destination"], !destination.isNull {
                rule.destination = try entity(destination, field: here + ".destination", object)
            }
            let known: Set<String> = ["action", "protocol", "notProtocol", "ipVersion", "source", "destination", "metadata", "icmp", "notICMP"]
            if item["http"] != nil {
                rule.unknown = "\(object.identity) \(here) matches HTTP attributes (Calico application layer policy), not modelled"
            } else if let extra = item.entries?.first(where: { !known.contains($0.key) }) {
                rule.unknown = "\(object.identity) \(here).\(extra.key) is not modelled"
            }
            rules.append(NetRule(action: action, index: index + 1, match: .calico(rule)))
        }
        return rules
    }

    private static func protocolField(_ node: Node?, field: String, _ object: PolicyObject) throws(PolicyProblem) -> String? {
        guard let node, !node.isNull else { return nil }
        if let number = node.int {
            // IANA numbers of the protocols a pod port can have.
            switch number {
            case 6: return "TCP"
            case 17: return "UDP"
            case 132: return "SCTP"
            default: return "IP\(number)"
            }
        }
        guard let text = node.string, !text.isEmpty else { throw object.problem(field, at: node, "expected a protocol name or number") }
        return text.uppercased() == "UDPLITE" ? "UDPLITE" : text.uppercased()
    }

    private static func entity(_ node: Node, field: String, _ object: PolicyObject) throws(PolicyProblem) -> CalicoEntity {
        guard node.isMapping else { throw object.problem(field, at: node, "expected a mapping") }
        var entity = CalicoEntity()
        entity.selector = try selectorField(node, "selector", object, prefix: field)
        entity.notSelector = try selectorField(node, "notSelector", object, prefix: field)
        entity.namespaceSelector = try selectorField(node, "namespaceSelector", object, prefix: field)
        entity.nets = try nets(node["nets"], field: field + ".nets", object)
        entity.notNets = try nets(node["notNets"], field: field + ".notNets", object)
        entity.ports = try ports(node["ports"], field: field + ".ports", object)
        entity.notPorts = try ports(node["notPorts"], field: field + ".notPorts", object)
        if let accounts = node["serviceAccounts"], !accounts.isNull {
            entity.serviceAccountNames = (accounts["names"]?.sequence ?? []).compactMap(\.string)
            entity.serviceAccountSelector = try selectorField(accounts, "selector", object, prefix: field + ".serviceAccounts")
        }
        if let service = node["services"], !service.isNull {
            guard let name = service["name"]?.string else { throw object.problem(field + ".services.name", at: service, "missing") }
            entity.service = (name, service["namespace"]?.string)
        }
        return entity
    }

    private static func nets(_ node: Node?, field: String, _ object: PolicyObject) throws(PolicyProblem) -> [CIDR] {
        guard let node, !node.isNull else { return [] }
        guard let list = node.sequence else { throw object.problem(field, at: node, "expected a list of CIDRs") }
        return try list.map { value throws(PolicyProblem) in
            guard let text = value.string, let cidr = CIDR(text) else {
                throw object.problem(field, at: value, "\(value.scalarText ?? "value") is not a CIDR")
            }
            return cidr
        }
    }

    private static func ports(_ node: Node?, field: String, _ object: PolicyObject) throws(PolicyProblem) -> [CalicoPort] {
        guard let node, !node.isNull else { return [] }
        guard let list = node.sequence else { throw object.problem(field, at: node, "expected a list of ports") }
        return try list.map { value throws(PolicyProblem) in
            if let number = value.int {
                guard (0...65535).contains(number) else { throw object.problem(field, at: value, "\(number) is not a port number") }
                return .range(number, number)
            }
            guard let text = value.string, !text.isEmpty else { throw object.problem(field, at: value, "expected a port, a range or a name") }
            let bounds = text.split(separator: ":", omittingEmptySubsequences: false)
            if bounds.count == 2, let low = Int(bounds[0]), let high = Int(bounds[1]), low <= high, high <= 65535 {
                return .range(low, high)
            }
            if let number = Int(text), (0...65535).contains(number) { return .range(number, number) }
            if text.contains(":") { throw object.problem(field, at: value, "\"\(text)\" is not a port range low:high") }
            return .named(text)
        }
    }
}
