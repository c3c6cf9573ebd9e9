import ArgumentParser
import CommitVerification
import Foundation
import Git
import ReconcileCore
import ReconcileSource

/// The flags every command that reads the config repository shares. The scope flags are a group
/// of their own beside this one in each command, not nested in it: ArgumentParser's debug-build
/// checks rebuild a nested group once per check per level, and one nesting level made every
/// parse 0.5 s slower in the debug build the tests run (half the suite's CPU).
struct RepoOptions: ParsableArguments {
    @Option(help: "The config repository: a local directory or a git URL (file://, https://, ssh://, git@host:path).")
    var repo: String = "."

    @Option(help: "Branch, tag or commit to read. Default: the working tree (uncommitted edits included) for a local repository, HEAD for a URL.")
    var ref: String?

    @Option(help: "Directory inside the repository that holds reconcile.yaml (for URLs; a local path can point at it directly).")
    var path: String?

    @Option(name: [.customShort("e"), .long], help: "Environment of reconcile.yaml whose values are substituted.")
    var environment: String?

    @Option(name: [.customShort("l"), .long], help: "Only bundles whose labels match this selector (kubectl syntax: tier=mesh,env!=dev).")
    var selector: String?

    @Option(help: "Where URLs are cloned (default $XDG_CACHE_HOME/reconcile or ~/.cache/reconcile).")
    var cacheDir: String?

    @Option(help: "File holding an HTTPS token for the git remote (or set RECONCILE_GIT_TOKEN).")
    var gitTokenFile: String?

    @Option(help: "SSH private key for the git remote.")
    var sshKey: String?

    @Option(help: "known_hosts file for the git remote's SSH host key (host-key checking is always on).")
    var knownHosts: String?

    @Option(help: "Abort a git fetch that runs longer than this (90s, 5m, 1h).")
    var fetchTimeout: String = "5m"

    @Flag(help: "Allow http:// and git:// remotes and an http:// Kubernetes API server on non-loopback hosts (unencrypted: the repository, tokens and objects can be read or changed on the way).")
    var allowInsecureTransport = false

    func credentials() throws -> GitCredentials {
        var credentials = GitCredentials()
        guard let timeout = DurationText.seconds(fetchTimeout), timeout > 0 else {
            throw UserError("--fetch-timeout must be a duration such as 90s or 5m, got \(fetchTimeout)")
        }
        credentials.fetchTimeout = timeout
        if let file = gitTokenFile {
            guard let token = try? String(contentsOfFile: file, encoding: .utf8) else { throw UserError("cannot read --git-token-file \(file)") }
            credentials.token = token.trimmingCharacters(in: .whitespacesAndNewlines)
        } else if let token = ProcessInfo.processInfo.environment["RECONCILE_GIT_TOKEN"], !token.isEmpty {
            credentials.token = token
        }
        credentials.sshPrivateKeyPath = sshKey
        credentials.knownHostsPath = knownHosts
        return credentials
    }

    /// Where the repository is and how to reach it, for `ReconcileSource`.
    func settings() throws -> RepositorySettings {
        RepositorySettings(location: repo, subdirectory: path, cacheDirectory: cacheDir, credentials: try credentials(), ref: ref)
    }

    /// Opens (for a URL: clones or fetches) the repository; a cleartext remote is refused before
    /// any connection unless `--allow-insecure-transport` is set.
    func openRepository() throws -> ConfigRepository {
        try checkTransport()
        return try settings().open()
    }

    /// The controller's source: the repository, rendered with these flags; the transport was
    /// checked when the controller was made.
    func desiredStateSource(
        scope: ScopeOptions, ownNamespace: String?, verifier: CommitVerifier? = nil
    ) throws -> GitDesiredStateSource {
        let options = self
        return GitDesiredStateSource(
            settings: try settings(),
            makeRenderer: { defaultInstance in
                try options.renderer(defaultInstance: defaultInstance, scope: scope, ownNamespace: ownNamespace)
            },
            warnUnselected: { files in warnUnselectedFiles(files) }, verifier: verifier)
    }

    /// Throws the refusal of a cleartext `--repo` URL without `--allow-insecure-transport`.
    func checkTransport() throws {
        if ConfigRepository.looksLikeURL(repo), let refusal = InsecureTransport.refusal(gitRemote: repo, allowed: allowInsecureTransport) {
            throw refusal
        }
    }

    func labelSelector() throws -> LabelSelector? {
        guard let selector else { return nil }
        do { return try LabelSelector.parse(selector) } catch let error as LabelSelector.ParseError { throw UserError(error.description) }
    }

    /// Renders one revision of the repository into the desired state; `warn` prints the files
    /// no bundle selects on stderr.
    func render(
        _ revision: ConfigRepository.Revision, repository: ConfigRepository, scope: ScopeOptions, warn: Bool = true
    ) throws -> DesiredState {
        let desired = try renderer(for: repository, scope: scope).render(revision.files)
        if warn { warnUnselectedFiles(desired.unselectedFiles) }
        return desired
    }

    func renderer(for repository: ConfigRepository, scope: ScopeOptions) throws -> Renderer {
        try renderer(defaultInstance: repository.defaultInstance, scope: scope)
    }

    /// `ownNamespace`: the controller's namespace (`reconcile run`), protected like kube-system.
    func renderer(defaultInstance: String, scope: ScopeOptions, ownNamespace: String? = nil) throws -> Renderer {
        Renderer(environment: environment, selector: try labelSelector(), defaultInstance: defaultInstance,
                 scope: scope.scope(ownNamespace: ownNamespace))
    }
}
