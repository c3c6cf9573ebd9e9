public import YAML

/// The `reachability` object of `reconcile plan --format json` (docs/plan-json.md).
public enum ReachabilityJSON {
    public static func node(_ report: ReachabilityReport) -> Node {
        var root: Node = [:]
        root["status"] = .string(report.status == .evaluated ? "evaluated" : "needsLiveWorkloads")
        if report.status == .evaluated {
            root["workloads"] = Node(.int(report.workloads))
            root["pairsTotal"] = Node(.int(report.pairsTotal))
            root["pairsEvaluated"] = Node(.int(report.pairsEvaluated))
            var summary: Node = [:]
            for kind in ReachabilityChange.Kind.allCases { summary[kind.rawValue] = Node(.int(report.count(kind))) }
            root["summary"] = summary
            root["changes"] = .sequence(report.changes.map(change))
        }
        root["policies"] = .sequence(report.policies.map { policy in
            Node.object(["action": .string(policy.action), "object": .string(policy.object),
                         "summary": .sequence(policy.summary.map(Node.string))])
        })
        root["problems"] = .sequence(report.problems.map(Node.string))
        return root
    }

    private static func change(_ change: ReachabilityChange) -> Node {
        var node = Node.object(["change": .string(change.kind.rawValue), "source": workload(change.source),
                                "destination": workload(change.destination), "port": Node(.int(change.port.number)),
                                "protocol": .string(change.port.proto)])
        if let name = change.port.name { node["portName"] = .string(name) }
        node["rule"] = rule(change.responsible)
        node["before"] = verdict(change.before)
        node["after"] = verdict(change.after)
        return node
    }

    private static func workload(_ id: WorkloadID) -> Node {
        Node.object(["kind": .string(id.kind), "namespace": .string(id.namespace), "name": .string(id.name)])
    }

    private static func verdict(_ verdict: Verdict) -> Node {
        var node = Node.object(["outcome": .string(verdict.outcome.rawValue), "layer": .string(verdict.layer.rawValue),
                                "rule": rule(verdict.rule)])
        if !verdict.conditions.isEmpty { node["conditions"] = .sequence(verdict.conditions.map(Node.string)) }
        return node
    }

    private static func rule(_ rule: RuleRef) -> Node {
        if rule.isDefault { return Node.object(["default": Node(.bool(true)), "detail": .string(rule.detail)]) }
        var node = Node.object(["group": .string(rule.group), "kind": .string(rule.kind), "name": .string(rule.name),
                                "detail": .string(rule.detail)])
        if !rule.namespace.isEmpty { node["namespace"] = .string(rule.namespace) }
        return node
    }
}
