import YAML

/// A Kubernetes label selector as policies write it (`matchLabels`, `matchExpressions`); the
/// empty selector matches everything. Read strictly: an unknown operator is a problem, not
/// something to skip.
struct KubeSelector: Sendable, Hashable, CustomStringConvertible {
    enum Requirement: Sendable, Hashable {
        case equals(String, String)
        case `in`(String, Set<String>)
        case notIn(String, Set<String>)
        case exists(String)
        case doesNotExist(String)
    }

    var requirements: [Requirement]
    var description: String

    static let everything = KubeSelector(requirements: [], description: "all")

    var isEverything: Bool { requirements.isEmpty }

    func matches(_ labels: [String: String]) -> Bool {
        for requirement in requirements {
            switch requirement {
            case .equals(let key, let value): if labels[key] != value { return false }
            case .in(let key, let values): guard let value = labels[key], values.contains(value) else { return false }
            case .notIn(let key, let values): if let value = labels[key], values.contains(value) { return false }
            case .exists(let key): if labels[key] == nil { return false }
            case .doesNotExist(let key): if labels[key] != nil { return false }
            }
        }
        return true
    }

    /// Reads a selector at `field` of `object`; nil node → everything.
    static func read(_ node: Node?, field: String, in object: PolicyObject) throws(PolicyProblem) -> KubeSelector {
        guard let node, !node.isNull else { return .everything }
        guard node.isMapping else { throw object.problem(field, at: node, "expected a label selector mapping, got a \(node.typeName)") }
        var requirements: [Requirement] = []
        var parts: [String] = []
        if let labels = node["matchLabels"], !labels.isNull {
            guard let entries = labels.entries else { throw object.problem(field + ".matchLabels", at: labels, "expected a mapping") }
            for entry in entries {
                guard let value = entry.value.scalarText else {
                    throw object.problem(field + ".matchLabels." + entry.key, at: entry.value, "expected a string value")
                }
                requirements.append(.equals(entry.key, value))
                parts.append("\(entry.key)=\(value)")
            }
        }
        if let expressions = node["matchExpressions"], !expressions.isNull {
            guard let list = expressions.sequence else { throw object.problem(field + ".matchExpressions", at: expressions, "expected a list") }
            for (index, expression) in list.enumerated() {
                let here = "\(field).matchExpressions[\(index)]"
                guard let key = expression["key"]?.string else { throw object.problem(here + ".key", at: expression, "missing") }
                guard let op = expression["operator"]?.string else { throw object.problem(here + ".operator", at: expression, "missing") }
                let values = (expression["values"]?.sequence ?? []).compactMap(\.scalarText)
                switch op {
                case "In", "NotIn":
                    guard !values.isEmpty else { throw object.problem(here + ".values", at: expression, "\(op) needs at least one value") }
                    requirements.append(op == "In" ? .in(key, Set(values)) : .notIn(key, Set(values)))
                    parts.append("\(key) \(op == "In" ? "in" : "notin") (\(values.joined(separator: ",")))")
                case "Exists", "DoesNotExist":
                    guard values.isEmpty else { throw object.problem(here + ".values", at: expression, "\(op) takes no values") }
                    requirements.append(op == "Exists" ? .exists(key) : .doesNotExist(key))
                    parts.append(op == "Exists" ? key : "!\(key)")
                default:
                    throw object.problem(here + ".operator", at: expression["operator"],
                                         "unknown operator \"\(op)\" (expected In, NotIn, Exists or DoesNotExist)")
                }
            }
        }
        return KubeSelector(requirements: requirements, description: parts.isEmpty ? "all" : parts.joined(separator: ","))
    }
}

/// IP blocks of any kind of policy against a workload's pod IPs. Pod-to-pod traffic matches an
/// ipBlock by the source or destination pod IP (as Calico and Cilium do; Kubernetes leaves it to
/// the implementation): with the pod IPs in the snapshot they decide, without them it is unknown.
enum IPMatch {
    static func matches(_ workload: EvaluatedWorkload, nets: [CIDR], except: [CIDR] = []) -> Match {
        let ips = workload.workload.podIPs
        guard !ips.isEmpty else { return .unknown("the pod IPs of \(workload.id.qualified) are not known") }
        var inside = 0
        for ip in ips where nets.contains(where: { $0.contains(ip) }) && !except.contains(where: { $0.contains(ip) }) { inside += 1 }
        if inside == ips.count { return .yes }
        if inside == 0 { return .no }
        return .unknown("only some pod IPs of \(workload.id.qualified) are in \(nets.map(\.description).joined(separator: ","))")
    }
}
