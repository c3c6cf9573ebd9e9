import CommitVerification
import Foundation
import HTTP
import Kube
import KubeTestServer
import ReconcileController
import ReconcileTestSupport
import Testing
import YAML

/// `reconcile run --verify-commits` end to end (issue 20): an unsigned commit is never applied;
/// the cluster stays at the last verified commit, and status, Events, metrics and /readyz say why.
@Suite(
    "reconcile run --verify-commits", .serialized, .timeLimit(.minutes(2)),
    .enabled(if: TestGit.daemonAvailable, "git daemon is not installed"),
    .disabled(if: TestSigning.sshUnavailable != nil, "ssh-keygen is not installed (Debian: openssh-client)"))
struct CommitVerificationControllerTests {
    @Test func unsignedCommitsAreHeldBackAndSignedOnesApply() async throws {
        let harness = try ControllerHarness()
        let key = try TestSigning.sshKey(type: "ed25519", in: harness.root, name: "release")
        let signers = try AllowedSigners(
            text: "test@example.com namespaces=\"git\" \(key.publicKey)\n", path: "allowed_signers")
        let verifier = CommitVerifier(policy: VerificationPolicy(ssh: SSHVerifier(signers: signers)))
        let running = try harness.start(fastLease: false, verifier: verifier)

        // The initial commit is unsigned: nothing is applied, and readiness says why.
        #expect(await harness.eventually(30) { (harness.status()["verificationError"] ?? "").contains("[unsigned]") })
        let port = try #require(running.controller.httpPort)
        #expect(harness.virtualServiceTimeout() == nil)
        let notReady = try await harness.http("GET", port: port, path: "/readyz")
        #expect(notReady.status == 503)
        #expect(
            notReady.text.contains("refused (unsigned)") && notReady.text.contains("no verified commit yet"),
            "\(notReady.text)")

        // A signed commit applies.
        let signed = try harness.pushSigned(
            key, files: ["mesh/reviews.yaml": ControllerHarness.virtualService(timeout: "6s")])
        #expect(await harness.eventually(30) { harness.virtualServiceTimeout() == "6s" })
        #expect(
            await harness.eventually(5) {
                harness.status()["result"] == "success" && harness.status()["verificationError"] == ""
            })

        // An unsigned commit on top: held at the signed one, which stays the drift target.
        let unsigned = try harness.push(
            files: ["mesh/reviews.yaml": ControllerHarness.virtualService(timeout: "7s")], message: "unsigned")
        #expect(
            await harness.eventually(30) {
                (harness.status()["verificationError"] ?? "").contains(String(unsigned.prefix(12)))
            })
        let status = harness.status()
        #expect(
            status["verificationError"]?.contains(
                "commit \(unsigned.prefix(12)) is refused: commit is not signed [unsigned]") == true)
        #expect(status["driftTarget"].map { signed.hasPrefix($0) } == true, "\(status)")
        #expect(harness.virtualServiceTimeout() == "6s")
        let ready = try await harness.http("GET", port: port, path: "/readyz")
        #expect(ready.status == 200)
        #expect(ready.text.contains("commit \(unsigned.prefix(12)) refused (unsigned)"), "\(ready.text)")
        #expect(ready.text.contains("held at the last verified commit \(signed.prefix(7))"), "\(ready.text)")
        let metrics = try await harness.http("GET", port: port, path: "/metrics").text
        let failures = metrics.split(separator: "\n").first {
            $0.hasPrefix("reconcile_commit_verification_failures_total{reason=\"unsigned\"}")
        }
        #expect((failures?.split(separator: " ").last.flatMap { Double($0) } ?? 0) >= 1, "\(metrics)")
        #expect(
            await harness.eventually(5) {
                await harness.controllerEvents(reason: "VerificationFailed").contains {
                    $0["type"]?.string == "Warning" && ($0["note"]?.string ?? "").contains(String(unsigned.prefix(12)))
                }
            })

        // The next signed commit applies and clears the refusal.
        try harness.pushSigned(key, files: ["mesh/reviews.yaml": ControllerHarness.virtualService(timeout: "8s")])
        #expect(await harness.eventually(30) { harness.virtualServiceTimeout() == "8s" })
        #expect(await harness.eventually(5) { harness.status()["verificationError"] == "" })
        #expect(try await harness.http("GET", port: port, path: "/readyz").text == "ready\n")
        await running.stop()
    }
}

extension ControllerHarness {
    /// Commits signed with `key` (as the fixture's committer) and pushes to the served repository.
    @discardableResult
    func pushSigned(_ key: TestSigning.SSHKey, files: [String: String]) throws -> String {
        let commit = try TestSigning.sshSignedCommit(in: work, key: key, files: files, message: "signed")
        try TestGit.run(["push", "-q", bareParent + "/config.git", "HEAD:main"], in: work)
        return commit
    }

    /// Events the controller recorded about itself (in its own namespace).
    func controllerEvents(reason: String) async -> [Node] {
        guard let resource = try? await client.resource(group: "events.k8s.io", kind: "Event", version: "v1"),
            let list = try? await client.list(resource, namespace: "reconcile-system", labelSelector: nil, limit: 500)
        else { return [] }
        return list.items.filter { $0["reason"]?.string == reason }
    }
}

extension HTTPResponse {
    fileprivate var text: String { String(decoding: body, as: UTF8.self) }
}
