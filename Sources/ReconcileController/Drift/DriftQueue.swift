import Executors
import Foundation
import ReconcileCore

/// One out-of-band change the drift watcher saw, judged against the drift target of that moment.
public struct DriftObservation: Sendable, Equatable {
    public var key: ObjectKey
    public var deleted: Bool
    /// Owned field paths whose live value differs from the target.
    public var paths: [String]
    /// The field managers that own those paths now.
    public var managers: [String]
    public var uid: String?

    public init(key: ObjectKey, deleted: Bool, paths: [String], managers: [String], uid: String?) {
        self.key = key
        self.deleted = deleted
        self.paths = paths
        self.managers = managers
        self.uid = uid
    }
}

/// The keys of drifted objects waiting for the reconcile loop, as controller-runtime's work
/// queue holds them: one entry per object (a newer observation replaces a waiting one), handed
/// to one consumer at a time, and rate-limited per key — an object that drifts again soon after
/// it was handled (another controller fighting over it) waits `baseDelay · 2^(n-1)`, capped at
/// `maxDelay`, and is forgotten once it has been quiet for `maxDelay`.
public final class DriftQueue: Sendable {
    struct Entry {
        var observation: DriftObservation
        var notBefore: ContinuousClock.Instant
    }

    struct History {
        var handled: Int
        var last: ContinuousClock.Instant
    }

    struct State {
        var waiting: [ObjectKey: Entry] = [:]
        var history: [ObjectKey: History] = [:]
    }

    let baseDelay: Duration
    let maxDelay: Duration
    let now: @Sendable () -> ContinuousClock.Instant
    private let state = Locked(State())
    private let signal = WakeSignal()

    public init(baseDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(300),
                now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.now = now
    }

    /// Queues an observation (replacing a waiting one of the same object).
    public func add(_ observation: DriftObservation) {
        let time = now()
        state.withLock { state in
            let delay = Self.delay(after: state.history[observation.key], at: time, base: baseDelay, max: maxDelay)
            let notBefore = state.waiting[observation.key]?.notBefore ?? time + delay
            state.waiting[observation.key] = Entry(observation: observation, notBefore: notBefore)
        }
        signal.wake()
    }

    /// The objects waiting now (due or not).
    public var count: Int { state.current.waiting.count }

    /// The next due observation, waiting for one; nil when the task is cancelled.
    public func next() async -> DriftObservation? {
        while !Task.isCancelled {
            let time = now()
            let (due, wait) = state.withLock { state -> (DriftObservation?, Duration?) in
                guard let first = state.waiting.values.min(by: { $0.notBefore < $1.notBefore }) else { return (nil, nil) }
                if first.notBefore <= time {
                    let key = first.observation.key
                    state.waiting.removeValue(forKey: key)
                    let handled = (state.history[key].map { time - $0.last < maxDelay ? $0.handled : 0 } ?? 0) + 1
                    state.history[key] = History(handled: handled, last: time)
                    return (first.observation, nil)
                }
                return (nil, first.notBefore - time)
            }
            if let due { return due }
            await signal.wait(timeout: wait ?? .seconds(3600))
        }
        return nil
    }

    /// How long a new observation of an object waits, given how often it was handled lately.
    static func delay(after history: History?, at time: ContinuousClock.Instant, base: Duration, max: Duration) -> Duration {
        guard let history, time - history.last < max, history.handled > 0 else { return .zero }
        let exponent = min(history.handled - 1, 30)
        let delay = base * Double(1 << exponent)
        let sinceLast = time - history.last
        return delay > max ? max - sinceLast : (delay > sinceLast ? delay - sinceLast : .zero)
    }
}
