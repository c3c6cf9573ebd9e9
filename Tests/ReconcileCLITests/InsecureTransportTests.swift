import Foundation
import ReconcileTestSupport
import Testing
@testable import ReconcileCLI

/// `--allow-insecure-transport`: cleartext git remotes and API servers off the machine are
/// refused before any connection; loopback, TLS, SSH and local repositories are not.
@Suite(.onTestThreads)
struct InsecureTransportDecisionTests {
    @Test(arguments: [
        // (url, refused without the flag)
        ("http://192.0.2.1/r.git", true),
        ("HTTP://192.0.2.1/r.git", true),
        ("git://192.0.2.1/r.git", true),
        ("http://user:s3cret@git.example.com:8080/r.git", true),
        ("http://0.0.0.0:9/r.git", true),
        ("http://127.0.0.1.nip.io/r.git", true),
        ("http://[2001:db8::1]:80/r.git", true),
        ("http://127.0.0.1:8080/r.git", false),
        ("git://127.1.2.3/r.git", false),
        ("http://localhost/r.git", false),
        ("http://LOCALHOST:3000/r.git", false),
        ("http://[::1]:8080/r.git", false),
        ("http://user:pw@[::1]/r.git", false),
        ("https://192.0.2.1/r.git", false),
        ("ssh://git@192.0.2.1/r.git", false),
        ("git@192.0.2.1:o/r.git", false),
        ("file:///srv/r.git", false),
        ("/srv/r.git", false),
    ])
    func gitRemote(url: String, refused: Bool) {
        #expect((InsecureTransport.refusal(gitRemote: url, allowed: false) != nil) == refused)
        #expect(InsecureTransport.refusal(gitRemote: url, allowed: true) == nil, "the flag allows everything")
    }

    @Test func kubeServer() throws {
        let refusal = try #require(InsecureTransport.refusal(kubeServer: "http://192.0.2.1:8080", context: "lab", allowed: false))
        #expect(refusal.description.contains("http://192.0.2.1:8080"))
        #expect(refusal.description.contains("\"lab\""))
        #expect(refusal.description.contains("--allow-insecure-transport"))
        #expect(InsecureTransport.refusal(kubeServer: "http://192.0.2.1:8080", context: "lab", allowed: true) == nil)
        #expect(InsecureTransport.refusal(kubeServer: "http://127.0.0.1:6443", context: nil, allowed: false) == nil)
        #expect(InsecureTransport.refusal(kubeServer: "https://192.0.2.1:6443", context: nil, allowed: false) == nil)
    }

    @Test func refusalRedactsCredentials() throws {
        let refusal = try #require(InsecureTransport.refusal(gitRemote: "http://x-access-token:ghp_s3cret@192.0.2.1/r.git", allowed: false))
        #expect(!refusal.description.contains("s3cret"))
        #expect(refusal.description.contains("http://***@192.0.2.1/r.git"))
    }
}

/// The refusal through the command line: immediate, names the URL and the flag, and touches
/// neither the network nor the cache.
@Suite(.onTestThreads, .serialized, .timeLimit(.minutes(3)))
final class InsecureTransportCLITests {
    let scratch: String

    init() throws { scratch = try TestGit.temporaryDirectory() }
    deinit { TestGit.cleanup(scratch) }

    @Test("an http:// or git:// remote off the machine is refused at once, before the cache is created",
          arguments: ["http://192.0.2.1/r.git", "git://192.0.2.1/r.git", "http://user:s3cret@192.0.2.1/r.git"])
    func remoteRefused(url: String) async throws {
        let cache = scratch + "/cache-" + String(url.map { $0.isLetter || $0.isNumber ? $0 : "-" })
        // `run` refuses at startup, before its Kubernetes client or first pass.
        for command in [["validate"], ["plan", "--live-snapshot", RepoPaths.exampleSnapshot("aks-pets")], ["run", "--namespace", "reconcile"]] {
            let started = ContinuousClock.now
            let result = await reconcile(command + ["--repo", url, "--cache-dir", cache])
            // A connection to TEST-NET-1 would hang for minutes (no answer to the SYN); 20 s leaves
            // room for a loaded machine and still tells the two apart.
            #expect(ContinuousClock.now - started < .seconds(20), "refused without trying to connect")
            #expect(result.code == 1, "\(result)")
            #expect(result.stderr.contains("refusing the git remote"), "\(result)")
            #expect(result.stderr.contains("--allow-insecure-transport"), "\(result)")
            #expect(result.stderr.contains("192.0.2.1/r.git"), "\(result)")
            #expect(!result.stderr.contains("s3cret"), "\(result)")
            #expect(!FileManager.default.fileExists(atPath: cache), "nothing was cloned")
        }
    }

    @Test("with --allow-insecure-transport the remote is tried (0.0.0.0: a refused connection, at once)")
    func flagAllowsTheRemote() async throws {
        let port = try LoopbackServer.unusedPort()
        let url = "http://0.0.0.0:\(port)/r.git"
        let refused = await reconcile(["validate", "--repo", url, "--cache-dir", scratch + "/cache"])
        #expect(refused.stderr.contains("refusing the git remote"), "\(refused)")

        let tried = await reconcile(["validate", "--repo", url, "--cache-dir", scratch + "/cache", "--allow-insecure-transport",
                                     "--fetch-timeout", "10s"])
        #expect(tried.code == 1, "\(tried)")
        #expect(!tried.stderr.contains("refusing"), "\(tried)")
        #expect(tried.stderr.contains("cannot fetch http://0.0.0.0:\(port)/r.git"), "\(tried)")
    }

    @Test("a kubeconfig with an http:// server off the machine is refused at once, naming the flag")
    func kubeServerRefused() async throws {
        let kubeconfig = scratch + "/kubeconfig"
        try Data("""
        apiVersion: v1
        kind: Config
        clusters:
        - name: lab
          cluster:
            server: http://192.0.2.1:8080
        users:
        - name: admin
          user:
            token: t0ken
        contexts:
        - name: lab
          context:
            cluster: lab
            user: admin
        current-context: lab

        """.utf8).write(to: URL(fileURLWithPath: kubeconfig))
        for command in ["plan", "apply"] {
            let started = ContinuousClock.now
            let result = await reconcile([command, "--repo", RepoPaths.example("aks-pets"), "--kubeconfig", kubeconfig])
            // A connection to TEST-NET-1 would hang for minutes (no answer to the SYN); 20 s leaves
            // room for a loaded machine and still tells the two apart.
            #expect(ContinuousClock.now - started < .seconds(20), "refused without trying to connect")
            #expect(result.code == 1, "\(result)")
            #expect(result.stderr.contains("refusing the Kubernetes API server http://192.0.2.1:8080 of kubeconfig context \"lab\""), "\(result)")
            #expect(result.stderr.contains("--allow-insecure-transport"), "\(result)")
        }
    }
}
