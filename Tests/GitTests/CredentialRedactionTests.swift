import Foundation
import ReconcileTestSupport
import Testing
@testable import Git

/// URL credentials never reach output: the helper on its own, `GitError`, and a real failed
/// fetch over http:// to a closed port on 127.0.0.1.
@Suite(.onTestThreads, .timeLimit(.minutes(1)))
struct CredentialRedactionTests {
    @Test(arguments: [
        ("https://x-access-token:ghp_SECRET@github.com/o/r.git", "https://***@github.com/o/r.git"),
        ("https://user:pass@host/r.git", "https://***@host/r.git"),
        ("https://ghp_SECRET@github.com/o/r", "https://***@github.com/o/r"),
        ("http://user:p%40ss@127.0.0.1:8080/r.git", "http://***@127.0.0.1:8080/r.git"),
        ("https://user:pa/ss@host/r.git", "https://***@host/r.git"),
        ("https://user:s3cret@[::1]:8443/r.git", "https://***@[::1]:8443/r.git"),
        ("cannot fetch 'https://a:b@h/r.git': failed; retry https://c:d@h2/x", "cannot fetch 'https://***@h/r.git': failed; retry https://***@h2/x"),
        ("https://github.com/o/r.git", "https://github.com/o/r.git"),
        ("https://host:8443/org/repo@v1", "https://host:8443/org/repo@v1"),
        ("https://host/org/repo@v1 and mail bob@example.com", "https://host/org/repo@v1 and mail bob@example.com"),
        ("git@github.com:o/r.git", "git@github.com:o/r.git"),
        ("ssh://git@github.com/o/r.git", "ssh://***@github.com/o/r.git"),
        ("/local/path", "/local/path"),
        ("", ""),
        ("scheme:// at the end", "scheme:// at the end"),
    ])
    func redacts(input: String, expected: String) {
        #expect(CredentialRedaction.redactingURLCredentials(in: input) == expected)
    }

    @Test("GitError keeps no credentials in its context or message")
    func gitErrorRedacts() {
        let error = GitError(kind: .unreachableRemote, context: "cannot fetch https://u:s3cret@h/r.git",
                             message: "redirect to https://u:s3cret@h2/r.git refused")
        #expect(!error.description.contains("s3cret"))
        #expect(error.description == "cannot fetch https://***@h/r.git: redirect to https://***@h2/r.git refused")
    }

    @Test("a failed fetch over http:// names the remote without its password")
    func failedFetchIsRedacted() throws {
        let cache = try TestGit.temporaryDirectory()
        defer { TestGit.cleanup(cache) }
        let port = try LoopbackServer.unusedPort()
        let url = "http://user:s3cret@127.0.0.1:\(port)/r.git"
        do {
            _ = try GitRepository.cloneOrFetch(url: url, cacheDirectory: cache, credentials: GitCredentials(fetchTimeout: 10))
            Issue.record("fetching from a closed port succeeded")
        } catch let error as GitError {
            #expect(!error.description.contains("s3cret"), "\(error)")
            #expect(error.description.contains("127.0.0.1:\(port)"), "\(error)")
        }
    }
}
