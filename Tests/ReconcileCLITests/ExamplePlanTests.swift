import Foundation
import ReconcileTestSupport
import Testing

/// `reconcile plan` on the runnable examples in `examples/`, against their live snapshots: the
/// plans their READMEs promise, in every output format.
@Suite("Plans of the examples", .onTestThreads, .timeLimit(.minutes(3)))
struct ExamplePlanTests {
    func plan(_ example: String, _ extra: [String] = []) async -> CLIResult {
        await reconcile(["plan", "--repo", RepoPaths.example(example), "--live-snapshot", RepoPaths.exampleSnapshot(example)] + extra)
    }

    static let aksPetsRestarts = [
        ("Deployment", "order-service"), ("Deployment", "product-service"), ("Deployment", "store-front"), ("StatefulSet", "rabbitmq"),
    ]

    @Test("aks-pets: label the namespace, create mTLS + ingress, restart four workloads (text)")
    func aksPetsText() async throws {
        let result = await plan("aks-pets")
        #expect(result.code == 0, "\(result)")
        #expect(result.stderr.isEmpty, "\(result)")
        let out = result.stdout
        #expect(out.contains("instance aks-pets"))
        #expect(out.contains("namespace pets: no injection label → istio.io/rev=asm-1-23"), "\(out)")
        #expect(out.contains("~ update Namespace pets"), "\(out)")
        #expect(out.contains("+    istio.io/rev: asm-1-23"), "the namespace diff adds the revision label:\n\(out)")
        for object in ["PeerAuthentication pets/pets-mtls", "Gateway pets/pets-gateway", "VirtualService pets/pets-route"] {
            #expect(out.contains("+ create \(object)  [mesh]"), "\(object):\n\(out)")
        }
        #expect(out.contains("+    istio: aks-istio-ingressgateway-external"), "the gateway selector is substituted from values:\n\(out)")
        #expect(out.contains("+    mode: STRICT"))
        for (kind, name) in Self.aksPetsRestarts {
            #expect(out.contains("↻ \(kind) pets/\(name): 1 pod not injected; namespace now injects revision asm-1-23"), "\(name):\n\(out)")
        }
        #expect(out.contains("Plan: 3 to create, 1 to update, 0 to delete, 4 workloads to restart."), "\(out)")
        #expect(!out.contains("\u{1B}["), "no colour when the output is not a terminal")
        // Make-before-break order: the namespace label first.
        let namespaceStep = try #require(out.range(of: "1. ~ update Namespace pets"))
        let gatewayStep = try #require(out.range(of: "+ create Gateway pets/pets-gateway"))
        #expect(namespaceStep.lowerBound < gatewayStep.lowerBound)
    }

