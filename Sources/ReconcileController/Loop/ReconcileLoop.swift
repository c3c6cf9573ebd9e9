import Foundation
import Kube
import Logging
import ReconcileCore
import ReconcileFindings
import ReconcileEngine
import ReconcileSource
import ServiceLifecycle
import YAML

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
        /// No pass starts sooner than this after the last one ended (a webhook flood makes one pass a gap).
        public var minimumGap: Duration
        /// `/healthz` fails when the loop made no progress for this many intervals (a hung fetch or pass).
        public var stallIntervals: Int
        /// After a pass that failed for a reason that may pass (API 429/5xx, timeouts, a failed
        /// fetch), the next starts after this, doubling per failure up to the interval.
        public var retryBackoff: Duration

        public init(namespace: String, interval: Duration = .seconds(60), driftOverride: RepoConfig.DriftMode? = nil, allowedFindings: Set<String> = [],
                    planOptions: PlanOptions = PlanOptions(), rolloutPollInterval: Double = 2, identity: String,
                    minimumGap: Duration = .seconds(2), stallIntervals: Int = 5, retryBackoff: Duration = .seconds(5)) {
            self.namespace = namespace
            self.interval = interval
            self.driftOverride = driftOverride
            self.allowedFindings = allowedFindings
            self.planOptions = planOptions
            self.rolloutPollInterval = rolloutPollInterval
            self.identity = identity
            self.minimumGap = minimumGap
            self.stallIntervals = stallIntervals
            self.retryBackoff = retryBackoff
        }
    }

    /// What the loop knows between passes.
    public struct State: Sendable {
        public var ready = false
        public var lastGoodCommit: String?
        public var lastGoodLabel: String?
        public var lastReport: StatusReport?
        public var passes = 0
        /// Passes in a row that failed for a reason that may pass (see `Settings.retryBackoff`).
        public var transientFailures = 0
        /// The last sign of life: a pass started or ended, an object written, a rollout polled.
        public var lastProgress = ContinuousClock.now
    }

    let source: any DesiredStateSource
    /// Reads (LIST, dry-run) go straight to the cluster; writes through `writer`.
    let cluster: any ControllerCluster
    let writer: any ControllerCluster
    let leader: LeaderElector
    let drift: DriftWatcher
    /// Records and corrects what `drift` queues, in the write turn (the loop is the one writer).
    let driftHandler: DriftHandler
    /// Taken by a pass while it applies and restarts, and by each drift correction.
    let turn = WriteTurn()
    let metrics: ControllerMetrics
    let settings: Settings
    let logger: Logger
    public let wake: WakeSignal
    public let state = Locked(State())
    private let running = Locked<Task<PlanExecution, any Error>?>(nil)

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
        self.driftHandler = DriftHandler(watcher: drift, reader: cluster, writer: writer, turn: turn, metrics: metrics,
                                         identity: settings.identity, logger: logger, wake: wake)
        let running = self.running
        leader.onLeadershipChange { isLeader in
            // Leadership lost mid-run: stop the apply at once (the writer refuses writes too).
            if !isLeader { running.current?.cancel() }
        }
    }

    public var isReady: Bool { state.current.ready }

    /// Whether the loop made progress lately (`/healthz`): false when nothing moved for
    /// `stallIntervals` intervals, and at least a minute (a pass over many objects on a slow API
    /// server may take that long), as when a git fetch or an API call hangs.
    public var isLive: Bool {
        ContinuousClock.now - state.current.lastProgress < max(settings.interval * settings.stallIntervals, .seconds(60))
    }

    func markProgress() { state.withLock { $0.lastProgress = ContinuousClock.now } }

    public func run() async throws {
        let stopping = Locked(false)
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                let leader = self.leader
                group.addTask { await self.driftHandler.run(isLeader: { leader.isLeader }) }
                while !stopping.current && !Task.isCancelled {
                    await pass()
                    if stopping.current || Task.isCancelled { break }
                    await wake.wait(timeout: nextWait())
                    if stopping.current || Task.isCancelled { break }
                    // However often woken, passes keep a minimum gap.
                    let gap = settings.minimumGap
                    _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: gap) }
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            // No new pass starts, and the one under way stops starting objects: its executor is
            // cancelled, which aborts the request in flight; the next leader resumes from the cluster.
            stopping.withLock { $0 = true }
            self.running.current?.cancel()
            self.wake.wake()
        }
    }

    /// The interval (±10%), or less after a failure that may pass: capped exponential backoff.
    func nextWait() -> Duration {
        let jitter = Double.random(in: 0.9...1.1)
        let failures = state.current.transientFailures
        guard failures > 0 else { return settings.interval * jitter }
        let backoff = settings.retryBackoff * Double(1 << min(failures - 1, 20))
        return min(backoff, settings.interval) * jitter
    }

    /// One reconcile, with its own id in every log line.
    public func pass() async {
        var logger = self.logger
        logger[metadataKey: "reconcileID"] = "\(Self.reconcileID())"
        let started = ContinuousClock.now
        let now = Date()

        markProgress()
        defer { markProgress() }
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
                         transient: true, started: started, logger: logger)
            return
        }
        var report = StatusReport(revision: commit, lastRunTime: now, result: .success)
        var transient = fetchError != nil
        do {
            let (label, desired) = try await source.render(commit: commit)
            logger[metadataKey: "revision"] = "\(label)"
            report.revision = label
            var plan = try await LivePlanner(cluster: cluster, options: settings.planOptions, dryRunCreates: false,
                                       releasesLiveInBackground: false).plan(desired)
            plan.revision = label
            markProgress()
            let mode = settings.driftOverride ?? desired.config.drift
            plan.settings.correctDrift = mode == .correct
            state.withLock { $0.ready = true }
            report.unchanged = plan.unchanged
            logger.info("planned \(label): \(plan.changes.count) change(s), \(plan.unchanged) unchanged, \(plan.restarts.count) restart(s)")
            guard leader.isLeader else {
                // A follower writes nothing and corrects nothing: the drift target is the
                // leader's, set only by revisions it applied.
                logger.debug("not the leader: nothing is written")
                ProcessMemory.releaseFreeHeap()
                metrics.run(result: "follower", duration: ContinuousClock.now - started)
                state.withLock {
                    $0.passes += 1
                    $0.transientFailures = 0
                }
                return
            }
            let blocking = Analyzers.blocking(plan.findings, allowed: settings.allowedFindings)
            if !blocking.isEmpty {
                // The blocked revision never becomes the drift target: the cluster is held at
                // what was last applied, and drift is corrected to that.
                let codes = Set(blocking.map(\.code)).sorted().joined(separator: ",")
                let holding = drift.current?.revision ?? "nothing applied yet"
                report.result = .blocked
                report.errors = ["blocked at \(label): the plan has \(blocking.count) error finding(s) (\(codes)); nothing was applied and the cluster is held at \(holding); allow them with --allow-findings=\(codes)"]
                    + blocking.prefix(20).map { "\($0.code): \($0.message)" }
                logger.error("\(report.errors[0])")
            } else {
                var execution: PlanExecution?
                if plan.hasChanges || !plan.restarts.isEmpty {
                    let status = ObjectKey(group: "", kind: "ConfigMap", namespace: settings.namespace, name: StatusReport.configMapName)
                    let events = EventRecorder(cluster: writer, instance: settings.identity, revision: label,
                                               aggregation: EventAggregation(summaryTarget: (status, "v1")))
                    let executor = PlanExecutor(cluster: writer, events: events, rolloutPollInterval: settings.rolloutPollInterval,
                                                progress: { [logger, self] line in
                                                    self.markProgress()
                                                    logger.info("\(line)")
                                                })
                    let planned = plan
                    let task = Task { try await self.turn.run { await executor.execute(planned) } }
                    running.withLock { $0 = task }
                    if !leader.isLeader { task.cancel() }
                    let result = await task.result
                    running.withLock { $0 = nil }
                    guard case .success(let done) = result else { throw CancellationError() }
                    execution = done
                    report.applied = done.applied
                    report.pruned = done.pruned
                    report.restarted = done.restarts.filter { $0.result == .completed }.count
                    report.errors = done.failures
                    report.result = done.failed ? .failed : .success
                    for restart in done.restarts {
                        switch restart.result {
                        case .completed: metrics.restart(result: "completed")
                        case .failed: metrics.restart(result: "failed")
                        case .timedOut: metrics.restart(result: "timed_out")
                        case .skipped: metrics.restart(result: "skipped")
                        }
                    }
                }
                // What was written (or already equal) is what drift is judged against from now on.
                let previous = drift.current ?? DriftTarget(instance: desired.instance, mode: mode, revision: label)
                drift.update(previous.advanced(by: desired, plan: plan, execution: execution, mode: mode, revision: label))
            }
            metrics.objects(applied: report.applied, pruned: report.pruned, unchanged: report.unchanged)
            if report.result == .success {
                metrics.appliedRevision(label)
                state.withLock { $0.lastGoodLabel = label }
            }
        } catch {
            report.result = .failed
            report.errors = ["\(error)"]
            transient = transient || Self.mayPass(error)
            logger.error("reconcile failed: \(error)")
        }
        await finish(report, fetchError: fetchError, errors: report.errors, transient: transient && report.result == .failed, started: started, logger: logger)
    }

    /// Errors worth an early retry: the API server was busy or unreachable, a request timed
    /// out. A repository that does not render, a refused object or a conflict waits for a new
    /// commit (or the interval).
    static func mayPass(_ error: any Error) -> Bool {
        if let error = error as? KubeError { return error.code == 0 || error.code == 429 || error.code >= 500 }
        return error is CancellationError ? false : !(error is RenderError || error is Diagnostic)
    }

    /// Status, metrics and the log line of one pass, in one place at its end.
    private func finish(_ report: StatusReport, fetchError: String?, errors: [String], transient: Bool, started: ContinuousClock.Instant,
                        logger: Logger) async {
        var report = report
        report.errors = errors
        report.fetchError = fetchError
        report.lastGoodRevision = state.current.lastGoodLabel ?? state.current.lastGoodCommit.map { String($0.prefix(7)) }
        report.driftTarget = drift.current?.revision
        // The pass's live objects and plan are gone now: give their pages back before the
        // memory gauges are sampled.
        ProcessMemory.releaseFreeHeap()
        metrics.run(result: report.result.rawValue, duration: ContinuousClock.now - started)
        state.withLock {
            $0.lastReport = report
            $0.passes += 1
            $0.transientFailures = transient ? $0.transientFailures + 1 : 0
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
