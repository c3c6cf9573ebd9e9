import Kube
import ReconcileCore
import YAML

/// The live plan: LIST the managed kinds, run the pure planner, then confirm the changed objects
/// with a server dry-run so the diff is exactly what the server would store.
public struct LivePlanner: Sendable {
    public var cluster: any ClusterAPI
    public var options: PlanOptions
    public var pageSize: Int

    public init(cluster: any ClusterAPI, options: PlanOptions = PlanOptions(), pageSize: Int = 500) {
        self.cluster = cluster
        self.options = options
        self.pageSize = pageSize
    }

    public func plan(_ desired: DesiredState) async throws -> Plan {
        let live = try await LiveStateLoader(cluster: cluster, pageSize: pageSize).load(for: desired)
        let plan = Planner(desired: desired, live: live, options: options, mode: .live).plan()
        return try await DryRunConfirmer(cluster: cluster, diffContext: options.diffContext).confirm(plan)
    }
}
