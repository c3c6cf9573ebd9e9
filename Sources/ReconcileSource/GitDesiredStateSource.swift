import CommitVerification
import Executors
import ReconcileCore

/// The config repository as the controller's source: opened once (for a URL: cloned or fetched
/// into the cache) and fetched again into the same open repository on every later pass, so
/// libgit2 looks the remote up once for the controller's life (see `GitRepository.origin`); a
/// fetch that fails drops it, and the next pass opens it afresh. A revision's files are kept
/// until it renders (so the last good commit renders even when the remote is gone); after
/// that its rendering is kept instead, and a fetch that finds the same commit reads no file.
/// libgit2 blocks, so the work runs on the `BlockingExecutor`, not on the concurrency pool's
/// threads, with the source's state locked for the length of a call (the loop calls it from one
/// task at a time).
public final class GitDesiredStateSource: DesiredStateSource {
    /// Builds the renderer for the repository's default instance name.
    public typealias MakeRenderer = @Sendable (_ defaultInstance: String) throws -> Renderer

    private let settings: RepositorySettings
    private let makeRenderer: MakeRenderer
    private let warnUnselected: @Sendable ([String]) -> Void
    private let verifier: CommitVerifier?
    private let state = Locked(State())

    private struct State {
        var revisions: [String: ConfigRepository.Revision] = [:]
        var defaultInstance = "default"
        var repository: ConfigRepository?
        /// The last commit rendered and what it rendered to. A commit is immutable and the
        /// renderer's other inputs (flags, default instance) are fixed for the process, so a pass
        /// over an unchanged commit reuses it: no re-parse of every file, and the desired state
        /// shares its storage with the drift target instead of doubling it (issue 18).
        var rendered: (commit: String, defaultInstance: String, label: String, desired: DesiredState)?
    }

    /// `warnUnselected` receives the files no bundle selects after each render (the CLI prints
    /// them on stderr).
    /// `verifier` (`--verify-commits`): a commit it refuses is never read, let alone rendered;
    /// `fetch` throws `UntrustedRevision` and the loop keeps the last verified commit (issue 20).
    public init(settings: RepositorySettings, makeRenderer: @escaping MakeRenderer,
                warnUnselected: @escaping @Sendable ([String]) -> Void = { _ in }, verifier: CommitVerifier? = nil) {
        self.settings = settings
        self.makeRenderer = makeRenderer
        self.warnUnselected = warnUnselected
        self.verifier = verifier
    }

    public func fetch() async throws -> String {
        try await withState { [settings, verifier] state in
            let repository: ConfigRepository
            do {
                if let open = state.repository {
                    try open.refresh()
                    repository = open
                } else {
                    repository = try settings.open()
                }
            } catch {
                state.repository = nil
                throw error
            }
            state.repository = repository
            let ref = try Self.verifiedRef(repository, settings: settings, verifier: verifier)
            // The commit last rendered: its rendering is kept, so its files are not read again.
            if let commit = try repository.commit(ref)?.description, let last = state.rendered,
               last.commit == commit, last.defaultInstance == repository.defaultInstance {
                state.revisions = [:]
                state.defaultInstance = repository.defaultInstance
                return commit
            }
            let revision = try repository.revision(ref)
            let id = revision.commit?.description ?? revision.label
            // Keep the current and the previous revisions only.
            if state.revisions[id] == nil { state.revisions = state.revisions.filter { $0.key == id } }
            state.revisions[id] = revision
            state.defaultInstance = repository.defaultInstance
            return id
        }
    }

    public func render(commit: String) async throws -> (label: String, desired: DesiredState) {
        try await withState { [makeRenderer, warnUnselected] state in
            // Only a commit is ever kept (`rendered` is set for nothing else).
            if let last = state.rendered, last.commit == commit, last.defaultInstance == state.defaultInstance {
                return (last.label, last.desired)
            }
            guard let revision = state.revisions[commit] else { throw SourceError("revision \(commit) was never fetched") }
            state.rendered = nil
            let desired = try makeRenderer(state.defaultInstance).render(revision.files)
            warnUnselected(desired.unselectedFiles)
            // A working tree (no commit) can change under the same label: never reused.
            if revision.commit != nil {
                state.rendered = (commit, state.defaultInstance, revision.label, desired)
                // Rendered: the files are not needed again (issue 18: 10,000 manifests kept
                // between passes, and read again from git on every pass).
                state.revisions[commit] = nil
            }
            return (revision.label, desired)
        }
    }

    /// The ref to read: as given without a verifier; with one, the verified commit's id, or
    /// `UntrustedRevision` (the loop then keeps the last verified commit).
    private static func verifiedRef(_ repository: ConfigRepository, settings: RepositorySettings,
                                    verifier: CommitVerifier?) throws -> String? {
        guard let verifier else { return settings.ref }
        do {
            return try verifier.verifiedCommit(in: repository, ref: settings.ref).commit.hex
        } catch let untrusted as UntrustedCommitError {
            throw untrusted.untrustedRevision
        }
    }

    /// Runs `body` with the state locked, on a thread that may block.
    private func withState<T: Sendable>(_ body: @escaping @Sendable (inout State) throws -> T) async throws -> T {
        try await BlockingExecutor.shared.run { [state] in try state.withLock { try body(&$0) } }
    }
}
