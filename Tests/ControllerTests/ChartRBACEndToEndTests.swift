import Foundation
import Kube
import KubeTestServer
import ReconcileTestSupport
import Testing
import YAML

/// Issue 17: the chart's RBAC is exactly what the controller needs. `reconcile run` runs as the
/// chart's ServiceAccount on a test API server that enforces the rules of
/// templates/clusterrole.yaml (bound cluster-wide) and templates/role.yaml (bound in the release
/// namespace), read from the templates as they ship, through a pass that creates objects, labels a
/// namespace, restarts a workload, records events, holds the Lease, writes the status ConfigMap
/// and corrects drift. Any 403 fails it: a verb the code needs but the chart lacks.
@Suite("reconcile run under the chart's RBAC", .serialized, .timeLimit(.minutes(3)), .enabled(if: TestGit.daemonAvailable, "git daemon is not installed"))
struct ChartRBACEndToEndTests {
    static let releaseNamespace = "reconcile-system"
    static let serviceAccount = "system:serviceaccount:\(releaseNamespace):reconcile"

    /// The chart's rules, as a `helm install` with default values into `releaseNamespace` grants
    /// them (every `if` branch kept: `rbac.createNamespaces` is on by default).
    static func chartAuthorizer() throws -> RBACAuthorizer {
        let values = try #require(try YAMLParser.parse(try HelmChart.text("values.yaml"), file: "values.yaml").first).root
        let leaseName = try #require(values[path: ["leaderElection", "leaseName"]]?.string)
        let statusConfigMap = try #require(values["statusConfigMap"]?.string)
        let actions = [
            ".Values.leaderElection.leaseName | quote": "\"\(leaseName)\"",
            ".Values.statusConfigMap | quote": "\"\(statusConfigMap)\"",
            ".Release.Namespace": releaseNamespace,
        ]
        func role(_ template: String, kind: String) throws -> Node {
            let text = HelmChart.templateSkeleton(try HelmChart.text("templates/\(template)"), actions: actions)
            let documents = try YAMLParser.parse(text, file: template).map(\.root).filter { $0["kind"]?.string == kind }
            try #require(documents.count == 1, "templates/\(template): expected one \(kind)")
            return documents[0]
        }
        let clusterRole = RBACAuthorizer.Binding(role: try role("clusterrole.yaml", kind: "ClusterRole"), namespace: nil)
        let namespaceRole = RBACAuthorizer.Binding(role: try role("role.yaml", kind: "Role"), namespace: releaseNamespace)
        #expect(clusterRole.rules.count >= 10 && namespaceRole.rules.count == 4, "rules read from the chart")
        #expect(namespaceRole.rules.contains { $0.resourceNames == [statusConfigMap] })
        return RBACAuthorizer(bindings: [serviceAccount: [clusterRole, namespaceRole]])
    }

