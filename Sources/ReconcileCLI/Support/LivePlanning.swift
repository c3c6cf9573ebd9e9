import ReconcileCore
import ReconcileEngine

extension LivePlanner {
    /// Renders a revision and plans it against the cluster. The LISTs start first, from a quick
    /// guess at the render's outline, so they run while the repository is parsed; the guess
    /// only decides what is fetched early (see `DesiredOutline`).
    func plan(_ revision: ConfigRepository.Revision, renderer: Renderer) async throws -> Plan {
        let selection = try renderer.select(revision.files)
        let prefetched = await prefetch(renderer.outline(selection))
        let desired = try renderer.render(selection)
        var plan = try await plan(desired, prefetched: prefetched)
        plan.revision = revision.label
        releaseInBackground(desired)
        return plan
    }
}
