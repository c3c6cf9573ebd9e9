import Git

/// Why a commit or tag was refused. The raw value is the `reason` label of
/// `reconcile_commit_verification_failures_total` and the Event reason, so it is short and stable.
public enum RefusalReason: String, Sendable, CaseIterable {
    /// No signature at all (or a lightweight tag where a signed tag is required).
    case unsigned
    /// The signature does not parse, or uses a format or hash we do not accept.
    case malformedSignature = "malformed_signature"
    /// The signature does not match the payload (tampered commit, wrong key material).
    case badSignature = "bad_signature"
    /// No trusted signer or keyring entry has the signing key (or none was configured for its format).
    case unknownKey = "unknown_key"
    /// An SSH signature made for another namespace than `git`, or a signer not allowed it.
    case wrongNamespace = "wrong_namespace"
    /// The signer's `valid-after`/`valid-before` does not cover the commit time.
    case signerNotValid = "signer_not_valid"
    /// The OpenPGP key has expired (EXPKEYSIG) or the signature has (EXPSIG).
    case expiredKey = "expired_key"
    /// The OpenPGP key is revoked (REVKEYSIG).
    case revokedKey = "revoked_key"
    /// The key type is one we cannot verify (FIDO `sk-*`, certificates, RSA under 2048 bits).
    case unsupportedKey = "unsupported_key"
    /// `--require-signer-is-committer`: the signer's principal or user ID is not the committer.
    case signerNotCommitter = "signer_not_committer"
    /// The committer is not in `--allowed-committers`.
    case committerNotAllowed = "committer_not_allowed"
    /// The verifier itself failed (gpgv missing, crashed, unreadable keyring).
    case verifierError = "verifier_error"
}

/// The outcome of verifying one commit or tag.
public enum Verdict: Sendable, Equatable {
    /// Trusted: `signer` is the SSH principal or OpenPGP user ID, `fingerprint` the key's
    /// (`SHA256:…` for SSH, the 40-hex primary-key fingerprint for OpenPGP).
    case verified(signer: String, fingerprint: String)
    case refused(Refusal)

    public var isVerified: Bool {
        if case .verified = self { return true }
        return false
    }

    public var refusal: Refusal? {
        if case .refused(let refusal) = self { return refusal }
        return nil
    }
}

/// A refusal: the reason code and a sentence for people.
public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: RefusalReason
    public let message: String

    public init(_ reason: RefusalReason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { "\(message) [\(reason.rawValue)]" }
}

/// The verdict for one object, with what it was about (for errors, events and status).
public struct VerificationResult: Sendable, Equatable {
    public let kind: SignedObject.Kind
    public let id: ObjectID
    public let verdict: Verdict

    public init(kind: SignedObject.Kind, id: ObjectID, verdict: Verdict) {
        self.kind = kind
        self.id = id
        self.verdict = verdict
    }

    /// `commit 1a2b3c4d5e6f is signed by alice@example.com (SHA256:…)` or
    /// `commit 1a2b3c4d5e6f is refused: … [reason]`.
    public var summary: String {
        switch verdict {
        case .verified(let signer, let fingerprint):
            return "\(kind.rawValue) \(id.short) is signed by \(signer) (\(fingerprint))"
        case .refused(let refusal):
            return "\(kind.rawValue) \(id.short) is refused: \(refusal)"
        }
    }
}