    @Test func aFullPassNeedsNothingTheChartDoesNotGrant() async throws {
        let harness = try ControllerHarness(users: ["sa-token": Self.serviceAccount], authorizer: try Self.chartAuthorizer())
        try OneWriterTests.seedUninjectedDeployment(harness)
        // A new Namespace (created by apply), an injection label on an existing one (a patch, and
        // a restart of its Deployment), a VirtualService (created by apply).
        try harness.push(files: [
            "reconcile.yaml": ControllerHarness.config + "restart: {timeout: 60s}\n",
            "namespaces/shop.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    istio-injection: enabled\n",
            "namespaces/tools.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: tools\n",
        ], message: "inject shop, add tools")
        let running = try harness.start(token: "sa-token", interval: .seconds(1), fastLease: false)

        // The restart: a merge patch of restartedAt. Complete the rollout as the deployment
        // controller and kubelet would: status caught up, the pod now injected.
        #expect(await harness.eventually(30) {
            harness.server.requests.contains { $0.method == "PATCH" && $0.path.hasSuffix("/deployments/reviews-v1") && $0.status == 200 }
        }, "no restart: \(Self.forbidden(harness))")
        let deployment = try #require(harness.server.object(apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "reviews-v1"))
        #expect(deployment[path: ["spec", "template", "metadata", "annotations", "kubectl.kubernetes.io/restartedAt"]] != nil)
        var rolledOut = deployment
        let generation = deployment[path: ["metadata", "generation"]]?.int ?? 1
        let status: Node = ["observedGeneration": .int(generation), "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1, "availableReplicas": 1]
        rolledOut["status"] = status
        _ = try harness.server.seed(rolledOut)
        _ = try harness.server.seed([
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": "reviews-v1-abc", "namespace": "shop", "labels": ["app": "reviews"],
                         "annotations": ["sidecar.istio.io/status": "{\"containers\":[\"istio-proxy\"]}"], "creationTimestamp": "2026-01-01T00:00:00Z"],
            "spec": ["containers": [["name": "reviews", "image": "reviews:1"], ["name": "istio-proxy", "image": "proxyv2"]]],
            "status": ["phase": "Running"],
        ])
        #expect(await harness.eventually(30) { await !harness.events(reason: "Restarted").isEmpty }, "\(Self.forbidden(harness))")
        #expect(await harness.eventually(30) { harness.status()["result"] == "success" && harness.virtualServiceTimeout() == "5s" },
                "\(harness.status()) \(Self.forbidden(harness))")

        // Drift: an out-of-band edit is recorded and corrected, under the same rules.
        let ref = ObjectReference(apiVersion: "networking.istio.io/v1", kind: "VirtualService", namespace: "shop", name: "reviews")
        let patch: Node = ["spec": ["http": [["timeout": "60s", "route": [["destination": ["host": "reviews"]]]]]]]
        _ = try await harness.client.mergePatch(ref, patch: patch, fieldManager: "kubectl-edit")
        #expect(await harness.eventually(20) { await !harness.events(reason: "DriftCorrected").isEmpty }, "\(Self.forbidden(harness))")
        #expect(harness.virtualServiceTimeout() == "5s")
        #expect(await !harness.events(reason: "DriftDetected").isEmpty)
        await running.stop()

        // The writes happened, as the ServiceAccount, and none was refused.
        let shop = harness.server.object(apiVersion: "v1", kind: "Namespace", namespace: nil, name: "shop")
        #expect(shop?[path: ["metadata", "labels", "istio-injection"]]?.string == "enabled")
        let tools = harness.server.object(apiVersion: "v1", kind: "Namespace", namespace: nil, name: "tools")
        #expect(tools != nil, "the Namespace tools was not created")
        #expect(harness.status()["revision"]?.isEmpty == false)
        let lease = harness.server.object(apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: Self.releaseNamespace, name: "reconcile")
        #expect(lease != nil)
        let byServiceAccount = harness.server.requests.filter { $0.user == Self.serviceAccount }
        for (method, fragment) in [("PATCH", "/namespaces/shop"), ("PATCH", "/namespaces/tools"), ("PATCH", "/virtualservices/reviews"),
                                   ("PATCH", "/deployments/reviews-v1"), ("POST", "/events"), ("PATCH", "/configmaps/reconcile-status"),
                                   ("POST", "/leases"), ("PUT", "/leases/reconcile")] {
            #expect(byServiceAccount.contains { $0.method == method && $0.path.hasSuffix(fragment) && $0.status < 300 },
                    "no successful \(method) …\(fragment) by the ServiceAccount")
        }
        #expect(Self.forbidden(harness).isEmpty, "requests the chart's RBAC refused:\n\(Self.forbidden(harness).joined(separator: "\n"))")
    }

    /// Every 403 the server answered, as `METHOD path?query`.
    static func forbidden(_ harness: ControllerHarness) -> [String] {
        harness.server.requests.filter { $0.status == 403 }.map { request in
            let query = request.query.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
            return "\(request.method) \(request.path)\(query.isEmpty ? "" : "?" + query) (\(request.user ?? "anonymous"))"
        }
    }
}
