import Executors
import Foundation
internal import CGit2

/// Cloning into and fetching from remotes.
///
/// A cached clone is a bare repository with one remote, `origin`, whose refspecs mirror branches to
/// `refs/remotes/origin/*` and tags to `refs/tags/*` (forced, so moved tags follow the remote), with
/// pruning so deleted branches disappear. Cloning is "init + fetch", so the first and every later
/// fetch share one code path, and an unchanged remote transfers nothing.
extension GitRepository {
    static let remoteName = "origin"

    /// For a URL (file://, https://, ssh://, git://, scp-like user@host:path): a bare mirror-style
    /// clone in `cacheDirectory/<stable name derived from the URL>`; if it already exists, fetch into
    /// it instead. Fetches heads to refs/remotes/origin/* and tags.
    public static func cloneOrFetch(
        url: String, cacheDirectory: String, credentials: GitCredentials = .init()
    ) throws -> (GitRepository, FetchStats) {
        LibGit2.ensureInitialized()
        let remoteURL = try RemoteURL(url)
        let session = try RemoteSession(url: remoteURL, credentials: credentials)  // before touching disk or network
        let manager = FileManager.default
        let directory = cacheDirectory + "/" + remoteURL.cacheName
        do {
            try manager.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
        } catch {
            throw GitError(kind: .other, context: "cannot create cache directory \(cacheDirectory)", message: "\(error)")
        }

        if manager.fileExists(atPath: directory) {
            // A directory that is not a repository is a leftover of an interrupted first clone: start over.
            if let repository = try? open(path: directory, search: false) {
                let stats = try repository.locked {
                    try repository.setOriginURL(url)
                    return try repository.fetchLocked(session)
                }
                return (repository, stats)
            }
            try? manager.removeItem(atPath: directory)
        }

        var handle: OpaquePointer?
        try LibGit2.check(git_repository_init(&handle, directory, 1), "git_repository_init",
                          "cannot create cache repository \(directory)")
        let repository = GitRepository(handle: handle!)
        do {
            let stats = try repository.locked {
                var remote: OpaquePointer?
                try LibGit2.check(git_remote_create(&remote, repository.handle, remoteName, url), "git_remote_create",
                                  "cannot add remote \(remoteURL.redacted) to \(directory)")
                git_remote_free(remote)
                try LibGit2.check(git_remote_add_fetch(repository.handle, remoteName, "+refs/tags/*:refs/tags/*"),
                                  "git_remote_add_fetch", "cannot configure tag fetching in \(directory)")
                return try repository.fetchLocked(session)
            }
            return (repository, stats)
        } catch {
            // Never leave a half-cloned cache behind; the next attempt starts clean.
            try? manager.removeItem(atPath: directory)
            throw error
        }
    }

    /// Fetches `origin` (branches and tags) into this repository.
    public func fetch(credentials: GitCredentials = .init()) throws -> FetchStats {
        try locked {
            let remote = try originLocked()
            guard let url = swiftString(git_remote_url(remote)) else {
                throw GitError(kind: .other, context: "cannot fetch into \(path)", message: "remote \"origin\" has no URL")
            }
            let session = try RemoteSession(url: RemoteURL(url), credentials: credentials)
            return try fetchLocked(session)
        }
    }

    private func setOriginURL(_ url: String) throws(GitError) {
        let remote = try originLocked()
        if swiftString(git_remote_url(remote)) != url {
            try LibGit2.check(git_remote_set_url(handle, Self.remoteName, url), "git_remote_set_url",
                              "cannot update the URL of remote \"origin\" in \(path)")
            // The looked-up remote keeps the URL it was read with: read it again.
            git_remote_free(origin)
            origin = nil
        }
    }

    /// The `origin` remote, looked up on first use and kept (see `origin`). Lock held.
    private func originLocked() throws(GitError) -> OpaquePointer {
        if let origin { return origin }
        var remote: OpaquePointer?
        try LibGit2.check(git_remote_lookup(&remote, handle, Self.remoteName), "git_remote_lookup",
                          "cannot fetch into \(path): no remote named \"origin\" could be read")
        origin = remote
        return remote!
    }

    /// Must be called with the lock held.
    private func fetchLocked(_ session: RemoteSession) throws -> FetchStats {
        let remote: OpaquePointer? = try originLocked()

        var options = git_fetch_options()
        try LibGit2.check(git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)),
                          "git_fetch_options_init", "cannot prepare fetch options")
        options.prune = GIT_FETCH_PRUNE
        options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL
        options.proxy_opts.type = GIT_PROXY_AUTO
        session.install(into: &options.callbacks)

        let code = withExtendedLifetime(session) {
            git_remote_fetch(remote, nil, &options, "reconcile: fetch")
        }
        if code < 0 {
            if let failure = session.failure { throw failure }
            throw GitError.fromLibGit2(code: code, function: "git_remote_fetch",
                                       context: "cannot fetch \(session.url.redacted)",
                                       kind: Self.fetchErrorKind(code: code))
        }
        let progress = session.progress
        updateOriginHEAD(remote!)
        return FetchStats(receivedObjects: Int(progress.received_objects), receivedBytes: Int(progress.received_bytes),
                          indexedObjects: Int(progress.indexed_objects))
    }

    /// Failures while talking to a remote are about reaching it unless they are clearly about
    /// credentials or certificates, or about our own repository.
    private static func fetchErrorKind(code: Int32) -> GitError.Kind {
        switch code {
        case GIT_EAUTH.rawValue: return .authenticationFailed
        case GIT_ECERTIFICATE.rawValue: return .hostKeyMismatch
        default: break
        }
        guard let last = git_error_last() else { return .unreachableRemote }
        switch UInt32(bitPattern: last.pointee.klass) {
        case GIT_ERROR_NET.rawValue, GIT_ERROR_SSH.rawValue, GIT_ERROR_HTTP.rawValue, GIT_ERROR_SSL.rawValue,
             GIT_ERROR_OS.rawValue, GIT_ERROR_REPOSITORY.rawValue, GIT_ERROR_CALLBACK.rawValue:
            return .unreachableRemote
        default:
            return .other
        }
    }

    /// Points `refs/remotes/origin/HEAD` at the remote's default branch, so "HEAD" resolves in a
    /// bare cache. Best effort: servers that do not advertise HEAD leave the previous value alone.
    private func updateOriginHEAD(_ remote: OpaquePointer) {
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        guard git_remote_default_branch(&buffer, remote) == 0, let branch = swiftString(buffer.ptr),
              branch.hasPrefix("refs/heads/") else { return }
        let target = "refs/remotes/\(Self.remoteName)/" + branch.dropFirst("refs/heads/".count)
        var oid = git_oid()
        guard git_reference_name_to_id(&oid, handle, target) == 0 else { return }
        var reference: OpaquePointer?
        if git_reference_symbolic_create(&reference, handle, "refs/remotes/\(Self.remoteName)/HEAD", target, 1,
                                         "reconcile: origin HEAD") == 0 {
            git_reference_free(reference)
        }
    }
}
