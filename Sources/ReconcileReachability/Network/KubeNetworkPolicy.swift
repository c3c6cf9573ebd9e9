import YAML

/// One ingress or egress rule of a Kubernetes NetworkPolicy: peers (nil → everyone) and ports
/// (nil → every port).
struct KubeRule: Sendable {
    enum Peer: Sendable {
        /// `podSelector` and/or `namespaceSelector`; a nil namespace selector means the policy's namespace.
        case pods(KubeSelector, namespaces: KubeSelector?)
        case ipBlock(CIDR, except: [CIDR])
    }

    struct Port: Sendable {
        var proto: String
        enum Value: Sendable { case any, number(Int, end: Int?), named(String) }
        var value: Value
    }

    var peers: [Peer]?
    var ports: [Port]?

    func matches(peer: EvaluatedWorkload, destination: EvaluatedWorkload, port: WorkloadPort, policyNamespace: String) -> Match {
        if let ports, !ports.contains(where: { Self.port($0, matches: port, on: destination) }) { return .no }
        guard let peers else { return .yes }
        return Match.any(peers.map { self.peer($0, matches: peer, policyNamespace: policyNamespace) })
    }

    private func peer(_ peer: Peer, matches workload: EvaluatedWorkload, policyNamespace: String) -> Match {
        switch peer {
        case .pods(let pods, let namespaces):
            if let namespaces {
                return Match.from(namespaces.matches(workload.workload.namespaceLabels) && pods.matches(workload.labels))
            }
            return Match.from(workload.id.namespace == policyNamespace && pods.matches(workload.labels))
        case .ipBlock(let cidr, let except):
            return IPMatch.matches(workload, nets: [cidr], except: except)
        }
    }

    private static func port(_ rule: Port, matches port: WorkloadPort, on destination: EvaluatedWorkload) -> Bool {
        guard rule.proto == port.proto else { return false }
        switch rule.value {
        case .any: return true
        case .number(let number, let end): return port.number >= number && port.number <= (end ?? number)
        // A named port is the destination pod's container port of that name and protocol.
        case .named(let name): return destination.workload.port(named: name, proto: rule.proto)?.number == port.number
        }
    }
}

extension NetPolicy {
    /// A `networking.k8s.io/v1` NetworkPolicy: tier `default`, order 1000, Allow rules.
    static func kube(_ object: PolicyObject) -> NetPolicy {
        var policy = NetPolicy(object: object, tier: "default", order: 1000, selects: .unknown("unreadable", namespace: nil), ingress: nil, egress: nil)
        do throws(PolicyProblem) {
            let spec = object.body["spec"]
            let namespace = object.namespace
            policy.selects = .kube(try KubeSelector.read(spec?["podSelector"], field: "spec.podSelector", in: object), namespace: namespace)
            var types: Set<String> = ["Ingress"]
            if let egress = spec?["egress"]?.sequence, !egress.isEmpty { types.insert("Egress") }
            if let listed = spec?["policyTypes"], !listed.isNull {
                guard let values = listed.sequence?.map(\.string), values.allSatisfy({ $0 == "Ingress" || $0 == "Egress" }) else {
                    throw object.problem("spec.policyTypes", at: listed, "expected a list of Ingress and/or Egress")
                }
                types = Set(values.compactMap { $0 })
            }
            if types.contains("Ingress") { policy.ingress = try rules(spec?["ingress"], field: "spec.ingress", peersKey: "from", object) }
            if types.contains("Egress") { policy.egress = try rules(spec?["egress"], field: "spec.egress", peersKey: "to", object) }
        } catch {
            policy.problem = error
            policy.selects = .unknown(error.description, namespace: object.namespace)
        }
        return policy
    }

