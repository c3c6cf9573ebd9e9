import YAML

/// An Istio AuthorizationPolicy, read into what a static model can decide: sources by identity
/// (principal, namespace), IP and port; HTTP attributes (methods, paths, hosts, headers) become
/// conditions named in the verdict; JWT attributes and unknown `when` keys are unknown.
struct AuthorizationPolicy: Sendable {
    enum Action: String, Sendable { case allow = "ALLOW", deny = "DENY", audit = "AUDIT", custom = "CUSTOM" }

    var object: PolicyObject
    var action: Action
    var selector: KubeSelector
    /// `targetRef`/`targetRefs` attach the policy to gateways or waypoints, not to sidecars.
    var targetsProxies: Bool
    var rules: [Rule]

    struct Rule: Sendable {
        var index: Int
        var from: [Node]?
        var to: [Node]?
        var when: [Node]?
    }

    static func read(_ object: PolicyObject) throws(PolicyProblem) -> AuthorizationPolicy {
        let spec = object.body["spec"]
        let actionText = spec?["action"]?.string ?? "ALLOW"
        guard let action = Action(rawValue: actionText) else {
            throw object.problem("spec.action", at: spec?["action"], "\"\(actionText)\" is not ALLOW, DENY, AUDIT or CUSTOM")
        }
        let selector = try KubeSelector.read(spec?["selector"], field: "spec.selector", in: object)
        var rules: [Rule] = []
        if let list = spec?["rules"], !list.isNull {
            guard let items = list.sequence else { throw object.problem("spec.rules", at: list, "expected a list of rules") }
            for (index, item) in items.enumerated() {
                for key in ["from", "to", "when"] where item[key] != nil && item[key]?.isNull == false && item[key]?.sequence == nil {
                    throw object.problem("spec.rules[\(index)].\(key)", at: item[key], "expected a list")
                }
                rules.append(Rule(index: index + 1, from: item["from"]?.sequence, to: item["to"]?.sequence, when: item["when"]?.sequence))
            }
        }
        return AuthorizationPolicy(object: object, action: action, selector: selector,
                                   targetsProxies: spec?["targetRef"] != nil || spec?["targetRefs"] != nil, rules: rules)
    }
}

/// What the destination sidecar knows about a request.
struct RequestFacts {
    var source: EvaluatedWorkload
    var destination: EvaluatedWorkload
    var port: WorkloadPort
    /// `trust-domain/ns/<namespace>/sa/<account>` when the source presents a certificate (it
    /// has a sidecar and mTLS is not disabled), else nil.
    var principal: String?
    var sourceNamespace: String?
    /// The port speaks plain TCP (by its name), so HTTP-only attributes do not apply.
    var tcpOnly: Bool
}

extension AuthorizationPolicy.Rule {
    /// Whether the rule matches; for a DENY rule on a TCP port HTTP-only fields are dropped
    /// (Istio enforces the rest, more strictly), for ALLOW they make the rule not match.
    func matches(_ facts: RequestFacts, deny: Bool, object: PolicyObject) -> Match {
        let field = "spec.rules[\(index - 1)]"
        var parts: [Match] = []
        if let from { parts.append(Match.any(from.map { source($0["source"], facts) })) }
        if let to { parts.append(Match.any(to.map { operation($0["operation"], facts, deny: deny) })) }
        for condition in when ?? [] { parts.append(self.condition(condition, facts, deny: deny, field: field, object: object)) }
        return Match.all(parts)
    }

    private func source(_ node: Node?, _ facts: RequestFacts) -> Match {
        guard let node else { return .yes }
        var parts: [Match] = []
        if let values = strings(node["principals"]) { parts.append(Match.from(facts.principal.map { p in values.contains { Self.istioMatch($0, p) } } ?? false)) }
        if let values = strings(node["notPrincipals"]) { parts.append(Match.from(!(facts.principal.map { p in values.contains { Self.istioMatch($0, p) } } ?? false))) }
        if let values = strings(node["namespaces"]) { parts.append(Match.from(facts.sourceNamespace.map { n in values.contains { Self.istioMatch($0, n) } } ?? false)) }
        if let values = strings(node["notNamespaces"]) { parts.append(Match.from(!(facts.sourceNamespace.map { n in values.contains { Self.istioMatch($0, n) } } ?? false))) }
        for key in ["ipBlocks", "remoteIpBlocks"] {
            if let values = strings(node[key]) { parts.append(ip(values, facts.source)) }
        }
        for key in ["notIpBlocks", "notRemoteIpBlocks"] {
            if let values = strings(node[key]) { parts.append(negate(ip(values, facts.source))) }
        }
        for key in ["requestPrincipals", "notRequestPrincipals"] where node[key] != nil {
            parts.append(.unknown("\(key) depends on the request's JWT"))
        }
        return Match.all(parts)
    }

