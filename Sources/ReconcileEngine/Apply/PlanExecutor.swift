import Foundation
import ReconcileCore

/// What carrying out a plan did: the per-object outcomes and the restarts.
public struct PlanExecution: Sendable {
    public var outcomes: [ApplyOutcome]
    public var restarts: [RestartOutcome]
    /// Restarts not attempted because their namespace's change did not apply.
    public var restartsHeldBack: Int

    public init(outcomes: [ApplyOutcome], restarts: [RestartOutcome], restartsHeldBack: Int) {
        self.outcomes = outcomes
        self.restarts = restarts
        self.restartsHeldBack = restartsHeldBack
    }

    public var applied: Int { outcomes.filter { $0.result == .applied }.count }
    public var pruned: Int { outcomes.filter { $0.result == .pruned }.count }
    public var failures: [String] {
        outcomes.compactMap { outcome in
            if case .failed(let message) = outcome.result { return "\(outcome.change.key.shortDescription): \(message)" }
            return nil
        } + restarts.compactMap { restart in
            switch restart.result {
            case .completed, .skipped: return nil
            case .failed(let message): return "restart \(restart.restart.workload.shortDescription): \(message)"
            case .timedOut: return "restart \(restart.restart.workload.shortDescription): the rollout timed out"
            }
        }
    }
    public var failed: Bool {
        outcomes.contains { if case .failed = $0.result { true } else { false } } || restarts.contains { $0.result != .completed }
    }
}

/// Apply then restart, as `reconcile apply` and `reconcile run` both do: the Applier in the
/// plan's order, then the restarts whose namespace's new labels actually landed.
public struct PlanExecutor: Sendable {
    public var cluster: any ClusterAPI
    public var events: EventRecorder?
    public var rolloutPollInterval: Double
    public var progress: @Sendable (String) -> Void

    public init(cluster: any ClusterAPI, events: EventRecorder?, rolloutPollInterval: Double = 2, progress: @escaping @Sendable (String) -> Void = { _ in }) {
        self.cluster = cluster
        self.events = events
        self.rolloutPollInterval = rolloutPollInterval
        self.progress = progress
    }

    public func execute(_ plan: Plan) async -> PlanExecution {
        let dependencies = ApplyDependencies(bundleNeeds: plan.settings.bundleNeeds)
        let outcomes = await Applier(cluster: cluster, events: events, dependencies: dependencies, progress: progress).apply(plan)
        let notApplied = Set(outcomes.filter { outcome in
            if case .failed = outcome.result { return true }
            if case .skipped = outcome.result { return outcome.change.blocked == nil }
            return false
        }.map { $0.change.key.namespace.isEmpty ? $0.change.key.name : $0.change.key.namespace })
        let restarts = plan.restarts.filter { !notApplied.contains($0.workload.namespace) }
        let restartOutcomes = await Restarter(cluster: cluster, events: events, maxConcurrent: plan.settings.restartMaxConcurrent,
                                              timeout: plan.settings.restartTimeout, pollInterval: rolloutPollInterval,
                                              progress: progress).run(restarts)
        await events?.recordSummary()
        return PlanExecution(outcomes: outcomes, restarts: restartOutcomes, restartsHeldBack: plan.restarts.count - restarts.count)
    }
}
