import Foundation
import Kube
import KubeTestServer
import ReconcileCore
import ReconcileTestSupport
import Testing
import YAML

/// The seed scenarios end to end: each example's cluster state in the test API server, then
/// `reconcile plan` / `reconcile apply` through the command line, checked on the server.
@Suite(.onTestThreads, .serialized) struct SeedScenarioTests {
    let fast = ["--auto-approve", "--rollout-poll-interval", "0.05", "--color", "never"]

    @Test func aksPetsRelabelsRestartsAndConverges() async throws {
        let harness = try EngineHarness()
        try harness.seed(snapshotOf: "aks-pets")
        harness.startRolloutController()

        let plan = await harness.reconcile(["plan", "--repo", harness.example("aks-pets"), "--detailed-exitcode"])
        #expect(plan.code == 2, "\(plan)")
        #expect(plan.stdout.contains("namespace pets: no injection label → istio.io/rev=asm-1-23"))
        #expect(plan.stdout.contains("Plan: 3 to create, 1 to update, 0 to delete, 4 workloads to restart."), "\(plan)")

        let apply = await harness.reconcile(["apply", "--repo", harness.example("aks-pets")] + fast)
        #expect(apply.code == 0, "\(apply)")
        #expect(apply.stdout.contains("Apply complete: 4 applied, 0 pruned, 0 failed; 4 of 4 restarts done."), "\(apply)")
        #expect(harness.get("v1", "Namespace", nil, "pets")?.labels["istio.io/rev"] == "asm-1-23")
        #expect(harness.get("security.istio.io/v1", "PeerAuthentication", "pets", "pets-mtls")?[path: ["spec", "mtls", "mode"]]?.string == "STRICT")
        let gateway = try #require(harness.get("networking.istio.io/v1", "Gateway", "pets", "pets-gateway"))
        #expect(gateway.labels[Tracking.instanceLabel] == "aks-pets")
        #expect(gateway[path: ["metadata", "managedFields"]]?.sequence?.first?["manager"]?.string == "reconcile/aks-pets")
        #expect(harness.restarted == ["Deployment pets/order-service", "Deployment pets/product-service", "Deployment pets/store-front", "StatefulSet pets/rabbitmq"])
        for (kind, name) in [("Deployment", "order-service"), ("StatefulSet", "rabbitmq")] {
            let workload = try #require(harness.get("apps/v1", kind, "pets", name))
            #expect(workload[path: ["spec", "template", "metadata", "annotations", "kubectl.kubernetes.io/restartedAt"]] != nil, "\(name) restarted")
        }
        #expect(apply.stderr.contains("restart Deployment pets/order-service: rollout complete"))
        // Restarts use a merge patch (like kubectl rollout restart), never server-side apply.
        let restartPatches = harness.server.requests.filter { $0.method == "PATCH" && $0.path.contains("/deployments/") }
        #expect(restartPatches.allSatisfy { $0.contentType == "application/merge-patch+json" })
        // Events about what was applied and restarted.
        let events = harness.server.requests.filter { $0.method == "POST" && $0.path.hasSuffix("/events") }
        #expect(events.count == 8, "4 applied + 4 restarted")

        let replan = await harness.reconcile(["plan", "--repo", harness.example("aks-pets"), "--detailed-exitcode"])
        #expect(replan.code == 0, "re-plan after apply is empty:\n\(replan)")
        #expect(replan.stdout.contains("No changes."))
    }

    @Test func bookinfoAppliesSubsetsBeforeRoutesAndPrunesTheCanary() async throws {
        let harness = try EngineHarness()
        try harness.seed(snapshotOf: "bookinfo")
        let apply = await harness.reconcile(["apply", "--repo", harness.example("bookinfo")] + fast)
        #expect(apply.code == 0, "\(apply)")
        let writes = harness.writes.filter { !$0.hasSuffix("/events") }
        let dr = try #require(writes.firstIndex(of: "PATCH /apis/networking.istio.io/v1/namespaces/bookinfo/destinationrules/reviews"))
        let vs = try #require(writes.firstIndex(of: "PATCH /apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews"))
        #expect(dr < vs, "subsets before the routes that use them: \(writes)")
        #expect(writes.last == "DELETE /apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews-canary")
        #expect(harness.get("networking.istio.io/v1", "VirtualService", "bookinfo", "reviews-canary") == nil)
        let subsets = harness.get("networking.istio.io/v1", "DestinationRule", "bookinfo", "reviews")?[path: ["spec", "subsets"]]?.sequence?.compactMap { $0["name"]?.string }
        #expect(subsets == ["v1", "v2", "v3"])
        let replan = await harness.reconcile(["plan", "--repo", harness.example("bookinfo"), "--detailed-exitcode"])
        #expect(replan.code == 0, "\(replan)")
    }