    private func operation(_ node: Node?, _ facts: RequestFacts, deny: Bool) -> Match {
        guard let node else { return .yes }
        var parts: [Match] = []
        if let ports = strings(node["ports"]) { parts.append(Match.from(ports.contains(String(facts.port.number)))) }
        if let ports = strings(node["notPorts"]) { parts.append(Match.from(!ports.contains(String(facts.port.number)))) }
        for (key, label) in [("methods", "method"), ("paths", "path"), ("hosts", "host")] {
            for negated in [false, true] {
                let name = negated ? "not" + key.prefix(1).uppercased() + key.dropFirst() : key
                guard let values = strings(node[name]) else { continue }
                if facts.tcpOnly {
                    if !deny { return .no }
                    continue
                }
                parts.append(.conditional(["\(label) \(negated ? "not in" : "in") \(values.joined(separator: ","))"]))
            }
        }
        return Match.all(parts)
    }

    private func condition(_ node: Node, _ facts: RequestFacts, deny: Bool, field: String, object: PolicyObject) -> Match {
        guard let key = node["key"]?.string else { return .unknown("\(object.identity) \(field).when without key") }
        let values = strings(node["values"]), notValues = strings(node["notValues"])
        func check(_ actual: String?) -> Match {
            var parts: [Match] = []
            if let values { parts.append(Match.from(actual.map { a in values.contains { Self.istioMatch($0, a) } } ?? false)) }
            if let notValues { parts.append(Match.from(!(actual.map { a in notValues.contains { Self.istioMatch($0, a) } } ?? false))) }
            return Match.all(parts)
        }
        switch key {
        case "source.namespace": return check(facts.sourceNamespace)
        case "source.principal": return check(facts.principal)
        case "destination.port": return check(String(facts.port.number))
        case "source.ip", "remote.ip":
            var parts: [Match] = []
            if let values { parts.append(ip(values, facts.source)) }
            if let notValues { parts.append(negate(ip(notValues, facts.source))) }
            return Match.all(parts)
        case "destination.ip":
            var parts: [Match] = []
            if let values { parts.append(ip(values, facts.destination)) }
            if let notValues { parts.append(negate(ip(notValues, facts.destination))) }
            return Match.all(parts)
        default:
            if key.hasPrefix("request.headers[") {
                if facts.tcpOnly { return deny ? .yes : .no }
                let text = values.map { "\(key) in \($0.joined(separator: ","))" } ?? "\(key) not in \((notValues ?? []).joined(separator: ","))"
                return .conditional([text])
            }
            return .unknown("when key \(key) cannot be evaluated statically")
        }
    }

    private func ip(_ values: [String], _ workload: EvaluatedWorkload) -> Match {
        let blocks = values.compactMap(CIDR.init)
        if blocks.count != values.count { return .unknown("an IP block of \(values) is not a CIDR") }
        return IPMatch.matches(workload, nets: blocks)
    }

    private func negate(_ match: Match) -> Match {
        switch match {
        case .yes: return .no
        case .no: return .yes
        default: return match
        }
    }

    private func strings(_ node: Node?) -> [String]? { node?.sequence?.compactMap(\.scalarText) }

    /// Istio's string match: exact, `prefix*`, `*suffix`, or `*` (any non-empty value).
    static func istioMatch(_ pattern: String, _ value: String) -> Bool {
        if pattern == "*" { return !value.isEmpty }
        if pattern.hasSuffix("*") { return value.hasPrefix(pattern.dropLast()) }
        if pattern.hasPrefix("*") { return value.hasSuffix(pattern.dropFirst()) }
        return pattern == value
    }
}
