import Foundation
import ReconcileCLI
import ReconcileTestSupport
import Testing

/// `--verify-commits` on `plan` and `apply` (issue 20): an untrusted head is refused before it is
/// rendered, naming the commit and the reason; `plan --base` shows the head's signature status.
@Suite(
    "Commit-signature policy on the command line", .onTestThreads, .timeLimit(.minutes(3)),
    .disabled(if: TestSigning.sshUnavailable != nil, "ssh-keygen is not installed (Debian: openssh-client)"))
struct CommitVerificationCLITests {
    struct Fixture {
        let root: String
        let work: String
        let first: String
        let key: TestSigning.SSHKey
        let signers: String
        let snapshot: String

        init() throws {
            root = try TestGit.temporaryDirectory()
            work = root + "/work"
            first = try TestGit.initRepo(
                at: work,
                files: [
                    "reconcile.yaml": "name: shop\nbundles:\n  - name: namespaces\n    path: namespaces\n",
                    "namespaces/shop.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
                ])
            key = try TestSigning.sshKey(type: "ed25519", in: root, name: "release")
            signers = root + "/allowed_signers"
            try "test@example.com namespaces=\"git\" \(key.publicKey)\n".write(
                toFile: signers, atomically: true, encoding: .utf8)
            snapshot = root + "/live.yaml"
            try "apiVersion: v1\nkind: List\nitems: []\n".write(toFile: snapshot, atomically: true, encoding: .utf8)
        }

        var verify: [String] { ["--verify-commits", "--trusted-signers", signers] }
    }

    @Test func untrustedHeadIsRefusedBeforeRendering() async throws {
        let fixture = try Fixture()
        defer { TestGit.cleanup(fixture.root) }
        // The unsigned head also has a file that does not parse: the refusal must come first.
        try TestGit.commit(in: fixture.work, files: ["namespaces/broken.yaml": "kind: [\n"], message: "unsigned")
        let head = try TestGit.run(["rev-parse", "HEAD"], in: fixture.work)
        let refused = await reconcile(
            ["plan", "--repo", fixture.work, "--live-snapshot", fixture.snapshot] + fixture.verify)
        #expect(refused.code == 1, "\(refused)")
        #expect(
            refused.stderr.contains(
                "refusing to render or apply: commit \(head.prefix(12)) is refused: commit is not signed [unsigned]"),
            "\(refused)")
        #expect(!refused.stderr.contains("broken.yaml"), "\(refused)")

