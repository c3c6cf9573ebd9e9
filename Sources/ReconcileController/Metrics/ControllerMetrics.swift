import Executors
import Foundation
import Metrics
import Prometheus

/// The controller's metrics, all `reconcile_`-prefixed, recorded through swift-metrics into a
/// Prometheus registry owned by this controller (not the process-wide bootstrap, so two
/// controllers in one test process keep separate counts). `/metrics` renders `registry`.
public final class ControllerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let revisionGauge = Locked<(revision: String, gauge: Metrics.Gauge)?>(nil)
    private let leaderGauge: Metrics.Gauge

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["reconcile_duration_seconds"] = [.milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                                                                        .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120)]
        factory.durationHistogramBuckets["reconcile_git_fetch_duration_seconds"] = [.milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                                                                  .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30)]
        self.factory = factory
        leaderGauge = Gauge(label: "reconcile_leader", dimensions: [], factory: factory)
        leaderGauge.record(0)
        // Present from the start, so dashboards and alerts see zeros rather than gaps.
        Counter(label: "reconcile_git_fetch_errors_total", dimensions: [], factory: factory).increment(by: 0)
    }

    public func run(result: String, duration: Duration) {
        Counter(label: "reconcile_runs_total", dimensions: [("result", result)], factory: factory).increment()
        Timer(label: "reconcile_duration_seconds", dimensions: [], factory: factory).recordNanoseconds(Self.nanoseconds(duration))
        let memory = ProcessMemory.sample()
        Gauge(label: "reconcile_resident_memory_bytes", dimensions: [], factory: factory).record(memory.residentBytes)
        Gauge(label: "reconcile_heap_in_use_bytes", dimensions: [], factory: factory).record(memory.heapInUseBytes)
        Gauge(label: "reconcile_heap_free_bytes", dimensions: [], factory: factory).record(memory.heapFreeBytes)
    }

    public func objects(applied: Int, pruned: Int, unchanged: Int) {
        for (state, count) in [("applied", applied), ("pruned", pruned), ("unchanged", unchanged)] {
            Counter(label: "reconcile_objects", dimensions: [("state", state)], factory: factory).increment(by: count)
        }
    }

    public func restart(result: String) {
        Counter(label: "reconcile_restarts_total", dimensions: [("result", result)], factory: factory).increment()
    }

    public func driftDetected(kind: String) {
        Counter(label: "reconcile_drift_detected_total", dimensions: [("kind", kind)], factory: factory).increment()
    }

    public func driftCorrected(kind: String) {
        Counter(label: "reconcile_drift_corrected_total", dimensions: [("kind", kind)], factory: factory).increment()
    }

    /// `reconcile_last_applied_revision_info{revision}` 1, for the latest revision only.
    public func appliedRevision(_ revision: String) {
        revisionGauge.withLock { current in
            if current?.revision == revision { return }
            current?.gauge.destroy()
            let gauge = Gauge(label: "reconcile_last_applied_revision_info", dimensions: [("revision", revision)], factory: factory)
            gauge.record(1)
            current = (revision, gauge)
        }
    }

    public func gitFetch(duration: Duration, failed: Bool) {
        Timer(label: "reconcile_git_fetch_duration_seconds", dimensions: [], factory: factory).recordNanoseconds(Self.nanoseconds(duration))
        if failed { Counter(label: "reconcile_git_fetch_errors_total", dimensions: [], factory: factory).increment() }
    }

    /// One refused check of a fetched commit, by refusal reason (`unsigned`, `unknown_key`, …).
    public func commitVerificationFailure(reason: String) {
        let label = "reconcile_commit_verification_failures_total"
        Counter(label: label, dimensions: [("reason", reason)], factory: factory).increment()
    }

    public func apiRequest(verb: String, code: Int) {
        Counter(label: "reconcile_api_requests_total", dimensions: [("verb", verb), ("code", String(code))], factory: factory).increment()
    }

    public func leader(_ isLeader: Bool) {
        leaderGauge.record(isLeader ? 1 : 0)
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// The Prometheus text exposition of every metric.
    public func render() -> String {
        registry.emitToString()
    }
}
