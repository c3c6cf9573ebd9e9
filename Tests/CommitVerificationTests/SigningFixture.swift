import CommitVerification
import Foundation
import Git
import ReconcileTestSupport

/// A throwaway directory with a repository whose first commit is unsigned; tests add signed
/// commits with real keys and verify them through `CommitVerifier`.
struct SigningFixture {
    let root: String
    let work: String

    init() throws {
        root = try TestGit.temporaryDirectory()
        work = root + "/work"
        try TestGit.initRepo(at: work, files: ["a.yaml": "a: 0\n"])
    }

    func cleanup() { TestGit.cleanup(root) }

    /// Writes `lines` as an allowed_signers file and returns it parsed.
    func signers(_ lines: [String]) throws -> AllowedSigners {
        let path = root + "/allowed_signers-\(UUID().uuidString.prefix(6))"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return try AllowedSigners(contentsOf: path)
    }

    /// Verifies HEAD (or `ref`) with `policy`.
    func verify(_ policy: VerificationPolicy, ref: String? = nil) throws -> [VerificationResult] {
        let repository = try GitRepository.open(path: work)
        let commit = try repository.resolveCommit(ref ?? "HEAD")
        return try CommitVerifier(policy: policy).verify(repository: repository, commit: commit, ref: ref)
    }

    /// The single verdict of a head-mode verification.
    func verdict(_ policy: VerificationPolicy) throws -> Verdict {
        let results = try verify(policy)
        guard results.count == 1 else { throw TestGit.Failure(description: "expected one result, got \(results)") }
        return results[0].verdict
    }
}
