import Foundation
import ReconcileTestSupport
import Testing

@testable import CommitVerification

/// OpenPGP-signed commits made by git and gpg in throwaway homes, verified with gpgv (issue 20).
@Suite(
    .onTestThreads,
    .timeLimit(.minutes(2)),
    .disabled(if: TestSigning.gpgUnavailable != nil, "gpg or gpgv is not installed (Debian: gnupg, gpgv)"))
struct OpenPGPVerificationTests {
    @Test(arguments: [false, true])
    func signedCommitIsVerifiedWithBinaryOrArmoredKeyring(armor: Bool) throws {
        let fixture = try SigningFixture()
        defer { fixture.cleanup() }
        let home = try TestSigning.GPGHome(in: fixture.root)
        defer { home.close() }
        let fpr = try home.generateKey(name: "Test User", email: "test@example.com")
        try TestSigning.gpgSignedCommit(
            in: fixture.work, home: home, fingerprint: fpr, files: ["a.yaml": "a: 1\n"], message: "pgp")
        let keyring = fixture.root + "/trusted.\(armor ? "asc" : "gpg")"
        try home.export(to: keyring, armor: armor)
        let policy = VerificationPolicy(openPGP: GPGVerifier(keyring: try OpenPGPKeyring(contentsOf: keyring)))
        #expect(try fixture.verdict(policy) == .verified(signer: "Test User <test@example.com>", fingerprint: fpr))
    }

    @Test func refusals() throws {
        let fixture = try SigningFixture()
        defer { fixture.cleanup() }
        let home = try TestSigning.GPGHome(in: fixture.root)
        defer { home.close() }
        let trusted = try home.generateKey(name: "Trusted", email: "test@example.com")
        let stranger = try home.generateKey(name: "Stranger", email: "stranger@example.com")
        let keyringPath = fixture.root + "/trusted.gpg"
        try home.export(to: keyringPath, armor: false, keys: [trusted])
        let policy = VerificationPolicy(openPGP: GPGVerifier(keyring: try OpenPGPKeyring(contentsOf: keyringPath)))
        func reason() throws -> RefusalReason? { try fixture.verdict(policy).refusal?.reason }

        try TestSigning.gpgSignedCommit(
            in: fixture.work, home: home, fingerprint: stranger, files: ["a.yaml": "a: 1\n"], message: "x")
        #expect(try reason() == .unknownKey)

        let good = try TestSigning.gpgSignedCommit(
            in: fixture.work, home: home, fingerprint: trusted,
            files: ["a.yaml": "a: 2\n"], message: "good")
        #expect(try fixture.verdict(policy).isVerified)
        try TestSigning.tamperedCommit(in: fixture.work, from: good, message: "evil")
        #expect(try reason() == .badSignature)

        // Unsigned merge commit on top of the signed one.
        try TestGit.run(["reset", "-q", "--hard", good], in: fixture.work)
        try TestGit.run(["checkout", "-q", "-b", "side"], in: fixture.work)
        try TestGit.commit(in: fixture.work, files: ["b.yaml": "b: 1\n"], message: "side")
        try TestGit.run(["checkout", "-q", "main"], in: fixture.work)
        try TestGit.run(["merge", "-q", "--no-ff", "--no-edit", "side"], in: fixture.work)
        #expect(try reason() == .unsigned)

        // The same key, revoked since, in the operator's keyring.
        try TestGit.run(["reset", "-q", "--hard", good], in: fixture.work)
        try home.revoke(trusted)
        try home.export(to: keyringPath, armor: false, keys: [trusted])
        let revoked = VerificationPolicy(openPGP: GPGVerifier(keyring: try OpenPGPKeyring(contentsOf: keyringPath)))
        let verdict = try fixture.verdict(revoked)
        #expect(verdict.refusal?.reason == .revokedKey)
        #expect(verdict.refusal?.message.contains(trusted) == true)
    }

    @Test func signatureByAKeyThatHasExpiredIsRefused() throws {
        let fixture = try SigningFixture()
        defer { fixture.cleanup() }
        let home = try TestSigning.GPGHome(in: fixture.root)
        defer { home.close() }
        let fpr = try home.generateKey(
            name: "Old", email: "test@example.com", expire: "1d", fakedTime: "20200101T000000")
        try TestSigning.gpgSignedCommit(
            in: fixture.work, home: home, fingerprint: fpr, files: ["a.yaml": "a: 1\n"],
            message: "old", program: try home.programAsOf("20200101T000100"))
        let keyring = fixture.root + "/trusted.gpg"
        try home.export(to: keyring, armor: false)
        let verdict = try fixture.verdict(
            VerificationPolicy(openPGP: GPGVerifier(keyring: try OpenPGPKeyring(contentsOf: keyring))))
        #expect(verdict.refusal?.reason == .expiredKey)
    }

    @Test func signerIsCommitterMatchesAnyUserIDOfTheKey() throws {
        let fixture = try SigningFixture()
        defer { fixture.cleanup() }
        let home = try TestSigning.GPGHome(in: fixture.root)
        defer { home.close() }
        let fpr = try home.generateKey(name: "Alice", email: "alice@example.com")
        try home.addUserID(fpr, "Alice Work <alice@work.example.com>")
        let keyring = fixture.root + "/trusted.asc"
        try home.export(to: keyring, armor: true)
        let parsed = try OpenPGPKeyring(contentsOf: keyring)
        #expect(Set(parsed.emails(ofKey: fpr)) == ["alice@example.com", "alice@work.example.com"])
        let policy = VerificationPolicy(openPGP: GPGVerifier(keyring: parsed), requireSignerIsCommitter: true)

        try TestSigning.gpgSignedCommit(
            in: fixture.work, home: home, fingerprint: fpr, files: ["a.yaml": "a: 1\n"],
            message: "work", committerEmail: "alice@work.example.com")
        #expect(try fixture.verdict(policy).isVerified)
        try TestSigning.gpgSignedCommit(
            in: fixture.work, home: home, fingerprint: fpr, files: ["a.yaml": "a: 2\n"],
            message: "someone else", committerEmail: "mallory@example.com")
        let refused = try fixture.verdict(policy)
        #expect(refused.refusal?.reason == .signerNotCommitter)
        #expect(refused.refusal?.message.contains("none of them the committer mallory@example.com") == true)
    }

    @Test func missingGpgvIsAVerifierError() throws {
        let fixture = try SigningFixture()
        defer { fixture.cleanup() }
        let home = try TestSigning.GPGHome(in: fixture.root)
        defer { home.close() }
        let fpr = try home.generateKey(name: "Test User", email: "test@example.com")
        try TestSigning.gpgSignedCommit(
            in: fixture.work, home: home, fingerprint: fpr, files: ["a.yaml": "a: 1\n"], message: "pgp")
        let keyring = fixture.root + "/trusted.gpg"
        try home.export(to: keyring, armor: false)
        let verifier = GPGVerifier(keyring: try OpenPGPKeyring(contentsOf: keyring), gpgv: "reconcile-no-such-gpgv")
        let verdict = try fixture.verdict(VerificationPolicy(openPGP: verifier))
        #expect(verdict.refusal?.reason == .verifierError)
        #expect(verdict.refusal?.message.contains("reconcile-no-such-gpgv is not installed") == true)
    }
}
