import Foundation
import Kube
import KubeTestServer
import ReconcileCore
@testable import ReconcileEngine
import ReconcileTestSupport
import Testing
import YAML

/// A live plan judges each LIST page's objects while the page is in memory and keeps only the
/// facts of the unchanged ones, or a copy of one that is not (issue 18). The plan it makes must be
/// exactly the plan made from the same objects decoded whole: unchanged, drifted, tracked by
/// another instance, foreign (not desired, not tracked) and orphaned (tracked, not desired).
@Suite(.onTestThreads, .serialized) struct StreamedLiveStateTests {
    let fast = ["--auto-approve", "--rollout-poll-interval", "0.05", "--color", "never"]

    @Test func judgedPagesPlanExactlyAsObjectsDecodedWhole() async throws {
        let harness = try EngineHarness()
        try harness.seed(snapshotOf: "aks-pets")
        harness.startRolloutController()
        let apply = await harness.reconcile(["apply", "--repo", harness.example("aks-pets")] + fast)
        #expect(apply.code == 0, "\(apply)")
        let desired = try harness.desiredState(of: "aks-pets")
        let objects = desired.objects.filter { $0.key.kind != "Namespace" && $0.body["spec"] != nil }
        try #require(objects.count >= 3, "the example has enough objects for every case")

        func live(_ object: ManifestObject) throws -> Node {
            let namespace = object.key.namespace.isEmpty ? nil : object.key.namespace
            return try #require(harness.get(object.apiVersion, object.key.kind, namespace, object.key.name))
        }
        // Drifted: a desired field changed out of band.
        var drifted = try live(objects[0])
        drifted["spec"] = ["drifted": true]
        _ = try harness.server.seed(drifted)
        // Tracked by another instance.
        var taken = try live(objects[1])
        taken.set("another-instance", at: ["metadata", "labels", Tracking.instanceLabel])
        _ = try harness.server.seed(taken)
        // An orphan (tracked, no longer in git: pruned) and a foreign copy (nobody's: analyzers see it).
        var orphan = try live(objects[2])
        orphan.set(.string("orphan-\(objects[2].key.name)"), at: ["metadata", "name"])
        orphan.remove(at: ["metadata", "uid"])
        _ = try harness.server.seed(orphan)
        var foreign = try live(objects[2])
        foreign.set(.string("foreign-\(objects[2].key.name)"), at: ["metadata", "name"])
        foreign.remove(at: ["metadata", "labels", Tracking.instanceLabel])
        foreign.remove(at: ["metadata", "labels", Tracking.managedByLabel])
        foreign.remove(at: ["metadata", "uid"])
        _ = try harness.server.seed(foreign)

        // Two objects a page, the LISTs started before the desired state is handed over.
        let loader = LiveStateLoader(cluster: harness.client, pageSize: 2)
        let prefetched = await loader.prefetch(desired.outline)
        let judged = try await loader.load(for: desired, prefetched: prefetched)
        #expect(!judged.unchanged.isEmpty, "unchanged objects are kept as facts only")
        for object in objects.prefix(2) {
            #expect(judged.unchanged[object.key] == nil, "\(object.key) is kept whole")
            #expect(judged.objects[object.key] != nil, "\(object.key) is kept whole")
        }
        #expect(Set(judged.unchanged.keys).isDisjoint(with: judged.objects.keys))

        // The same objects, every one decoded whole from a GET.
        var whole = judged
        whole.unchanged = [:]
        for key in Array(judged.unchanged.keys) + Array(judged.objects.keys) {
            let apiVersion = judged.objects[key]?.apiVersion ?? desired[key]?.apiVersion ?? ""
            let ref = ObjectReference(apiVersion: apiVersion, kind: key.kind, namespace: key.namespace.isEmpty ? nil : key.namespace,
                                      name: key.name)
            let body = try #require(try await harness.client.get(ref))
            whole.insert(body)
        }
        let fromPages = Planner(desired: desired, live: judged, mode: .live).plan()
        let fromTrees = Planner(desired: desired, live: whole, mode: .live).plan()
        #expect(TextPlanRenderer(colour: false).render(fromPages) == TextPlanRenderer(colour: false).render(fromTrees))
        let json = JSONPlanRenderer(includeBodies: true)
        #expect(json.render(fromPages) == json.render(fromTrees))
        let actions = Dictionary(fromPages.changes.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(actions[objects[0].key]?.action == .update && actions[objects[0].key]?.blocked == nil)
        #expect(actions[objects[1].key]?.blocked != nil, "an object another instance tracks is not taken over")
        #expect(fromPages.changes.contains { $0.action == .delete && $0.key.name == "orphan-\(objects[2].key.name)" })
        #expect(!fromPages.changes.contains { $0.key.name == "foreign-\(objects[2].key.name)" })
        #expect(fromPages.unchanged == fromTrees.unchanged && fromPages.unchanged > 0)
    }

    /// LISTs started before the render and never used (the render failed) stop waiting for a
    /// desired state that will not come: dropping the prefetch ends them.
    @Test func anUnusedPrefetchEnds() async throws {
        let harness = try EngineHarness()
        try harness.seed(snapshotOf: "aks-pets")
        let desired = try harness.desiredState(of: "aks-pets")
        let loader = LiveStateLoader(cluster: harness.client, pageSize: 2)
        var prefetched: LiveStateLoader.Prefetch? = await loader.prefetch(desired.outline)
        let lists = Array(try #require(prefetched).lists.values)
        #expect(!lists.isEmpty)
        prefetched = nil
        for task in lists {
            await #expect(throws: (any Error).self) { _ = try await task.value }
        }
    }
}
