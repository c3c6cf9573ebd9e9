import ReconcileCore

/// Where the loop gets the desired state: `reconcile run` passes the git repository (fetched
/// into the cache directory); tests may pass anything. Called from one task at a time.
public protocol DesiredStateSource: Sendable {
    /// Brings the remote's new commits in (incrementally) and returns the commit `ref` names now.
    func fetch() async throws -> String
    /// Renders the config at a commit fetched earlier; `label` names it in output (a short id).
    func render(commit: String) async throws -> (label: String, desired: DesiredState)
}
