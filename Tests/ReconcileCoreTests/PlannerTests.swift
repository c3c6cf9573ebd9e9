import Foundation
import ReconcileCore
import Testing
import YAML

/// Table-driven planner scenarios on inline fixtures: compare, drift, prune guards, conflicts.
@Suite struct PlannerTests {
    static let managedFieldsVS = """
      managedFields:
      - manager: reconcile/test
        operation: Apply
        apiVersion: networking.istio.io/v1
        fieldsType: FieldsV1
        fieldsV1:
          f:metadata:
            f:annotations: {f:reconcile.dev/source: {}}
            f:labels: {f:app.kubernetes.io/managed-by: {}, f:reconcile.dev/bundle: {}, f:reconcile.dev/instance: {}}
          f:spec: {f:hosts: {}, f:http: {}, f:gateways: {}}
    """

    /// A live copy of `virtualServiceYAML` as reconcile applied it (plus server fields).
    static func liveVS(spec: String = "  hosts: [web]\n  http:\n  - route:\n    - destination: {host: web, subset: v1}\n", extraManaged: String = "", instance: String = "test", annotations: String = "") -> String {
        """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: web
          namespace: shop
          uid: 1234
          resourceVersion: "42"
          generation: 3
          labels: {app.kubernetes.io/managed-by: reconcile, reconcile.dev/instance: \(instance), reconcile.dev/bundle: default}
          annotations: {reconcile.dev/source: mesh/vs.yaml\(annotations)}
        \(managedFieldsVS)
        \(extraManaged)
        spec:
        \(spec)
        """
    }

    func plan(_ manifests: [String: String], live: String, options: PlanOptions = PlanOptions()) throws -> Plan {
        Planner(desired: try render(manifests), live: try snapshot(live), options: options).plan()
    }

    @Test func identicalObjectIsUnchangedDespiteServerFields() throws {
        let plan = try plan(["mesh/vs.yaml": virtualServiceYAML], live: Self.liveVS())
        #expect(plan.changes.isEmpty)
        #expect(plan.unchanged == 1)
        #expect(!plan.hasChanges)
    }

