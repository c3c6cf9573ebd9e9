import Executors
import Foundation
import Kube
import Logging
@testable import ReconcileController
import ReconcileEngine
import Testing
import YAML

/// (d) A simulated timeline: two or three electors with random wall-clock skews (hours),
/// monotonic offsets and clock rates (±2%) tick against an API server holding one Lease, whose
/// requests are at random held back (before the server applies them, or after, with the answer
/// late) for up to 25 s; replicas pause at random (a blocked loop, a GC pause) and release the
/// Lease at random. True time moves in small random steps; after every step and every event
/// (a tick reaching a request, an answer delivered) no two replicas hold a valid write token.
/// Seeded, so every run is the same; ticks are driven one at a time, never two at once.
@Suite("Leader election, simulated", .serialized)
struct LeaderElectionSimulationTests {
    @Test(arguments: 0..<12)
    func noInstantWithTwoValidWriteTokens(seed: UInt64) async throws {
        let api = SimulatedLeaseAPI(seed: seed)
        let time = Locked(0.0)
        let origin = ContinuousClock.now
        let count = api.random { Int.random(in: 2...3, using: &$0) }
        var replicas: [SimulatedReplica] = []
        for index in 0..<count {
            let (skew, offset, rate) = api.random { rng in
                (Double.random(in: -7200...7200, using: &rng), Double.random(in: 0...100_000, using: &rng), Double.random(in: 0.98...1.02, using: &rng))
            }
            let elector = LeaderElector(cluster: SimulatedCluster(api: api, replica: index), namespace: "default", name: "reconcile",
                                        identity: "replica-\(index)", timing: LeaderElector.Timing(),
                                        logger: Logger(label: "sim", factory: { _ in SwiftLogNoOpLogHandler() }),
                                        now: { Date(timeIntervalSince1970: 1_700_000_000 + skew + time.current * rate) },
                                        monotonic: { origin + .seconds(offset + time.current * rate) })
            replicas.append(SimulatedReplica(index: index, elector: elector))
        }

        var violation: String?
        var ledFor = 0.0
        var previous = 0.0
        func check(_ now: Double) {
            let holders = replicas.filter { $0.elector.validToken() != nil }
            if holders.count > 1, violation == nil {
                violation = "seed \(seed), t=\(now): \(holders.map(\.elector.identity)) hold valid tokens at once"
            }
            if !holders.isEmpty { ledFor += now - previous }
            previous = now
        }

        let end = 900.0
        while time.current < end && violation == nil {
            let step = api.random { Double.random(in: 0.05...0.5, using: &$0) }
            let now = time.withLock { $0 += step; return $0 }
            check(now)
            // Answers (or held requests) whose time has come, earliest first.
            while let held = api.takeDue(now: now) {
                held.continuation.resume()
                await api.waitQuiescent(held.replica)
                check(now)
            }
            for replica in replicas where !api.isBusy(replica.index) && now >= replica.nextTick && now >= replica.pausedUntil {
                let releasing = api.random { Double.random(in: 0..<1, using: &$0) < 0.01 }
                api.setBusy(replica.index)
                let elector = replica.elector
                let index = replica.index
                Task {
                    if releasing { await elector.release() } else { try? await elector.tick() }
                    api.setIdle(index)
                }
                await api.waitQuiescent(replica.index)
                check(now)
                replica.nextTick = now + 2
                if api.random({ Double.random(in: 0..<1, using: &$0) < 0.01 }) {
                    replica.pausedUntil = now + api.random { Double.random(in: 1...40, using: &$0) }
                }
            }
        }
        // Let every held request finish.
        while let held = api.takeDue(now: .infinity) {
            held.continuation.resume()
            await api.waitQuiescent(held.replica)
        }
        for replica in replicas { await api.waitIdle(replica.index) }

        #expect(violation == nil, "\(violation ?? "")")
        let terms = replicas.map { $0.elector.state.current.term }.reduce(0, +)
        #expect(terms >= 3, "seed \(seed): leadership changed hands \(terms) times: the simulation should exercise takeovers")
        #expect(ledFor / end > 0.25, "seed \(seed): someone led only \(Int(ledFor / end * 100))% of the time")
    }
}

final class SimulatedReplica {
    let index: Int
    let elector: LeaderElector
    var nextTick = 0.0
    var pausedUntil = 0.0

    init(index: Int, elector: LeaderElector) {
        self.index = index
        self.elector = elector
    }
}

/// SplitMix64: a small seeded generator.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// An API server holding one Lease (resourceVersion, 409 on a stale one), whose requests may be
/// held back: applied late (`requestHeld`) or applied at once and answered late (`responseHeld`).
final class SimulatedLeaseAPI: @unchecked Sendable {
    struct Held {
        let replica: Int
        let until: Double
        let order: Int
        let continuation: CheckedContinuation<Void, Never>
    }

    enum Delivery {
        case now
        case requestHeld(Double)
        case responseHeld(Double)
    }

    enum Operation {
        case get
        case create(Node)
        case update(Node)
    }

    private let lock = NSLock()
    private var generator: SeededGenerator
    private var lease: Node?
    private var version = 0
    private var held: [Held] = []
    private var order = 0
    private var busy: Set<Int> = []
    /// True time, as the simulation last set it (for hold deadlines).
    private var clock = 0.0

