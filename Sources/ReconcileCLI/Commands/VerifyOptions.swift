import ArgumentParser
import CommitVerification
import Foundation
import Git
import ReconcileCore

/// Commit-signature policy flags shared by `plan`, `apply` and `run` (issue 20). The policy
/// comes from the operator only: nothing in the config repository can turn it off or widen it.
struct VerifyOptions: ParsableArguments {
    @Flag(
        help: ArgumentHelp(
            "Render and apply only signed commits from trusted signers "
                + "(a local repository is then read at its commit, never its working tree)."))
    var verifyCommits = false

    @Option(
        help: "What must be signed: head (the commit --ref resolves to), tag (the annotated tag --ref names) or both.")
    var verifyMode: VerificationPolicy.Mode = .head

    @Option(
        help: ArgumentHelp(
            "Trusted SSH signers, in git's allowed_signers format "
                + "(principals [namespaces=\"git\",valid-after=…,valid-before=…] key)."))
    var trustedSigners: String?

    @Option(help: "Trusted OpenPGP public keys (gpg --export, binary or --armor), checked with gpgv.")
    var trustedKeyring: String?

    @Flag(help: "The signer's SSH principal or OpenPGP user ID email must be the committer's (the tagger's for tags).")
    var requireSignerIsCommitter = false

    @Option(
        help:
            "Only these committers' commits are accepted: comma-separated emails, * wildcards allowed (*@example.com).")
    var allowedCommitters: String?

    @Option(help: "The gpgv program for OpenPGP signatures.")
    var gpgv: String = "gpgv"

    func validate() throws {
        let dependent =
            trustedSigners != nil || trustedKeyring != nil || requireSignerIsCommitter || allowedCommitters != nil
        if !verifyCommits {
            if dependent || verifyMode != .head {
                throw ValidationError(
                    "--trusted-signers, --trusted-keyring, --verify-mode, --require-signer-is-committer "
                        + "and --allowed-committers need --verify-commits")
            }
            return
        }
        if trustedSigners == nil && trustedKeyring == nil {
            throw ValidationError("--verify-commits needs --trusted-signers (SSH) and/or --trusted-keyring (OpenPGP)")
        }
    }

    /// The verifier for these flags, nil when `--verify-commits` is off; unreadable or malformed
    /// trust files fail here, naming file and line.
    func verifier() throws -> CommitVerifier? {
        guard verifyCommits else { return nil }
        var policy = VerificationPolicy(mode: verifyMode, requireSignerIsCommitter: requireSignerIsCommitter)
        policy.allowedCommitters = (allowedCommitters ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        do {
            if let trustedSigners { policy.ssh = SSHVerifier(signers: try AllowedSigners(contentsOf: trustedSigners)) }
            if let trustedKeyring {
                policy.openPGP = GPGVerifier(keyring: try OpenPGPKeyring(contentsOf: trustedKeyring), gpgv: gpgv)
            }
        } catch {
            throw UserError("\(error)")
        }
        return CommitVerifier(policy: policy)
    }
}

extension VerificationPolicy.Mode: ExpressibleByArgument {}

extension VerificationResult {
    /// The plan's copy of this verdict (shown by `plan --base` in the pull request).
    var status: SignatureStatus {
        switch verdict {
        case .verified(let signer, let fingerprint):
            return SignatureStatus(
                object: kind.rawValue, id: id.short, verified: true, signer: signer, fingerprint: fingerprint,
                summary: summary)
        case .refused(let refusal):
            return SignatureStatus(
                object: kind.rawValue, id: id.short, verified: false, reason: refusal.reason.rawValue, summary: summary)
        }
    }
}
