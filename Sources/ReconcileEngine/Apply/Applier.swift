import Foundation
import Kube
import ReconcileCore
import YAML

/// What happened to one planned change.
public struct ApplyOutcome: Sendable {
    public enum Result: Sendable, Equatable {
        case applied
        case pruned
        case failed(String)
        /// Not attempted: blocked in the plan, or something it depends on failed.
        case skipped(String)
    }

    public var change: PlannedChange
    public var result: Result

    public init(change: PlannedChange, result: Result) {
        self.change = change
        self.result = result
    }
}

/// Carries out a plan's changes in its order with server-side apply as field manager
/// `reconcile`. One object's failure does not stop unrelated ones but does stop what depends on
/// it; prunes delete with uid/resourceVersion preconditions so nothing changed since the plan is
/// ever deleted.
public struct Applier: Sendable {
    public var cluster: any ClusterAPI
    public var events: EventRecorder?
    public var dependencies: ApplyDependencies?
    public var progress: @Sendable (String) -> Void

    public init(cluster: any ClusterAPI, events: EventRecorder?, dependencies: ApplyDependencies?, progress: @escaping @Sendable (String) -> Void = { _ in }) {
        self.cluster = cluster
        self.events = events
        self.dependencies = dependencies
        self.progress = progress
    }

    public struct StalePlanError: Error, CustomStringConvertible, Sendable {
        public var objects: [String]
        public var description: String {
            "the cluster changed since the plan was made, so it is not applied: plan again\n" + objects.map { "  \($0)" }.joined(separator: "\n")
        }
    }

    /// For a saved plan: refuses when any object's resourceVersion moved since planning, or an
    /// object to create appeared.
    public func verifyUnchanged(_ plan: Plan) async throws {
        var stale: [String] = []
        for change in plan.changes where change.blocked == nil {
            let ref = ObjectReference(apiVersion: change.apiVersion, kind: change.key.kind, namespace: change.key.namespace, name: change.key.name)
            let current = try await cluster.get(ref)
            let currentVersion = current?[path: ["metadata", "resourceVersion"]]?.string
            switch change.action {
            case .create where current != nil:
                stale.append("\(change.key.shortDescription) was created by someone else (resourceVersion \(currentVersion ?? "?"))")
            case .update, .delete:
                if currentVersion != change.liveResourceVersion {
                    stale.append("\(change.key.shortDescription): resourceVersion \(change.liveResourceVersion ?? "none") → \(currentVersion ?? "deleted")")
                }
            default: break
            }
        }
        if !stale.isEmpty { throw StalePlanError(objects: stale) }
    }

    /// Changes in flight at once within a wave. `reconcile-bench apply` replays 2,000 apply
    /// PATCHes at 1, 4, 8 and 16 in flight: 4 and 8 are fastest and equal within noise on the
    /// test API server, 1 is 1.4× slower and 16 no faster (docs/benchmarks.md, "Apply"); 8 is
    /// also the client's connection limit, and 429 answers are retried with backoff by the
    /// client, so a server whose priority and fairness queues fill slows us instead of failing.
    public static let concurrency = 8

    public func apply(_ plan: Plan) async -> [ApplyOutcome] {
        var outcomes: [ApplyOutcome?] = Array(repeating: nil, count: plan.changes.count)
        var failed: [PlannedChange] = []
        var start = 0
        // Wave by wave in the plan's order; inside a wave, concurrently (see `ApplyOrder.wave`).
        while start < plan.changes.count {
            let wave = ApplyOrder.wave(of: plan.changes[start])
            var end = start + 1
            while end < plan.changes.count && ApplyOrder.wave(of: plan.changes[end]) == wave { end += 1 }
            var ready: [Int] = []
            for index in start..<end {
                let change = plan.changes[index]
                if let blocked = change.blocked {
                    outcomes[index] = ApplyOutcome(change: change, result: .skipped("blocked: \(blocked)"))
                } else if Task.isCancelled {
                    // Interrupted (SIGINT, SIGTERM, lost leadership): start nothing new.
                    outcomes[index] = ApplyOutcome(change: change, result: .skipped("interrupted before it was applied"))
                    failed.append(change)
                } else if let dependencies, let cause = failed.first(where: { dependencies.change(change, dependsOn: $0) }) {
                    outcomes[index] = ApplyOutcome(change: change, result: .skipped("\(cause.key.shortDescription) failed"))
                    failed.append(change)
                    progress("skip   \(change.key.shortDescription): depends on \(cause.key.shortDescription), which failed")
                } else {
                    ready.append(index)
                }
            }
            for (index, result) in await performConcurrently(ready, of: plan) {
                let change = plan.changes[index]
                switch result {
                case .failed, .skipped: failed.append(change)
                default: break
                }
                outcomes[index] = ApplyOutcome(change: change, result: result)
            }
            start = end
        }
        return outcomes.compactMap { $0 }
    }

