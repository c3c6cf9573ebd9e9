import CommitVerification
import Git

/// An unsigned, badly signed or untrusted revision: never rendered, never applied.
public struct UntrustedCommitError: Error, CustomStringConvertible, Sendable {
    /// The commit the ref resolved to.
    public let commit: ObjectID
    public let results: [VerificationResult]

    public var refused: [VerificationResult] { results.filter { !$0.verdict.isVerified } }

    public var description: String {
        "refusing to render or apply: " + refused.map(\.summary).joined(separator: "; ")
    }

    /// The controller's form: the loop keeps the last verified commit when a fetch throws it.
    public var untrustedRevision: UntrustedRevision {
        UntrustedRevision(
            commit: commit.hex, reason: refused.first?.verdict.refusal?.reason.rawValue ?? "unsigned",
            message: refused.map(\.summary).joined(separator: "; "))
    }
}

extension CommitVerifier {
    /// Verifies what `ref` (nil: HEAD) names in `repository` and returns the verified commit id
    /// to render, so the commit rendered is exactly the one verified; throws
    /// `UntrustedCommitError` when the policy refuses it.
    public func verifiedCommit(
        in repository: ConfigRepository, ref: String?
    ) throws -> (commit: ObjectID, results: [VerificationResult]) {
        guard let git = repository.git else {
            throw SourceError(
                "--verify-commits needs a git repository, and \(repository.displayName) is a plain directory")
        }
        let commit = try git.resolveCommit(ref ?? "HEAD")
        let results = try verify(repository: git, commit: commit, ref: ref)
        guard results.allSatisfy(\.verdict.isVerified) else {
            throw UntrustedCommitError(commit: commit, results: results)
        }
        return (commit, results)
    }
}
