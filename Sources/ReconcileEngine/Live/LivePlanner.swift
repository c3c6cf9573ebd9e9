import Kube
import ReconcileCore
import ReconcileFindings
import YAML

/// The live plan: LIST the managed kinds, run the pure planner, then confirm the changed objects
/// with a server dry-run so the diff is exactly what the server would store.
public struct LivePlanner: Sendable {
    public var cluster: any ClusterAPI
    public var options: PlanOptions
    public var pageSize: Int
    /// Whether new objects are dry-run too. `plan` does (the preview shows the server's
    /// defaults); `apply` and `run` do not: a create cannot conflict with another manager, its
    /// preview is the object from git, and the dry-run would repeat the apply that follows.
    /// Updates are always dry-run, so their diff is exact and conflicts block before any write.
    public var dryRunCreates: Bool
    /// Whether the live state is freed on a background task (a command's plan need not wait the
    /// ~0.1 s that 10,000 trees take) or before `plan` returns (the controller: nothing waits for
    /// its pass, and its memory between passes is then only what it keeps).
    public var releasesLiveInBackground: Bool

    public init(cluster: any ClusterAPI, options: PlanOptions = PlanOptions(), pageSize: Int = 500, dryRunCreates: Bool = true,
                releasesLiveInBackground: Bool = true) {
        self.cluster = cluster
        self.options = options
        self.pageSize = pageSize
        self.dryRunCreates = dryRunCreates
        self.releasesLiveInBackground = releasesLiveInBackground
    }

    /// Starts API discovery (and with it the first connection to the server) and returns at
    /// once, so that it overlaps reading the repository; the plan's own lookups wait for it.
    public func startDiscovery() -> Task<Void, Never> {
        let cluster = self.cluster
        return Task { _ = try? await cluster.resource(group: "", kind: "Namespace", version: nil) }
    }

    /// Starts the LISTs a desired state with this outline needs (see `Renderer.outline`), to
    /// overlap them with rendering; pass the result to `plan`.
    public func prefetch(_ outline: DesiredOutline) async -> LiveStateLoader.Prefetch {
        await LiveStateLoader(cluster: cluster, pageSize: pageSize).prefetch(outline)
    }

    public func plan(_ desired: DesiredState, prefetched: LiveStateLoader.Prefetch? = nil) async throws -> Plan {
        let live = try await LiveStateLoader(cluster: cluster, pageSize: pageSize).load(for: desired, prefetched: prefetched)
        let plan = Planner(desired: desired, live: live, options: options, mode: .live).planWithFindings()
        // Nothing below needs it; otherwise it is freed here, on this task, by its last use.
        if releasesLiveInBackground { releaseInBackground(live) }
        return try await DryRunConfirmer(cluster: cluster, diffContext: options.diffContext, includeCreates: dryRunCreates).confirm(plan)
    }
}