    /// Performs the changes at `indices` with at most `concurrency` in flight; a change not yet
    /// started when the task is cancelled is reported as interrupted.
    private func performConcurrently(_ indices: [Int], of plan: Plan) async -> [(Int, ApplyOutcome.Result)] {
        await withTaskGroup(of: (Int, ApplyOutcome.Result).self) { group in
            var pending = indices[...]
            var results: [(Int, ApplyOutcome.Result)] = []
            func startNext() {
                guard let index = pending.popFirst() else { return }
                let change = plan.changes[index]
                group.addTask {
                    if Task.isCancelled { return (index, .skipped("interrupted before it was applied")) }
                    let result = await perform(change, force: plan.settings.force(for: change, instance: plan.instance), instance: plan.instance)
                    switch result {
                    case .failed(let message): progress("failed \(change.key.shortDescription): \(message)")
                    default: progress("\(change.action == .delete ? "pruned " : "applied") \(change.key.shortDescription)")
                    }
                    return (index, result)
                }
            }
            for _ in 0..<Self.concurrency { startNext() }
            for await result in group {
                results.append(result)
                startNext()
            }
            return results
        }
    }

    private func perform(_ change: PlannedChange, force: Bool, instance: String) async -> ApplyOutcome.Result {
        let ref = ObjectReference(apiVersion: change.apiVersion, kind: change.key.kind, namespace: change.key.namespace, name: change.key.name)
        do {
            switch change.action {
            case .delete:
                do {
                    try await cluster.delete(ref, propagation: "Background", uid: change.liveUID, resourceVersion: change.liveResourceVersion)
                } catch let error as KubeError where error.isNotFound {
                    // Already gone: the goal is reached.
                }
                await events?.record(.pruned, regarding: change.key, apiVersion: change.apiVersion, uid: change.liveUID,
                                     note: "deleted: no longer in git (\(change.source?.file ?? "unknown source"))")
                return .pruned
            case .create, .update:
                guard let body = change.body else { return .failed("the plan has no body to apply") }
                if change.labelsOnly, try await cluster.get(ref) == nil {
                    return .failed("namespace \(change.key.name) does not exist; the namespaces: block only labels existing namespaces")
                }
                if change.migratesFieldManager { try await migrateFieldManager(ref, instance: instance) }
                let result = try await cluster.apply(body.withoutMarks, fieldManager: Tracking.fieldManager(instance: instance), force: force, dryRun: false)
                let fields = (change.changedFields + change.removedFields).prefix(8).joined(separator: ", ")
                let note = change.action == .create ? "created from \(change.source?.file ?? "git")"
                    : "applied \(fields.isEmpty ? "changes" : fields) from \(change.source?.file ?? "git")"
                await events?.record(.applied, regarding: change.key, apiVersion: change.apiVersion,
                                     uid: result[path: ["metadata", "uid"]]?.string, note: note)
                return .applied
            }
        } catch {
            await events?.record(.applyFailed, regarding: change.key, apiVersion: change.apiVersion, uid: change.liveUID, note: "\(error)")
            return .failed("\(error)")
        }
    }

    /// The one-time move of the legacy shared manager's ownership to the instance's manager
    /// (`FieldManagerMigration`), so the apply that follows also removes fields git dropped
    /// before the upgrade. Read fresh: the patch is pinned to the live resourceVersion, and a
    /// concurrent write (409) is retried on the newer object.
    private func migrateFieldManager(_ ref: ObjectReference, instance: String) async throws {
        for attempt in 1...3 {
            guard let live = try await cluster.get(ref), let patch = FieldManagerMigration.patch(for: live, instance: instance) else { return }
            do {
                _ = try await cluster.mergePatch(ref, patch: patch, fieldManager: Tracking.fieldManager(instance: instance))
                return
            } catch let error as KubeError where error.isConflict && attempt < 3 {
                continue
            }
        }
    }
}
