import ArgumentParser
import Foundation
import Kube
import ReconcileCore
import ReconcileFindings
import ReconcileSource
import ReconcileEngine
import YAML

/// `reconcile apply`: plan against the cluster, ask, then carry the plan out — or carry out
/// exactly a saved plan (`reconcile plan -o plan.json`), refusing if the cluster moved since.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Apply the config repository (or a saved plan) to the cluster.",
        discussion: """
        Applies with server-side apply as field manager `reconcile/<instance>`, in the plan's order; prunes last; then
        restarts the workloads whose sidecar injection changed. On a terminal it asks first; otherwise
        --auto-approve is required. Exit code 1 when anything failed.
        """)

    @Argument(help: "A plan saved with `reconcile plan -o FILE`: apply exactly it.")
    var planFile: String?

    @OptionGroup var repoOptions: RepoOptions
    @OptionGroup(title: ScopeOptions.title) var scopeOptions: ScopeOptions
    @OptionGroup var kubeOptions: KubeOptions
    @OptionGroup var output: PlanOutputOptions
    @OptionGroup var pruneOptions: PruneOptions
    @OptionGroup(title: "Commit signatures (set by the operator, never by the repository)")
    var verifyOptions: VerifyOptions

    @Flag(help: "Apply without asking.")
    var autoApprove = false

    @Option(name: .customLong("allow-findings"), help: "Error finding codes to accept after review, comma-separated (e.g. IST0101,POL001).")
    var allowFindings: String?

    @Option(help: "Seconds between checks of a restarted workload's rollout.")
    var rolloutPollInterval: Double = 2

    func run() async throws {
        let console = Console.current
        let client = try kubeOptions.client(allowInsecureTransport: repoOptions.allowInsecureTransport)
        var plan: Plan
        if let planFile {
            plan = try PlanFile.decode(try readFile(planFile), file: planFile)
            let cluster = try await ClusterBinding.read(from: client, server: client.connection.server)
            try SavedPlanCheck.check(plan, file: planFile, scope: scopeOptions.scope(), cluster: cluster)
            try await Applier(cluster: client, events: nil, dependencies: nil).verifyUnchanged(plan)
        } else {
            let repository = try repoOptions.openRepository()
            // An untrusted commit is refused before anything is rendered; the verified id is rendered.
            let ref = try verifyOptions.verifier()
                .map { try $0.verifiedCommit(in: repository, ref: repoOptions.ref).commit.hex }
            let planner = LivePlanner(cluster: client, options: pruneOptions.planOptions(diffContext: output.diffContext), dryRunCreates: false)
            plan = try await planner.plan(repository, ref: ref ?? repoOptions.ref,
                                          renderer: try repoOptions.renderer(for: repository, scope: scopeOptions))
        }
        console.out(output.render(plan, console: console))
        let allowed = Set((allowFindings ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        let blocking = Analyzers.blocking(plan.findings, allowed: allowed)
        if !blocking.isEmpty {
            let codes = Set(blocking.map(\.code)).sorted().joined(separator: ",")
            throw UserError("the plan has \(blocking.count) error finding(s) (\(codes)), see Findings above: nothing was applied; after review, allow them with --allow-findings=\(codes)")
        }
        guard plan.hasChanges else { return }
        try confirm(console)

        let events = EventRecorder(cluster: client, revision: plan.revision, aggregation: EventAggregation())
        let progress: @Sendable (String) -> Void = { console.err($0 + "\n") }
        let execution = await PlanExecutor(cluster: client, events: events, rolloutPollInterval: rolloutPollInterval, progress: progress).execute(plan)
        console.out(ApplyReport(outcomes: execution.outcomes, restarts: execution.restarts, restartsHeldBack: execution.restartsHeldBack).render())
        if execution.failed {
            throw ExitCode(1)
        }
    }

    private func confirm(_ console: Console) throws {
        if autoApprove { return }
        guard console.isInteractive else {
            throw UserError("refusing to apply without approval: stdin is not a terminal, pass --auto-approve")
        }
        console.out("\nDo you want to apply these changes? Only 'yes' will be accepted: ")
        guard readLine()?.trimmingCharacters(in: .whitespaces) == "yes" else {
            throw UserError("apply cancelled")
        }
    }
}

/// The per-object result list printed after an apply.
struct ApplyReport {
    var outcomes: [ApplyOutcome]
    var restarts: [RestartOutcome]
    var restartsHeldBack: Int

    func render() -> String {
        var out = "\nApply results:\n"
        for outcome in outcomes {
            let name = outcome.change.key.shortDescription
            switch outcome.result {
            case .applied: out += "  ✓ \(outcome.change.action == .create ? "created" : "updated") \(name)\n"
            case .pruned: out += "  ✓ pruned \(name)\n"
            case .failed(let message): out += "  ✗ \(name): \(message)\n"
            case .skipped(let reason): out += "  - skipped \(name): \(reason)\n"
            }
        }
        for restart in restarts {
            let name = restart.restart.workload.shortDescription
            switch restart.result {
            case .completed: out += "  ↻ restarted \(name)\n"
            case .failed(let message): out += "  ✗ restart \(name): \(message)\n"
            case .timedOut: out += "  ✗ restart \(name): the rollout timed out\n"
            case .skipped: out += "  - not restarted \(name): an earlier restart failed\n"
            }
        }
        if restartsHeldBack > 0 { out += "  - \(restartsHeldBack) restart(s) held back: their namespace's change did not apply\n" }
        let applied = outcomes.filter { $0.result == .applied }.count
        let pruned = outcomes.filter { $0.result == .pruned }.count
        let failed = outcomes.filter { if case .failed = $0.result { true } else { false } }.count
        let restarted = restarts.filter { $0.result == .completed }.count
        out += "\nApply complete: \(applied) applied, \(pruned) pruned, \(failed) failed; \(restarted) of \(restarts.count) restarts done.\n"
        return out
    }
}
