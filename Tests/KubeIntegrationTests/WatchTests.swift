import Foundation
import KubeTestServer
import Testing
import YAML
@testable import Kube

@Suite(.serialized) struct WatchTests {
    @Test func eventsArriveInOrder() async throws {
        let h = try await Harness()
        defer { Task { await h.tearDown() } }
        let resource = try await h.client.resource(group: "networking.istio.io", kind: "VirtualService")
        let start = try await h.client.list(resource, namespace: h.namespace)
        let stream = h.client.watch(resource, namespace: h.namespace, resourceVersion: start.resourceVersion)
        let client = h.client
        let writer = Task {
            try await Task.sleep(nanoseconds: 300_000_000)
            _ = try await client.apply(h.virtualService("watched"), fieldManager: "reconcile")
            _ = try await client.apply(h.virtualService("watched", timeout: "8s"), fieldManager: "reconcile")
            try await client.delete(h.ref("watched"))
        }
        let events = try await collect(stream, until: { $0.filter { $0.summary != "bookmark" }.count >= 3 })
        try await writer.value
        #expect(events.map(\.summary).filter { $0 != "bookmark" } == ["added watched", "modified watched", "deleted watched"])
    }

    @Test(.disabled(if: Harness.onRealCluster, "dropping a watch needs the test server"))
    func droppedStreamResumesWithoutLoss() async throws {
        let h = try await Harness()
        defer { Task { await h.tearDown() } }
        let server = try #require(h.server)
        let resource = try await h.client.resource(group: "networking.istio.io", kind: "VirtualService")
        let start = try await h.client.list(resource, namespace: h.namespace)
        server.inject(Fault(method: "GET", pathContains: "/namespaces/\(h.namespace)/virtualservices", times: 1, action: .dropWatch(afterEvents: 2)))
        let stream = h.client.watch(resource, namespace: h.namespace, resourceVersion: start.resourceVersion)
        let client = h.client
        let writer = Task {
            try await Task.sleep(nanoseconds: 300_000_000)
            for index in 1...6 { _ = try await client.apply(h.virtualService("vs-\(index)"), fieldManager: "reconcile") }
        }
        let events = try await collect(stream, until: { $0.filter { $0.summary.hasPrefix("added") }.count >= 6 })
        try await writer.value
        let added = events.map(\.summary).filter { $0.hasPrefix("added") }
        #expect(added == (1...6).map { "added vs-\($0)" })
        let watches = server.requests.filter { $0.query["watch"] == "true" }
        #expect(watches.count >= 2)
        // The reconnect resumed from the last resourceVersion seen, not from the start.
        #expect(watches.count >= 2 && watches[1].query["resourceVersion"] != start.resourceVersion)
    }

    @Test(.disabled(if: Harness.onRealCluster, "compacting history needs the test server"))
    func expiredResourceVersionRelists() async throws {
        let h = try await Harness()
        defer { Task { await h.tearDown() } }
        let server = try #require(h.server)
        let resource = try await h.client.resource(group: "networking.istio.io", kind: "VirtualService")
        let old = try await h.client.list(resource, namespace: h.namespace)
        for index in 1...3 { _ = try await h.client.apply(h.virtualService("vs-\(index)"), fieldManager: "reconcile") }
        server.compactHistory()
        let stream = h.client.watch(resource, namespace: h.namespace, resourceVersion: old.resourceVersion)
        let client = h.client
        let writer = Task {
            try await Task.sleep(nanoseconds: 1_000_000_000)
            _ = try await client.apply(h.virtualService("late"), fieldManager: "reconcile")
        }
        let events = try await collect(stream, until: { events in
            events.contains { $0.summary.hasPrefix("relisted") } && events.contains { $0.summary == "added late" }
        }, timeout: 20)
        try await writer.value
        let summaries = events.map(\.summary).filter { $0 != "bookmark" }
        // The relist carries the three objects; the watch then continues from the list's version.
        #expect(summaries == ["relisted 3", "added late"])
        let lists = server.requests.filter { $0.path.hasSuffix("/virtualservices") && $0.query["watch"] == nil }
        #expect(lists.count == 2)
    }
}
