import Foundation
import Kube
import Logging
import ReconcileCore
import ServiceLifecycle
import YAML

/// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does:
/// acquire when the Lease is free or expired (`renewTime + leaseDurationSeconds` in the past),
/// renew every `renewPeriod`, give leadership up when renewing failed for `leaseDuration`, and on
/// shutdown release it (holderIdentity cleared, ReleaseOnCancel) so the other replica takes over
/// at its next retry. Every write carries the resourceVersion last read: a 409 means someone
/// else wrote in between, and the attempt is made again from a fresh read.
///
/// The Lease is also the followers' way to wake the leader: a follower that receives a webhook
/// patches the annotation `reconcile.dev/wake`; the leader reads its Lease every `retryPeriod`
/// and wakes its loop when the annotation changes.
public final class LeaderElector: Service, Sendable {
    public struct Timing: Sendable {
        public var leaseDuration: Duration
        public var renewPeriod: Duration
        public var retryPeriod: Duration

        public init(leaseDuration: Duration = .seconds(15), renewPeriod: Duration = .seconds(10), retryPeriod: Duration = .seconds(2)) {
            self.leaseDuration = leaseDuration
            self.renewPeriod = renewPeriod
            self.retryPeriod = retryPeriod
        }
    }

    public static let wakeAnnotation = "reconcile.dev/wake"

    public let cluster: any ControllerCluster
    public let namespace: String
    public let name: String
    public let identity: String
    public let timing: Timing
    public let now: @Sendable () -> Date
    private let logger: Logger
    private let state = Locked(State())
    /// Called with the new leadership whenever it changes (metrics, cancelling a running apply).
    private let observers = Locked<[@Sendable (Bool) -> Void]>([])
    /// Called when another replica asked (through the Lease annotation) for a pass.
    private let wakeHandlers = Locked<[@Sendable () -> Void]>([])

    struct State {
        var isLeader = false
        /// When this replica last renewed successfully.
        var lastRenew: Date?
        var lastWake: String?
        var observedWake = false
    }

    public init(cluster: any ControllerCluster, namespace: String, name: String, identity: String, timing: Timing = Timing(),
                logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.cluster = cluster
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.timing = timing
        self.logger = logger
        self.now = now
    }

    public var isLeader: Bool { state.current.isLeader }

    public func onLeadershipChange(_ observer: @escaping @Sendable (Bool) -> Void) {
        observers.withLock { $0.append(observer) }
    }

    public func onWakeRequest(_ handler: @escaping @Sendable () -> Void) {
        wakeHandlers.withLock { $0.append(handler) }
    }

    var ref: ObjectReference { ObjectReference(apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: namespace, name: name) }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await tick()
            } catch {
                logger.warning("leader election: \(error)")
            }
            if let lastRenew = state.current.lastRenew, isLeader, now().timeIntervalSince(lastRenew) >= timing.leaseDuration.seconds {
                logger.error("leader election: could not renew the Lease for \(timing.leaseDuration): giving leadership up")
                setLeader(false)
            }
            let period = timing.retryPeriod
            _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: period) }
        }
        await release()
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
        let current = now()
        guard let lease = try await cluster.get(ref) else {
            if try await tryCreate(at: current) { setLeader(true, renewedAt: current) }
            return
        }
        noticeWake(lease)
        let record = LeaseRecord(lease)
        if record.holder == identity {
            if !isLeader {
                // Our own record from before a restart, still valid: take it back (renewing below).
                setLeader(true, renewedAt: nil)
            }
            let due = state.current.lastRenew.map { current.timeIntervalSince($0) >= timing.renewPeriod.seconds } ?? true
            if due {
                _ = try await cluster.update(record.renewed(lease, at: current, durationSeconds: leaseSeconds))
                setLeader(true, renewedAt: current)
            }
            return
        }
        if isLeader {
            logger.warning("leader election: the Lease is held by \(record.holder ?? "nobody") now: no longer the leader")
            setLeader(false)
        }
        guard record.isFree(at: current) else { return }
        _ = try await cluster.update(record.acquired(lease, by: identity, at: current, durationSeconds: leaseSeconds))
        logger.info("leader election: acquired Lease \(namespace)/\(name) (was \(record.holder ?? "free"))")
        setLeader(true, renewedAt: current)
    }

    private var leaseSeconds: Int { max(1, Int(timing.leaseDuration.seconds.rounded(.up))) }

    private func tryCreate(at time: Date) async throws -> Bool {
        do {
            _ = try await cluster.create(LeaseRecord.newLease(namespace: namespace, name: name, holder: identity, at: time, durationSeconds: leaseSeconds))
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

    /// Leadership stops at once (no more writes), then the Lease is handed back.
    func release() async {
        guard isLeader else { return }
        setLeader(false)
        for _ in 0..<3 {
            do {
                guard let lease = try await cluster.get(ref) else { return }
                let record = LeaseRecord(lease)
                guard record.holder == identity else { return }
                _ = try await cluster.update(record.released(lease, at: now()))
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

    private func setLeader(_ leader: Bool, renewedAt: Date? = nil) {
        let changed = state.withLock { state -> Bool in
            let changed = state.isLeader != leader
            state.isLeader = leader
            if let renewedAt { state.lastRenew = renewedAt }
            if !leader { state.lastRenew = nil }
            return changed
        }
        if changed {
            if leader { logger.info("leader election: this replica (\(identity)) is the leader") }
            for observer in observers.current { observer(leader) }
        }
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
