import FuzzSupport
import Foundation
@testable import CommitVerification
@testable import Git

/// Commit-signature inputs (issue 20). A signature and its payload come from the config
/// repository, so from anyone who can push: the bytes as an armored SSH signature verified against
/// a fixed trusted signer, as a raw SSHSIG blob, and as a tag object split as git does. The same
/// bytes as an operator's allowed_signers file, an OpenPGP keyring (binary or armored) and gpgv
/// status output.
@main enum FuzzSignatures {
    static func main() { FuzzMain.run(test) }

    static func test(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        let time = Date(timeIntervalSince1970: 1_714_564_800)
        _ = verifier.verify(signature: text, payload: bytes, at: time, committerEmail: "test@example.com")
        if let signature = try? SSHSignature(blob: bytes) { _ = try? signature.verifies(bytes) }
        let (payload, trailing) = TrailingSignature.split(bytes)
        if let trailing {
            _ = verifier.verify(signature: String(decoding: trailing, as: UTF8.self), payload: payload, at: time,
                                committerEmail: nil)
        }
        if let signers = try? AllowedSigners(text: text, path: "fuzz", timeZone: TimeZone(identifier: "UTC")!) {
            _ = SSHVerifier(signers: signers).verify(signature: text, payload: bytes, at: time, committerEmail: nil)
        }
        if let keyring = try? OpenPGPKeyring(bytes: bytes, path: "fuzz") {
            for key in keyring.userIDs.keys { _ = keyring.emails(ofKey: key) }
        }
        _ = GPGStatus(parsing: text).verdict
    }

    /// One trusted ed25519 signer (the key of Fuzz/seeds/signatures/commit-signature.asc).
    static let verifier: SSHVerifier = {
        let line = "test@example.com namespaces=\"git\" " + signerKey
        return SSHVerifier(signers: try! AllowedSigners(text: line, path: "fuzz"))
    }()

    static let signerKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM0MvRRndILsHI8m9MVhmGHW9BmamswCrmRkUFmAecAc"
}
