import Executors
import Foundation
import Kube
import Logging
import ReconcileCore
import ServiceLifecycle
import YAML

/// Permission to write, valid until `validUntil` on this replica's monotonic clock: the start of
/// the last Lease renewal that succeeded plus `renewDeadline`. Writers ask the elector for a
/// valid token before every write (`LeaderElector.validToken()`), so leadership ends at that
/// instant whatever the tick that should have renewed it is doing.
public struct LeaseToken: Sendable, Equatable {
    /// Counts this replica's acquisitions: a token of an earlier term is never valid again.
    public let term: UInt64
    public let validUntil: ContinuousClock.Instant

    public func isValid(at now: ContinuousClock.Instant) -> Bool { now < validUntil }
}

/// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it:
///
/// - **Expiry is judged on locally observed time.** Every replica remembers the Lease record it
///   last saw (holder, renewTime, acquireTime, duration, transitions) and *when, by its own
///   monotonic clock*, it first saw that record. Another holder's Lease counts as expired only
///   when the record has not changed for `leaseDurationSeconds` of local time. The holder's
///   `renewTime` is never compared with the local clock, so skewed wall clocks cannot matter.
/// - **The leader stops before anyone may acquire.** A successful renewal (or acquisition) that
///   *started* at local instant `s` yields a `LeaseToken` valid until `s + renewDeadline`. The
///   others saw that write no earlier than `s` and wait `leaseDuration` > `renewDeadline` from
///   then, so the token has expired before any of them can take the Lease over. The margin
///   (`leaseDuration - renewDeadline`) absorbs clock-rate differences and request latency.
/// - **A blocked tick cannot extend leadership.** The token is checked at the moment of every
///   write, `validToken()` steps down once the deadline has passed, and a watchdog in `run()`
///   does the same at the deadline even while the tick hangs in API retries (the tick itself is
///   cancelled after `renewDeadline`). Stepping down notifies the leadership observers, which
///   cancel the running apply (its in-flight requests are aborted).
/// - The leader renews every `renewPeriod`; everyone looks at the Lease every `retryPeriod`.
///   Every write carries the resourceVersion last read: a 409 means someone else wrote in
///   between, and the attempt is made again from a fresh read. On shutdown the Lease is released
///   (holderIdentity cleared, as client-go's ReleaseOnCancel) so another replica takes it at once.
///
/// The Lease is also the followers' way to wake the leader: a follower that receives a webhook
/// patches the annotation `reconcile.dev/wake`; the leader reads its Lease every `retryPeriod`
/// and wakes its loop when the annotation changes. Annotations are not part of the observed
/// record, so wake requests do not keep a dead leader's Lease alive.
public final class LeaderElector: Service, Sendable {
    public struct Timing: Sendable {
        /// How long the others wait, from when they saw the Lease change, before taking it over.
        public var leaseDuration: Duration
        /// How long a leader keeps writing after the start of its last successful renewal.
        public var renewDeadline: Duration
        /// Time between the leader's renewals.
        public var renewPeriod: Duration
        /// Time between looks at the Lease (attempts to acquire, wake requests, failed renewals).
        public var retryPeriod: Duration

        /// client-go's defaults: 15 s lease, 10 s renew deadline, 2 s between renewals and retries.
        public init(leaseDuration: Duration = .seconds(15), renewDeadline: Duration = .seconds(10), renewPeriod: Duration = .seconds(2),
                    retryPeriod: Duration = .seconds(2)) {
            self.leaseDuration = leaseDuration
            self.renewDeadline = renewDeadline
            self.renewPeriod = renewPeriod
            self.retryPeriod = retryPeriod
        }

        /// Why these timings are unsafe or useless, or nil: the leader must stop
        /// (`renewDeadline`) before others may acquire (`leaseDuration`), and must get at least
        /// one retry of a failed renewal before its deadline.
        public var problem: String? {
            guard retryPeriod > .zero, renewPeriod > .zero else { return "the renew and retry periods must be positive" }
            guard leaseDuration > renewDeadline else { return "the lease duration must be longer than the renew deadline" }
            guard renewDeadline > renewPeriod + retryPeriod else { return "the renew deadline must be longer than the renew period plus the retry period" }
            return nil
        }
    }

    public static let wakeAnnotation = "reconcile.dev/wake"

