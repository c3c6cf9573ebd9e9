import Foundation
import ReconcileTestSupport
import Testing

/// The "Reachability changes" section of `reconcile plan` on the examples (issue 22's done-when):
/// STRICT mTLS cuts an uninjected client, dgraph's policies cut the non-mesh clients only, a
/// bookinfo AuthorizationPolicy names the denied caller; and `--base` explains what it needs.
@Suite("Reachability changes in plans", .onTestThreads, .timeLimit(.minutes(3)))
struct ReachabilityPlanTests {
    func plan(_ example: String, _ extra: [String] = []) async -> CLIResult {
        await reconcile(["plan", "--repo", RepoPaths.example(example), "--live-snapshot", RepoPaths.exampleSnapshot(example), "--color", "never"] + extra)
    }

    @Test("client-strict: STRICT in client cuts legacy/curl (no sidecar) from client/sleep")
    func strictCutsTheUninjectedClient() async throws {
        let result = await plan("client-strict")
        #expect(result.code == 0, "\(result)")
        #expect(result.stdout.contains("""
            Reachability changes (2 workloads; 2 of 2 source → destination ports re-evaluated): 1 lost
              - lost 1 path, now denied by PeerAuthentication client/default: mTLS STRICT: the source has no sidecar, so it sends plain text
                  legacy/curl → client/sleep  TCP 80

            Plan: 0 to create, 1 to update
            """), "\(result)")
    }

    @Test("dgraph: the non-mesh client loses every dgraph port; the injected client keeps them")
    func dgraphCutsNonMeshClients() async throws {
        let result = await plan("dgraph", ["--format", "json"])
        #expect(result.code == 0, "\(result)")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let reachability = try #require(root["reachability"] as? [String: Any])
        #expect(reachability["status"] as? String == "evaluated")
        #expect((reachability["summary"] as? [String: Int]) == ["lost": 5, "gained": 0, "narrowed": 0, "unknown": 0])
        let changes = try #require(reachability["changes"] as? [[String: Any]])
        let sources = Set(changes.map { ($0["source"] as? [String: String])?["name"] ?? "" })
        #expect(sources == ["loader"], "only the client outside the mesh: \(changes)")
        let first = try #require(changes.first)
        #expect((first["destination"] as? [String: String]) == ["kind": "StatefulSet", "namespace": "dgraph", "name": "dgraph-alpha"])
        #expect(first["port"] as? Int == 7080 && first["protocol"] as? String == "TCP" && first["portName"] as? String == "grpc-alpha-int")
        #expect((first["rule"] as? [String: String]) == ["group": "projectcalico.org", "kind": "GlobalNetworkPolicy",
                                                         "name": "dgraph-deny-non-mesh", "detail": "ingress rule 1 (Deny)"])
        #expect(((first["before"] as? [String: Any])?["outcome"] as? String) == "allowed")
        #expect(((first["after"] as? [String: Any])?["layer"] as? String) == "network")
    }

    @Test("bookinfo: the AuthorizationPolicy on ratings shows the callers it denies")
    func bookinfoAuthorizationPolicy() async throws {
        let result = await plan("bookinfo")
        #expect(result.code == 0, "\(result)")
        #expect(result.stdout.contains("""
              - lost 2 paths, now denied by AuthorizationPolicy bookinfo/ratings-from-reviews: no ALLOW rule matches this source and port
                  bookinfo/details-v1 → bookinfo/ratings-v1  TCP 9080
                  bookinfo/productpage-v1 → bookinfo/ratings-v1  TCP 9080
            """), "\(result)")
        #expect(!result.stdout.contains("reviews-v1 → bookinfo/ratings-v1"), "reviews keeps its path")

        let markdown = await plan("bookinfo", ["-f", "markdown"])
        #expect(markdown.stdout.contains("<details><summary><b>Reachability changes</b>: 2 lost</summary>"), "\(markdown)")
        #expect(markdown.stdout.contains("| lost | `bookinfo/productpage-v1 → bookinfo/ratings-v1` | TCP 9080 |"), "\(markdown)")

        // Without the policy (a scratch copy) nothing is cut, so the section is left out.
        let repo = try ScratchCopy(of: RepoPaths.example("bookinfo"))
        try FileManager.default.removeItem(atPath: repo.path + "/mesh/security/ratings-from-reviews.yaml")
        let without = await reconcile(["plan", "--repo", repo.path, "--live-snapshot", repo.path + "/live-snapshot.yaml", "--color", "never"])
        #expect(without.code == 0 && !without.stdout.contains("Reachability"), "\(without)")
    }

    @Test("--no-reachability leaves the section out")
    func optOut() async {
        let result = await plan("client-strict", ["--no-reachability"])
        #expect(result.code == 0, "\(result)")
        #expect(!result.stdout.contains("Reachability"), "\(result)")
    }

    @Test("--base without a cluster says it needs live workloads and summarises the policies")
    func baseNeedsLiveWorkloads() async throws {
        let root = try TestGit.temporaryDirectory()
        defer { TestGit.cleanup(root) }
        let config = "name: shop\nbundles:\n  - name: net\n    path: net\n    namespace: shop\n"
        let first = try TestGit.initRepo(at: root, files: ["reconcile.yaml": config])
        _ = try TestGit.commit(in: root, files: ["net/deny.yaml": """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny-ingress}
            spec:
              podSelector: {matchLabels: {app: web}}
              policyTypes: [Ingress]

            """], message: "deny")
        let result = await reconcile(["plan", "--repo", root, "--ref", "HEAD", "--base", first, "--color", "never"])
        #expect(result.code == 0, "\(result)")
        #expect(result.stdout.contains("""
            Reachability changes: not evaluated — a plan between two revisions has no live workloads; plan with --live-snapshot FILE or against a cluster to see which workloads lose or gain a path.
              Policy changes:
                create NetworkPolicy shop/deny-ingress
                  selects pods app=web in shop
                  types: Ingress
            """), "\(result)")
    }
}
