import Foundation
import Kube
import Logging
import ReconcileCore
import ReconcileEngine
import ServiceLifecycle

/// The reconcile loop: on an interval (with ±10% jitter) or at once when woken, fetch the
/// repository (keeping the last good commit when that fails), render, plan against the
/// cluster, and — on the leader only — apply, restart and report. A follower plans too, so it
/// is ready to take over and its /readyz tells the truth, but writes nothing.
public final class ReconcileLoop: Service, Sendable {
    public struct Settings: Sendable {
        public var namespace: String
        public var interval: Duration
        public var driftOverride: RepoConfig.DriftMode?
        public var allowedFindings: Set<String>
        public var planOptions: PlanOptions
        public var rolloutPollInterval: Double
        public var identity: String

        public init(namespace: String, interval: Duration = .seconds(60), driftOverride: RepoConfig.DriftMode? = nil, allowedFindings: Set<String> = [],
                    planOptions: PlanOptions = PlanOptions(), rolloutPollInterval: Double = 2, identity: String) {
            self.namespace = namespace
            self.interval = interval
            self.driftOverride = driftOverride
            self.allowedFindings = allowedFindings
            self.planOptions = planOptions
            self.rolloutPollInterval = rolloutPollInterval
            self.identity = identity
        }
    }

    /// What the loop knows between passes.
    public struct State: Sendable {
        public var ready = false
        public var lastGoodCommit: String?
        public var lastGoodLabel: String?
        public var lastReport: StatusReport?
        public var passes = 0
    }

    let source: any DesiredStateSource
    /// Reads (LIST, dry-run) go straight to the cluster; writes through `writer`.
    let cluster: any ControllerCluster
    let writer: any ControllerCluster
    let leader: LeaderElector
    let drift: DriftWatcher
    let metrics: ControllerMetrics
    let settings: Settings
    let logger: Logger
    public let wake: WakeSignal
    public let state = Locked(State())
    private let running = Locked<Task<PlanExecution, Never>?>(nil)

    public init(source: any DesiredStateSource, cluster: any ControllerCluster, writer: any ControllerCluster, leader: LeaderElector,
                drift: DriftWatcher, metrics: ControllerMetrics, settings: Settings, logger: Logger, wake: WakeSignal) {
        self.source = source
        self.cluster = cluster
        self.writer = writer
        self.leader = leader
        self.drift = drift
        self.metrics = metrics
        self.settings = settings
        self.logger = logger
        self.wake = wake
        let running = self.running
        leader.onLeadershipChange { isLeader in
            // Leadership lost mid-run: stop the apply at once (the writer refuses writes too).
            if !isLeader { running.current?.cancel() }
        }
    }

    public var isReady: Bool { state.current.ready }

    public func run() async throws {
        let stopping = Locked(false)
        await withGracefulShutdownHandler {
            while !stopping.current && !Task.isCancelled {
                await pass()
                if stopping.current || Task.isCancelled { break }
                let jitter = Double.random(in: 0.9...1.1)
                await wake.wait(timeout: settings.interval * jitter)
            }
        } onGracefulShutdown: {
            // The pass under way finishes its current write; no new pass starts.
            stopping.withLock { $0 = true }
            self.wake.wake()
        }
    }

