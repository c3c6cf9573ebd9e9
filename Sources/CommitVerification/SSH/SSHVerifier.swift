import Foundation
import Git

/// Verifies git's SSH signatures in-process, as `git verify-commit` with
/// `gpg.ssh.allowedSignersFile` does (`ssh-keygen -Y find-principals` then `-Y verify -n git`
/// with `-Overify-time` = the committer time): the SSHSIG must parse, be made in namespace `git`,
/// by a key some allowed_signers line lists for namespace `git`, valid at the commit time, and
/// verify over the payload. Pure: no I/O.
public struct SSHVerifier: Sendable {
    public static let namespace = "git"
    public let signers: AllowedSigners

    public init(signers: AllowedSigners) {
        self.signers = signers
    }

    /// `committerEmail`, when given, must match the principals of the line that trusts the key.
    public func verify(signature armored: String, payload: [UInt8], at time: Date, committerEmail: String?) -> Verdict {
        let signature: SSHSignature
        do {
            signature = try SSHSignature(armored: armored)
        } catch {
            return .refused(Refusal(.malformedSignature, "SSH signature does not parse: \(error)"))
        }
        let fingerprint = signature.publicKey.fingerprint
        guard signature.namespace == Self.namespace else {
            return .refused(
                Refusal(
                    .wrongNamespace,
                    "SSH signature was made for namespace \"\(signature.namespace)\", not \"git\" (key \(fingerprint))")
            )
        }
        do {
            guard try signature.verifies(payload) else {
                return .refused(
                    Refusal(.badSignature, "SSH signature does not match the signed content (key \(fingerprint))"))
            }
        } catch {
            let reason: RefusalReason = error.unsupported ? .unsupportedKey : .malformedSignature
            return .refused(Refusal(reason, "SSH signature cannot be verified: \(error) (key \(fingerprint))"))
        }
        let candidates = signers.entries.filter { $0.key.blob == signature.publicKey.blob }
        guard !candidates.isEmpty else {
            return .refused(
                Refusal(.unknownKey, "SSH key \(fingerprint) is not in the trusted signers file \(signers.path)"))
        }
        // As ssh-keygen: every line listing the key is tried; the first that accepts wins, else
        // the refusal of the last line tried explains why.
        var refusal = Refusal(.unknownKey, "SSH key \(fingerprint) is not trusted")
        for entry in candidates {
            switch check(entry, time: time, committerEmail: committerEmail) {
            case .success(let signer): return .verified(signer: signer, fingerprint: fingerprint)
            case .failure(let failure): refusal = failure
            }
        }
        return .refused(refusal)
    }

    private func check(_ entry: AllowedSigners.Entry, time: Date, committerEmail: String?) -> Result<String, Refusal> {
        let key = entry.fingerprint
        if entry.certificateAuthority {
            return .failure(
                Refusal(.unsupportedKey, "\(entry.location): cert-authority lines are not supported (key \(key))"))
        }
        if let namespaces = entry.namespaces, !PatternList.matches(Self.namespace, list: namespaces) {
            return .failure(
                Refusal(
                    .wrongNamespace,
                    "\(entry.location): key \(key) is trusted for namespaces \"\(namespaces)\", not \"git\""))
        }
        if let after = entry.validAfter, time < after {
            return .failure(
                Refusal(
                    .signerNotValid,
                    "\(entry.location): key \(key) is valid only after "
                        + "\(Self.format(after)); the commit is from \(Self.format(time))"))
        }
        if let before = entry.validBefore, time > before {
            return .failure(
                Refusal(
                    .signerNotValid,
                    "\(entry.location): key \(key) expired at "
                        + "\(Self.format(before)); the commit is from \(Self.format(time))"))
        }
        if let committerEmail {
            guard PatternList.matches(committerEmail, list: entry.principals) else {
                return .failure(
                    Refusal(
                        .signerNotCommitter,
                        "\(entry.location): key \(key) belongs to \(entry.principals), "
                            + "not to the committer \(committerEmail)"))
            }
            return .success(committerEmail)
        }
        return .success(entry.principals)
    }

    static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
