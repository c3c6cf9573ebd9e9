import Foundation
import Kube
import KubeTestServer
import ReconcileCore
import ReconcileTestSupport
import Testing
import YAML

/// A saved plan is re-checked against the applying process's own boundary: the digest is a plain
/// SHA-256 anyone can recompute, so each test edits a reviewed plan on purpose, re-seals it, and
/// expects `apply` to refuse it with nothing written.
@Suite(.onTestThreads, .serialized) struct SavedPlanBoundaryTests {
    let fast = ["--auto-approve", "--rollout-poll-interval", "0.05", "--color", "never"]

    /// A reviewed plan of `client-strict` (one PeerAuthentication to update), edited by `edit`
    /// and re-sealed with a recomputed digest, as an attacker with write access to the file would.
    func tamperedPlan(_ harness: EngineHarness, edit: (inout Node) -> Void) async throws -> String {
        let planFile = harness.directory + "/plan.json"
        let plan = await harness.reconcile(["plan", "--repo", harness.example("client-strict"), "-o", planFile])
        #expect(plan.code == 0, "\(plan)")
        var document = try Node(json: [UInt8](try Data(contentsOf: URL(fileURLWithPath: planFile))), file: planFile)
        edit(&document)
        document["digest"] = nil
        document["digest"] = .string(PlanFile.digest(of: document))
        try (document.jsonString(pretty: true) + "\n").write(toFile: planFile, atomically: true, encoding: .utf8)
        return planFile
    }

    /// Applies `planFile` and expects a refusal naming `reason`, with no write reaching the server.
    func expectRefused(_ harness: EngineHarness, _ planFile: String, extra: [String] = [], reason: String) async {
        let before = harness.writes.count
        let run = await harness.reconcile(["apply", planFile] + extra + fast)
        #expect(run.code != 0, "\(run)")
        #expect(run.stderr.contains("is refused, nothing was applied"), "\(run)")
        #expect(run.stderr.contains(reason), "\(run)")
        #expect(harness.writes.count == before, "no write: \(harness.writes.dropFirst(before))")
    }

    static func editFirstChange(_ document: inout Node, _ edit: (inout Node) -> Void) {
        guard var changes = document["changes"]?.sequence, !changes.isEmpty else { return }
        edit(&changes[0])
        document["changes"] = .sequence(changes)
    }

    @Test func aChangeMovedIntoAProtectedNamespaceIsRefused() async throws {
        let harness = try EngineHarness()
        try harness.seed(snapshotOf: "client-strict")
        let planFile = try await tamperedPlan(harness) { document in
            Self.editFirstChange(&document) { change in
                change["namespace"] = "istio-system"
                change.set("istio-system", at: ["body", "metadata", "namespace"])
            }
        }
        await expectRefused(harness, planFile, reason: "namespace istio-system is protected")
    }

    @Test func aChangeOutsideTheOperatorsNamespacesIsRefused() async throws {
        let harness = try EngineHarness()
        try harness.seed(snapshotOf: "client-strict")
        let planFile = try await tamperedPlan(harness) { _ in }
        await expectRefused(harness, planFile, extra: ["--namespaces", "team-*"], reason: "namespace client is outside this instance's scope")
    }

    @Test func aKindOutsideTheAllowlistIsRefused() async throws {
        let harness = try EngineHarness()
        try harness.seed(snapshotOf: "client-strict")
        let planFile = try await tamperedPlan(harness) { document in
            Self.editFirstChange(&document) { change in
                change["group"] = "rbac.authorization.k8s.io"
                change["kind"] = "ClusterRoleBinding"
                change["namespace"] = nil
                change["version"] = "v1"
                change["body"] = Node.object(["apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                                              "metadata": Node.object(["name": "pwned"]),
                                              "roleRef": Node.object(["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"])])
            }
        }
        await expectRefused(harness, planFile, reason: "ClusterRoleBinding")
    }

    @Test func aNamespaceLabelTheOperatorDidNotAllowIsRefused() async throws {
        let harness = try EngineHarness()
        try harness.seed(snapshotOf: "client-strict")
        let planFile = try await tamperedPlan(harness) { document in
            var changes = document["changes"]?.sequence ?? []
            changes.append(Node.object([
                "action": "update", "group": "", "version": "v1", "kind": "Namespace", "name": "client", "diff": "",
                "labelsOnly": Node(.bool(true)),
                "body": Node.object(["apiVersion": "v1", "kind": "Namespace", "metadata": Node.object([
                    "name": "client", "labels": Node.object(["pod-security.kubernetes.io/enforce": "privileged"])])]),
            ]))
            document["changes"] = .sequence(changes)
        }
        await expectRefused(harness, planFile, reason: "namespace label pod-security.kubernetes.io/enforce is not one reconcile may set")
    }

    @Test func aBodyThatIsNotTheNamedObjectIsRefused() async throws {
        let harness = try EngineHarness()
        try harness.seed(snapshotOf: "client-strict")
        let planFile = try await tamperedPlan(harness) { document in
            Self.editFirstChange(&document) { change in change.set("other-instance", at: ["body", "metadata", "labels", Tracking.instanceLabel]) }
        }
        await expectRefused(harness, planFile, reason: "not the plan's \"client-strict\"")
    }

    @Test func aPlanForAnotherInstanceIsRefused() async throws {
        let harness = try EngineHarness()
        try harness.seed(snapshotOf: "client-strict")
        let planFile = try await tamperedPlan(harness) { _ in }
        await expectRefused(harness, planFile, extra: ["--instance", "payments"], reason: "pinned to --instance payments")
    }

    @Test func aPlanMadeAgainstAnotherClusterIsRefused() async throws {
        let harness = try EngineHarness()
        try harness.seed(snapshotOf: "client-strict")
        let other = try EngineHarness()
        try other.seed(snapshotOf: "client-strict")
        let planFile = other.directory + "/plan.json"
        let plan = await other.reconcile(["plan", "--repo", other.example("client-strict"), "-o", planFile])
        #expect(plan.code == 0, "\(plan)")
        // The same file, applied through the first harness's kubeconfig: another server.
        let before = harness.writes.count
        let run = await harness.reconcile(["apply", planFile] + fast)
        #expect(run.code != 0, "\(run)")
        #expect(run.stderr.contains("it was made against the cluster"), "\(run)")
        #expect(harness.writes.count == before)
    }

    @Test func aPlanWithoutAClusterIsRefused() async throws {
        let harness = try EngineHarness()
        try harness.seed(snapshotOf: "client-strict")
        let planFile = try await tamperedPlan(harness) { document in document["cluster"] = nil }
        await expectRefused(harness, planFile, reason: "it names no cluster")
    }
}
