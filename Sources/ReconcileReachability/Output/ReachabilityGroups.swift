/// Changes grouped for reading: by kind (lost, gained, narrowed, unknown), then by the rule
/// responsible, then per (source → destination) with its ports; the largest groups first.
struct ReachabilityGroup: Sendable {
    var kind: ReachabilityChange.Kind
    var rule: RuleRef
    /// Conditions of the new verdict (narrowed pairs), shown once per group.
    var conditions: [String]
    /// The rule is the old verdict's (see `ReachabilityChange.responsibleIsPrevious`).
    var previous: Bool
    var flows: [Flow]

    struct Flow: Sendable {
        var source: WorkloadID
        var destination: WorkloadID
        var ports: [WorkloadPort]
        var text: String { "\(source) → \(destination)" }
        var portText: String { ports.map(\.description).joined(separator: ", ") }
    }

    var pathCount: Int { flows.reduce(0) { $0 + $1.ports.count } }

    static func group(_ changes: [ReachabilityChange]) -> [ReachabilityGroup] {
        struct Key: Hashable { var kind: ReachabilityChange.Kind; var rule: RuleRef; var conditions: [String]; var previous: Bool }
        var groups: [Key: [ReachabilityChange]] = [:]
        for change in changes {
            groups[Key(kind: change.kind, rule: change.responsible, conditions: change.kind == .narrowed ? change.after.conditions : [],
                       previous: change.responsibleIsPrevious), default: []]
                .append(change)
        }
        let order = ReachabilityChange.Kind.allCases
        return groups.map { key, members in
            var flows: [Flow] = []
            for change in members {
                if let last = flows.last, last.source == change.source, last.destination == change.destination {
                    flows[flows.count - 1].ports.append(change.port)
                } else {
                    flows.append(Flow(source: change.source, destination: change.destination, ports: [change.port]))
                }
            }
            return ReachabilityGroup(kind: key.kind, rule: key.rule, conditions: key.conditions, previous: key.previous, flows: flows)
        }.sorted {
            (order.firstIndex(of: $0.kind)!, -$0.pathCount, $0.rule.description) < (order.firstIndex(of: $1.kind)!, -$1.pathCount, $1.rule.description)
        }
    }

    /// "denied by", "allowed by"... for the group's heading.
    var verb: String {
        switch kind {
        case .lost: return "now denied by"
        case .gained: return previous ? "no longer denied by" : "now allowed by"
        case .narrowed: return "limited by"
        case .unknown: return previous ? "now decided, was unknown:" : "cannot be decided:"
        }
    }
}

extension ReachabilityReport {
    var countsText: String {
        let parts = ReachabilityChange.Kind.allCases.compactMap { kind -> String? in
            let n = count(kind)
            return n == 0 ? nil : "\(n) \(kind.rawValue)"
        }
        return parts.isEmpty ? "no change" : parts.joined(separator: ", ")
    }

    var scopeText: String {
        "\(workloads) workload\(workloads == 1 ? "" : "s"); \(pairsEvaluated) of \(pairsTotal) source → destination ports re-evaluated"
    }
}
