import Foundation
import Kube
import KubeTestServer
import ReconcileCore
import ReconcileTestSupport
import Testing
import YAML

#if canImport(Glibc)
import Glibc
#endif

/// Issue 4, "Done when": killing `reconcile apply` half-way and running it again converges with
/// nothing lost. The built `reconcile` binary runs as a real process, stalls on one PATCH (an
/// injected server delay), is SIGKILLed while that PATCH is in flight, and a second apply then
/// has to finish the job from whatever state the first one left.
@Suite(.onTestThreads, .serialized) struct KillAndRerunTests {
    static let ratingsPath = "/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/ratings"

    /// The `reconcile` executable: `RECONCILE_BINARY` when set (e.g. an AddressSanitizer build,
    /// scripts/stress.sh), else the one next to this test bundle in the build products directory.
    static var reconcileBinary: String? {
        if let path = ProcessInfo.processInfo.environment["RECONCILE_BINARY"], !path.isEmpty {
            return FileManager.default.isExecutableFile(atPath: path) ? path : nil
        }
        return BuiltProducts.executable(named: "reconcile")
    }

    @Test(.enabled(if: reconcileBinary != nil, "the reconcile executable is not built next to the tests (swift build --build-tests builds it)"))
    func killedApplyConvergesOnRerunWithNothingLost() async throws {
        let binary = try #require(Self.reconcileBinary)
        let harness = try EngineHarness()
        try harness.seed(snapshotOf: "bookinfo")
        let repo = harness.example("bookinfo")
        let before = Set(try await liveMeshObjects(harness))

        // The VirtualService ratings is a create: `apply` sends it once (creates are not dry-run
        // before the real apply), and that PATCH stalls 5 s; that is where we kill.
        harness.server.inject(Fault(method: "PATCH", pathContains: "/virtualservices/ratings", times: 1, action: .delay(5)))
        let out = harness.directory + "/apply.out"
        let err = harness.directory + "/apply.err"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["apply", "--auto-approve", "--repo", repo, "--kubeconfig", harness.kubeconfigPath, "--color", "never"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        // The real PATCH is in flight once real writes have started and the server has then
        // heard nothing for a second (the client waits on the stalled PATCH, and the next wave
        // of the order waits for it; a delayed request is logged only when it is handled).
        let deadline = Date().addingTimeInterval(60)
        var lastCount = -1
        var quietSince = Date()
        while true {
            try #require(Date() < deadline, "the apply never stalled on the ratings PATCH:\n\(read(out))\n\(read(err))")
            try #require(process.isRunning, "reconcile apply finished before it could be killed:\n\(read(out))\n\(read(err))")
            let requests = harness.server.requests
            if requests.count != lastCount {
                lastCount = requests.count
                quietSince = Date()
            }
            let realWrites = requests.contains { $0.method == "PATCH" && $0.query["dryRun"] == nil }
            if realWrites && Date().timeIntervalSince(quietSince) >= 1 { break }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL)

        // Half-way: what came before ratings in the plan's order is applied, ratings and what
        // follows it are not, and nothing was deleted (prunes come last).
        let desired = try harness.desiredState(of: "bookinfo").objects
        let applied = desired.filter { isApplied($0, harness) }
        let missing = desired.filter { !isApplied($0, harness) }
        #expect(!applied.isEmpty && !missing.isEmpty, "a partial state: applied \(applied.map(\.key.shortDescription)), not applied \(missing.map(\.key.shortDescription))")
        #expect(harness.get("networking.istio.io/v1", "VirtualService", "bookinfo", "ratings") == nil, "ratings was stalled when the apply died")
        #expect(harness.server.requests.allSatisfy { $0.method != "DELETE" }, "nothing pruned yet")
        #expect(Set(try await liveMeshObjects(harness)).isSuperset(of: before), "nothing deleted")
        #expect(harness.get("networking.istio.io/v1", "VirtualService", "bookinfo", "reviews-canary") != nil)

        // The stalled PATCH reached the server before the kill: the server finishes it (as a
        // real apiserver finishes requests whose client went away) and logs it when it does.
        let landed = Date().addingTimeInterval(10)
        while !harness.server.requests.contains(where: { $0.method == "PATCH" && $0.path == Self.ratingsPath && $0.query["dryRun"] == nil }) {
            try #require(Date() < landed, "the stalled PATCH of ratings never arrived before the kill")
            try await Task.sleep(nanoseconds: 50_000_000)
        }

        // Run it again: it converges.
        let rerun = await harness.reconcile(["apply", "--repo", repo, "--auto-approve", "--rollout-poll-interval", "0.05", "--color", "never"])
        #expect(rerun.code == 0, "\(rerun)")
        for object in desired {
            let live = harness.get(object.apiVersion, object.key.kind, object.key.namespace, object.key.name)
            #expect(live != nil, "\(object.key.shortDescription) exists")
            if let live {
                #expect(OwnedFieldCompare.compare(desired: object.body.withoutMarks, live: live, managers: []).isUnchanged,
                        "\(object.key.shortDescription) has the desired spec: \(YAMLEmitter.emit(live))")
            }
        }
        #expect(harness.get("networking.istio.io/v1", "VirtualService", "bookinfo", "reviews-canary") == nil, "the canary is pruned")
        let deletes = harness.writes.filter { $0.hasPrefix("DELETE ") }
        #expect(deletes == ["DELETE /apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews-canary"], "only the canary was deleted: \(deletes)")
        let keys = Set(desired.map { "\($0.key.kind) \($0.key.namespace)/\($0.key.name)" })
        let live = Set(try await liveMeshObjects(harness))
        #expect(keys.isSubset(of: live), "everything in git is in the cluster")

        let replan = await harness.reconcile(["plan", "--repo", repo, "--detailed-exitcode", "--color", "never"])
        #expect(replan.code == 0, "re-plan after the rerun is empty:\n\(replan)")
    }

    // MARK: - Helpers

    private func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// Applied = present with every desired field (tracking labels included).
    private func isApplied(_ object: ManifestObject, _ harness: EngineHarness) -> Bool {
        guard let live = harness.get(object.apiVersion, object.key.kind, object.key.namespace, object.key.name) else { return false }
        return OwnedFieldCompare.isSubset(object.body.withoutMarks, of: live)
    }

    /// Every Istio networking object in the cluster, as "Kind namespace/name".
    private func liveMeshObjects(_ harness: EngineHarness) async throws -> [String] {
        var result: [String] = []
        let kinds = [("networking.istio.io", "VirtualService"), ("networking.istio.io", "DestinationRule"),
                     ("networking.istio.io", "Gateway"), ("security.istio.io", "AuthorizationPolicy")]
        for (group, kind) in kinds {
            let resource = try await harness.client.resource(group: group, kind: kind, version: nil)
            for item in try await harness.client.list(resource, namespace: nil, labelSelector: nil, limit: 500).items {
                result.append("\(kind) \(item.namespace ?? "")/\(item.name ?? "")")
            }
        }
        return result
    }
}
