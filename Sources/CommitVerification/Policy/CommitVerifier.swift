import Foundation
import Git

/// Applies a `VerificationPolicy` to the commit (and/or tag) a ref names: reads the signature
/// with `Git`, then hands it to the SSH or OpenPGP verifier by its armor.
public struct CommitVerifier: Sendable {
    public let policy: VerificationPolicy

    public init(policy: VerificationPolicy) {
        self.policy = policy
    }

    /// The verdicts the policy's mode asks for at `commit`, which `ref` resolved to (nil: HEAD).
    /// In `tag` and `both` modes `ref` must name an annotated tag; otherwise that is a refusal.
    public func verify(repository: GitRepository, commit: ObjectID, ref: String?) throws -> [VerificationResult] {
        var results: [VerificationResult] = []
        if policy.mode != .head {
            if let ref, let tag = try repository.signedTag(ref) {
                // The signed tag must cover the commit that will be rendered (a branch of the same
                // name would otherwise win the ref lookup).
                if let tagged = tag.taggedCommit, tagged != commit {
                    let refusal = Refusal(
                        .unsigned,
                        "tag \(ref) points to commit \(tagged.short), "
                            + "not to \(commit.short) that --ref \(ref) resolves to")
                    results.append(VerificationResult(kind: .tag, id: tag.id, verdict: .refused(refusal)))
                } else {
                    results.append(verify(tag))
                }
            } else {
                let refusal = Refusal(
                    .unsigned,
                    "--verify-commits \(policy.mode.rawValue) needs --ref naming an annotated tag, "
                        + "but \(ref.map { "\"\($0)\"" } ?? "HEAD") is not one")
                results.append(VerificationResult(kind: .tag, id: commit, verdict: .refused(refusal)))
            }
        }
        if policy.mode != .tag {
            results.append(verify(try repository.signedCommit(commit)))
        }
        return results
    }

    /// The verdict for one signed (or unsigned) object.
    public func verify(_ object: SignedObject) -> VerificationResult {
        VerificationResult(kind: object.kind, id: object.id, verdict: verdict(for: object))
    }

    private func verdict(for object: SignedObject) -> Verdict {
        let email = object.signer.email
        if !policy.allowedCommitters.isEmpty,
            !policy.allowedCommitters.contains(where: { PatternList.matches(email, list: $0) })
        {
            let role = object.kind == .commit ? "committer" : "tagger"
            return .refused(
                Refusal(.committerNotAllowed, "\(role) \(object.signer.description) is not in --allowed-committers"))
        }
        guard let signature = object.signature else {
            return .refused(Refusal(.unsigned, "\(object.kind.rawValue) is not signed"))
        }
        let committerEmail = policy.requireSignerIsCommitter ? email : nil
        let text = String(decoding: signature, as: UTF8.self)
        if text.hasPrefix(SSHSignature.beginMarker) {
            guard let ssh = policy.ssh else {
                return .refused(
                    Refusal(
                        .unknownKey,
                        "\(object.kind.rawValue) has an SSH signature but no --trusted-signers file is given"))
            }
            return ssh.verify(
                signature: text, payload: object.payload, at: object.signer.time, committerEmail: committerEmail)
        }
        if text.hasPrefix("-----BEGIN PGP SIGNATURE-----") {
            guard let openPGP = policy.openPGP else {
                return .refused(
                    Refusal(
                        .unknownKey,
                        "\(object.kind.rawValue) has an OpenPGP signature but no --trusted-keyring is given"))
            }
            return openPGP.verify(signature: signature, payload: object.payload, committerEmail: committerEmail)
        }
        let firstLine = text.split(separator: "\n").first.map(String.init) ?? ""
        return .refused(
            Refusal(.malformedSignature, "unsupported signature format (\(firstLine)); SSH and OpenPGP are accepted"))
    }
}
