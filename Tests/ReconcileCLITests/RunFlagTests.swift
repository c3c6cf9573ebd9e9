import Foundation
import ReconcileCLI
import ReconcileTestSupport
import Testing

/// `reconcile run`'s flags that the controller is made from.
@Suite("reconcile run flags", .onTestThreads)
final class RunFlagTests {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "reconcile-run-flags-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Only read, never connected to: making the controller makes no request.
        let kubeconfig = """
            apiVersion: v1
            kind: Config
            clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
            users: [{name: u, user: {token: t}}]
            contexts: [{name: x, context: {cluster: c, user: u}}]
            current-context: x

            """
        try kubeconfig.write(toFile: directory + "/kubeconfig", atomically: true, encoding: .utf8)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// `reconcile run` refuses timings that would let a leader write after others may acquire.
    @Test(arguments: [
        (["--lease-duration", "10", "--renew-deadline", "10"], true),
        (["--lease-duration", "15", "--renew-deadline", "20"], true),
        (["--renew-deadline", "3"], true),  // 3 s is not more than the 2 s renew period plus 2 s retry period
        (["--retry-period", "0"], true),
        (["--lease-duration", "9"], false),  // the renew deadline defaults to 6 s then
        (["--lease-duration", "6"], true),  // 4 s: no retry of a failed renewal before it
        ([], false),
    ])
    func runRefusesUnsafeTimings(flags: [String], refused: Bool) {
        do {
            _ = try ReconcileCommand.makeController(runArguments: ["--repo", directory, "--kubeconfig", directory + "/kubeconfig"] + flags)
            #expect(!refused)
        } catch {
            let message = ReconcileCommand.message(for: error)
            #expect(message.contains("leader election") == refused, "\(message)")
        }
    }
}
