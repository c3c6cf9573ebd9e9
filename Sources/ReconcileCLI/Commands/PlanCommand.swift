import ArgumentParser
import CommitVerification
import Foundation
import Kube
import ReconcileCore
import ReconcileFindings
import ReconcileSource
import ReconcileEngine
import ReconcileReachability
import YAML

/// `reconcile plan`: what applying the config repository would change.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what reconcile would change.",
        discussion: """
        Without --base or --live-snapshot: against the cluster of the kubeconfig (a server-side dry-run
        confirms every change). With --base: the change between two revisions of the config repository
        (the pull-request view). With --live-snapshot: against a cluster state exported with
        `kubectl get ... -o yaml --show-managed-fields`.
        Exit codes with --detailed-exitcode: 0 no changes, 2 changes, 1 error.
        """)

    @OptionGroup var repoOptions: RepoOptions
    @OptionGroup(title: ScopeOptions.title) var scopeOptions: ScopeOptions
    @OptionGroup var kubeOptions: KubeOptions
    @OptionGroup var output: PlanOutputOptions
    @OptionGroup var pruneOptions: PruneOptions
    @OptionGroup(title: "Commit signatures (set by the operator, never by the repository)")
    var verifyOptions: VerifyOptions
    @OptionGroup var reachabilityOptions: ReachabilityOptions

    @Option(name: [.customShort("o"), .customLong("out")], help: "Also save the plan to this file, for `reconcile apply FILE`.")
    var out: String?

    @Option(help: "Compare against this revision of the config repository instead of a cluster.")
    var base: String?

    @Option(help: "Plan against a cluster state exported as YAML (a List or a stream of objects).")
    var liveSnapshot: String?

    func validate() throws {
        if base != nil && liveSnapshot != nil { throw ValidationError("--base and --live-snapshot cannot be used together") }
        if base != nil && out != nil { throw ValidationError("--out saves plans against a cluster; a plan between two revisions cannot be applied") }
    }

    func run() async throws {
        let console = Console.current
        let repository = try repoOptions.openRepository()
        let options = pruneOptions.planOptions(diffContext: output.diffContext)
        // Against a cluster the head must verify; between revisions (--base, a pull request) its
        // status is shown in the plan instead, so reviewers see a refusal before merge.
        var signature: [VerificationResult]?
        var ref = repoOptions.ref
        if let verifier = try verifyOptions.verifier() {
            ref = ref ?? "HEAD"  // a working tree cannot be signed
            do {
                let verified = try verifier.verifiedCommit(in: repository, ref: ref)
                (ref, signature) = (verified.commit.hex, verified.results)
            } catch let untrusted as UntrustedCommitError where base != nil {
                signature = untrusted.results
            }
        }
        var plan: Plan
        var reachability: ReachabilityReport?
        if base == nil && liveSnapshot == nil {
            let client: any ClusterAPI
            do { client = try kubeOptions.client(allowInsecureTransport: repoOptions.allowInsecureTransport) } catch {
                // The repository's own errors come first.
                _ = try repoOptions.render(
                    try repository.revision(ref), repository: repository, scope: scopeOptions, warn: false)
                throw error
            }
            plan = try await LivePlanner(cluster: client, options: options)
                .plan(repository, ref: ref, renderer: try repoOptions.renderer(for: repository, scope: scopeOptions))
            if out != nil, let client = client as? KubeClient {
                plan.cluster = try await ClusterBinding.read(from: client, server: client.connection.server)
            }
            reachability = await reachabilityOptions.live(plan, cluster: client)
        } else {
            let head = try repository.revision(ref)
            let desired = try repoOptions.render(head, repository: repository, scope: scopeOptions)
            if let base {
                let baseRevision = try repository.revision(base)
                let baseState: DesiredState
                do {
                    baseState = try repoOptions.render(
                        baseRevision, repository: repository, scope: scopeOptions, warn: false)
                } catch {
                    throw UserError("the base revision \(base) (\(baseRevision.label)) does not load:\n\(error)")
                }
                plan = RevisionComparer(base: baseState, head: desired, options: options).planWithFindings()
                plan.baseRevision = baseRevision.label
                reachability = reachabilityOptions.policyLevel(plan)
            } else {
                let live = try LiveState.snapshot(try readFile(liveSnapshot!), file: liveSnapshot!)
                plan = Planner(desired: desired, live: live, options: options, mode: .snapshot).planWithFindings()
                reachability = reachabilityOptions.snapshot(plan, live: live)
            }
            plan.revision = head.label
        }
        plan.signatures = signature?.map(\.status) ?? []
        console.out(output.render(plan, reachability: reachability, console: console))
        if let out {
            do { try PlanFile.encode(plan).write(toFile: out, atomically: true, encoding: .utf8) }
            catch { throw UserError("cannot write the plan to \(out): \(error.localizedDescription)") }
            console.err("Saved the plan to \(out); apply exactly it with: reconcile apply \(out)\n")
        }
        if plan.hasErrors { throw ExitCode(1) }
        if output.detailedExitcode && plan.hasChanges { throw ExitCode(2) }
    }
}

/// Output flags shared by plan and apply.
struct PlanOutputOptions: ParsableArguments {
    enum Format: String, ExpressibleByArgument, CaseIterable { case text, markdown, json }
    enum ColourMode: String, ExpressibleByArgument, CaseIterable { case auto, always, never }

    @Option(name: [.long, .customShort("f")], help: "Output format: text, markdown or json (schema: docs/plan-json.md).")
    var format: Format = .text

    @Option(help: "Colour in text output: auto (only on a terminal, unless NO_COLOR is set), always or never.")
    var color: ColourMode = .auto

    @Option(help: "Unchanged lines shown around each change in diffs.")
    var diffContext: Int = 3

    @Flag(help: "Exit 2 when there are changes, 0 when there are none, 1 on errors.")
    var detailedExitcode = false

    func render(_ plan: Plan, console: Console) -> String {
        switch format {
        case .text:
            let colour = color == .always || (color == .auto && console.wantsColour)
            return TextPlanRenderer(colour: colour).render(plan)
        case .markdown: return MarkdownPlanRenderer().render(plan)
        case .json: return JSONPlanRenderer().render(plan)
        }
    }
}

/// Prune guard flags shared by plan and apply.
struct PruneOptions: ParsableArguments {
    @Option(help: "Refuse to prune more than this share (25%) or number (10) of managed objects.")
    var maxPrune: String = "25%"

    @Flag(help: "Allow pruning more objects than --max-prune.")
    var allowMassPrune = false

    func validate() throws {
        if PruneLimit(maxPrune) == nil { throw ValidationError("--max-prune must be a percentage such as 25% or a count such as 10, got \(maxPrune)") }
    }

    func planOptions(diffContext: Int) -> PlanOptions {
        PlanOptions(diffContext: diffContext, maxPrune: PruneLimit(maxPrune) ?? .percent(25), allowMassPrune: allowMassPrune)
    }
}

func readFile(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else { throw UserError("cannot read \(path): no such file or not readable") }
    return [UInt8](data)
}