    private static func rules(_ node: Node?, field: String, peersKey: String, _ object: PolicyObject) throws(PolicyProblem) -> [NetRule] {
        guard let node, !node.isNull else { return [] }
        guard let list = node.sequence else { throw object.problem(field, at: node, "expected a list of rules") }
        var rules: [NetRule] = []
        for (index, item) in list.enumerated() {
            let here = "\(field)[\(index)]"
            var rule = KubeRule(peers: nil, ports: nil)
            if let peers = item[peersKey], !peers.isNull {
                guard let peerList = peers.sequence else { throw object.problem("\(here).\(peersKey)", at: peers, "expected a list") }
                if !peerList.isEmpty {
                    rule.peers = try peerList.enumerated().map { (i, peer) throws(PolicyProblem) in
                        try Self.peer(peer, field: "\(here).\(peersKey)[\(i)]", object)
                    }
                }
            }
            if let ports = item["ports"], !ports.isNull {
                guard let portList = ports.sequence else { throw object.problem("\(here).ports", at: ports, "expected a list") }
                if !portList.isEmpty {
                    rule.ports = try portList.enumerated().map { (i, port) throws(PolicyProblem) in
                        try Self.port(port, field: "\(here).ports[\(i)]", object)
                    }
                }
            }
            rules.append(NetRule(action: .allow, index: index + 1, match: .kube(rule)))
        }
        return rules
    }

    private static func peer(_ node: Node, field: String, _ object: PolicyObject) throws(PolicyProblem) -> KubeRule.Peer {
        if let block = node["ipBlock"], !block.isNull {
            if node["podSelector"] != nil || node["namespaceSelector"] != nil {
                throw object.problem(field, at: node, "ipBlock cannot be combined with podSelector or namespaceSelector")
            }
            guard let text = block["cidr"]?.string else { throw object.problem(field + ".ipBlock.cidr", at: block, "missing") }
            guard let cidr = CIDR(text) else { throw object.problem(field + ".ipBlock.cidr", at: block["cidr"], "\"\(text)\" is not a CIDR") }
            var except: [CIDR] = []
            for value in block["except"]?.sequence ?? [] {
                guard let text = value.string, let block = CIDR(text) else {
                    throw object.problem(field + ".ipBlock.except", at: value, "\(value.scalarText ?? "value") is not a CIDR")
                }
                except.append(block)
            }
            return .ipBlock(cidr, except: except)
        }
        let pods = node["podSelector"], namespaces = node["namespaceSelector"]
        guard pods != nil || namespaces != nil else {
            throw object.problem(field, at: node, "a peer needs podSelector, namespaceSelector or ipBlock")
        }
        let podSelector = try KubeSelector.read(pods, field: field + ".podSelector", in: object)
        let namespaceSelector = namespaces == nil ? nil : try KubeSelector.read(namespaces, field: field + ".namespaceSelector", in: object)
        return .pods(podSelector, namespaces: namespaceSelector)
    }

    private static func port(_ node: Node, field: String, _ object: PolicyObject) throws(PolicyProblem) -> KubeRule.Port {
        let proto = node["protocol"]?.string ?? "TCP"
        guard ["TCP", "UDP", "SCTP"].contains(proto) else {
            throw object.problem(field + ".protocol", at: node["protocol"], "\"\(proto)\" is not TCP, UDP or SCTP")
        }
        let end = node["endPort"]?.int
        guard let port = node["port"], !port.isNull else {
            if end != nil { throw object.problem(field + ".endPort", at: node, "endPort needs a numeric port") }
            return KubeRule.Port(proto: proto, value: .any)
        }
        if let number = port.int ?? port.string.flatMap({ Int($0) }) {
            guard (1...65535).contains(number) else { throw object.problem(field + ".port", at: port, "\(number) is not a port number") }
            if let end, end < number { throw object.problem(field + ".endPort", at: node["endPort"], "endPort \(end) is below port \(number)") }
            return KubeRule.Port(proto: proto, value: .number(number, end: end))
        }
        guard let name = port.string, !name.isEmpty else { throw object.problem(field + ".port", at: port, "expected a number or a port name") }
        if end != nil { throw object.problem(field + ".endPort", at: node, "endPort needs a numeric port, not \"\(name)\"") }
        return KubeRule.Port(proto: proto, value: .named(name))
    }
}
