import Foundation
import ReconcileCore
import Testing
import YAML

/// Every example repository planned against its snapshot gives exactly the changes its README
/// promises; the three renderers carry the same content.
@Suite struct ExamplePlanTests {
    func plan(_ example: String, environment: String? = nil) throws -> Plan {
        let path = repositoryRoot.appendingPathComponent("examples/\(example)").path
        let all = try directoryFiles(path)
        let manifests = all.filter { $0.path != "live-snapshot.yaml" }
        let desired = try Renderer(environment: environment, defaultInstance: example).render(manifests)
        let snapshotFile = try #require(all.first { $0.path == "live-snapshot.yaml" })
        return Planner(desired: desired, live: try LiveState.snapshot(snapshotFile.bytes, file: "live-snapshot.yaml")).plan()
    }

    func summary(_ plan: Plan) -> [String] {
        plan.changes.map { "\($0.step) \($0.verb) \($0.key.shortDescription)" }
    }

    @Test func aksPets() throws {
        let plan = try plan("aks-pets")
        #expect(summary(plan) == [
            "1 update Namespace pets", "2 create Gateway pets/pets-gateway", "3 create VirtualService pets/pets-route",
            "4 create PeerAuthentication pets/pets-mtls",
        ])
        #expect(plan.changes[0].diff.contains("+    istio.io/rev: asm-1-23"))
        #expect(plan.changes[0].labelsOnly)
        #expect(plan.injectionChanges.map(\.namespace) == ["pets"])
        #expect(plan.injectionChanges.first?.from == nil)
        #expect(plan.injectionChanges.first?.to == .revision("asm-1-23"))
        #expect(plan.restarts.map(\.workload.shortDescription) == [
            "Deployment pets/order-service", "Deployment pets/product-service", "Deployment pets/store-front", "StatefulSet pets/rabbitmq",
        ])
        #expect(plan.restarts.allSatisfy { $0.reason == "1 pod not injected; namespace now injects revision asm-1-23" })
        #expect(plan.changes[1].body?[path: ["spec", "selector", "istio"]]?.string == "aks-istio-ingressgateway-external")
        #expect(plan.summaryLine == "3 to create, 1 to update, 0 to delete, 4 workloads to restart")
    }

    @Test func bookinfoAddsSubsetsBeforeRoutesAndPrunesTheCanary() throws {
        let plan = try plan("bookinfo")
        let order = summary(plan)
        let drReviews = try #require(order.firstIndex(of: "4 update DestinationRule bookinfo/reviews"))
        let vsReviews = try #require(order.firstIndex(where: { $0.hasSuffix("update VirtualService bookinfo/reviews") }))
        #expect(drReviews < vsReviews)
        #expect(order.last == "11 delete VirtualService bookinfo/reviews-canary")
        #expect(order.contains("10 create AuthorizationPolicy bookinfo/ratings-from-reviews"))
        #expect(plan.count(.create) == 8)
        #expect(plan.count(.update) == 2)
        #expect(plan.unchanged == 2)
        #expect(plan.restarts.isEmpty)
        let vs = try #require(plan.changes.first { $0.key.name == "reviews" && $0.key.kind == "VirtualService" })
        #expect(vs.diff.contains("-        subset: v1\n+        subset: v2\n+      weight: 50\n"))
        #expect(vs.reason == nil, "a change in git is not drift")
    }

    @Test func dgraphLabelsAdoptsAndOrdersAllowBeforeDeny() throws {
        let plan = try plan("dgraph")
        #expect(summary(plan) == [
            "1 update Namespace dgraph", "2 create NetworkPolicy dgraph/allow-from-mesh-only", "3 create GlobalNetworkPolicy dgraph-deny-non-mesh",
        ])
        #expect(plan.changes[2].key.namespace == "")
        #expect(plan.restarts.map(\.workload.name) == ["dgraph-alpha", "dgraph-zero"])
        #expect(plan.restarts.first?.pods == 3)
    }

    @Test func clientStrictUpdatesAcrossServedVersions() throws {
        let plan = try plan("client-strict")
        #expect(summary(plan) == ["1 update PeerAuthentication client/default"])
        #expect(plan.changes[0].changedFields == ["spec.mtls.mode"])
        #expect(!plan.changes[0].diff.contains("apiVersion"))
    }

    @Test(arguments: [nil, "prod"])
    func revisionUpgradeRestartsOnlyWorkloadsOnTheOldRevision(environment: String?) throws {
        let plan = try plan("revision-upgrade", environment: environment)
        #expect(summary(plan) == ["1 update Namespace payments", "2 update Namespace shop"])
        #expect(plan.restarts.map(\.workload.shortDescription) == ["Deployment payments/ledger", "Deployment shop/web"])
        #expect(plan.injectionChanges.map(\.to) == [.revision("asm-1-23"), .revision("asm-1-23")])
    }

    @Test func renderersCarryTheSameContent() throws {
        let plan = try plan("aks-pets")
        let text = TextPlanRenderer(colour: false).render(plan)
        let markdown = MarkdownPlanRenderer().render(plan)
        let json = try node(JSONPlanRenderer().render(plan))
        for name in ["pets-mtls", "pets-gateway", "pets-route", "order-service", "product-service", "store-front", "rabbitmq"] {
            #expect(text.contains(name))
            #expect(markdown.contains(name))
        }
        #expect(!text.contains("\u{1B}["))
        #expect(TextPlanRenderer(colour: true).render(plan).contains("\u{1B}[32m"))
        #expect(text.hasSuffix("Plan: 3 to create, 1 to update, 0 to delete, 4 workloads to restart.\n"))
        #expect(markdown.hasPrefix("<!-- reconcile-plan instance=aks-pets -->\n"))
        #expect(markdown.components(separatedBy: "<details>").count - 1 == 4)
        #expect(markdown.contains("| 1 | ~ update | Namespace | `pets` |"))
        #expect(json["formatVersion"]?.int == 1)
        #expect(json[path: ["summary", "create"]]?.int == 3)
        #expect(json[path: ["summary", "restart"]]?.int == 4)
        #expect(json["changes"]?.sequence?.map { $0["step"]?.int ?? 0 } == [1, 2, 3, 4])
        #expect(json["restarts"]?.sequence?.first?[path: ["to", "revision"]]?.string == "asm-1-23")
        #expect(json["hasChanges"]?.bool == true)
    }

    @Test func markdownFoldsLongDiffs() throws {
        var plan = try plan("bookinfo")
        plan.changes[0].diff = (1...50).map { "+line \($0)" }.joined(separator: "\n")
        let markdown = MarkdownPlanRenderer(maxDiffLines: 10).render(plan)
        #expect(markdown.contains("_… 40 more diff lines not shown"))
        #expect(!markdown.contains("+line 11\n"))
    }
}