    init(seed: UInt64) {
        generator = SeededGenerator(state: seed &* 0x2545_F491_4F6C_DD1D &+ 1)
    }

    func random<T>(_ body: (inout SeededGenerator) -> T) -> T {
        lock.withLock { body(&generator) }
    }

    func request(_ replica: Int, _ operation: Operation) async throws -> Node? {
        let delivery = lock.withLock { () -> Delivery in
            let roll = Double.random(in: 0..<1, using: &generator)
            let hold = clock + Double.random(in: 0.2...25, using: &generator)
            return roll < 0.8 ? .now : roll < 0.9 ? .requestHeld(hold) : .responseHeld(hold)
        }
        switch delivery {
        case .now:
            return try lock.withLock { try perform(operation) }
        case .requestHeld(let until):
            await hold(replica, until: until)
            return try lock.withLock { try perform(operation) }
        case .responseHeld(let until):
            let result = Result<Node?, any Error>(catching: { try lock.withLock { try perform(operation) } })
            await hold(replica, until: until)
            return try result.get()
        }
    }

    private func hold(_ replica: Int, until: Double) async {
        await withCheckedContinuation { continuation in
            lock.withLock {
                held.append(Held(replica: replica, until: until, order: order, continuation: continuation))
                order += 1
            }
        }
    }

    /// The earliest held request due at `now`, taken out (and the clock set to `now`).
    func takeDue(now: Double) -> Held? {
        lock.withLock {
            if now.isFinite { clock = now }
            guard let index = held.indices.filter({ held[$0].until <= now }).min(by: { (held[$0].until, held[$0].order) < (held[$1].until, held[$1].order) })
            else { return nil }
            return held.remove(at: index)
        }
    }

    private func perform(_ operation: Operation) throws -> Node? {
        switch operation {
        case .get:
            return lease
        case .create(let object):
            guard lease == nil else { throw KubeError(code: 409, reason: "AlreadyExists", message: "exists", verb: "create") }
            version += 1
            var stored = object
            stored.set(.string(String(version)), at: ["metadata", "resourceVersion"])
            lease = stored
            return stored
        case .update(let object):
            guard let current = lease,
                  object[path: ["metadata", "resourceVersion"]]?.string == current[path: ["metadata", "resourceVersion"]]?.string
            else { throw KubeError(code: 409, reason: "Conflict", message: "the object has been modified", verb: "update") }
            version += 1
            var stored = object
            stored.set(.string(String(version)), at: ["metadata", "resourceVersion"])
            lease = stored
            return stored
        }
    }

    func isBusy(_ replica: Int) -> Bool { lock.withLock { busy.contains(replica) } }
    func setBusy(_ replica: Int) { lock.withLock { _ = busy.insert(replica) } }
    func setIdle(_ replica: Int) { lock.withLock { _ = busy.remove(replica) } }

    /// Until the replica's task has finished or is held in a request.
    func waitQuiescent(_ replica: Int) async {
        await wait { api in !api.busy.contains(replica) || api.held.contains { $0.replica == replica } }
    }

    func waitIdle(_ replica: Int) async {
        await wait { api in !api.busy.contains(replica) }
    }

    private func wait(_ condition: (SimulatedLeaseAPI) -> Bool) async {
        let deadline = ContinuousClock.now + .seconds(20)
        while !lock.withLock({ condition(self) }) {
            if ContinuousClock.now > deadline {
                Issue.record("a simulated replica did not reach a request or finish")
                return
            }
            // A short sleep, not Task.yield(): a spinning wait would hold one of the cooperative
            // pool's two threads and starve the rest of the parallel suite.
            try? await Task.sleep(for: .microseconds(100))
        }
    }
}

/// One replica's view of the simulated API: only the Lease calls are served.
struct SimulatedCluster: ControllerCluster {
    struct Unsupported: Error {}

    let api: SimulatedLeaseAPI
    let replica: Int

    func get(_ ref: ObjectReference) async throws -> Node? { try await api.request(replica, .get) }
    func create(_ object: Node) async throws -> Node { try await api.request(replica, .create(object))! }
    func update(_ object: Node) async throws -> Node { try await api.request(replica, .update(object))! }

    func resource(group: String, kind: String, version: String?) async throws -> APIResource { throw Unsupported() }
    func list(_ resource: APIResource, namespace: String?, labelSelector: String?, limit: Int) async throws -> ListResult { throw Unsupported() }
    func apply(_ object: Node, fieldManager: String, force: Bool, dryRun: Bool) async throws -> Node { throw Unsupported() }
    func mergePatch(_ ref: ObjectReference, patch: Node, fieldManager: String?) async throws -> Node { throw Unsupported() }
    func delete(_ ref: ObjectReference, propagation: String, uid: String?, resourceVersion: String?) async throws { throw Unsupported() }
    func createEvent(_ event: Node) async throws -> Node { throw Unsupported() }
    func watch(_ resource: APIResource, namespace: String?, labelSelector: String?, resourceVersion: String?) -> AsyncThrowingStream<WatchEvent, any Error> {
        AsyncThrowingStream { $0.finish() }
    }
}