    public let cluster: any ControllerCluster
    public let namespace: String
    public let name: String
    public let identity: String
    public let timing: Timing
    /// Wall clock: only written into the Lease (renewTime, acquireTime) for people and tools.
    public let now: @Sendable () -> Date
    /// Monotonic clock: every decision (expiry, deadlines, when to renew) is made on it.
    public let monotonic: @Sendable () -> ContinuousClock.Instant
    private let logger: Logger
    let state = Locked(State())
    /// Called with the new leadership whenever it changes (metrics, cancelling a running apply).
    private let observers = Locked<[@Sendable (Bool) -> Void]>([])
    /// Called when another replica asked (through the Lease annotation) for a pass.
    private let wakeHandlers = Locked<[@Sendable () -> Void]>([])

    struct State {
        /// Non-nil while this replica leads (until `validUntil`, checked at each use).
        var token: LeaseToken?
        var term: UInt64 = 0
        /// Start of the last renewal (or acquisition) that succeeded.
        var lastRenewStart: ContinuousClock.Instant?
        /// The Lease record last seen and when (monotonic) it was first seen as it is.
        var observed: LeaseRecord?
        var observedAt: ContinuousClock.Instant?
        var lastWake: String?
        var observedWake = false
    }

    public init(cluster: any ControllerCluster, namespace: String, name: String, identity: String, timing: Timing = Timing(),
                logger: Logger, now: @escaping @Sendable () -> Date = { Date() },
                monotonic: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.cluster = cluster
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.timing = timing
        self.logger = logger
        self.now = now
        self.monotonic = monotonic
    }

    /// Whether this replica holds a valid token at this instant.
    public var isLeader: Bool { validToken() != nil }

    /// The token if it is valid now; a token past its deadline ends leadership here and now.
    public func validToken() -> LeaseToken? {
        let instant = monotonic()
        let (token, expired) = state.withLock { state -> (LeaseToken?, LeaseToken?) in
            guard let token = state.token else { return (nil, nil) }
            if token.isValid(at: instant) { return (token, nil) }
            state.token = nil
            return (nil, token)
        }
        if expired != nil {
            logger.error("leader election: the Lease was not renewed within the renew deadline (\(timing.renewDeadline)): no longer the leader")
            notify(false)
        }
        return token
    }

    public func onLeadershipChange(_ observer: @escaping @Sendable (Bool) -> Void) {
        observers.withLock { $0.append(observer) }
    }

    public func onWakeRequest(_ handler: @escaping @Sendable () -> Void) {
        wakeHandlers.withLock { $0.append(handler) }
    }