    @Test func dgraphLabelsTheNamespaceAndAppliesBothPolicies() async throws {
        let harness = try EngineHarness()
        try harness.seed(snapshotOf: "dgraph")
        harness.startRolloutController()
        let apply = await harness.reconcile(["apply", "--repo", harness.example("dgraph")] + fast)
        #expect(apply.code == 0, "\(apply)")
        #expect(harness.get("v1", "Namespace", nil, "dgraph")?.labels["istio-injection"] == "enabled")
        #expect(harness.get("networking.k8s.io/v1", "NetworkPolicy", "dgraph", "allow-from-mesh-only") != nil)
        #expect(harness.get("projectcalico.org/v3", "GlobalNetworkPolicy", nil, "dgraph-deny-non-mesh") != nil)
        let writes = harness.writes.filter { !$0.hasSuffix("/events") }
        let allow = try #require(writes.firstIndex { $0.hasSuffix("/networkpolicies/allow-from-mesh-only") })
        let deny = try #require(writes.firstIndex { $0.hasSuffix("/globalnetworkpolicies/dgraph-deny-non-mesh") })
        #expect(allow < deny, "allow before deny")
        #expect(apply.stdout.contains("2 of 2 restarts done"), "\(apply)")
    }

    @Test func revisionUpgradeRestartsOnlyWorkloadsOnTheOldRevision() async throws {
        let harness = try EngineHarness()
        try harness.seed(snapshotOf: "revision-upgrade")
        harness.startRolloutController()
        let apply = await harness.reconcile(["apply", "--repo", harness.example("revision-upgrade")] + fast)
        #expect(apply.code == 0, "\(apply)")
        #expect(harness.restarted.sorted() == ["Deployment payments/ledger", "Deployment shop/web"])
        #expect(harness.get("v1", "Namespace", nil, "shop")?.labels["istio.io/rev"] == "asm-1-23")
        let replan = await harness.reconcile(["plan", "--repo", harness.example("revision-upgrade"), "--detailed-exitcode"])
        #expect(replan.code == 0, "\(replan)")
    }

    @Test func outOfBandEditIsShownAsDriftAndCorrected() async throws {
        let harness = try EngineHarness()
        try harness.seed(snapshotOf: "client-strict")
        #expect(await harness.reconcile(["apply", "--repo", harness.example("client-strict")] + fast).code == 0)
        // Someone flips the mode by hand.
        let ref = ObjectReference(apiVersion: "security.istio.io/v1", kind: "PeerAuthentication", namespace: "client", name: "default")
        _ = try await harness.client.mergePatch(ref, patch: Node.object(["spec": Node.object(["mtls": Node.object(["mode": "PERMISSIVE"])])]), fieldManager: "kubectl-edit")
        let plan = await harness.reconcile(["plan", "--repo", harness.example("client-strict"), "--detailed-exitcode"])
        #expect(plan.code == 2, "\(plan)")
        #expect(plan.stdout.contains("drift: spec.mtls.mode changed out of band by kubectl-edit"), "\(plan)")
        #expect(plan.stdout.contains("-    mode: PERMISSIVE\n") || plan.stdout.contains("-    mode: PERMISSIVE"), "\(plan)")
        #expect(await harness.reconcile(["apply", "--repo", harness.example("client-strict")] + fast).code == 0)
        #expect(harness.get("security.istio.io/v1", "PeerAuthentication", "client", "default")?[path: ["spec", "mtls", "mode"]]?.string == "STRICT")
    }

    @Test func fileDeletedFromGitIsPlannedAndAppliedAsAPrune() async throws {
        let harness = try EngineHarness()
        try harness.seed(snapshotOf: "bookinfo")
        let repo = try harness.copy(example: "bookinfo")
        #expect(await harness.reconcile(["apply", "--repo", repo] + fast).code == 0)
        try FileManager.default.removeItem(atPath: repo + "/mesh/virtualservices/ratings.yaml")
        let plan = await harness.reconcile(["plan", "--repo", repo])
        #expect(plan.stdout.contains("- delete VirtualService bookinfo/ratings"), "\(plan)")
        #expect(plan.stdout.contains("no longer in git"))
        let apply = await harness.reconcile(["apply", "--repo", repo] + fast)
        #expect(apply.code == 0, "\(apply)")
        #expect(harness.get("networking.istio.io/v1", "VirtualService", "bookinfo", "ratings") == nil)
        #expect(harness.get("networking.istio.io/v1", "DestinationRule", "bookinfo", "ratings") != nil, "what is still in git stays")
    }

