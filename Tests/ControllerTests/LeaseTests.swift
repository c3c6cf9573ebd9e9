import Executors
import Foundation
import Kube
import KubeTestServer
import Logging
@testable import ReconcileController
import Testing
import YAML

/// Leader election against the in-process API server, with injected clocks: `advance` moves
/// true time; each replica reads it through its own wall-clock skew and monotonic offset.
@Suite("Leader election on a Lease", .serialized)
final class LeaseTests {
    let server: TestAPIServer
    let client: KubeClient
    let directory: String
    /// True time in seconds since the test began.
    let time = Locked(0.0)
    let origin = ContinuousClock.now
    static let timing = LeaderElector.Timing(leaseDuration: .seconds(15), renewDeadline: .seconds(10), renewPeriod: .seconds(2), retryPeriod: .seconds(2))

    init() throws {
        server = try TestAPIServer()
        try server.start()
        directory = NSTemporaryDirectory() + "reconcile-lease-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/kubeconfig"
        try server.kubeconfig(user: .token("test-token")).write(toFile: path, atomically: true, encoding: .utf8)
        client = KubeClient(connection: try KubeConfig.load(path: path).connection())
    }

    deinit {
        let server = self.server
        Thread.detachNewThread { server.stop() }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A replica whose wall clock is `wallSkew` seconds off and whose monotonic clock started
    /// `monotonicOffset` seconds before the test.
    func elector(_ identity: String, wallSkew: Double = 0, monotonicOffset: Double = 0, timing: LeaderElector.Timing = LeaseTests.timing) -> LeaderElector {
        let time = self.time
        let origin = self.origin
        return LeaderElector(cluster: client, namespace: "default", name: "reconcile", identity: identity, timing: timing,
                             logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
                             now: { Date(timeIntervalSince1970: 1_700_000_000 + wallSkew + time.current) },
                             monotonic: { origin + .seconds(monotonicOffset + time.current) })
    }

    func lease() -> LeaseRecord? {
        server.object(apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: "default", name: "reconcile").map(LeaseRecord.init)
    }

    func advance(_ seconds: Double) { time.withLock { $0 += seconds } }

    static func configMap(_ name: String) -> Node {
        ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "namespace": "default"], "data": ["k": "v"]]
    }

    func configMapExists(_ name: String) -> Bool {
        server.object(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: name) != nil
    }

    /// Polls (real time, 1 ms) until `condition` holds or 5 s pass.
    func until(_ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(5)
        while !condition() {
            if ContinuousClock.now > deadline { return false }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return true
    }

    func leaseRequests(_ method: String) -> Int {
        server.requests.filter { $0.method == method && $0.path.contains("/leases/reconcile") }.count
    }

    @Test func acquireRenewTakeoverRelease() async throws {
        let a = elector("a")
        let b = elector("b")
        try await a.tick()
        #expect(a.isLeader)
        #expect(lease()?.holder == "a")
        #expect(lease()?.durationSeconds == 15)
        #expect(lease()?.transitions == 0)
        try await b.tick()
        #expect(!b.isLeader)

        // a renews every renewPeriod: b never takes over, however long it watches.
        let before = try #require(lease()?.renewTime)
        for _ in 0..<20 {
            advance(2)
            try await a.tick()
            try await b.tick()
            #expect(a.isLeader && !b.isLeader)
        }
        #expect(try #require(lease()?.renewTime).timeIntervalSince(before) > 39.9)

        // a stops renewing: it stops writing at its renew deadline (10 s after its last renewal
        // began), without any tick telling it; b takes over 15 s after it last saw the Lease change.
        advance(9.9)
        #expect(a.isLeader)
        advance(0.2)
        #expect(!a.isLeader)
        try await b.tick()
        #expect(!b.isLeader)
        advance(4.7)
        try await b.tick()
        #expect(!b.isLeader)
        advance(0.3)
        try await b.tick()
        #expect(b.isLeader)
        #expect(lease()?.holder == "b")
        #expect(lease()?.transitions == 1)
        try await a.tick()
        #expect(!a.isLeader)

        // b releases: holder cleared, and a acquires at once without waiting for expiry.
        await b.release()
        #expect(!b.isLeader)
        #expect(lease()?.holder == nil)
        try await a.tick()
        #expect(a.isLeader)
        #expect(lease()?.transitions == 2)
    }

    /// (a) Skew: b's wall clock is hours ahead of or behind a's. Judged on renewTime, ahead would
    /// take the Lease at once and behind never; judged on observed change, neither matters.
    @Test(arguments: [-3.0 * 3600, 3.0 * 3600, -1e6])
    func skewedWallClocksDoNotMatter(skew: Double) async throws {
        let a = elector("a")
        let b = elector("b", wallSkew: skew, monotonicOffset: 12_345.678)
        try await a.tick()
        try await b.tick()
        #expect(a.isLeader && !b.isLeader)
        for _ in 0..<12 {
            advance(2)
            try await a.tick()
            try await b.tick()
            #expect(a.isLeader && !b.isLeader)
            #expect(lease()?.holder == "a")
        }
        // a stops; b saw its last renewal at once. Nothing changes for 14.9 s: b waits.
        for _ in 0..<7 {
            advance(2)
            try await b.tick()
            #expect(!b.isLeader)
        }
        advance(0.9)
        try await b.tick()
        #expect(!b.isLeader)
        #expect(!a.isLeader, "a stopped at its renew deadline, 5 s before b may acquire")
        advance(0.2)
        try await b.tick()
        #expect(b.isLeader)
        #expect(!a.isLeader)
        #expect(lease()?.holder == "b")
        // b's renewTime is its own (skewed) wall clock: written for people, read by no one here.
        let written = try #require(lease()?.renewTime)
        #expect(abs(written.timeIntervalSince1970 - (1_700_000_000 + skew + time.current)) < 0.001)
        try await a.tick()
        #expect(!a.isLeader)
    }

    /// (b) Stalled renewals: a's renewal hangs in the API. Its token expires at the renew
    /// deadline and its writes are refused while the tick is still blocked; nobody else can
    /// acquire until leaseDuration after they last saw a change, so for a while no one writes.
    @Test func stalledRenewalEndsLeadershipAtTheRenewDeadline() async throws {
        let a = elector("a")
        let b = elector("b")
        let changes = Locked<[Bool]>([])
        a.onLeadershipChange { leader in changes.withLock { $0.append(leader) } }
        try await a.tick()
        try await b.tick()
        let writer = LeaderGuardedCluster(base: client, leader: a)
        _ = try await writer.create(Self.configMap("before-stall"))

        advance(2)
        server.inject(Fault(method: "PUT", pathContains: "/leases/reconcile", action: .delay(5)))
        let gets = leaseRequests("GET")
        let puts = leaseRequests("PUT")
        let finished = Locked(false)
        let tick = Task {
            defer { finished.withLock { $0 = true } }
            try await a.tick()
        }
        // The tick has read the Lease (so its start instant is taken); its renewal now hangs.
        #expect(await until { leaseRequests("GET") > gets })
        #expect(a.isLeader)

        advance(7.9)  // 9.9 s after the last successful renewal began
        #expect(a.isLeader)
        _ = try await writer.create(Self.configMap("before-deadline"))
        advance(0.2)  // 10.1 s: past the renew deadline
        #expect(a.validToken() == nil)
        await #expect(throws: LeaderGuardedCluster.NotLeader.self) { _ = try await writer.create(Self.configMap("after-deadline")) }
        #expect(!configMapExists("after-deadline"))
        #expect(!finished.current, "the tick is still blocked in its renewal")
        #expect(leaseRequests("PUT") == puts, "the stalled renewal has not reached the server")
        #expect(changes.current == [true, false])

        // b saw a's last renewal 10.1 s ago: it may not acquire yet — no one writes meanwhile.
        try await b.tick()
        #expect(!b.isLeader && !a.isLeader)
        advance(4.8)  // 14.9 s
        try await b.tick()
        #expect(!b.isLeader)
        advance(0.2)  // 15.1 s
        try await b.tick()
        #expect(b.isLeader)
        #expect(!a.isLeader)

        tick.cancel()
        _ = await tick.result
        #expect(!a.isLeader)
        await #expect(throws: LeaderGuardedCluster.NotLeader.self) { _ = try await writer.create(Self.configMap("after-takeover")) }
        #expect(configMapExists("before-stall") && configMapExists("before-deadline"))
    }

    /// (c) Lease loss mid-apply: the write check finds the deadline passed by itself (no tick, no
    /// flag flipped), refuses, and the step-down cancels a long-running apply that observes
    /// leadership, whose next write is refused too.
    @Test func leaseLossMidApplyCancelsAndRefuses() async throws {
        let a = elector("a")
        try await a.tick()
        let writer = LeaderGuardedCluster(base: client, leader: a)
        let progress = Locked("")
        let apply = Task { try await LeaseTests.longApply(writer: writer, progress: progress) }
        a.onLeadershipChange { leader in if !leader { apply.cancel() } }
        #expect(await until { progress.current == "waiting" })

        advance(10)  // exactly the renew deadline: not valid any more
        #expect(a.state.current.token != nil, "nothing has noticed yet")
        await #expect(throws: LeaderGuardedCluster.NotLeader.self) { _ = try await writer.create(Self.configMap("late")) }
        #expect(a.state.current.token == nil)
        #expect(try await apply.value == "cancelled, then refused")
        #expect(configMapExists("first"))
        #expect(!configMapExists("second") && !configMapExists("late"))
    }

    /// Writes, waits a minute (on a rollout, say), writes again.
    static func longApply(writer: LeaderGuardedCluster, progress: Locked<String>) async throws -> String {
        _ = try await writer.create(configMap("first"))
        progress.withLock { $0 = "waiting" }
        var cancelled = false
        do {
            try await Task.sleep(for: .seconds(60))
        } catch {
            cancelled = true
        }
        do {
            _ = try await writer.create(configMap("second"))
            return "written"
        } catch is LeaderGuardedCluster.NotLeader {
            return cancelled ? "cancelled, then refused" : "refused"
        }
    }

    /// The watchdog in `run()` (real clocks, short timings): every renewal hangs in the API, and
    /// leadership ends at the deadline before any of them reaches the server.
    @Test func watchdogStepsDownWhileRenewalsHang() async throws {
        let a = LeaderElector(cluster: client, namespace: "default", name: "reconcile", identity: "a",
                              timing: .init(leaseDuration: .seconds(1), renewDeadline: .milliseconds(500),
                                            renewPeriod: .milliseconds(100), retryPeriod: .milliseconds(100)),
                              logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let server = self.server
        // PUTs of the Lease served when the fault went in; nil until then. A loaded machine may
        // miss a deadline before the fault goes in: that is not what this test looks at, so such
        // an attempt is recorded as `lostEarly` and tried again (at most three times).
        let putsAtStall = Locked<Int?>(nil)
        let putsAtLoss = Locked<Int?>(nil)
        let lostEarly = Locked(false)
        a.onLeadershipChange { leader in
            guard !leader else { return }
            guard let stalled = putsAtStall.current else { return lostEarly.withLock { $0 = true } }
            let puts = server.requests.filter { $0.method == "PUT" && $0.path.contains("/leases/reconcile") }.count
            putsAtLoss.withLock { $0 = $0 ?? max(puts, stalled) }
        }
        let running = Task { try await a.run() }
        defer { running.cancel() }
        for _ in 0..<3 {
            server.clearFaults()
            putsAtStall.withLock { $0 = nil }
            #expect(await until { a.isLeader && leaseRequests("PUT") >= 2 })  // leading and renewing
            lostEarly.withLock { $0 = false }
            server.inject(Fault(method: "PUT", pathContains: "/leases/reconcile", times: 1000, action: .delay(2)))
            putsAtStall.withLock { $0 = leaseRequests("PUT") }
            _ = await until { putsAtLoss.current != nil || lostEarly.current }
            if putsAtLoss.current != nil { break }
        }
        // No renewal was served between the stall and the step-down, except one that may have
        // been past the fault check already when the fault went in.
        let loss = try #require(putsAtLoss.current, "leadership was never lost after the stall")
        #expect(loss <= (putsAtStall.current ?? 0) + 1)
        running.cancel()
        _ = await running.result
    }

    @Test func timingsThatLetTwoLeadersOverlapAreRejected() {
        #expect(LeaderElector.Timing().problem == nil)
        #expect(LeaderElector.Timing(leaseDuration: .seconds(10), renewDeadline: .seconds(10)).problem != nil)
        #expect(LeaderElector.Timing(leaseDuration: .seconds(15), renewDeadline: .seconds(3), renewPeriod: .seconds(2), retryPeriod: .seconds(2)).problem != nil)
        #expect(LeaderElector.Timing(retryPeriod: .zero).problem != nil)
    }

    @Test func everyRenewalChangesTheRecord() throws {
        let lease = LeaseRecord.newLease(namespace: "default", name: "reconcile", holder: "a", at: Date(timeIntervalSince1970: 1_700_000_000.5), durationSeconds: 15)
        let record = LeaseRecord(lease)
        // The wall clock did not move (or went back): the renewTime still changes.
        for time in [Date(timeIntervalSince1970: 1_700_000_000.5), Date(timeIntervalSince1970: 1_700_000_000.500_000_4)] {
            let renewed = LeaseRecord(record.renewed(lease, at: time, durationSeconds: 15))
            #expect(renewed != record)
        }
        // Annotations (wake requests) are not part of the record.
        var annotated = lease
        annotated.set(.string("x"), at: ["metadata", "annotations", LeaderElector.wakeAnnotation])
        #expect(LeaseRecord(annotated) == record)
    }

    @Test func staleResourceVersionIsAConflict() async throws {
        let a = elector("a")
        try await a.tick()
        let read = try #require(try await client.get(ObjectReference(apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: "default", name: "reconcile")))
        let record = LeaseRecord(read)
        let wall = Date(timeIntervalSince1970: 1_700_000_000 + time.current)
        _ = try await client.update(record.renewed(read, at: wall.addingTimeInterval(1), durationSeconds: 15))
        do {
            _ = try await client.update(record.acquired(read, by: "b", at: wall, durationSeconds: 15))
            Issue.record("an update from a stale resourceVersion was accepted")
        } catch let error as KubeError {
            #expect(error.isConflict)
        }
        #expect(lease()?.holder == "a")
    }

    @Test func microTimeRoundTrips() {
        let date = Date(timeIntervalSince1970: 1_700_000_000.123456)
        let text = LeaseRecord.microTime(date)
        #expect(text == "2023-11-14T22:13:20.123456Z")
        let parsed = try! #require(LeaseRecord.parseMicroTime(text))
        #expect(abs(parsed.timeIntervalSince(date)) < 0.000_01)
    }
}
