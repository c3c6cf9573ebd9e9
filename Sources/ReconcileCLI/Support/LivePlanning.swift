import ReconcileCore
import ReconcileEngine

extension LivePlanner {
    /// Renders a revision and plans it against the cluster. The LISTs start first, from a quick
    /// guess at the render's outline, so they run while the repository is parsed; the guess
    /// only decides what is fetched early (see `DesiredOutline`).
    func plan(_ revision: ConfigRepository.Revision, renderer: Renderer) async throws -> Plan {
        var prefetched: LiveStateLoader.Prefetch?
        if let outline = renderer.outline(revision.files) { prefetched = await prefetch(outline) }
        let desired = try renderer.render(revision.files)
        var plan = try await plan(desired, prefetched: prefetched)
        plan.revision = revision.label
        releaseInBackground(desired)
        return plan
    }
}
