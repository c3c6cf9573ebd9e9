import Foundation
import Testing

@testable import CommitVerification

/// Malformed signatures, keyrings and gpgv status output: refused with a reason, never a crash.
@Suite struct FormatTests {
    @Test(arguments: [
        ("no armor", "no -----BEGIN SSH SIGNATURE----- line"),
        ("-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n", "no -----END SSH SIGNATURE----- line"),
        ("-----BEGIN SSH SIGNATURE-----\n!!!\n-----END SSH SIGNATURE-----\n", "the SSH signature is not valid base64"),
        (
            "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n",
            "the SSH signature is truncated in its version"
        ),
        (
            "-----BEGIN SSH SIGNATURE-----\nWFhYWFhYAAAAAQ==\n-----END SSH SIGNATURE-----\n",
            "not an SSHSIG signature (bad magic)"
        ),
        (
            "-----BEGIN SSH SIGNATURE-----\nU1NIU0lHAAAAAg==\n-----END SSH SIGNATURE-----\n",
            "SSHSIG version 2 is not supported (only 1)"
        ),
        (
            "-----BEGIN SSH SIGNATURE-----\nU1NIU0lHAAAAAf////8=\n-----END SSH SIGNATURE-----\n",
            "the SSH signature is truncated in its public key"
        ),
    ])
    func malformedSSHSignatures(text: String, message: String) {
        let error = #expect(throws: SSHFormatError.self) { try SSHSignature(armored: text) }
        #expect(error?.description == message)
        let signers = try? AllowedSigners(text: "", path: "none")
        let verdict = SSHVerifier(signers: signers!).verify(
            signature: text, payload: [], at: Date(), committerEmail: nil)
        #expect(verdict.refusal?.reason == .malformedSignature)
    }

    @Test func gpgStatusLinesDecideTheVerdict() {
        let prefix = "[GNUPG:] NEWSIG\n[GNUPG:] KEY_CONSIDERED ABCD 0\n"
        let valid = "[GNUPG:] VALIDSIG FFFF 2026-12-05 1 0 4 0 22 8 00 AAAA\n"
        func reason(_ lines: String) -> RefusalReason? { GPGStatus(parsing: prefix + lines).verdict.refusal?.reason }
        #expect(
            GPGStatus(parsing: prefix + "[GNUPG:] GOODSIG 1234 A <a@x>\n" + valid).verdict
                == .verified(signer: "A <a@x>", fingerprint: "AAAA"))
        #expect(reason("[GNUPG:] BADSIG 1234 A <a@x>\n") == .badSignature)
        #expect(reason("[GNUPG:] EXPKEYSIG 1234 A <a@x>\n" + valid) == .expiredKey)
        #expect(reason("[GNUPG:] EXPSIG 1234 A <a@x>\n" + valid) == .expiredKey)
        #expect(reason("[GNUPG:] REVKEYSIG 1234 A <a@x>\n" + valid) == .revokedKey)
        #expect(reason("[GNUPG:] ERRSIG 1234 22 8 00 1 9 -\n[GNUPG:] NO_PUBKEY 1234\n") == .unknownKey)
        #expect(reason("[GNUPG:] ERRSIG 1234 99 8 00 1 4 -\n") == .malformedSignature)
        #expect(reason("") == .malformedSignature)  // no verdict line at all
        #expect(
            reason("[GNUPG:] GOODSIG 1234 A\n" + valid + prefix + "[GNUPG:] GOODSIG 5678 B\n") == .malformedSignature)
        // Prose that imitates a status line is not one.
        #expect(reason("gpgv: [GNUPG:] GOODSIG 1234 A\n") == .malformedSignature)
    }

    @Test func malformedKeyringsNameTheFile() {
        #expect(
            (#expect(throws: KeyringError.self) { try OpenPGPKeyring(bytes: [0x01, 0x02], path: "k.gpg") })?
                .description == "k.gpg: OpenPGP packet at byte 0: not a packet header")
        #expect(
            (#expect(throws: KeyringError.self) { try OpenPGPKeyring(bytes: [0xC6, 0x20, 0x04], path: "k.gpg") })?
                .description == "k.gpg: OpenPGP packet at byte 0: length 32 runs past the end")
        #expect(
            (#expect(throws: KeyringError.self) { try OpenPGPKeyring(bytes: [], path: "k.gpg") })?
                .description == "k.gpg: the trusted keyring holds no public key")
        let armored = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n!!!\n-----END PGP PUBLIC KEY BLOCK-----\n"
        #expect(
            (#expect(throws: KeyringError.self) { try OpenPGPKeyring(bytes: Array(armored.utf8), path: "k.asc") })?
                .description == "k.asc:4: the armored key block is not valid base64")
    }
}