    @Test func savedPlanIsAppliedExactlyAndRefusedWhenTheClusterMoved() async throws {
        let harness = try EngineHarness()
        try harness.seed(snapshotOf: "client-strict")
        let planFile = harness.directory + "/plan.json"
        let plan = await harness.reconcile(["plan", "--repo", harness.example("client-strict"), "-o", planFile])
        #expect(plan.code == 0, "\(plan)")
        // Someone changes the object after the review: the saved plan must not be applied.
        let ref = ObjectReference(apiVersion: "security.istio.io/v1", kind: "PeerAuthentication", namespace: "client", name: "default")
        _ = try await harness.client.mergePatch(ref, patch: Node.object(["metadata": Node.object(["labels": Node.object(["touched": "yes"])])]), fieldManager: "kubectl-label")
        let refused = await harness.reconcile(["apply", planFile] + fast)
        #expect(refused.code == 1)
        #expect(refused.stderr.contains("the cluster changed since the plan was made"), "\(refused)")
        #expect(harness.get("security.istio.io/v1", "PeerAuthentication", "client", "default")?[path: ["spec", "mtls", "mode"]]?.string == "PERMISSIVE")
        // A fresh plan applies.
        #expect(await harness.reconcile(["plan", "--repo", harness.example("client-strict"), "-o", planFile]).code == 0)
        let applied = await harness.reconcile(["apply", planFile] + fast)
        #expect(applied.code == 0, "\(applied)")
        #expect(harness.get("security.istio.io/v1", "PeerAuthentication", "client", "default")?[path: ["spec", "mtls", "mode"]]?.string == "STRICT")
    }

    @Test func applyWithoutApprovalOffATerminalIsRefused() async throws {
        let harness = try EngineHarness()
        try harness.seed(snapshotOf: "client-strict")
        let run = await harness.reconcile(["apply", "--repo", harness.example("client-strict")])
        #expect(run.code == 1)
        #expect(run.stderr.contains("pass --auto-approve"))
        #expect(harness.writes.isEmpty)
    }

    @Test func oneFailureStopsItsDependentsOnlyAndARerunConverges() async throws {
        let harness = try EngineHarness()
        try harness.seed(snapshotOf: "bookinfo")
        // Reviewed plan first; then the DestinationRule for reviews fails on apply (a server error on
        // every try): the VirtualService that routes to its subsets must wait; unrelated objects
        // still apply.
        let planFile = harness.directory + "/plan.json"
        #expect(await harness.reconcile(["plan", "--repo", harness.example("bookinfo"), "-o", planFile]).code == 0)
        harness.server.inject(Fault(method: "PATCH", pathContains: "/destinationrules/reviews", times: 10, action: .status(500)))
        let failed = await harness.reconcile(["apply", planFile] + fast)
        #expect(failed.code == 1, "\(failed)")
        #expect(failed.stdout.contains("✗ DestinationRule bookinfo/reviews"), "\(failed)")
        #expect(failed.stdout.contains("skipped VirtualService bookinfo/reviews: DestinationRule bookinfo/reviews failed"), "\(failed)")
        #expect(harness.get("networking.istio.io/v1", "DestinationRule", "bookinfo", "details") != nil, "unrelated objects applied")
        #expect(harness.get("networking.istio.io/v1", "VirtualService", "bookinfo", "reviews")?[path: ["spec", "http"]]?.sequence?.first?["route"]?.sequence?.count == 1,
                "the route still points at v1 only")
        let rerun = await harness.reconcile(["apply", "--repo", harness.example("bookinfo")] + fast)
        #expect(rerun.code == 0, "\(rerun)")
        let replan = await harness.reconcile(["plan", "--repo", harness.example("bookinfo"), "--detailed-exitcode"])
        #expect(replan.code == 0, "\(replan)")
    }
}

/// A namespace and the objects in it created by one plan: the objects cannot be dry-run before
/// the namespace exists, so they keep the predicted diff instead of failing the plan.
@Suite(.onTestThreads) struct NewNamespaceTests {
    @Test func objectsInANamespaceTheSamePlanCreates() async throws {
        let harness = try EngineHarness()
        let repo = harness.directory + "/fresh"
        try FileManager.default.createDirectory(atPath: repo + "/mesh", withIntermediateDirectories: true)
        try "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: fresh\n  labels: {istio-injection: enabled}\n"
            .write(toFile: repo + "/mesh/namespace.yaml", atomically: true, encoding: .utf8)
        try "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: fresh}\nspec: {mtls: {mode: STRICT}}\n"
            .write(toFile: repo + "/mesh/mtls.yaml", atomically: true, encoding: .utf8)
        let plan = await harness.reconcile(["plan", "--repo", repo, "--detailed-exitcode", "--allow-mass-prune"])
        #expect(plan.code == 2, "\(plan)")
        #expect(plan.stdout.contains("+ create PeerAuthentication fresh/default"), "\(plan)")
        #expect(!plan.stdout.contains("RC1004"), "\(plan)")
        let apply = await harness.reconcile(["apply", "--repo", repo, "--auto-approve"])
        #expect(apply.code == 0, "\(apply)")
        #expect(harness.get("security.istio.io/v1", "PeerAuthentication", "fresh", "default") != nil)
    }
}