    /// One reconcile, with its own id in every log line.
    public func pass() async {
        var logger = self.logger
        logger[metadataKey: "reconcileID"] = "\(Self.reconcileID())"
        let started = ContinuousClock.now
        let now = Date()

        var fetchError: String?
        let fetchStarted = ContinuousClock.now
        do {
            let commit = try await source.fetch()
            metrics.gitFetch(duration: ContinuousClock.now - fetchStarted, failed: false)
            state.withLock { $0.lastGoodCommit = commit }
        } catch {
            metrics.gitFetch(duration: ContinuousClock.now - fetchStarted, failed: true)
            fetchError = "\(error)"
            logger.error("git fetch failed, keeping the last good commit \(state.current.lastGoodLabel ?? "(none yet)"): \(error)")
        }
        guard let commit = state.current.lastGoodCommit else {
            await finish(StatusReport(revision: "", lastRunTime: now, result: .failed), fetchError: fetchError, errors: [fetchError ?? "no commit"],
                   started: started, logger: logger)
            return
        }
        var report = StatusReport(revision: commit, lastRunTime: now, result: .success)
        do {
            let (label, desired) = try await source.render(commit: commit)
            logger[metadataKey: "revision"] = "\(label)"
            report.revision = label
            var plan = try await LivePlanner(cluster: cluster, options: settings.planOptions).plan(desired)
            plan.revision = label
            let mode = settings.driftOverride ?? desired.config.drift
            plan.settings.correctDrift = mode == .correct
            state.withLock { $0.ready = true }
            report.unchanged = plan.unchanged
            logger.info("planned \(label): \(plan.changes.count) change(s), \(plan.unchanged) unchanged, \(plan.restarts.count) restart(s)")
            guard leader.isLeader else {
                logger.debug("not the leader: nothing is written")
                drift.update(desired: desired, mode: mode, revision: label)
                metrics.run(result: "follower", duration: ContinuousClock.now - started)
                state.withLock { $0.passes += 1 }
                return
            }
            let blocking = Analyzers.blocking(plan.findings, allowed: settings.allowedFindings)
            if !blocking.isEmpty {
                let codes = Set(blocking.map(\.code)).sorted().joined(separator: ",")
                report.result = .blocked
                report.errors = ["the plan has \(blocking.count) error finding(s) (\(codes)): nothing was applied; allow them with --allow-findings=\(codes)"]
                    + blocking.prefix(20).map { "\($0.code): \($0.message)" }
                logger.error("\(report.errors[0])")
            } else if plan.hasChanges || !plan.restarts.isEmpty {
                let events = EventRecorder(cluster: writer, instance: settings.identity, revision: label)
                let executor = PlanExecutor(cluster: writer, events: events, rolloutPollInterval: settings.rolloutPollInterval,
                                            progress: { [logger] line in logger.info("\(line)") })
                let task = Task { await executor.execute(plan) }
                running.withLock { $0 = task }
                if !leader.isLeader { task.cancel() }
                let execution = await task.value
                running.withLock { $0 = nil }
                report.applied = execution.applied
                report.pruned = execution.pruned
                report.restarted = execution.restarts.filter { $0.result == .completed }.count
                report.errors = execution.failures
                report.result = execution.failed ? .failed : .success
                for restart in execution.restarts {
                    switch restart.result {
                    case .completed: metrics.restart(result: "completed")
                    case .failed: metrics.restart(result: "failed")
                    case .timedOut: metrics.restart(result: "timed_out")
                    case .skipped: metrics.restart(result: "skipped")
                    }
                }
            }
            metrics.objects(applied: report.applied, pruned: report.pruned, unchanged: report.unchanged)
            if report.result == .success {
                metrics.appliedRevision(label)
                state.withLock { $0.lastGoodLabel = label }
            }
            drift.update(desired: desired, mode: mode, revision: label)
        } catch {
            report.result = .failed
            report.errors = ["\(error)"]
            logger.error("reconcile failed: \(error)")
        }
        await finish(report, fetchError: fetchError, errors: report.errors, started: started, logger: logger)
    }

    /// Status, metrics and the log line of one pass, in one place at its end.
    private func finish(_ report: StatusReport, fetchError: String?, errors: [String], started: ContinuousClock.Instant, logger: Logger) async {
        var report = report
        report.errors = errors
        report.fetchError = fetchError
        report.lastGoodRevision = state.current.lastGoodLabel ?? state.current.lastGoodCommit.map { String($0.prefix(7)) }
        metrics.run(result: report.result.rawValue, duration: ContinuousClock.now - started)
        state.withLock {
            $0.lastReport = report
            $0.passes += 1
        }
        logger.info("reconcile \(report.result.rawValue): \(report.applied) applied, \(report.pruned) pruned, \(report.unchanged) unchanged, \(report.restarted) restarted",
                    metadata: fetchError.map { ["fetchError": "\($0)"] })
        guard leader.isLeader else { return }
        do {
            try await report.write(to: writer, namespace: settings.namespace)
        } catch {
            logger.warning("could not write the status ConfigMap: \(error)")
        }
    }

    static func reconcileID() -> String {
        String(UInt32.random(in: 0...UInt32.max), radix: 16).leftPadded(to: 8)
    }
}

extension String {
    func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
