import Foundation
import Kube
import KubeTestServer
import ReconcileCore
import ReconcileEngine
import ReconcileTestSupport
import Testing
import YAML

/// LISTs started before the render (from a guessed outline) give exactly the live state the
/// render's own LISTs give: a right guess costs no extra request, a wrong one costs requests only.
@Suite(.onTestThreads, .serialized) struct PrefetchTests {
    struct Loaded: Equatable {
        var objects: [String: String]  // key → resourceVersion
        /// Objects judged unchanged as their page was read (key → tracking instance).
        var unchanged: [String: String]
        var namespaces: [String]
        var context: [String]

        init(_ state: LiveState) {
            objects = Dictionary(uniqueKeysWithValues: state.objects.map { ("\($0.key)", $0.value.resourceVersion ?? "") })
            unchanged = Dictionary(uniqueKeysWithValues: state.unchanged.map {
                ("\($0.key)", $0.value.trackingInstance ?? "")
            })
            namespaces = state.namespaces.keys.sorted()
            context = state.context.keys.map { "\($0)" }.sorted()
        }
    }

    /// The LISTs the server saw, as "path?query" sorted.
    func lists(_ harness: EngineHarness) -> [String] {
        harness.server.requests.filter { $0.method == "GET" && $0.query["limit"] != nil }
            .map { "\($0.path)?\($0.query.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&"))" }.sorted()
    }

    func setUp() throws -> (EngineHarness, DesiredState) {
        let harness = try EngineHarness()
        try harness.seed(snapshotOf: "aks-pets")
        return (harness, try harness.desiredState(of: "aks-pets"))
    }

    @Test func rightGuessMakesExactlyTheSameRequests() async throws {
        let (harness, desired) = try setUp()
        let loader = LiveStateLoader(cluster: harness.client, pageSize: 2)
        _ = try await harness.client.resource(group: "", kind: "Namespace", version: nil)  // discovery outside the counts
        harness.server.clearRequests()
        let plain = try await loader.load(for: desired)
        let plainLists = lists(harness)
        #expect(plainLists.contains { $0.hasPrefix("/apis/apps/v1/namespaces/pets/deployments?") }, "workloads of the injected namespace: \(plainLists)")

        harness.server.clearRequests()
        let prefetched = await loader.prefetch(desired.outline)
        let loaded = try await loader.load(for: desired, prefetched: prefetched)
        #expect(Loaded(loaded) == Loaded(plain))
        #expect(lists(harness) == plainLists)
    }

    @Test func wrongGuessStillLoadsTheRightState() async throws {
        let (harness, desired) = try setUp()
        let loader = LiveStateLoader(cluster: harness.client, pageSize: 2)
        let plain = try await loader.load(for: desired)

        let exact = desired.outline
        var wrong = exact
        // A kind the render does not have (listed in full instead of by tracking label), one it
        // has left out, other namespaces for Services and workloads.
        wrong.kinds.insert(GroupKind(group: "networking.istio.io", kind: "Sidecar"))
        wrong.kinds.remove(try #require(exact.kinds.first { $0.kind == "PeerAuthentication" }))
        wrong.namespaces = ["default"]
        wrong.injectedNamespaces = Set((0..<9).map { "ns-\($0)" })
        let prefetched = await loader.prefetch(wrong)
        #expect(Loaded(try await loader.load(for: desired, prefetched: prefetched)) == Loaded(plain))

        // A guess naming a kind the cluster does not serve is dropped, not an error.
        var unserved = exact
        unserved.kinds.insert(GroupKind(group: "example.com", kind: "Nothing"))
        let none = await loader.prefetch(unserved)
        #expect(Loaded(try await loader.load(for: desired, prefetched: none)) == Loaded(plain))
    }
}

