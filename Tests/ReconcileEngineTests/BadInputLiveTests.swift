import Foundation
import KubeTestServer
import ReconcileTestSupport
import Testing

/// The bad-input corpus (Tests/ReconcileCLITests/BadInput) against a live API server: `plan` and
/// `apply --auto-approve` must refuse every case with exit 1 and never write (no POST, PUT, PATCH
/// or DELETE reaches the server, not even a dry-run).
@Suite("Bad input against a live cluster makes no writes", .onTestThreads, .timeLimit(.minutes(2)))
struct BadInputLiveTests {
    static let corpus = EngineHarness.root.appendingPathComponent("Tests/ReconcileCLITests/BadInput").path

    /// The operator flags each case needs (`_arguments.txt`, shared with BadInputTests).
    static let arguments = BadInputCorpus.arguments(in: corpus)

    static var caseNames: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: corpus)) ?? [])
            .filter { !$0.hasPrefix("_") && !$0.hasPrefix(".") && !$0.hasPrefix("ok-") }.sorted()
    }

    @Test("every corpus case is refused by a live plan and apply, with zero API writes")
    func corpusMakesNoWrites() async throws {
        let harness = try EngineHarness()
        #expect(Self.caseNames.count >= 100, "\(Self.caseNames.count) cases")
        for name in Self.caseNames {
            let repo = harness.directory + "/" + name
            try FileManager.default.copyItem(atPath: Self.corpus + "/" + name, toPath: repo)
            let extra = Self.arguments[name] ?? []
            harness.server.clearRequests()
            for command in [["plan"], ["apply", "--auto-approve"]] {
                let run = await harness.reconcile(command + ["--repo", repo] + extra)
                #expect(run.code == 1, "\(name) \(command[0]): \(run)")
                #expect(run.stderr.contains("error: "), "\(name) \(command[0]): \(run)")
            }
            let writes = harness.server.requests.filter { !["GET", "HEAD", "OPTIONS"].contains($0.method) }
            #expect(writes.isEmpty, "\(name): \(writes.map { "\($0.method) \($0.path)" })")
        }
    }

    @Test("an operator's --allow-namespace lets the mesh root namespace through")
    func allowNamespaceOpensAProtectedNamespace() async throws {
        let harness = try EngineHarness()
        let repo = harness.directory + "/envoyfilter"
        try FileManager.default.copyItem(atPath: Self.corpus + "/namespace-protected-istio-system-envoyfilter", toPath: repo)
        _ = try harness.server.seed(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "istio-system"]])
        let refused = await harness.reconcile(["plan", "--repo", repo])
        #expect(refused.code == 1, "\(refused)")
        let allowed = await harness.reconcile(["plan", "--repo", repo, "--allow-namespace", "istio-system", "--detailed-exitcode"])
        #expect(allowed.code == 2, "\(allowed)")
        #expect(allowed.stdout.contains("EnvoyFilter istio-system/inject-lua"), "\(allowed)")
    }
}
