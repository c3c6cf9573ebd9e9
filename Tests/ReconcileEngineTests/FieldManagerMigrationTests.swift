import Foundation
import KubeTestServer
import ReconcileCore
import ReconcileTestSupport
import Testing
import YAML

/// Upgrading from the shared field manager `reconcile` to per-instance managers: objects the
/// instance tracks move to `reconcile/<instance>` once, and a field git dropped before the upgrade
/// (owned only by the legacy manager) is still removed.
@Suite(.onTestThreads, .serialized) struct FieldManagerMigrationTests {
    let fast = ["--auto-approve", "--rollout-poll-interval", "0.05", "--color", "never"]

    /// Seeds the example's cluster, then replaces each desired object by the copy an older
    /// reconcile would have left: applied by `reconcile`, with a label git no longer sets.
    func seedLegacy(_ harness: EngineHarness, example: String) throws -> DesiredState {
        try harness.seed(snapshotOf: example)
        let desired = try harness.desiredState(of: example)
        for object in desired.objects where object.key.kind != "Namespace" {
            var body = object.body.withoutMarks
            body.set("dropped-from-git", at: ["metadata", "labels", "legacy-only"])
            let labels = (body[path: ["metadata", "labels"]]?.entries ?? []).map { Node.Entry(key: "f:\($0.key)", value: [:]) }
            let fields: Node = ["f:metadata": ["f:labels": Node(.mapping(labels))]]
            let entry = Node.object(["apiVersion": .string(object.apiVersion), "fieldsType": "FieldsV1", "fieldsV1": fields,
                                     "manager": "reconcile", "operation": "Apply", "time": "2026-01-01T00:00:00Z"])
            body.set(.sequence([entry]), at: ["metadata", "managedFields"])
            _ = try harness.server.seed(body)
        }
        return desired
    }

    @Test func trackedObjectsMoveToTheInstanceManagerAndLegacyOnlyFieldsAreRemoved() async throws {
        let harness = try EngineHarness()
        let desired = try seedLegacy(harness, example: "client-strict")
        harness.startRolloutController()

        let plan = await harness.reconcile(["plan", "--repo", harness.example("client-strict"), "--color", "never"])
        #expect(plan.code == 0, "\(plan)")
        #expect(plan.stdout.contains("legacy-only"), "the plan shows the label the legacy manager owned as removed: \(plan)")

        let apply = await harness.reconcile(["apply", "--repo", harness.example("client-strict")] + fast)
        #expect(apply.code == 0, "\(apply)")
        for object in desired.objects where object.key.kind != "Namespace" {
            let live = try #require(harness.get(object.apiVersion, object.key.kind, object.key.namespace, object.key.name))
            let managers = (live[path: ["metadata", "managedFields"]]?.sequence ?? []).compactMap { $0["manager"]?.string }
            #expect(!managers.contains(Tracking.legacyFieldManager), "\(object.key.shortDescription): \(managers)")
            #expect(managers.contains(Tracking.fieldManager(instance: "client-strict")), "\(object.key.shortDescription): \(managers)")
            #expect(live.labels["legacy-only"] == nil, "\(object.key.shortDescription) lost the label git dropped")
        }

        let again = await harness.reconcile(["plan", "--repo", harness.example("client-strict"), "--detailed-exitcode", "--color", "never"])
        #expect(again.code == 0, "after the migration nothing is left to change: \(again)")
    }
}
