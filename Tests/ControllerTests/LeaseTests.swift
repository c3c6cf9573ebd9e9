import Foundation
import Kube
import KubeTestServer
import Logging
@testable import ReconcileController
import Testing
import YAML

@Suite("Leader election on a Lease", .serialized)
final class LeaseTests {
    let server: TestAPIServer
    let client: KubeClient
    let directory: String
    let clock = Locked(Date(timeIntervalSince1970: 1_700_000_000))

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

    func elector(_ identity: String) -> LeaderElector {
        let clock = self.clock
        return LeaderElector(cluster: client, namespace: "default", name: "reconcile", identity: identity,
                             timing: .init(leaseDuration: .seconds(15), renewPeriod: .seconds(10), retryPeriod: .seconds(2)),
                             logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), now: { clock.current })
    }

    func lease() -> LeaseRecord? {
        server.object(apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: "default", name: "reconcile").map(LeaseRecord.init)
    }

    func advance(_ seconds: Double) { clock.withLock { $0 = $0.addingTimeInterval(seconds) } }

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

        // Renew: after the renew period the leader writes a new renewTime; b still waits.
        let before = try #require(lease()?.renewTime)
        advance(11)
        try await a.tick()
        let renewed = try #require(lease()?.renewTime)
        #expect(renewed.timeIntervalSince(before) > 10.9)
        try await b.tick()
        #expect(!b.isLeader && a.isLeader)

        // a stops renewing: after renewTime + leaseDuration, b takes over.
        advance(14)
        try await b.tick()
        #expect(!b.isLeader)
        advance(2)
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

    @Test func staleResourceVersionIsAConflict() async throws {
        let a = elector("a")
        try await a.tick()
        let read = try #require(try await client.get(ObjectReference(apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: "default", name: "reconcile")))
        let record = LeaseRecord(read)
        _ = try await client.update(record.renewed(read, at: clock.current.addingTimeInterval(1), durationSeconds: 15))
        do {
            _ = try await client.update(record.acquired(read, by: "b", at: clock.current, durationSeconds: 15))
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
