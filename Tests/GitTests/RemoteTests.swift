import Foundation
import ReconcileTestSupport
import Testing
@testable import Git

/// Cloning and fetching over file:// and git://, and the failures the CLI must recognise.
/// Everything stays on 127.0.0.1.
@Suite(.onTestThreads, .timeLimit(.minutes(1)))
struct RemoteTests {
    /// A bare "server" repository fed by pushes from a working repository.
    struct Remote {
        let root: String
        let bare: String
        let work: String
        let cache: String
        let first: String

        init() throws {
            root = try TestGit.temporaryDirectory()
            bare = root + "/server/app.git"
            work = root + "/work"
            cache = root + "/cache"
            try FileManager.default.createDirectory(atPath: root + "/server", withIntermediateDirectories: true)
            try TestGit.run(["init", "-q", "--bare", bare], in: root)
            first = try TestGit.initRepo(at: work, files: ["deploy/app.yaml": "replicas: 1\n"])
            try TestGit.run(["tag", "-a", "v1", "-m", "first release"], in: work)
            try TestGit.run(["remote", "add", "origin", bare], in: work)
            try TestGit.run(["push", "-q", "origin", "main", "--tags"], in: work)
        }

        func pushNewCommit(_ content: String) throws -> String {
            let id = try TestGit.commit(in: work, files: ["deploy/app.yaml": content], message: "update")
            try TestGit.run(["push", "-q", "origin", "main"], in: work)
            return id
        }
    }

    /// Clone, unchanged re-fetch, then fetch of a new commit, for any URL serving `remote`.
    func exerciseCloneAndFetch(url: String, remote: Remote) throws {
        let (repo, stats) = try GitRepository.cloneOrFetch(url: url, cacheDirectory: remote.cache)
        #expect(stats.receivedObjects > 0)
        #expect(stats.indexedObjects == stats.receivedObjects)
        #expect(repo.workingDirectory == nil)
        #expect(repo.path.hasPrefix(remote.cache + "/"))
        #expect(try repo.resolveCommit("main").hex == remote.first)
        #expect(try repo.resolveCommit("origin/main").hex == remote.first)
        #expect(try repo.resolveCommit("HEAD").hex == remote.first)
        #expect(try repo.resolveCommit("v1").hex == remote.first)

        let (again, unchanged) = try GitRepository.cloneOrFetch(url: url, cacheDirectory: remote.cache)
        #expect(again.path == repo.path)
        #expect(unchanged.receivedObjects == 0)
        #expect(unchanged.receivedBytes == 0)

        let second = try remote.pushNewCommit("replicas: 3\n")
        let (updated, changed) = try GitRepository.cloneOrFetch(url: url, cacheDirectory: remote.cache)
        #expect(changed.receivedObjects > 0)
        let head = try updated.resolveCommit("main")
        #expect(head.hex == second)
        let files = try updated.files(at: head, include: { _ in true })
        #expect(files.map(\.path) == ["deploy/app.yaml"])
        #expect(files.first?.bytes.text == "replicas: 3\n")

        let third = try remote.pushNewCommit("replicas: 4\n")
        #expect(try updated.fetch().receivedObjects > 0)
        #expect(try updated.resolveCommit("main").hex == third)
        #expect(try updated.fetch().receivedObjects == 0)
    }

    @Test func cloneAndFetchOverFileURL() throws {
        let remote = try Remote()
        defer { TestGit.cleanup(remote.root) }
        try exerciseCloneAndFetch(url: "file://" + remote.bare, remote: remote)
    }

    // Needs the `git daemon` subcommand (package git-daemon-run/git on some distributions); without
    // it the test is reported as skipped with this reason instead of passing silently.
    @Test(.enabled(if: TestGit.daemonAvailable, "git daemon is not installed (no git-daemon in git --exec-path)"))
    func cloneAndFetchOverGitDaemon() throws {
        let remote = try Remote()
        defer { TestGit.cleanup(remote.root) }
        let daemon = try GitDaemon(baseDirectory: remote.root + "/server")
        defer { daemon.stop() }
        try exerciseCloneAndFetch(url: "git://127.0.0.1:\(daemon.port)/app.git", remote: remote)
    }

