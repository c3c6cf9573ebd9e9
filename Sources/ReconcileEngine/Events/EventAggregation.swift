import Executors
public import ReconcileCore

/// Keeps a large apply from costing one Event per object: the first `limit` successful
/// `Applied`/`Pruned` events of a pass are recorded per object, the rest are counted and
/// summarised in one Event on the instance's status object when the pass ends (as Flux records
/// one event per Kustomization). Failures, restarts and drift are always recorded per object.
/// Shared by the concurrent apply tasks of one pass; `counts` is behind its own lock.
public final class EventAggregation: Sendable {
    /// Where the summary goes (the controller's status ConfigMap); nil: no summary Event (the
    /// CLI's output already lists every object).
    public let summaryTarget: (key: ObjectKey, apiVersion: String)?
    public let limit: Int
    private let counts = Locked(Counts())

    struct Counts {
        var recorded = 0
        var applied = 0
        var pruned = 0
        var suppressed = 0
    }

    public static let defaultLimit = 20

    public init(limit: Int = EventAggregation.defaultLimit, summaryTarget: (key: ObjectKey, apiVersion: String)? = nil) {
        self.limit = limit
        self.summaryTarget = summaryTarget
    }

    /// Whether a success event may still be recorded per object; counts it either way.
    func admit(_ reason: EventRecorder.Reason) -> Bool {
        counts.withLock { counts in
            if reason == .pruned { counts.pruned += 1 } else { counts.applied += 1 }
            if counts.recorded < limit {
                counts.recorded += 1
                return true
            }
            counts.suppressed += 1
            return false
        }
    }

    /// The summary sentence, or nil when every event was recorded per object.
    var summary: String? {
        let counts = counts.current
        guard counts.suppressed > 0 else { return nil }
        return "\(counts.applied) applied, \(counts.pruned) pruned in this pass; events recorded for the first \(limit) objects only"
    }
}

extension EventRecorder {
    /// The per-pass summary Event, when some success events were not recorded per object.
    public func recordSummary() async {
        guard let aggregation, let summary = aggregation.summary, let target = aggregation.summaryTarget else { return }
        await record(.applied, regarding: target.key, apiVersion: target.apiVersion, note: summary, aggregated: false)
    }
}