    @Test("aks-pets: --format json carries the same plan")
    func aksPetsJSON() async throws {
        let result = await plan("aks-pets", ["--format", "json"])
        #expect(result.code == 0, "\(result)")
        #expect(result.stderr.isEmpty, "\(result)")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(root["formatVersion"] as? Int == 1)
        #expect(root["mode"] as? String == "snapshot")
        #expect(root["instance"] as? String == "aks-pets")
        #expect(root["revision"] as? String == "working tree")
        #expect(root["hasChanges"] as? Bool == true)

        let summary = try #require(root["summary"] as? [String: Any])
        #expect(summary["create"] as? Int == 3)
        #expect(summary["update"] as? Int == 1)
        #expect(summary["delete"] as? Int == 0)
        #expect(summary["restart"] as? Int == 4)

        let changes = try #require(root["changes"] as? [[String: Any]])
        #expect(changes.compactMap { $0["step"] as? Int } == Array(1...changes.count), "steps are numbered in apply order")
        let described = Set(changes.map { "\($0["action"] as? String ?? "?") \($0["kind"] as? String ?? "?") \($0["namespace"] as? String ?? "-")/\($0["name"] as? String ?? "?")" })
        #expect(described == [
            "update Namespace -/pets", "create PeerAuthentication pets/pets-mtls",
            "create Gateway pets/pets-gateway", "create VirtualService pets/pets-route",
        ])
        let namespace = try #require(changes.first { $0["kind"] as? String == "Namespace" })
        #expect(namespace["changedFields"] as? [String] == ["metadata.labels.istio.io/rev"])
        #expect((namespace["diff"] as? String)?.contains("+    istio.io/rev: asm-1-23") == true)
        let peerAuthentication = try #require(changes.first { $0["kind"] as? String == "PeerAuthentication" })
        #expect(peerAuthentication["group"] as? String == "security.istio.io")
        #expect(peerAuthentication["bundle"] as? String == "mesh")
        let source = try #require(peerAuthentication["source"] as? [String: Any])
        #expect(source["file"] as? String == "mesh/peerauthentication.yaml")
        #expect((source["line"] as? Int).map { $0 >= 1 } == true)

        let injection = try #require(root["injectionChanges"] as? [[String: Any]])
        #expect(injection.count == 1)
        #expect(injection.first?["namespace"] as? String == "pets")
        let to = try #require(injection.first?["to"] as? [String: Any])
        #expect(to["mode"] as? String == "revision")
        #expect(to["revision"] as? String == "asm-1-23")

        let restarts = try #require(root["restarts"] as? [[String: Any]])
        #expect(restarts.count == 4)
        let restarted = Set(restarts.map { "\($0["kind"] as? String ?? "?") \($0["namespace"] as? String ?? "?")/\($0["name"] as? String ?? "?")" })
        #expect(restarted == Set(Self.aksPetsRestarts.map { "\($0.0) pets/\($0.1)" }))
        for restart in restarts {
            #expect((restart["reason"] as? String)?.contains("asm-1-23") == true, "\(restart)")
            #expect((restart["from"] as? [String: Any])?["injected"] as? Bool == false)
            #expect((restart["to"] as? [String: Any])?["revision"] as? String == "asm-1-23")
        }
    }

    @Test("aks-pets: --format markdown is the pull-request comment")
    func aksPetsMarkdown() async throws {
        let result = await plan("aks-pets", ["--format", "markdown"])
        #expect(result.code == 0, "\(result)")
        let out = result.stdout
        #expect(out.hasPrefix("<!-- reconcile-plan instance=aks-pets -->\n"), "\(out)")
        #expect(out.contains("**Plan: 3 to create, 1 to update, 0 to delete, 4 workloads to restart.**"))
        #expect(out.contains("| # | Action | Kind | Object | Bundle | Source |"))
        #expect(out.contains("| + create | PeerAuthentication | `pets/pets-mtls` | mesh |"), "\(out)")
        #expect(out.contains("| `pets` | no injection label | istio.io/rev=asm-1-23 |"), "\(out)")
        #expect(out.contains("| StatefulSet `pets/rabbitmq` |"), "\(out)")
        let details = out.components(separatedBy: "<details>").count - 1
        #expect(details == 5, "one <details> block per changed object, and the folded reachability section:\n\(out)")
        #expect(out.contains("<details><summary><b>Reachability changes</b>: no change</summary>"), "\(out)")
        #expect(out.components(separatedBy: "</details>").count - 1 == details)
        for object in ["Namespace pets", "Gateway pets/pets-gateway", "VirtualService pets/pets-route", "PeerAuthentication pets/pets-mtls"] {
            #expect(out.contains("<code>\(object)</code></summary>") || out.contains("<code>\(object)</code> —"), "\(object):\n\(out)")
        }
        #expect(out.contains("```diff"))
    }

    @Test("--detailed-exitcode: 2 with changes, 0 when the cluster already matches")
    func detailedExitCode() async throws {
        let changed = await plan("aks-pets", ["--detailed-exitcode"])
        #expect(changed.code == 2, "\(changed)")
        #expect(changed.stdout.contains("Plan: 3 to create"), "the plan is still printed")
        #expect(changed.stderr.isEmpty)

        // client-strict with a snapshot where the PeerAuthentication is already STRICT.
        let repo = try ScratchCopy(of: RepoPaths.example("client-strict"))
        let snapshotPath = repo.path + "/live-snapshot.yaml"
        let snapshot = try String(contentsOfFile: snapshotPath, encoding: .utf8)
        #expect(snapshot.components(separatedBy: "mode: PERMISSIVE").count == 2, "the example has exactly one PERMISSIVE mode")
        try TestGit.write(snapshot.replacingOccurrences(of: "mode: PERMISSIVE", with: "mode: STRICT"), to: snapshotPath)

        let same = await reconcile(["plan", "--repo", repo.path, "--live-snapshot", snapshotPath, "--detailed-exitcode"])
        #expect(same.code == 0, "\(same)")
        #expect(same.stderr.isEmpty, "\(same)")
        #expect(same.stdout.contains("No changes."), "\(same)")
        #expect(same.stdout.contains("0 to create, 0 to update, 0 to delete, 0 workloads to restart"), "\(same)")

        let json = await reconcile(["plan", "--repo", repo.path, "--live-snapshot", snapshotPath, "--detailed-exitcode", "-f", "json"])
        #expect(json.code == 0, "\(json)")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(root["hasChanges"] as? Bool == false)
        #expect((root["changes"] as? [Any])?.isEmpty == true)

        // And the original snapshot: one update, exit 2.
        let original = await plan("client-strict", ["--detailed-exitcode"])
        #expect(original.code == 2, "\(original)")
        #expect(original.stdout.contains("~ update PeerAuthentication client/default"), "\(original)")
        #expect(original.stdout.contains("-    mode: PERMISSIVE") && original.stdout.contains("+    mode: STRICT"), "\(original)")
        #expect(original.stdout.contains("Plan: 0 to create, 1 to update, 0 to delete, 0 workloads to restart (1 unchanged)."), "\(original)")
    }

    @Test("-l selects bundles by their labels")
    func selector() async throws {
        let network = await plan("dgraph", ["-l", "tier=network"])
        #expect(network.code == 0, "\(network)")
        #expect(network.stdout.contains("+ create NetworkPolicy dgraph/allow-from-mesh-only"), "\(network)")
        #expect(network.stdout.contains("+ create GlobalNetworkPolicy dgraph-deny-non-mesh"), "\(network)")
        #expect(!network.stdout.contains("Namespace dgraph"), "the namespaces bundle is not selected:\n\(network)")
        #expect(network.stdout.contains("Plan: 2 to create, 0 to update, 0 to delete"), "\(network)")

        let base = await plan("dgraph", ["--selector", "tier=base"])
        #expect(base.code == 0, "\(base)")
        #expect(base.stdout.contains("~ update Namespace dgraph"), "\(base)")
        #expect(!base.stdout.contains("create NetworkPolicy"), "\(base)")
        #expect(base.stdout.contains("Plan: 0 to create, 1 to update, 0 to delete"), "\(base)")

        let all = await plan("dgraph", ["-l", "tier in (base,network)"])
        #expect(all.stdout.contains("Plan: 2 to create, 1 to update, 0 to delete, 2 workloads to restart."), "\(all)")

        let excluded = await plan("dgraph", ["-l", "tier!=network", "--detailed-exitcode"])
        #expect(excluded.code == 2, "\(excluded)")
        #expect(!excluded.stdout.contains("create NetworkPolicy"), "\(excluded)")

        // Nothing selected: nothing to do, and nothing outside the selection is pruned.
        let none = await plan("aks-pets", ["-l", "tier=nothing", "--detailed-exitcode"])
        #expect(none.code == 0, "\(none)")
        #expect(none.stdout.contains("No changes."), "\(none)")

        let validate = await reconcile(["validate", "--repo", RepoPaths.example("dgraph"), "-l", "tier=network"])
        #expect(validate.code == 0, "\(validate)")
        #expect(validate.stdout.contains("2 objects in 1 bundle"), "\(validate)")
    }

    @Test("--environment picks the values substituted into manifests")
    func environment() async throws {
        let plain = await plan("revision-upgrade")
        let prod = await plan("revision-upgrade", ["--environment", "prod"])
        #expect(plain.code == 0, "\(plain)")
        #expect(prod.code == 0, "\(prod)")
        #expect(plain.stdout.hasPrefix("reconcile plan — instance revision-upgrade: working tree"), "\(plain)")
        #expect(prod.stdout.hasPrefix("reconcile plan — instance revision-upgrade, environment prod: working tree"), "\(prod)")
        #expect(prod.stdout.drop { $0 != "\n" } == plain.stdout.drop { $0 != "\n" }, "the README promises the same plan for -e prod")
        #expect(prod.stdout.contains("~ update Namespace shop"), "\(prod)")
        #expect(prod.stdout.contains("~ update Namespace payments"), "\(prod)")
        #expect(prod.stdout.contains("-    istio.io/rev: asm-1-22") && prod.stdout.contains("+    istio.io/rev: asm-1-23"), "\(prod)")
        #expect(prod.stdout.contains("↻ Deployment shop/web: 2 pods on revision asm-1-22; namespace now selects asm-1-23"), "\(prod)")
        #expect(prod.stdout.contains("↻ Deployment payments/ledger"), "\(prod)")
        #expect(!prod.stdout.contains("shop/api"), "api already runs asm-1-23")
        #expect(!prod.stdout.contains("log-agent"), "log-agent opts out of injection")
        #expect(prod.stdout.contains("Plan: 0 to create, 2 to update, 0 to delete, 2 workloads to restart."), "\(prod)")

        let json = await plan("revision-upgrade", ["-e", "prod", "-f", "json"])
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(root["environment"] as? String == "prod")

        // An environment that keeps the old revision: the namespaces already match, and only the
        // workload that was moved to asm-1-23 by hand must go back.
        let repo = try ScratchCopy(of: RepoPaths.example("revision-upgrade"))
        let config = try String(contentsOfFile: repo.path + "/reconcile.yaml", encoding: .utf8)
        let withHold = config.replacingOccurrences(of: "environments:\n", with: "environments:\n  hold:\n    values: { revision: asm-1-22 }\n")
        #expect(withHold != config)
        try TestGit.write(withHold, to: repo.path + "/reconcile.yaml")
        let hold = await reconcile(["plan", "--repo", repo.path, "--live-snapshot", repo.path + "/live-snapshot.yaml",
                                    "-e", "hold", "--detailed-exitcode"])
        #expect(hold.code == 2, "\(hold)")
        #expect(!hold.stdout.contains("update Namespace"), "\(hold)")
        #expect(hold.stdout.contains("↻ Deployment shop/api: 2 pods on revision asm-1-23; namespace now selects asm-1-22"), "\(hold)")
        #expect(hold.stdout.contains("Plan: 0 to create, 0 to update, 0 to delete, 1 workload to restart (2 unchanged)."), "\(hold)")

        let unknown = await plan("revision-upgrade", ["-e", "staging"])
        #expect(unknown.code == 1)
        #expect(unknown.stdout.isEmpty)
        #expect(unknown.stderr == "error: reconcile.yaml: unknown environment \"staging\"; defined: prod\n", "\(unknown)")
    }

    @Test("the other examples plan what their READMEs promise",
          arguments: [
              ("bookinfo", "Plan: 8 to create, 2 to update, 1 to delete, 0 workloads to restart (2 unchanged)."),
              ("client-strict", "Plan: 0 to create, 1 to update, 0 to delete, 0 workloads to restart (1 unchanged)."),
              ("dgraph", "Plan: 2 to create, 1 to update, 0 to delete, 2 workloads to restart."),
              ("revision-upgrade", "Plan: 0 to create, 2 to update, 0 to delete, 2 workloads to restart."),
          ])
    func otherExamples(example: String, summary: String) async throws {
        let result = await plan(example, ["--detailed-exitcode"])
        #expect(result.code == 2, "\(result)")
        #expect(result.stderr.isEmpty, "\(result)")
        #expect(result.stdout.contains(summary), "\(result)")
        let json = await plan(example, ["-f", "json"])
        #expect(json.code == 0, "\(json)")
        #expect((try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) is [String: Any], "valid JSON")
        let markdown = await plan(example, ["-f", "markdown"])
        #expect(markdown.stdout.hasPrefix("<!-- reconcile-plan instance=\(example) -->"), "\(markdown)")
    }
}
