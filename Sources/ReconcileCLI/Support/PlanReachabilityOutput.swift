import ArgumentParser
import ReconcileCore
import ReconcileEngine
import ReconcileReachability
import YAML

/// `reconcile plan --no-reachability`: skip the "Reachability changes" section (issue 22).
struct ReachabilityOptions: ParsableArguments {
    @Flag(help: "Leave out the \"Reachability changes\" section (which workloads lose or gain a path).")
    var noReachability = false
}

extension PlanOutputOptions {
    /// The plan with its "Reachability changes" section: in text before the summary line, in
    /// markdown after the tables (folded) and before the per-object diffs, in JSON as `reachability`.
    func render(_ plan: Plan, reachability: ReachabilityReport?, console: Console) -> String {
        guard let reachability else { return render(plan, console: console) }
        switch format {
        case .text:
            let colour = color == .always || (color == .auto && console.wantsColour)
            let text = TextPlanRenderer(colour: colour).render(plan)
            let section = ReachabilityTextRenderer(colour: colour).render(reachability)
            guard let split = text.range(of: "\n\n", options: .backwards) else { return text + "\n" + section }
            return String(text[..<split.lowerBound]) + "\n\n" + section + String(text[split.lowerBound...].dropFirst())
        case .markdown:
            let renderer = MarkdownPlanRenderer()
            var sections = renderer.sections(plan)
            let position = sections.count - plan.changes.filter { !$0.diff.isEmpty }.count
            sections.insert(ReachabilityMarkdownRenderer().render(reachability), at: max(0, position))
            var body = renderer.header(plan) + sections.joined()
            while body.hasSuffix("\n") { body.removeLast() }
            return body + "\n"
        case .json:
            var document = JSONPlanRenderer().document(plan)
            document["reachability"] = ReachabilityJSON.node(reachability)
            return document.jsonString(pretty: true) + "\n"
        }
    }
}

extension ReachabilityOptions {
    /// Against a snapshot: the snapshot has the workloads and every policy.
    func snapshot(_ plan: Plan, live: LiveState) -> ReachabilityReport? {
        guard !noReachability, PlanReachability.affects(plan) else { return nil }
        return PlanReachability.report(plan, live: live)
    }

    /// Between two revisions: no workloads, so the policy-level summary.
    func policyLevel(_ plan: Plan) -> ReachabilityReport? {
        guard !noReachability, plan.changes.contains(where: { PlanReachability.isPolicy($0.key) }) else { return nil }
        return PlanReachability.policyLevel(plan)
    }

    /// Against a cluster: lists the workloads and policies (only when the plan can change
    /// reachability); a cluster that refuses the LISTs gets the policy-level summary and why.
    func live(_ plan: Plan, cluster: any ClusterAPI) async -> ReachabilityReport? {
        guard !noReachability, PlanReachability.affects(plan) else { return nil }
        do {
            return PlanReachability.report(plan, live: try await ReachabilityLiveLoader(cluster: cluster).load())
        } catch {
            var report = PlanReachability.policyLevel(plan)
            report.problems.append("could not read the live workloads and policies: \(error)")
            return report
        }
    }
}