@Suite struct RevisionComparerTests {
    @Test func addedChangedRemovedAndInjection() throws {
        let base = try render(["reconcile.yaml": "namespaces: {shop: enabled}", "vs.yaml": virtualServiceYAML, "old.yaml": virtualServiceYAML.replacingOccurrences(of: "name: web", with: "name: old")])
        let head = try render(["reconcile.yaml": "namespaces: {shop: {revision: asm-1-23}}",
                               "vs.yaml": virtualServiceYAML.replacingOccurrences(of: "subset: v1", with: "subset: v2"),
                               "pa.yaml": "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: shop}\nspec: {mtls: {mode: STRICT}}"])
        let plan = RevisionComparer(base: base, head: head).plan()
        #expect(plan.changes.map { "\($0.verb) \($0.key.name)" } == ["update web", "create default", "delete old"])
        #expect(plan.changes[0].diff.contains("-        subset: v1\n+        subset: v2"))
        #expect(plan.changes[2].reason == "removed from git: pruned from the cluster")
        #expect(plan.injectionChanges.map { "\($0.namespace): \($0.from.text) → \($0.to.text)" } == ["shop: istio-injection=enabled → istio.io/rev=asm-1-23"])
        #expect(plan.mode == .base)
    }

    @Test func identicalRevisionsHaveNoChanges() throws {
        let state = try render(["vs.yaml": virtualServiceYAML])
        let plan = RevisionComparer(base: state, head: state).plan()
        #expect(!plan.hasChanges)
        #expect(plan.unchanged == 1)
    }
}
