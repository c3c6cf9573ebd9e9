import Foundation
import ReconcileTestSupport
import Testing

@testable import CommitVerification

/// SSH-signed commits made by git and ssh-keygen, verified in-process (issue 20).
@Suite(
    .onTestThreads,
    .timeLimit(.minutes(2)),
    .disabled(if: TestSigning.sshUnavailable != nil, "ssh-keygen is not installed (Debian: openssh-client)"))
struct SSHVerificationTests {
    /// The fixture commits are made at 2024-05-01T12:00:00Z.
    static let committer = "test@example.com"

    @Test(arguments: [("ed25519", nil), ("ecdsa", 256), ("ecdsa", 384), ("rsa", 2048)] as [(String, Int?)])
    func commitSignedByEveryKeyTypeIsVerified(type: String, bits: Int?) throws {
        let fixture = try SigningFixture()
        defer { fixture.cleanup() }
        let key = try TestSigning.sshKey(type: type, bits: bits, in: fixture.root, name: "signer")
        let signed = try TestSigning.sshSignedCommit(
            in: fixture.work, key: key, files: ["a.yaml": "a: 1\n"], message: "signed")
        let signers = try fixture.signers(["\(Self.committer) namespaces=\"git\" \(key.publicKey)"])
        let policy = VerificationPolicy(ssh: SSHVerifier(signers: signers))
        let verdict = try fixture.verdict(policy)
        guard case .verified(let signer, let fingerprint) = verdict else {
            Issue.record("expected verified, got \(verdict)")
            return
        }
        #expect(signer == Self.committer)
        let expected = try TestSigning.run("ssh-keygen", ["-l", "-f", key.privateKeyPath + ".pub"], in: fixture.root)
        #expect(expected.contains(fingerprint))
        // The same signature over other content does not verify with this key type either.
        try TestSigning.tamperedCommit(in: fixture.work, from: signed, message: "signed!")
        #expect(try fixture.verdict(policy).refusal?.reason == .badSignature)
    }