    var ref: ObjectReference { ObjectReference(apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: namespace, name: name) }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.watchDeadline() }
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                do {
                    try await tickWithin(timing.renewDeadline)
                } catch {
                    logger.warning("leader election: \(error)")
                }
                let period = min(timing.retryPeriod, timing.renewPeriod)
                _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: period) }
            }
            group.cancelAll()
        }
        await release()
    }

    /// Steps down at the token's deadline even while a tick hangs (writers check it anyway).
    private func watchDeadline() async {
        while !Task.isCancelled {
            var wait = timing.retryPeriod
            if let token = state.current.token {
                wait = min(wait, max(.milliseconds(1), token.validUntil - monotonic()))
            }
            try? await Task.sleep(for: wait)
            _ = validToken()
        }
    }

    struct TickTimedOut: Error, CustomStringConvertible {
        let limit: Duration
        var description: String { "looking at the Lease took longer than \(limit): cancelled" }
    }

    /// A tick that takes longer than `limit` is cancelled (its request aborted) and retried.
    func tickWithin(_ limit: Duration) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.tick() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw TickTimedOut(limit: limit)
            }
            defer { group.cancelAll() }
            _ = try await group.next()
        }
    }

    /// One look at the Lease: acquire, renew or observe; wakes the loop on a wake request.
    func tick() async throws {
        for attempt in 0..<3 {
            do {
                try await tickOnce()
                return
            } catch let error as KubeError where error.isConflict && attempt < 2 {
                continue
            }
        }
    }

    private func tickOnce() async throws {
        // Taken before the read: a renewal that succeeds counts from here (as client-go's).
        let start = monotonic()
        let wall = now()
        guard let lease = try await cluster.get(ref) else {
            let created = LeaseRecord.newLease(namespace: namespace, name: name, holder: identity, at: wall, durationSeconds: leaseSeconds)
            if try await tryCreate(created) {
                observe(LeaseRecord(created))
                grant(renewStart: start)
            }
            return
        }
        noticeWake(lease)
        let record = LeaseRecord(lease)
        let observedAt = observe(record)
        let leading = validToken() != nil
        if record.holder == identity {
            // Ours: renew when due; when not leading (a restart, a missed deadline) take it back
            // at once — the write fails with a conflict if anyone else wrote since our read.
            let due = !leading || state.current.lastRenewStart.map { start - $0 >= timing.renewPeriod } ?? true
            guard due else { return }
            let renewed = record.renewed(lease, at: wall, durationSeconds: leaseSeconds)
            _ = try await cluster.update(renewed)
            observe(LeaseRecord(renewed))
            grant(renewStart: start)
            return
        }
        if leading {
            logger.warning("leader election: the Lease is held by \(record.holder ?? "nobody") now: no longer the leader")
            stepDown()
        }
        if record.holder != nil {
            // Held by another: expired only when unchanged for its duration, by our own clock.
            let expiry = observedAt + .seconds(record.durationSeconds)
            guard monotonic() >= expiry else { return }
            logger.info("leader election: the Lease held by \(record.holder ?? "") has not changed for \(record.durationSeconds)s: taking it over")
        }
        let acquired = record.acquired(lease, by: identity, at: wall, durationSeconds: leaseSeconds)
        _ = try await cluster.update(acquired)
        observe(LeaseRecord(acquired))
        logger.info("leader election: acquired Lease \(namespace)/\(name) (was \(record.holder ?? "free"))")
        grant(renewStart: start)
    }

    /// Records `record` as seen; returns when it was first seen as it is (monotonic).
    @discardableResult
    private func observe(_ record: LeaseRecord) -> ContinuousClock.Instant {
        let instant = monotonic()
        return state.withLock { state in
            if state.observed != record || state.observedAt == nil {
                state.observed = record
                state.observedAt = instant
            }
            return state.observedAt!
        }
    }

    private var leaseSeconds: Int { max(1, Int(timing.leaseDuration.seconds.rounded(.up))) }

    private func tryCreate(_ lease: Node) async throws -> Bool {
        do {
            _ = try await cluster.create(lease)
            logger.info("leader election: created Lease \(namespace)/\(name)")
            return true
        } catch let error as KubeError where error.isConflict || error.reason == "AlreadyExists" {
            return false
        }
    }

    private func noticeWake(_ lease: Node) {
        let wake = lease[path: ["metadata", "annotations", Self.wakeAnnotation]]?.string
        let changed = state.withLock { state -> Bool in
            defer {
                state.lastWake = wake
                state.observedWake = true
            }
            return state.observedWake && wake != nil && wake != state.lastWake
        }
        if changed, isLeader {
            logger.info("leader election: another replica asked for a pass (\(Self.wakeAnnotation))")
            for handler in wakeHandlers.current { handler() }
        }
    }

    /// A follower's request for a pass: bumps the wake annotation on the Lease.
    public func requestWake() async throws {
        let stamp = LeaseRecord.microTime(now()) + "-" + identity
        var patch: Node = [:]
        patch.set(.string(stamp), at: ["metadata", "annotations", Self.wakeAnnotation])
        _ = try await cluster.mergePatch(ref, patch: patch, fieldManager: "reconcile-leader-election")
    }

    /// Leadership stops at once (no more writes), then the Lease is handed back if it still
    /// names this replica.
    func release() async {
        stepDown()
        guard state.current.term > 0 else { return }
        for _ in 0..<3 {
            do {
                guard let lease = try await cluster.get(ref) else { return }
                let record = LeaseRecord(lease)
                guard record.holder == identity else { return }
                let released = record.released(lease, at: now())
                _ = try await cluster.update(released)
                observe(LeaseRecord(released))
                logger.info("leader election: released Lease \(namespace)/\(name)")
                return
            } catch let error as KubeError where error.isConflict {
                continue
            } catch {
                logger.warning("leader election: could not release the Lease: \(error)")
                return
            }
        }
    }

    /// A renewal or acquisition that started at `renewStart` succeeded: a token until
    /// `renewStart + renewDeadline` (none if that has passed already — the answer came too late).
    private func grant(renewStart: ContinuousClock.Instant) {
        _ = validToken()  // an expired token ends its term first
        let validUntil = renewStart + timing.renewDeadline
        let instant = monotonic()
        let became = state.withLock { state -> Bool in
            state.lastRenewStart = renewStart
            guard instant < validUntil else { return false }
            let became = state.token == nil
            if became { state.term += 1 }
            state.token = LeaseToken(term: state.term, validUntil: validUntil)
            return became
        }
        if became {
            logger.info("leader election: this replica (\(identity)) is the leader")
            notify(true)
        } else if instant >= validUntil {
            logger.warning("leader election: the Lease write answered after the renew deadline: not leading on it")
        }
    }

    private func stepDown() {
        let was = state.withLock { state -> Bool in
            defer { state.token = nil }
            return state.token != nil
        }
        if was { notify(false) }
    }

    private func notify(_ leader: Bool) {
        for observer in observers.current { observer(leader) }
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
