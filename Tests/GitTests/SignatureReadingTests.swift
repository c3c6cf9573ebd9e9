import Foundation
import ReconcileTestSupport
import Testing

@testable import Git

/// Reading signatures and signed payloads of real signed commits and tags (issue 20).
@Suite(.onTestThreads, .timeLimit(.minutes(1)))
struct SignatureReadingTests {
    @Test(.disabled(if: TestSigning.sshUnavailable != nil, "ssh-keygen is not installed (Debian: openssh-client)"))
    func commitSignatureAndPayloadAreSplitAsGitDoes() throws {
        let root = try TestGit.temporaryDirectory()
        defer { TestGit.cleanup(root) }
        let key = try TestSigning.sshKey(type: "ed25519", in: root, name: "signer")
        let work = root + "/work"
        try TestGit.initRepo(at: work, files: ["a.yaml": "a: 1\n"])
        let signed = try TestSigning.sshSignedCommit(
            in: work, key: key, files: ["a.yaml": "a: 2\n"], message: "signed",
            committerEmail: "signer@example.com")
        let repo = try GitRepository.open(path: work)
        let object = try repo.signedCommit(try #require(ObjectID(hex: signed)))
        #expect(object.kind == .commit)
        #expect(object.signature?.text.hasPrefix("-----BEGIN SSH SIGNATURE-----") == true)
        #expect(object.signer.email == "signer@example.com")
        #expect(object.signer.time == Date(timeIntervalSince1970: 1_714_564_800))
        // The payload is the raw commit without the gpgsig header: what `ssh-keygen -Y sign` signed.
        let raw = try TestGit.run(["cat-file", "commit", signed], in: work)
        let withoutHeader =
            raw.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("gpgsig ") && !$0.hasPrefix(" ") }.joined(separator: "\n") + "\n"
        #expect(object.payload.text == withoutHeader)
        #expect(!object.payload.text.contains("SSH SIGNATURE"))
    }

    @Test func unsignedCommitHasNoSignature() throws {
        let root = try TestGit.temporaryDirectory()
        defer { TestGit.cleanup(root) }
        let id = try TestGit.initRepo(at: root + "/work", files: ["a.yaml": "a: 1\n"])
        let object = try GitRepository.open(path: root + "/work").signedCommit(try #require(ObjectID(hex: id)))
        #expect(object.signature == nil)
        #expect(object.payload.text.hasPrefix("tree "))
        #expect(object.signer.email == "test@example.com")
    }

    @Test(.disabled(if: TestSigning.sshUnavailable != nil, "ssh-keygen is not installed (Debian: openssh-client)"))
    func annotatedTagSignatureIsTheTrailingBlock() throws {
        let root = try TestGit.temporaryDirectory()
        defer { TestGit.cleanup(root) }
        let key = try TestSigning.sshKey(type: "ed25519", in: root, name: "signer")
        let work = root + "/work"
        try TestGit.initRepo(at: work, files: ["a.yaml": "a: 1\n"])
        try TestSigning.run(
            "git",
            [
                "-c", "gpg.format=ssh", "-c", "user.signingkey=\(key.privateKeyPath)",
                "tag", "-s", "v1", "-m", "release one",
            ], in: work)
        try TestGit.run(["tag", "-a", "v2", "-m", "unsigned release"], in: work)
        try TestGit.run(["tag", "v3"], in: work)
        let repo = try GitRepository.open(path: work)

        let signed = try #require(try repo.signedTag("v1"))
        #expect(signed.kind == .tag)
        #expect(signed.tagName == "v1")
        #expect(signed.signature?.text.hasPrefix("-----BEGIN SSH SIGNATURE-----") == true)
        #expect(signed.signature?.text.hasSuffix("-----END SSH SIGNATURE-----\n") == true)
        #expect(signed.payload.text.hasSuffix("release one\n"))
        #expect(signed.signer.email == "test@example.com")
        #expect(signed.taggedCommit?.hex == (try TestGit.run(["rev-parse", "HEAD"], in: work)))

        let unsigned = try #require(try repo.signedTag("v2"))
        #expect(unsigned.signature == nil)
        #expect(unsigned.payload.text.hasSuffix("unsigned release\n"))
        #expect(try repo.signedTag("v3") == nil)  // lightweight: no tag object
        #expect(try repo.signedTag("main") == nil)
        let missing = #expect(throws: GitError.self) { try repo.signedTag("nope") }
        #expect(missing?.kind == .referenceNotFound)
    }

    @Test func trailingSignatureTakesTheLastMarkerLine() {
        let text =
            "object x\ntag v\n\nmessage quoting\n-----BEGIN PGP SIGNATURE-----\nin the body\n"
            + "-----BEGIN SSH SIGNATURE-----\nabc\n-----END SSH SIGNATURE-----\n"
        let (payload, signature) = TrailingSignature.split(Array(text.utf8))
        #expect(payload.text == "object x\ntag v\n\nmessage quoting\n-----BEGIN PGP SIGNATURE-----\nin the body\n")
        #expect(signature?.text == "-----BEGIN SSH SIGNATURE-----\nabc\n-----END SSH SIGNATURE-----\n")
        #expect(TrailingSignature.split(Array("no signature\n".utf8)).signature == nil)
        // A marker that does not start a line does not count.
        #expect(TrailingSignature.split(Array("x -----BEGIN PGP SIGNATURE-----\n".utf8)).signature == nil)
    }
}
