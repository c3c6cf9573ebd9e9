import Kube
import ReconcileCore
import YAML

/// The exact diff: for each object the fast compare found changed, a server-side dry-run apply
/// shows what the server would really store (defaults, admission, conversions), as `kubectl diff`
/// does. Conflicts with other field managers and validation errors surface here, per object.
/// Unchanged objects cost no request.
public struct DryRunConfirmer: Sendable {
    public var cluster: any ClusterAPI
    public var diffContext: Int
    /// Whether creates are dry-run (see `LivePlanner.dryRunCreates`).
    public var includeCreates: Bool

    public init(cluster: any ClusterAPI, diffContext: Int = 3, includeCreates: Bool = true) {
        self.cluster = cluster
        self.diffContext = diffContext
        self.includeCreates = includeCreates
    }

    public func confirm(_ plan: Plan) async throws -> Plan {
        var plan = plan
        let cluster = self.cluster
        let settings = plan.settings
        let instance = plan.instance
        // Objects in a namespace this same plan creates cannot be dry-run yet (the server does not
        // know the namespace): they keep the planner's predicted diff, as kubectl diff cannot do better.
        let includeCreates = self.includeCreates
        let newNamespaces = Set(plan.changes.filter { $0.action == .create && $0.key.group.isEmpty && $0.key.kind == "Namespace" }.map(\.key.name))
        let candidates = plan.changes.indices.filter {
            plan.changes[$0].blocked == nil && plan.changes[$0].action != .delete && plan.changes[$0].body != nil
                && (includeCreates || plan.changes[$0].action != .create)
                && !newNamespaces.contains(plan.changes[$0].key.namespace)
        }
        let outcomes = await withTaskGroup(of: (Int, Result<Node, any Error>).self) { group in
            for index in candidates {
                let body = plan.changes[index].body!
                let force = settings.force(for: plan.changes[index], instance: instance)
                group.addTask {
                    do { return (index, .success(try await cluster.apply(body.withoutMarks, fieldManager: Tracking.fieldManager(instance: instance), force: force, dryRun: true))) }
                    catch { return (index, .failure(error)) }
                }
            }
            var all: [(Int, Result<Node, any Error>)] = []
            for await outcome in group { all.append(outcome) }
            return all.sorted { $0.0 < $1.0 }
        }
        var drop = Set<Int>()
        for (index, outcome) in outcomes {
            let change = plan.changes[index]
            switch outcome {
            case .success(let result):
                // A field-manager migration also drops the fields only the legacy manager owned,
                // which a dry-run as the instance's manager cannot show: keep the planner's
                // prediction (from managedFields), and never drop the change.
                if change.migratesFieldManager { continue }
                let live = change.liveBody
                if let live, NoiseFields.strip(live) == NoiseFields.strip(result) {
                    drop.insert(index)
                    continue
                }
                plan.changes[index].diff = ObjectDiff.render(old: live, new: result, key: change.key, context: diffContext)
            case .failure(let error as KubeError):
                plan.changes[index].blocked = "\(error.code) \(error.reason ?? "error"): \(error.message)"
                let code = error.isConflict ? "RC1002" : error.isInvalid ? "RC1003" : "RC1004"
                let hint = error.isConflict ? "another field manager owns these fields: set force: true in reconcile.yaml to take them over, or remove them from git" : nil
                plan.findings.append(Finding(code: code, severity: .error, message: "\(change.key.shortDescription): \(error.description)",
                                             object: change.key, source: change.source, hint: hint))
            case .failure(let error):
                throw error
            }
        }
        plan.unchanged += drop.count
        plan.changes = plan.changes.enumerated().filter { !drop.contains($0.offset) }.map(\.element)
        for index in plan.changes.indices { plan.changes[index].step = index + 1 }
        return plan
    }
}

