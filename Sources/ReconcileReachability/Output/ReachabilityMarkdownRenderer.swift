import ReconcileCore

/// The folded "Reachability changes" section of the pull-request comment: a `<details>` block
/// whose summary line gives the counts, with one table row per source → destination and rule.
/// It stays under `maxCharacters` (rows beyond are counted, not shown), so with the rest of the
/// plan it splits cleanly at the comment size limit (`CommentSplitter`).
public struct ReachabilityMarkdownRenderer: Sendable {
    public var maxCharacters: Int

    public init(maxCharacters: Int = 20_000) { self.maxCharacters = maxCharacters }

    public func render(_ report: ReachabilityReport) -> String {
        var out = ""
        switch report.status {
        case .needsLiveWorkloads:
            out += "<details><summary><b>Reachability changes</b>: not evaluated (needs live workloads)</summary>\n\n"
            out += "A plan between two revisions has no live workloads. Plan with `--live-snapshot FILE` or against a cluster"
            out += " to see which workloads lose or gain a path.\n\n"
            if !report.policies.isEmpty {
                out += "| Action | Policy | What it does |\n|---|---|---|\n"
                for policy in report.policies {
                    out += "| \(MarkdownEscaping.text(policy.action)) | \(MarkdownEscaping.code(policy.object)) | "
                    out += policy.summary.map(MarkdownEscaping.text).joined(separator: "<br>") + " |\n"
                }
                out += "\n"
            }
        case .evaluated:
            out += "<details><summary><b>Reachability changes</b>: \(MarkdownEscaping.text(report.countsText))</summary>\n\n"
            out += "\(MarkdownEscaping.text(report.scopeText)).\n\n"
            let groups = ReachabilityGroup.group(report.changes)
            if !groups.isEmpty {
                out += "| Change | Source → destination | Ports | Rule |\n|---|---|---|---|\n"
                var omitted = 0
                let budget = maxCharacters - 400
                for group in groups {
                    for flow in group.flows {
                        var rule = "\(group.verb) \(group.rule)"
                        if !group.conditions.isEmpty { rule += "; only requests where \(group.conditions.joined(separator: "; "))" }
                        let row = "| \(group.kind.rawValue) | \(MarkdownEscaping.code(flow.text)) | \(MarkdownEscaping.text(flow.portText)) | \(MarkdownEscaping.text(rule)) |\n"
                        if omitted > 0 || out.utf8.count + row.utf8.count > budget { omitted += 1; continue }
                        out += row
                    }
                }
                if omitted > 0 { out += "\n… and \(omitted) more rows (all of them: `reconcile plan --format json`).\n" }
                out += "\n"
            }
        }
        for problem in report.problems.prefix(20) { out += "> [!WARNING]\n> \(MarkdownEscaping.text(problem))\n\n" }
        out += "</details>\n\n"
        return out
    }
}
