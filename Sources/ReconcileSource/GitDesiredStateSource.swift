import Dispatch
import ReconcileCore

/// The config repository as the controller's source: opened once (for a URL: cloned or fetched
/// into the cache) and fetched again into the same open repository on every later pass, so
/// libgit2 looks the remote up once for the controller's life (see `GitRepository.origin`); a
/// fetch that fails drops it, and the next pass opens it afresh. The revision's files are kept
/// so the last good commit renders even when the remote is gone.
/// libgit2 blocks, so the work runs on its own serial queue, not on the concurrency pool's
/// threads; every mutable property below is touched only on `queue`, which is what makes the
/// `@unchecked Sendable` sound.
public final class GitDesiredStateSource: DesiredStateSource, @unchecked Sendable {
    /// Builds the renderer for the repository's default instance name.
    public typealias MakeRenderer = @Sendable (_ defaultInstance: String) throws -> Renderer

    private let settings: RepositorySettings
    private let makeRenderer: MakeRenderer
    private let warnUnselected: @Sendable ([String]) -> Void
    private let queue = DispatchQueue(label: "reconcile.git")
    private var revisions: [String: ConfigRepository.Revision] = [:]
    private var defaultInstance = "default"
    private var repository: ConfigRepository?
    /// The last commit rendered and what it rendered to. A commit is immutable and the renderer's
    /// other inputs (flags, default instance) are fixed for the process, so a pass over an
    /// unchanged commit reuses it: no re-parse of every file, and the desired state shares its
    /// storage with the drift target instead of doubling it (issue 18).
    private var rendered: (commit: String, defaultInstance: String, label: String, desired: DesiredState)?

    /// `warnUnselected` receives the files no bundle selects after each render (the CLI prints
    /// them on stderr).
    public init(settings: RepositorySettings, makeRenderer: @escaping MakeRenderer,
                warnUnselected: @escaping @Sendable ([String]) -> Void = { _ in }) {
        self.settings = settings
        self.makeRenderer = makeRenderer
        self.warnUnselected = warnUnselected
    }

    public func fetch() async throws -> String {
        try await onQueue { [self] in
            let repository: ConfigRepository
            do {
                if let open = self.repository {
                    try open.refresh()
                    repository = open
                } else {
                    repository = try settings.open()
                }
            } catch {
                self.repository = nil
                throw error
            }
            self.repository = repository
            let revision = try repository.revision(settings.ref)
            let id = revision.commit?.description ?? revision.label
            // Keep the current and the previous revisions only.
            if revisions[id] == nil { revisions = revisions.filter { $0.key == id } }
            revisions[id] = revision
            defaultInstance = repository.defaultInstance
            return id
        }
    }

    public func render(commit: String) async throws -> (label: String, desired: DesiredState) {
        try await onQueue { [self] in
            guard let revision = revisions[commit] else { throw SourceError("revision \(commit) was never fetched") }
            if revision.commit != nil, let last = rendered, last.commit == commit, last.defaultInstance == defaultInstance {
                return (last.label, last.desired)
            }
            rendered = nil
            let desired = try makeRenderer(defaultInstance).render(revision.files)
            warnUnselected(desired.unselectedFiles)
            // A working tree (no commit) can change under the same label: never reused.
            if revision.commit != nil { rendered = (commit, defaultInstance, revision.label, desired) }
            return (revision.label, desired)
        }
    }

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}
