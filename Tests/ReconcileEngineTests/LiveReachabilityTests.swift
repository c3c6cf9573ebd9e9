import Foundation
import KubeTestServer
import ReconcileTestSupport
import Testing

/// `reconcile plan` against a cluster (the test API server) lists the workloads and every
/// policy, and prints the same "Reachability changes" as against the exported snapshot.
@Suite(.onTestThreads, .serialized) struct LiveReachabilityTests {
    @Test func livePlanShowsTheNonMeshClientLosingDgraph() async throws {
        let harness = try EngineHarness()
        try harness.seed(snapshotOf: "dgraph")
        let plan = await harness.reconcile(["plan", "--repo", harness.example("dgraph"), "--color", "never"])
        #expect(plan.code == 0, "\(plan)")
        #expect(plan.stdout.contains("""
            Reachability changes (4 workloads; 19 of 21 source → destination ports re-evaluated): 5 lost
              - lost 5 paths, now denied by GlobalNetworkPolicy dgraph-deny-non-mesh: ingress rule 1 (Deny)
                  analytics/loader → dgraph/dgraph-alpha  TCP 7080 (grpc-alpha-int), TCP 8080 (http-alpha), TCP 9080 (grpc-alpha)
                  analytics/loader → dgraph/dgraph-zero  TCP 5080 (grpc-zero), TCP 6080 (http-zero)
            """), "\(plan)")
        let requests = harness.server.requests.map { "\($0.method) \($0.path)" }
        #expect(requests.contains("GET /api/v1/pods"), "pods are listed cluster-wide: \(requests)")
    }

    @Test func noReachabilityListsNoPods() async throws {
        let harness = try EngineHarness()
        try harness.seed(snapshotOf: "dgraph")
        let plan = await harness.reconcile(["plan", "--repo", harness.example("dgraph"), "--color", "never", "--no-reachability"])
        #expect(plan.code == 0, "\(plan)")
        #expect(!plan.stdout.contains("Reachability"))
        #expect(!harness.server.requests.contains { $0.method == "GET" && $0.path == "/api/v1/pods" })
    }
}