        // apply refuses before it talks to the cluster (nothing listens on the kubeconfig's port).
        let kubeconfig = fixture.root + "/kubeconfig"
        try """
        apiVersion: v1
        kind: Config
        clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
        users: [{name: u, user: {token: t}}]
        contexts: [{name: c, context: {cluster: c, user: u}}]
        current-context: c

        """.write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        let apply = await reconcile(
            ["apply", "--repo", fixture.work, "--kubeconfig", kubeconfig, "--auto-approve"] + fixture.verify)
        #expect(apply.code == 1, "\(apply)")
        #expect(
            apply.stderr.contains("commit \(head.prefix(12)) is refused: commit is not signed [unsigned]"), "\(apply)")

        // A signed head renders the commit (not the working tree, whose edit is ignored).
        try FileManager.default.removeItem(atPath: fixture.work + "/namespaces/broken.yaml")
        try TestSigning.sshSignedCommit(in: fixture.work, key: fixture.key, files: [:], message: "signed")
        try "not: [valid\n".write(toFile: fixture.work + "/namespaces/scratch.yaml", atomically: true, encoding: .utf8)
        let accepted = await reconcile(
            ["plan", "--repo", fixture.work, "--live-snapshot", fixture.snapshot] + fixture.verify)
        #expect(accepted.code == 0, "\(accepted)")
        #expect(accepted.stdout.contains("+ create Namespace shop"), "\(accepted)")
    }

    @Test func planBaseShowsTheHeadSignatureStatus() async throws {
        let fixture = try Fixture()
        defer { TestGit.cleanup(fixture.root) }
        let signed = try TestSigning.sshSignedCommit(
            in: fixture.work, key: fixture.key,
            files: [
                "namespaces/shop.yaml":
                    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n"
                        + "    istio-injection: enabled\n"
            ], message: "signed")
        let good = await reconcile(
            ["plan", "--repo", fixture.work, "--base", fixture.first, "-f", "markdown"] + fixture.verify)
        #expect(good.code == 0, "\(good)")
        #expect(
            good.stdout.contains("✅ Signature: commit \(signed.prefix(12)) is signed by test@example.com (SHA256:"),
            "\(good)")

        let unsigned = try TestGit.commit(
            in: fixture.work,
            files: [
                "namespaces/shop.yaml":
                    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    istio.io/rev: canary\n"
            ], message: "unsigned")
        let markdown = await reconcile(
            ["plan", "--repo", fixture.work, "--base", fixture.first, "-f", "markdown"] + fixture.verify)
        #expect(markdown.code == 0, "\(markdown)")
        #expect(
            markdown.stdout.contains(
                "> [!WARNING]\n> **Signature refused** — commit \(unsigned.prefix(12)) is refused: "
                    + "commit is not signed \\[unsigned\\]"), "\(markdown)")
        #expect(markdown.stdout.contains("canary"), "the head is still planned: \(markdown)")
        let text = await reconcile(["plan", "--repo", fixture.work, "--base", fixture.first] + fixture.verify)
        #expect(
            text.stdout.contains(
                "SIGNATURE REFUSED: commit \(unsigned.prefix(12)) is refused: commit is not signed [unsigned]"),
            "\(text)")
        let json = await reconcile(
            ["plan", "--repo", fixture.work, "--base", fixture.first, "-f", "json"] + fixture.verify)
        #expect(json.stdout.contains("\"reason\": \"unsigned\""), "\(json)")
        #expect(json.stdout.contains("\"verified\": false"), "\(json)")
        // Without --verify-commits the plan says nothing about signatures.
        let plain = await reconcile(["plan", "--repo", fixture.work, "--base", fixture.first, "-f", "json"])
        #expect(!plain.stdout.contains("signatures"), "\(plain)")
    }

    @Test(arguments: [
        (["--trusted-signers", "x"], "need --verify-commits"),
        (["--verify-commits"], "--verify-commits needs --trusted-signers (SSH) and/or --trusted-keyring (OpenPGP)"),
        (
            ["--verify-commits", "--trusted-signers", "/nonexistent/signers"],
            "/nonexistent/signers: cannot read the trusted signers file"
        ),
    ])
    func badPolicyFlagsAreClearErrors(flags: [String], message: String) async throws {
        let fixture = try Fixture()
        defer { TestGit.cleanup(fixture.root) }
        let result = await reconcile(["plan", "--repo", fixture.work, "--live-snapshot", fixture.snapshot] + flags)
        #expect(result.code != 0, "\(result)")
        #expect(result.stderr.contains(message), "\(result)")
    }

    /// `reconcile run` builds its controller with the policy, and refuses a bad trust file at start.
    @Test func runTakesThePolicyAndRefusesBadTrustFilesAtStart() throws {
        let fixture = try Fixture()
        defer { TestGit.cleanup(fixture.root) }
        let kubeconfig = fixture.root + "/kubeconfig"
        try """
            apiVersion: v1
            kind: Config
            clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
            users: [{name: u, user: {token: t}}]
            contexts: [{name: c, context: {cluster: c, user: u}}]
            current-context: c

            """.write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        let base = ["--repo", fixture.work, "--kubeconfig", kubeconfig]
        _ = try ReconcileCommand.makeController(runArguments: base + fixture.verify + ["--verify-mode", "both"])
        let keyring = fixture.root + "/keyring.asc"
        try "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n!!!\n-----END PGP PUBLIC KEY BLOCK-----\n"
            .write(toFile: keyring, atomically: true, encoding: .utf8)
        do {
            _ = try ReconcileCommand.makeController(
                runArguments: base + ["--verify-commits", "--trusted-keyring", keyring])
            Issue.record("a malformed keyring was accepted")
        } catch {
            let message = ReconcileCommand.message(for: error)
            #expect(message.contains("\(keyring):4: the armored key block is not valid base64"), "\(message)")
        }
    }

    @Test func malformedSignersFileNamesFileAndLine() async throws {
        let fixture = try Fixture()
        defer { TestGit.cleanup(fixture.root) }
        try "# ok\nalice@example.com namespaces=git \(fixture.key.publicKey)\n".write(
            toFile: fixture.signers, atomically: true, encoding: .utf8)
        let result = await reconcile(
            ["plan", "--repo", fixture.work, "--live-snapshot", fixture.snapshot] + fixture.verify)
        #expect(result.code == 1, "\(result)")
        #expect(
            result.stderr.contains("\(fixture.signers):2: option value must be double-quoted: namespaces=git"),
            "\(result)")
    }
}