    @Test func refusals() throws {
        let fixture = try SigningFixture()
        defer { fixture.cleanup() }
        let key = try TestSigning.sshKey(type: "ed25519", in: fixture.root, name: "signer")
        let stranger = try TestSigning.sshKey(type: "ed25519", in: fixture.root, name: "stranger")
        let trusted = try fixture.signers(["\(Self.committer) \(key.publicKey)"])
        let policy = VerificationPolicy(ssh: SSHVerifier(signers: trusted))
        func reason(_ policy: VerificationPolicy) throws -> RefusalReason? {
            try fixture.verdict(policy).refusal?.reason
        }

        // Unsigned HEAD.
        #expect(try reason(policy) == .unsigned)

        // Signed by a key nobody trusts.
        try TestSigning.sshSignedCommit(
            in: fixture.work, key: stranger, files: ["a.yaml": "a: 1\n"], message: "stranger")
        #expect(try reason(policy) == .unknownKey)

        // A good commit, then the same commit with another message but its signature kept.
        let good = try TestSigning.sshSignedCommit(
            in: fixture.work, key: key, files: ["a.yaml": "a: 2\n"], message: "good")
        #expect(try fixture.verdict(policy).isVerified)
        try TestSigning.tamperedCommit(in: fixture.work, from: good, message: "evil")
        #expect(try reason(policy) == .badSignature)

        // Signed by the trusted key, but for namespace "file".
        try TestGit.run(["reset", "-q", "--hard", good], in: fixture.work)
        try TestSigning.handSignedCommit(in: fixture.work, message: "other namespace") { payload in
            try TestSigning.sshSign(payload, key: key, namespace: "file", in: fixture.root)
        }
        #expect(try reason(policy) == .wrongNamespace)
        // The same hand-built commit path signed for "git" verifies, so the namespace decided.
        try TestSigning.handSignedCommit(in: fixture.work, message: "git namespace") { payload in
            try TestSigning.sshSign(payload, key: key, namespace: "git", in: fixture.root)
        }
        #expect(try fixture.verdict(policy).isVerified)

        // Unsigned merge commit on top of the signed one.
        try TestGit.run(["checkout", "-q", "-b", "side", good], in: fixture.work)
        try TestSigning.sshSignedCommit(in: fixture.work, key: key, files: ["b.yaml": "b: 1\n"], message: "side")
        try TestGit.run(["checkout", "-q", "main"], in: fixture.work)
        try TestGit.run(["merge", "-q", "--no-ff", "--no-edit", "side"], in: fixture.work)
        #expect(
            try TestGit.run(["rev-list", "--parents", "-n1", "HEAD"], in: fixture.work).split(separator: " ").count == 3
        )
        #expect(try reason(policy) == .unsigned)
    }

    @Test func signerValidityIsCheckedAgainstTheCommitTime() throws {
        let fixture = try SigningFixture()
        defer { fixture.cleanup() }
        let key = try TestSigning.sshKey(type: "ed25519", in: fixture.root, name: "signer")
        try TestSigning.sshSignedCommit(in: fixture.work, key: key, files: ["a.yaml": "a: 1\n"], message: "signed")
        func verdict(_ options: String) throws -> Verdict {
            let signers = try fixture.signers(["\(Self.committer) \(options) \(key.publicKey)"])
            return try fixture.verdict(VerificationPolicy(ssh: SSHVerifier(signers: signers)))
        }
        // Commit time 2024-05-01T12:00:00Z.
        let expired = try verdict("valid-before=\"20240430Z\"")
        #expect(expired.refusal?.reason == .signerNotValid)
        #expect(expired.refusal?.message.contains("expired at 2024-04-30T00:00:00Z") == true)
        #expect(try verdict("valid-after=\"20240502Z\"").refusal?.reason == .signerNotValid)
        #expect(try verdict("valid-after=\"20240101Z\",valid-before=\"20241231Z\"").isVerified)
        #expect(try verdict("namespaces=\"file\"").refusal?.reason == .wrongNamespace)
        #expect(try verdict("namespaces=\"file,g*\"").isVerified)
        #expect(try verdict("cert-authority").refusal?.reason == .unsupportedKey)
    }

    @Test func signerMustBeTheCommitterWhenRequired() throws {
        let fixture = try SigningFixture()
        defer { fixture.cleanup() }
        let key = try TestSigning.sshKey(type: "ed25519", in: fixture.root, name: "signer")
        let signers = try fixture.signers(["alice@example.com,*@ops.example.com \(key.publicKey)"])
        var policy = VerificationPolicy(ssh: SSHVerifier(signers: signers), requireSignerIsCommitter: true)

        try TestSigning.sshSignedCommit(
            in: fixture.work, key: key, files: ["a.yaml": "a: 1\n"], message: "by test",
            committerEmail: "test@example.com")
        let refused = try fixture.verdict(policy)
        #expect(refused.refusal?.reason == .signerNotCommitter)
        #expect(refused.refusal?.message.contains("not to the committer test@example.com") == true)

        try TestSigning.sshSignedCommit(
            in: fixture.work, key: key, files: ["a.yaml": "a: 2\n"], message: "by bob",
            committerEmail: "bob@ops.example.com")
        #expect(
            try fixture.verdict(policy)
                == .verified(signer: "bob@ops.example.com", fingerprint: fingerprint(key, fixture)))

        policy.allowedCommitters = ["alice@example.com"]
        #expect(try fixture.verdict(policy).refusal?.reason == .committerNotAllowed)
        policy.allowedCommitters = ["alice@example.com", "*@ops.example.com"]
        #expect(try fixture.verdict(policy).isVerified)
    }

    @Test func signedTagsAreVerifiedInTagAndBothModes() throws {
        let fixture = try SigningFixture()
        defer { fixture.cleanup() }
        let key = try TestSigning.sshKey(type: "ed25519", in: fixture.root, name: "signer")
        let signers = try fixture.signers(["\(Self.committer) \(key.publicKey)"])
        let config = ["-c", "gpg.format=ssh", "-c", "user.signingkey=\(key.privateKeyPath)"]
        try TestSigning.run("git", config + ["tag", "-s", "v1", "-m", "one"], in: fixture.work)
        try TestGit.run(["tag", "v2"], in: fixture.work)
        func reasons(_ mode: VerificationPolicy.Mode, _ ref: String?) throws -> [String] {
            try fixture.verify(VerificationPolicy(mode: mode, ssh: SSHVerifier(signers: signers)), ref: ref)
                .map { "\($0.kind.rawValue):\($0.verdict.refusal?.reason.rawValue ?? "ok")" }
        }
        #expect(try reasons(.tag, "v1") == ["tag:ok"])
        #expect(try reasons(.both, "v1") == ["tag:ok", "commit:unsigned"])  // the tagged commit itself is unsigned
        #expect(try reasons(.head, "v1") == ["commit:unsigned"])
        #expect(try reasons(.tag, "v2") == ["tag:unsigned"])  // lightweight
        #expect(try reasons(.tag, nil) == ["tag:unsigned"])
        // A branch named like the signed tag wins the ref lookup: the tag does not cover it.
        try TestGit.commit(in: fixture.work, files: ["a.yaml": "a: 9\n"], message: "on main")
        try TestGit.run(["branch", "v1", "HEAD"], in: fixture.work)
        #expect(try reasons(.tag, "v1") == ["tag:unsigned"])
    }

    @Test func missingSignersForTheFormatIsUnknownKey() throws {
        let fixture = try SigningFixture()
        defer { fixture.cleanup() }
        let key = try TestSigning.sshKey(type: "ed25519", in: fixture.root, name: "signer")
        try TestSigning.sshSignedCommit(in: fixture.work, key: key, files: ["a.yaml": "a: 1\n"], message: "signed")
        let verdict = try fixture.verdict(VerificationPolicy())
        #expect(verdict.refusal?.reason == .unknownKey)
        #expect(verdict.refusal?.message == "commit has an SSH signature but no --trusted-signers file is given")
    }

    private func fingerprint(_ key: TestSigning.SSHKey, _ fixture: SigningFixture) throws -> String {
        let line = try TestSigning.run("ssh-keygen", ["-l", "-f", key.privateKeyPath + ".pub"], in: fixture.root)
        return String(line.split(separator: " ")[1])
    }
}
