/// A fetched revision the operator's commit-signature policy refuses (issue 20). A source throws
/// it from `fetch()`; the loop then keeps the last verified commit as the desired state and
/// drift target, counts `reconcile_commit_verification_failures_total{reason}`, records a
/// Warning Event, and says why in the status ConfigMap and `/readyz`.
public struct UntrustedRevision: Error, Sendable, Equatable, CustomStringConvertible {
    /// The refused commit's full id.
    public let commit: String
    /// The refusal reason code, the metric's `reason` label (`unsigned`, `unknown_key`, …).
    public let reason: String
    /// What was refused and why, for people.
    public let message: String

    public init(commit: String, reason: String, message: String) {
        self.commit = commit
        self.reason = reason
        self.message = message
    }

    public var description: String { message }
}