    @Test func serverDefaultsInsideListItemsAreNotChanges() throws {
        let desired = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: web, namespace: shop}
        spec:
          podSelector: {}
          ingress:
          - ports: [{port: 80}]
        """
        let live = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: web, namespace: shop, labels: {app.kubernetes.io/managed-by: reconcile, reconcile.dev/instance: test, reconcile.dev/bundle: default}, annotations: {reconcile.dev/source: np.yaml}}
        spec:
          podSelector: {}
          policyTypes: [Ingress]
          ingress:
          - ports: [{port: 80, protocol: TCP}]
        """
        #expect(try plan(["np.yaml": desired], live: live).changes.isEmpty)
    }

    @Test func changedFieldShowsTheExactDiff() throws {
        let plan = try plan(["mesh/vs.yaml": virtualServiceYAML.replacingOccurrences(of: "subset: v1", with: "subset: v2")], live: Self.liveVS())
        let change = try #require(plan.changes.first)
        #expect(change.action == .update)
        #expect(change.changedFields == ["spec.http"])
        #expect(change.diff.contains("-        subset: v1\n+        subset: v2\n"))
        #expect(!change.diff.contains("resourceVersion"))
        #expect(!change.diff.contains("managedFields"))
        #expect(change.liveResourceVersion == "42")
        #expect(change.reason == nil)
    }

    @Test func ownedFieldDroppedFromGitIsARemoval() throws {
        let withGateways = Self.liveVS(spec: "  hosts: [web]\n  gateways: [mesh]\n  http:\n  - route:\n    - destination: {host: web, subset: v1}\n")
        let plan = try plan(["mesh/vs.yaml": virtualServiceYAML], live: withGateways)
        let change = try #require(plan.changes.first)
        #expect(change.removedFields == ["spec.gateways"])
        #expect(change.diff.contains("-  gateways:\n-  - mesh\n"))
    }

    @Test func fieldsOfOtherManagersAreNotRemovals() throws {
        let other = """
          - manager: kiali
            operation: Update
            apiVersion: networking.istio.io/v1
            fieldsType: FieldsV1
            fieldsV1: {f:spec: {f:exportTo: {}}}
        """
        let live = Self.liveVS(spec: "  hosts: [web]\n  exportTo: ['.']\n  http:\n  - route:\n    - destination: {host: web, subset: v1}\n")
            .replacingOccurrences(of: "      f:spec: {f:hosts: {}, f:http: {}, f:gateways: {}}\n", with: "      f:spec: {f:hosts: {}, f:http: {}, f:gateways: {}}\n" + other + "\n")
        #expect(try plan(["mesh/vs.yaml": virtualServiceYAML], live: live).changes.isEmpty)
    }

    @Test func outOfBandEditIsReportedAsDriftNamingTheManager() throws {
        let edited = """
          - manager: kubectl-edit
            operation: Update
            apiVersion: networking.istio.io/v1
            fieldsType: FieldsV1
            fieldsV1: {f:spec: {f:http: {}}}
        """
        var live = Self.liveVS(spec: "  hosts: [web]\n  http:\n  - route:\n    - destination: {host: web, subset: v9}\n")
        live = live.replacingOccurrences(of: "      f:spec: {f:hosts: {}, f:http: {}, f:gateways: {}}\n", with: "      f:spec: {f:hosts: {}}\n" + edited + "\n")
        let change = try #require(try plan(["mesh/vs.yaml": virtualServiceYAML], live: live).changes.first)
        #expect(change.reason == "drift: spec.http changed out of band by kubectl-edit")
    }

    @Test func objectOfAnotherInstanceIsAConflictNotATakeover() throws {
        let plan = try plan(["mesh/vs.yaml": virtualServiceYAML], live: Self.liveVS(spec: "  hosts: [other]\n", instance: "team-b"))
        #expect(plan.changes.first?.blocked == "managed by instance \"team-b\"")
        #expect(plan.findings.map(\.code).filter { $0.hasPrefix("RC") } == ["RC1001"])
        #expect(plan.hasErrors)
    }

    @Test func untrackedLiveObjectIsAdopted() throws {
        let live = Self.liveVS().replacingOccurrences(of: "app.kubernetes.io/managed-by: reconcile, ", with: "")
        let change = try #require(try plan(["mesh/vs.yaml": virtualServiceYAML], live: live).changes.first)
        #expect(change.reason?.contains("will be adopted") == true)
    }

    // MARK: - Prune guards

    static func trackedVS(_ name: String, annotations: String = "") -> String {
        Self.liveVS(annotations: annotations).replacingOccurrences(of: "  name: web\n", with: "  name: \(name)\n")
    }

    static func list(_ items: [String]) -> String {
        "apiVersion: v1\nkind: List\nitems:\n" + items.map { "- " + $0.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n  ") }.joined(separator: "\n")
    }

    @Test func orphanIsPrunedLast() throws {
        let plan = try plan(["mesh/vs.yaml": virtualServiceYAML, "ns.yaml": namespaceYAML],
                            live: Self.list([Self.liveVS(), Self.trackedVS("old-a"), Self.trackedVS("old-b"), Self.trackedVS("old-c")]),
                            options: PlanOptions(maxPrune: .count(5)))
        #expect(plan.changes.map(\.action) == [.create, .delete, .delete, .delete])
        #expect(plan.changes.last?.key.name == "old-a", "deletions run in reverse order")
        #expect(plan.changes.filter { $0.action == .delete }.allSatisfy { $0.blocked == nil && $0.reason == "no longer in git" })
    }

    @Test func massPruneIsBlockedUnlessAllowed() throws {
        let live = Self.list([Self.liveVS(), Self.trackedVS("old-a"), Self.trackedVS("old-b")])
        let blocked = try plan(["mesh/vs.yaml": virtualServiceYAML], live: live)
        #expect(blocked.changes.allSatisfy { $0.blocked == "more than --max-prune" })
        #expect(blocked.findings.map(\.code).filter { $0.hasPrefix("RC") } == ["RC3004"])
        #expect(blocked.findings.first?.message == "2 of 3 managed objects would be pruned, more than --max-prune 25% allows (1)")
        let allowed = try plan(["mesh/vs.yaml": virtualServiceYAML], live: live, options: PlanOptions(allowMassPrune: true))
        #expect(allowed.count(.delete) == 2)
    }

    @Test func pruneAnnotationNamespacesAndPruneFalseAreKept() throws {
        let namespace = """
        apiVersion: v1
        kind: Namespace
        metadata: {name: gone, labels: {app.kubernetes.io/managed-by: reconcile, reconcile.dev/instance: test}}
        """
        let live = Self.list([Self.liveVS(), Self.trackedVS("keep", annotations: ", reconcile.dev/prune: disabled"), namespace])
        let plan = try plan(["mesh/vs.yaml": virtualServiceYAML], live: live)
        #expect(plan.changes.isEmpty)
        #expect(Set(plan.findings.map(\.code).filter { $0.hasPrefix("RC") }) == ["RC3001", "RC3002"])
        let noPrune = try Planner(desired: try render(["mesh/vs.yaml": virtualServiceYAML, "reconcile.yaml": "prune: false"]),
                                  live: try snapshot(Self.list([Self.liveVS(), Self.trackedVS("old")])),
                                  options: PlanOptions(maxPrune: .count(10))).plan()
        #expect(noPrune.changes.first?.blocked == "prune: false in reconcile.yaml")
        #expect(!noPrune.hasChanges)
    }

    @Test func emptyDesiredStateNeverPrunes() throws {
        let plan = try plan(["reconcile.yaml": "bundles: [{name: a, path: nothing-here}]"], live: Self.list([Self.trackedVS("a")]),
                            options: PlanOptions(allowMassPrune: true))
        #expect(plan.changes.allSatisfy { $0.blocked == "desired state is empty" })
        #expect(plan.findings.map(\.code) == ["RC3003"])
    }

    @Test func otherInstancesAndUnselectedBundlesAreNotPruned() throws {
        let foreign = Self.trackedVS("theirs").replacingOccurrences(of: "reconcile.dev/instance: test", with: "reconcile.dev/instance: other")
        #expect(try plan(["mesh/vs.yaml": virtualServiceYAML], live: Self.list([Self.liveVS(), foreign])).changes.isEmpty)
        let state = try render(["reconcile.yaml": "bundles: [{name: default, path: mesh, labels: {t: a}}, {name: extra, path: extra, labels: {t: b}}]",
                                "mesh/vs.yaml": virtualServiceYAML], selector: "t=b")
        let orphan = Self.trackedVS("orphan")
        #expect(Planner(desired: state, live: try snapshot(orphan)).plan().changes.isEmpty)
    }
}
