import ReconcileCore
import Testing
import YAML

/// The move from the legacy shared field manager to the instance's, on `managedFields` lists and
/// through the planner.
@Suite struct FieldManagerMigrationTests {
    func object(_ yaml: String) throws -> Node { try YAMLParser.parse(yaml, file: "live.yaml")[0].root.withoutMarks }

    static let legacyEntry = """
      - manager: reconcile
        operation: Apply
        apiVersion: networking.istio.io/v1
        fieldsType: FieldsV1
        fieldsV1: {f:spec: {f:hosts: {}, f:gateways: {}}}
    """

    @Test func legacyApplyEntryIsRenamedAndUpdateEntriesStay() throws {
        let live = try object("""
        metadata:
          resourceVersion: "7"
          managedFields:
        \(Self.legacyEntry)
          - manager: kubectl-edit
            operation: Update
            fieldsV1: {f:spec: {f:http: {}}}
        """)
        let patch = try #require(FieldManagerMigration.patch(for: live, instance: "mesh"))
        #expect(patch[path: ["metadata", "resourceVersion"]]?.string == "7")
        let entries = try #require(patch[path: ["metadata", "managedFields"]]?.sequence)
        #expect(entries.compactMap { $0["manager"]?.string } == ["reconcile/mesh", "kubectl-edit"])
        #expect(entries[0]["fieldsV1"] == live[path: ["metadata", "managedFields"]]?.sequence?[0]["fieldsV1"])
    }

    @Test func legacyFieldsMergeIntoAnExistingInstanceEntry() throws {
        let live = try object("""
        metadata:
          resourceVersion: "7"
          managedFields:
          - manager: reconcile/mesh
            operation: Apply
            fieldsV1: {f:spec: {f:hosts: {}, f:http: {}}}
        \(Self.legacyEntry)
        """)
        let entries = try #require(FieldManagerMigration.migratedManagedFields(of: live, instance: "mesh")?.sequence)
        #expect(entries.count == 1)
        let spec = try #require(entries[0][path: ["fieldsV1", "f:spec"]]?.entries?.map(\.key))
        #expect(Set(spec) == ["f:hosts", "f:http", "f:gateways"])
    }

    @Test func nothingToMigrateWithoutALegacyApplyEntry() throws {
        let live = try object("""
        metadata:
          resourceVersion: "7"
          managedFields:
          - manager: reconcile
            operation: Update
            fieldsV1: {f:spec: {f:hosts: {}}}
        """)
        #expect(FieldManagerMigration.patch(for: live, instance: "mesh") == nil)
    }

    @Test func managersArePerInstance() {
        #expect(Tracking.fieldManager(instance: "mesh") == "reconcile/mesh")
        #expect(Tracking.managers(instance: "mesh", includingLegacy: true) == ["reconcile/mesh", "reconcile"])
        #expect(Tracking.isOwnManager("reconcile", instance: "mesh"))
        #expect(!Tracking.isOwnManager("reconcile/other", instance: "mesh"))
    }
}

extension PlannerTests {
    /// `liveVS` as an older reconcile applied it: owned by the shared manager `reconcile`.
    static func legacyLiveVS(spec: String) -> String {
        liveVS(spec: spec).replacingOccurrences(of: "manager: reconcile/test", with: "manager: reconcile")
    }

    @Test func legacyOwnedUnchangedObjectIsMigrated() throws {
        let plan = try plan(["mesh/vs.yaml": virtualServiceYAML], live: Self.legacyLiveVS(spec: "  hosts: [web]\n  http:\n  - route:\n    - destination: {host: web, subset: v1}\n"))
        let change = try #require(plan.changes.first)
        #expect(plan.changes.count == 1)
        #expect(change.migratesFieldManager)
        #expect(change.diff.isEmpty)
        #expect(change.reason?.contains("field manager migration") == true)
    }

    @Test func fieldsTheLegacyManagerOwnedAreRemovals() throws {
        let spec = "  hosts: [web]\n  gateways: [mesh]\n  http:\n  - route:\n    - destination: {host: web, subset: v1}\n"
        let plan = try plan(["mesh/vs.yaml": virtualServiceYAML], live: Self.legacyLiveVS(spec: spec))
        let change = try #require(plan.changes.first)
        #expect(change.removedFields == ["spec.gateways"])
        #expect(change.migratesFieldManager)
    }
}
