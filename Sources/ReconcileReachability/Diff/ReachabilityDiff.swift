import ReconcileCore

/// Before × after: the matrix of (source, destination, destination port) under the policies
/// before and after a plan, re-evaluating only the pairs a change can reach: those with an end
/// that a changed policy selects (before or after), or whose own labels, namespace labels,
/// sidecar or ports change. Every other pair keeps its verdict, so it is not evaluated at all.
public enum ReachabilityDiff {
    /// `changedPolicies`: identities of the policy objects (and Calico tiers) that differ.
    public static func compare(before: ReachabilityModel, after: ReachabilityModel,
                               changedPolicies: Set<ObjectKey>) -> ReachabilityReport {
        // Workloads present on both sides, by their index in each model.
        var common: [(before: Int, after: Int)] = []
        for (b, workload) in before.workloads.enumerated() {
            if let a = after.index[workload.id] { common.append((b, a)) }
        }
        var touched = Set<Int>()   // positions in `common`
        var beforeTouched = Set<Int>(), afterTouched = Set<Int>()
        for key in changedPolicies {
            beforeTouched.formUnion(before.selected(by: key))
            afterTouched.formUnion(after.selected(by: key))
        }
        for (position, pair) in common.enumerated() {
            if beforeTouched.contains(pair.before) || afterTouched.contains(pair.after)
                || before.workloads[pair.before] != after.workloads[pair.after] {
                touched.insert(position)
            }
        }
        var total = 0, evaluated = 0
        var changes: [ReachabilityChange] = []
        for (s, source) in common.enumerated() {
            for (d, destination) in common.enumerated() where s != d {
                let ports = after.workloads[destination.after].ports
                total += ports.count
                guard touched.contains(s) || touched.contains(d) else { continue }
                for port in ports where before.workloads[destination.before].ports.contains(port) {
                    evaluated += 1
                    let old = before.verdict(source: source.before, destination: destination.before, port: port)
                    let new = after.verdict(source: source.after, destination: destination.after, port: port)
                    guard let kind = ReachabilityChange.classify(before: old, after: new) else { continue }
                    changes.append(ReachabilityChange(kind: kind, source: before.workloads[source.before].id,
                                                      destination: before.workloads[destination.before].id,
                                                      port: port, before: old, after: new))
                }
            }
        }
        changes.sort { ($0.source, $0.destination, $0.port) < ($1.source, $1.destination, $1.port) }
        let problems = Set(after.problems.map(\.description)).sorted()
        return ReachabilityReport(status: .evaluated, workloads: common.count, pairsTotal: total, pairsEvaluated: evaluated,
                                  changes: changes, problems: problems)
    }
}