    /// Issue 16: a fetch past its deadline is aborted from libgit2's callbacks with a clear
    /// error, and leaves no half-made cache behind.
    @Test(.enabled(if: TestGit.daemonAvailable, "git daemon is not installed (no git-daemon in git --exec-path)"))
    func fetchPastItsTimeoutIsAborted() throws {
        let remote = try Remote()
        defer { TestGit.cleanup(remote.root) }
        let daemon = try GitDaemon(baseDirectory: remote.root + "/server")
        defer { daemon.stop() }
        let url = "git://127.0.0.1:\(daemon.port)/app.git"
        let error = #expect(throws: GitError.self) {
            try GitRepository.cloneOrFetch(url: url, cacheDirectory: remote.cache, credentials: GitCredentials(fetchTimeout: 1e-9))
        }
        #expect(error?.kind == .unreachableRemote)
        #expect("\(error.map { "\($0)" } ?? "")".contains("took longer than"), "\(String(describing: error))")
        // With time enough, the same fetch works.
        let (repo, _) = try GitRepository.cloneOrFetch(url: url, cacheDirectory: remote.cache, credentials: GitCredentials(fetchTimeout: 60))
        #expect(try repo.resolveCommit("main").hex == remote.first)
    }

    @Test func cacheNamesAreStablePerURLAndSafe() throws {
        let a = try RemoteURL("https://user:secret@github.com/org/repo.git").cacheName
        let b = try RemoteURL("https://github.com/org/repo.git").cacheName
        let c = try RemoteURL("https://github.com/org/other.git").cacheName
        #expect(a == b)  // credentials in the URL do not change (or leak into) the name
        #expect(b != c)
        #expect(!a.contains("secret") && !a.contains("/"))
        #expect(b.hasPrefix("github.com-org-repo.git-"))
        let scp = try RemoteURL("git@github.com:org/repo.git")
        #expect(scp.transport == .ssh && scp.user == "git" && scp.host == "github.com" && scp.sshPort == 22)
        let ssh = try RemoteURL("ssh://git@[::1]:2222/x.git")
        #expect(ssh.host == "::1" && ssh.port == 2222)
        #expect(try RemoteURL("/srv/repo.git").transport == .local)
        #expect(throws: GitError.self) { try RemoteURL("ftp://host/x") }
        #expect(throws: GitError.self) { try RemoteURL("ssh://host:99999/x") }
    }

    @Test func missingLocalRemoteFailsAndLeavesNoCache() throws {
        let root = try TestGit.temporaryDirectory()
        defer { TestGit.cleanup(root) }
        let error = #expect(throws: GitError.self) {
            try GitRepository.cloneOrFetch(url: "file://\(root)/nope.git", cacheDirectory: root + "/cache")
        }
        #expect(error?.description.hasPrefix("cannot fetch file://\(root)/nope.git: ") == true)
        #expect(error?.function == "git_remote_fetch")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/cache").isEmpty)
    }

    @Test func unreachableRemoteFailsQuicklyAndClearly() throws {
        let root = try TestGit.temporaryDirectory()
        defer { TestGit.cleanup(root) }
        let start = Date()
        let error = #expect(throws: GitError.self) {
            try GitRepository.cloneOrFetch(url: "git://127.0.0.1:1/x.git", cacheDirectory: root)
        }
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(error?.kind == .unreachableRemote)
        #expect(error?.description.hasPrefix("cannot fetch git://127.0.0.1:1/x.git: ") == true)
        #expect(error?.description.contains("(git_remote_fetch, code -1)") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).isEmpty)
    }

    @Test func sshWithoutKnownHostsIsRefusedBeforeConnecting() throws {
        let root = try TestGit.temporaryDirectory()
        defer { TestGit.cleanup(root) }
        for url in ["ssh://git@127.0.0.1:1/x.git", "git@127.0.0.1:x.git"] {
            let start = Date()
            let error = #expect(throws: GitError.self) {
                try GitRepository.cloneOrFetch(url: url, cacheDirectory: root + "/cache")
            }
            #expect(Date().timeIntervalSince(start) < 5)
            #expect(error?.kind == .hostKeyCheckNotConfigured)
            #expect(error?.description.contains("knownHostsPath") == true)
            #expect(error?.description.contains("ssh-keyscan") == true)
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/cache"))
    }

    @Test func sshWithKnownHostsButNoServerIsUnreachable() throws {
        let root = try TestGit.temporaryDirectory()
        defer { TestGit.cleanup(root) }
        try TestGit.write("[127.0.0.1]:1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA==\n", to: root + "/known_hosts")
        let credentials = GitCredentials(knownHostsPath: root + "/known_hosts")
        let error = #expect(throws: GitError.self) {
            try GitRepository.cloneOrFetch(url: "ssh://git@127.0.0.1:1/x.git", cacheDirectory: root + "/cache",
                                           credentials: credentials)
        }
        #expect(error?.kind == .unreachableRemote)
        let missing = #expect(throws: GitError.self) {
            try GitRepository.cloneOrFetch(url: "ssh://git@127.0.0.1:1/x.git", cacheDirectory: root + "/cache",
                                           credentials: GitCredentials(knownHostsPath: root + "/absent"))
        }
        #expect(missing?.description.contains(root + "/absent") == true)
    }

    @Test func fetchWithoutOriginExplainsItself() throws {
        let root = try TestGit.temporaryDirectory()
        defer { TestGit.cleanup(root) }
        try TestGit.initRepo(at: root + "/work", files: ["a": "1"])
        let repo = try GitRepository.open(path: root + "/work")
        let error = #expect(throws: GitError.self) { try repo.fetch() }
        #expect(error?.function == "git_remote_lookup")
        #expect(error?.description.contains("no remote named \"origin\"") == true)
    }
}
