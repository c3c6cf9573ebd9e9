import Foundation
/// The pull-request view of a plan, modelled on Atlantis: a hidden marker to find the comment
/// again, a summary, a table of changes, restarts and findings, then one collapsible block per
/// object with its diff (long diffs folded).
public struct MarkdownPlanRenderer: Sendable {
    /// Diff lines shown per object before the rest is folded away.
    public var maxDiffLines: Int

    public init(maxDiffLines: Int = 400) { self.maxDiffLines = maxDiffLines }

    /// The marker `reconcile comment` looks for to update its earlier comment.
    public static func marker(instance: String) -> String { "<!-- reconcile-plan instance=\(instance) -->" }

    /// The whole comment body.
    public func render(_ plan: Plan) -> String {
        (header(plan) + sections(plan).joined()).trimmingTrailingNewlines() + "\n"
    }

    /// The marker, title and summary.
    public func header(_ plan: Plan) -> String {
        var out = MarkdownPlanRenderer.marker(instance: plan.instance) + "\n"
        out += "### reconcile plan: \(MarkdownEscaping.code(plan.instance))"
        if let environment = plan.environment { out += " (environment \(MarkdownEscaping.code(environment)))" }
        out += "\n\n"
        out += "Planned \(plan.subject.replacingRevisions(plan)).\n\n"
        out += SignatureStatus.markdown(plan.signatures)
        out += plan.hasChanges ? "**Plan: \(plan.summaryLine).**\n\n" : "**No changes.** \(plan.summaryLine).\n\n"
        return out
    }

    /// The body in independent sections (tables, then one per object), so a long plan can be
    /// split between comments at object boundaries without breaking the markdown.
    public func sections(_ plan: Plan) -> [String] {
        var sections: [String] = []
        if !plan.changes.isEmpty {
            var table = "| # | Action | Kind | Object | Bundle | Source |\n|---|---|---|---|---|---|\n"
            for change in plan.changes {
                let action = change.blocked == nil ? "\(change.symbol) \(change.verb)" : "\(change.symbol) \(change.verb) (blocked)"
                let object = change.key.namespace.isEmpty ? change.key.name : "\(change.key.namespace)/\(change.key.name)"
                table += "| \(change.step) | \(action) | \(MarkdownEscaping.text(change.key.kind)) | \(MarkdownEscaping.code(object)) | \(MarkdownEscaping.text(change.bundle ?? "")) | \(change.source.map { MarkdownEscaping.code("\($0)") } ?? "") |\n"
            }
            sections.append(table + "\n")
        }
        if !plan.injectionChanges.isEmpty {
            var text = "#### Sidecar injection changes\n\n| Namespace | Before | After |\n|---|---|---|\n"
            for change in plan.injectionChanges {
                text += "| \(MarkdownEscaping.code(change.namespace)) | \(change.from.text) | \(change.to.text) |\n"
            }
            sections.append(text + "\n")
        }
        if !plan.restarts.isEmpty || !plan.manualRestarts.isEmpty {
            var text = "#### Workloads to restart\n\n| Workload | Reason |\n|---|---|\n"
            for restart in plan.restarts {
                text += "| \(MarkdownEscaping.text(restart.workload.kind)) \(MarkdownEscaping.code("\(restart.workload.namespace)/\(restart.workload.name)")) | \(escape(restart.reason)) |\n"
            }
            for manual in plan.manualRestarts {
                text += "| ⚠️ \(MarkdownEscaping.text(manual.object.kind)) \(MarkdownEscaping.code("\(manual.object.namespace)/\(manual.object.name)")) (manual) | \(escape(manual.reason)) |\n"
            }
            sections.append(text + "\n")
        }
        if !plan.findings.isEmpty {
            var text = "#### Findings\n\n| Severity | Code | Message | Where |\n|---|---|---|---|\n"
            for finding in plan.findings.sorted(by: { ($1.severity, $0.code) < ($0.severity, $1.code) }) {
                let icon = finding.severity == .error ? "❌" : finding.severity == .warning ? "⚠️" : "ℹ️"
                var message = escape(finding.message)
                if let hint = finding.hint { message += "<br>_\(escape(hint))_" }
                text += "| \(icon) \(finding.severity.rawValue) | \(finding.code) | \(message) | \(finding.source.map { MarkdownEscaping.code("\($0)") } ?? "") |\n"
            }
            sections.append(text + "\n")
        }
        for change in plan.changes where !change.diff.isEmpty {
            sections.append(details(change))
        }
        return sections
    }

    private func details(_ change: PlannedChange) -> String {
        // The summary line is an HTML block: markdown is not parsed there, only HTML.
        var summary = "\(change.symbol) \(change.verb) <code>\(MarkdownEscaping.html(change.key.shortDescription))</code>"
        if let blocked = change.blocked { summary += " — blocked: \(MarkdownEscaping.html(blocked))" } else if let reason = change.reason { summary += " — \(MarkdownEscaping.html(reason))" }
        var lines = change.diff.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        var folded = ""
        if lines.count > maxDiffLines {
            folded = "\n_… \(lines.count - maxDiffLines) more diff lines not shown; run `reconcile plan` locally for the full diff._\n"
            lines = Array(lines.prefix(maxDiffLines))
        }
        let fence = MarkdownEscaping.fence(for: lines)
        return "<details><summary>\(summary)</summary>\n\n\(fence)diff\n\(lines.joined(separator: "\n"))\n\(fence)\n\(folded)</details>\n\n"
    }

    /// Our own prose with values in it (reasons, finding messages): its backticks are meant to
    /// render, so only what could break the table or start HTML is escaped.
    private func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "|": out += "\\|"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\n": out += "<br>"
            default: out.append(character)
            }
        }
        return out
    }
}

extension String {
    fileprivate func trimmingTrailingNewlines() -> String {
        var s = self
        while s.hasSuffix("\n") { s.removeLast() }
        return s
    }

    fileprivate func replacingRevisions(_ plan: Plan) -> String {
        var text = self
        for revision in [plan.revision, plan.baseRevision].compactMap({ $0 }) where text.contains(revision) {
            text = text.replacingFirst(revision, with: "`\(revision)`")
        }
        return text
    }

    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return String(self[..<range.lowerBound]) + replacement + String(self[range.upperBound...])
    }
}
