import ReconcileCore
import ReconcileSource
import ReconcileEngine

extension LivePlanner {
    /// Reads a revision of the repository, renders it and plans it against the cluster, with the
    /// slow parts overlapped: API discovery starts before the files are read, and the LISTs
    /// start from a quick guess at the render's outline, so they run while the files are parsed;
    /// the guess only decides what is fetched early (see `DesiredOutline`).
    func plan(_ repository: ConfigRepository, ref: String?, renderer: Renderer) async throws -> Plan {
        let discovery = startDiscovery()
        defer { discovery.cancel() }
        let revision = try repository.revision(ref)
        let selection = try renderer.select(revision.files)
        let prefetched = await prefetch(renderer.outline(selection))
        let desired = try renderer.render(selection)
        warnUnselectedFiles(desired.unselectedFiles)
        var plan = try await plan(desired, prefetched: prefetched)
        plan.revision = revision.label
        releaseInBackground(desired)
        return plan
    }
}
