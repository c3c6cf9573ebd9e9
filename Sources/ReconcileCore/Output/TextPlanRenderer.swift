/// The terminal view of a plan: each change in apply order with its diff, then restarts and
/// findings, then the one-line summary (terraform/helmfile users read the last line first).
public struct TextPlanRenderer: Sendable {
    public var colour: Bool

    public init(colour: Bool) { self.colour = colour }

    public func render(_ plan: Plan) -> String {
        var out = paint("reconcile plan", .bold) + " — instance \(plan.instance)"
        if let environment = plan.environment { out += ", environment \(environment)" }
        out += ": \(plan.subject)\n"
        out += SignatureStatus.text(plan.signatures)

        if !plan.injectionChanges.isEmpty {
            out += "\n" + paint("Sidecar injection changes:", .bold) + "\n"
            for change in plan.injectionChanges {
                out += "  namespace \(change.namespace): \(change.from.text) → \(change.to.text)\n"
            }
        }

        if !plan.changes.isEmpty {
            out += "\n" + paint("Changes, in apply order:", .bold) + "\n"
            for change in plan.changes {
                let colour: Colour = change.action == .create ? .green : change.action == .delete ? .red : .yellow
                var line = "\(change.step). \(change.symbol) \(change.verb) \(change.key.shortDescription)"
                if let bundle = change.bundle { line += "  [\(bundle)]" }
                out += "\n" + paint(line, colour)
                if let source = change.source { out += "  " + paint(source.description, .dim) }
                out += "\n"
                if let reason = change.reason { out += "   \(reason)\n" }
                if let blocked = change.blocked { out += "   " + paint("blocked: \(blocked)", .red) + "\n" }
                out += renderDiff(change.diff)
            }
        }

        if !plan.restarts.isEmpty || !plan.manualRestarts.isEmpty {
            out += "\n" + paint("Workloads to restart (after apply):", .bold) + "\n"
            for restart in plan.restarts {
                out += "  " + paint("↻ \(restart.workload.shortDescription)", .cyan) + ": \(restart.reason)\n"
            }
            for manual in plan.manualRestarts {
                out += "  " + paint("! \(manual.object.shortDescription)", .yellow) + ": \(manual.reason)\n"
            }
        }

        if !plan.findings.isEmpty { out += "\n" + renderFindings(plan) }

        out += "\n" + paint(plan.hasChanges ? "Plan: \(plan.summaryLine)." : "No changes. \(plan.summaryLine).", .bold) + "\n"
        return out
    }

    /// The "Findings:" section alone (also what `reconcile validate` prints).
    public func renderFindings(_ plan: Plan) -> String {
        var out = paint("Findings:", .bold) + "\n"
        for finding in plan.findings.sorted(by: { ($1.severity, $0.code) < ($0.severity, $1.code) }) {
            let colour: Colour = finding.severity == .error ? .red : finding.severity == .warning ? .yellow : .dim
            var line = "  " + paint("\(finding.severity.rawValue) \(finding.code)", colour) + ": \(finding.message)"
            if let source = finding.source { line += " (\(source))" }
            out += line + "\n"
            if let hint = finding.hint { out += "    hint: \(hint)\n" }
        }
        return out
    }

    private func renderDiff(_ diff: String) -> String {
        guard !diff.isEmpty else { return "" }
        var out = ""
        for line in diff.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
            let text = "    " + line
            if line.hasPrefix("+++") || line.hasPrefix("---") { out += paint(text, .dim) }
            else if line.hasPrefix("+") { out += paint(text, .green) }
            else if line.hasPrefix("-") { out += paint(text, .red) }
            else if line.hasPrefix("@@") { out += paint(text, .cyan) }
            else { out += text }
            out += "\n"
        }
        return out
    }

    enum Colour: String {
        case bold = "1", dim = "2", red = "31", green = "32", yellow = "33", cyan = "36"
    }

    private func paint(_ text: String, _ colour: Colour) -> String {
        self.colour ? "\u{1B}[\(colour.rawValue)m\(text)\u{1B}[0m" : text
    }
}
