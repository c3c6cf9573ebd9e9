/// The "Reachability changes" section of `reconcile plan`'s terminal output.
public struct ReachabilityTextRenderer: Sendable {
    /// Source → destination lines shown per group before "… and N more".
    public var maxFlowsPerGroup: Int
    public var colour: Bool

    public init(colour: Bool = false, maxFlowsPerGroup: Int = 20) {
        self.colour = colour
        self.maxFlowsPerGroup = maxFlowsPerGroup
    }

    private func bold(_ text: String) -> String { colour ? "\u{1B}[1m\(text)\u{1B}[0m" : text }

    public func render(_ report: ReachabilityReport) -> String {
        var out = ""
        switch report.status {
        case .needsLiveWorkloads:
            out += bold("Reachability changes:") + " not evaluated — a plan between two revisions has no live workloads;"
            out += " plan with --live-snapshot FILE or against a cluster to see which workloads lose or gain a path.\n"
            if !report.policies.isEmpty {
                out += "  Policy changes:\n"
                for policy in report.policies {
                    out += "    \(policy.action) \(policy.object)\n"
                    for line in policy.summary { out += "      \(line)\n" }
                }
            }
        case .evaluated:
            out += bold("Reachability changes") + " (\(report.scopeText)): \(report.countsText)\n"
            for group in ReachabilityGroup.group(report.changes) {
                let symbol = ["lost": "-", "gained": "+", "narrowed": "~", "unknown": "?"][group.kind.rawValue]!
                let paths = group.pathCount
                out += "  \(symbol) \(group.kind.rawValue) \(paths) path\(paths == 1 ? "" : "s"), \(group.verb) \(group.rule)\n"
                if !group.conditions.isEmpty { out += "      only requests where \(group.conditions.joined(separator: "; "))\n" }
                for flow in group.flows.prefix(maxFlowsPerGroup) { out += "      \(flow.text)  \(flow.portText)\n" }
                if group.flows.count > maxFlowsPerGroup {
                    out += "      … and \(group.flows.count - maxFlowsPerGroup) more (all of them: --format json)\n"
                }
            }
        }
        for problem in report.problems { out += "  ! \(problem)\n" }
        return out
    }
}
