import ArgumentParser
import ReconcileCore

/// `reconcile validate`: load and render the config repository, change nothing, need no cluster.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Load and render the config repository and report every error.")

    @OptionGroup var repoOptions: RepoOptions

    func run() async throws {
        let repository = try repoOptions.openRepository()
        let revision = try repoOptions.ref.map { try repository.revision($0) } ?? repository.revision(nil)
        let desired = try repoOptions.render(revision, repository: repository)
        let bundles = Set(desired.objects.map(\.bundle)).count
        Console.current.out("\(repository.location) (\(revision.label)): \(desired.objects.count) object\(desired.objects.count == 1 ? "" : "s") in \(bundles) bundle\(bundles == 1 ? "" : "s"), \(desired.namespaceInjection.count) namespace\(desired.namespaceInjection.count == 1 ? "" : "s") with injection settings: valid.\n")
    }
}
