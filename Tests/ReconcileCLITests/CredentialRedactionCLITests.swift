import Foundation
import Git
import ReconcileTestSupport
import ReconcileCore
import ReconcileSource
import Testing
@testable import ReconcileCLI

/// A `--repo` URL with a token in it: whatever fails, the token appears nowhere in the output.
@Suite(.onTestThreads, .serialized, .timeLimit(.minutes(3)))
final class CredentialRedactionCLITests {
    let cache: String

    init() throws { cache = try TestGit.temporaryDirectory() }
    deinit { TestGit.cleanup(cache) }

    @Test("validate and plan with a failing http:// remote carrying a password never print it",
          arguments: ["user:s3cret", "x-access-token:ghp_s3cret", "ghp_s3cret"])
    func failingFetch(userinfo: String) async throws {
        let port = try LoopbackServer.unusedPort()
        let repo = "http://\(userinfo)@127.0.0.1:\(port)/r.git"
        for command in [["validate"], ["plan", "--live-snapshot", RepoPaths.exampleSnapshot("aks-pets")]] {
            let result = await reconcile(command + ["--repo", repo, "--cache-dir", cache, "--fetch-timeout", "10s"])
            #expect(result.code == 1, "\(result)")
            #expect(!result.stdout.contains("s3cret") && !result.stderr.contains("s3cret"), "\(result)")
            #expect(result.stderr.contains("127.0.0.1:\(port)"), "the error still names the remote: \(result)")
        }
    }

    @Test("the controller's source: a failed fetch, as `run` logs it and writes it to the status ConfigMap, has no password")
    func controllerFetchError() async throws {
        let port = try LoopbackServer.unusedPort()
        var credentials = GitCredentials()
        credentials.fetchTimeout = 10
        let settings = RepositorySettings(location: "http://x-access-token:ghp_s3cret@127.0.0.1:\(port)/r.git",
                                          cacheDirectory: cache, credentials: credentials)
        let source = GitDesiredStateSource(settings: settings, makeRenderer: { Renderer(defaultInstance: $0) })
        do {
            _ = try await source.fetch()
            Issue.record("fetching from a closed port succeeded")
        } catch {
            // ReconcileLoop logs and stores exactly "\(error)".
            #expect(!"\(error)".contains("s3cret"), "\(error)")
            #expect("\(error)".contains("127.0.0.1:\(port)"), "\(error)")
        }
    }

    @Test("a bad URL (unsupported scheme, bad port) is reported without its password")
    func badURL() async throws {
        for repo in ["ftp://user:s3cret@example.test/r.git", "https://user:s3cret@127.0.0.1:99999/r.git"] {
            let result = await reconcile(["validate", "--repo", repo, "--cache-dir", cache])
            #expect(result.code == 1, "\(result)")
            #expect(!result.stdout.contains("s3cret") && !result.stderr.contains("s3cret"), "\(result)")
            #expect(result.stderr.contains("***@"), "\(result)")
        }
    }
}
