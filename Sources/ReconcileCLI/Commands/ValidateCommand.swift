import ArgumentParser
import ReconcileCore
import ReconcileFindings

/// `reconcile validate`: load and render the config repository and run the offline checks
/// (mesh analyzers and guardrail policies); change nothing, need no cluster.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Load and render the config repository, run the offline checks, and report every error.",
        discussion: "Exit code 1 when the repository does not load or a check finds an error (unless its code is allowed).")

    @OptionGroup var repoOptions: RepoOptions
    @OptionGroup(title: ScopeOptions.title) var scopeOptions: ScopeOptions

    @Option(name: .customLong("allow-findings"), help: "Error finding codes to accept, comma-separated (e.g. IST0101,POL001).")
    var allowFindings: String?

    @Option(help: "Colour: auto (only on a terminal, unless NO_COLOR is set), always or never.")
    var color: PlanOutputOptions.ColourMode = .auto

    func run() async throws {
        let console = Console.current
        let repository = try repoOptions.openRepository()
        let revision = try repoOptions.ref.map { try repository.revision($0) } ?? repository.revision(nil)
        let desired = try repoOptions.render(revision, repository: repository, scope: scopeOptions)
        var findings = Plan(mode: .base, instance: desired.instance, environment: desired.environment)
        findings.findings = Analyzers.offline(desired)
        if !findings.findings.isEmpty {
            let colour = color == .always || (color == .auto && console.wantsColour)
            console.out(TextPlanRenderer(colour: colour).renderFindings(findings))
        }
        let allowed = Set((allowFindings ?? "").split(separator: ",").map { String($0).trimmingWhitespaceAndNewlines() }.filter { !$0.isEmpty })
        let blocking = Analyzers.blocking(findings.findings, allowed: allowed)
        let objects = desired.objects.count
        let bundles = Set(desired.objects.map(\.bundle)).count
        let namespaces = desired.namespaceInjection.count
        let summary = "\(repository.displayName) (\(revision.label)): \(objects) object\(objects == 1 ? "" : "s") in \(bundles) bundle\(bundles == 1 ? "" : "s"), \(namespaces) namespace\(namespaces == 1 ? "" : "s") with injection settings"
        guard blocking.isEmpty else {
            let codes = Set(blocking.map(\.code)).sorted().joined(separator: ",")
            throw UserError("\(summary): \(blocking.count) error finding(s) (\(codes))")
        }
        console.out("\(summary): valid.\n")
    }
}

extension String {
    func trimmingWhitespaceAndNewlines() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
