import Foundation
import HTTP
import KubeTestServer

/// `reconcile-bench apply` (issue 18): how long a first apply of N new objects and an apply of C
/// changed objects take, against the floor measured in the same run on the same server build:
///
/// - `reconcile apply` of the generated repository into a cluster that has only its namespaces
///   and Services, then of C objects edited in git;
/// - `kubectl apply --server-side` of the same manifests (kubectl sends every object again for
///   the changed round: it has no plan);
/// - the floor: exactly the server-side-apply PATCHes `reconcile apply` sent (taken from the
///   server's request log, bodies included), replayed by a bare libcurl client with no plan, no
///   dry-run and no events, at each concurrency given — the best of them is "the floor".
///
/// Each measurement starts from a fresh in-process test API server so every create is a create.
struct ApplyBenchmark {
    var options: BenchOptions

    struct Round {
        var reconcileNew: Sample
        var reconcileChanged: Sample
        var kubectlNew: Sample?
        var kubectlChanged: Sample?
        /// Concurrency → wall time of the replayed creates / changed PATCHes.
        var floorNew: [Int: Double]
        var floorChanged: [Int: Double]
    }

    func run() throws {
        let reconcile = options.reconcile!
        let work = options.workDirectory ?? NSTemporaryDirectory() + "reconcile-bench-apply-\(getpid())"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { if !options.keep && options.workDirectory == nil { try? FileManager.default.removeItem(atPath: work) } }
        let repo = work + "/repo"
        let scratch = work + "/out"
        let workload = Workload(objects: options.objects, namespaces: options.namespaces)
        try workload.write(to: repo)
        log("generated \(options.objects) objects in \(options.namespaces) namespaces under \(repo)")
        let kubectlUsable = FileManager.default.isExecutableFile(atPath: options.kubectl) && !options.skipKubectlDiff
        var notes: [String] = []
        if !kubectlUsable { notes.append("kubectl apply skipped: \(options.kubectl) not found or --skip-kubectl") }

        /// A server holding only the namespaces and Services, and a kubeconfig for it.
        func freshServer() throws -> (TestAPIServer, String) {
            let server = try TestAPIServer()
            try server.start()
            try Seeder.seedNamespacesAndServices(workload, into: server)
            let kubeconfig = work + "/kubeconfig"
            try server.kubeconfig(user: .token("test-token")).write(toFile: kubeconfig, atomically: true, encoding: .utf8)
            return (server, kubeconfig)
        }
        func measure(_ server: TestAPIServer, _ executable: String, _ arguments: [String], label: String, expect: Int32) throws -> Sample {
            server.clearRequests()
            let serverBefore = selfCPU()
            let run = try Subprocess.run(executable, arguments, outputPrefix: scratch + "-" + label)
            let sample = Sample(wall: run.wall, cpu: run.cpu, maxRSS: run.maxRSS, serverCPU: selfCPU() - serverBefore,
                                requests: RequestTally(server.requests), exitCode: run.exitCode)
            if run.signal != 0 || run.exitCode != expect {
                throw BenchError("\(label): \(executable) exited \(run.exitCode) (signal \(run.signal)), expected \(expect)\n\(run.stdout.suffix(1500))\n\(run.stderr.suffix(1500))")
            }
            return sample
        }
        func appliedPatches(_ server: TestAPIServer) -> [RecordedRequest] {
            server.requests.filter { $0.method == "PATCH" && $0.query["dryRun"] == nil && $0.contentType?.hasPrefix("application/apply-patch") == true }
        }

        let applyArguments = ["apply", "--repo", repo, "--auto-approve", "--color", "never"]
        var rounds: [Round] = []
        for round in 1...options.repeats {
            // reconcile apply: N new, then C changed.
            var (server, kubeconfig) = try freshServer()
            let reconcileNew = try measure(server, reconcile, applyArguments + ["--kubeconfig", kubeconfig], label: "apply-new", expect: 0)
            let creates = appliedPatches(server)
            if creates.count != options.objects { notes.append("round \(round): reconcile apply sent \(creates.count) apply PATCHes for \(options.objects) new objects") }
            _ = try workload.edit(options.changed, in: repo)
            let reconcileChanged = try measure(server, reconcile, applyArguments + ["--kubeconfig", kubeconfig], label: "apply-changed", expect: 0)
            let updates = appliedPatches(server)
            if updates.count != options.changed { notes.append("round \(round): reconcile apply sent \(updates.count) apply PATCHes for \(options.changed) changed objects") }
            _ = try workload.edit(options.changed, in: repo, edited: false)
            server.stop()
            log("round \(round): reconcile apply \(options.objects) new \(format(reconcileNew.wall)) (\(reconcileNew.requests.total) requests), \(options.changed) changed \(format(reconcileChanged.wall)) (\(reconcileChanged.requests.total) requests)")

            // kubectl apply --server-side: the same, kubectl resending every object the second time.
            var kubectlNew: Sample?
            var kubectlChanged: Sample?
            if kubectlUsable {
                (server, kubeconfig) = try freshServer()
                // No client-side schema validation: the test server serves no OpenAPI document (a
                // real kubectl against kube-apiserver would also download and check it: slower).
                var arguments = ["apply", "--server-side", "--validate=false", "-R", "--kubeconfig", kubeconfig,
                                 "--cache-dir", work + "/kubectl-cache"]
                for kind in Workload.kinds { arguments += ["-f", repo + "/" + kind.directory] }
                kubectlNew = try measure(server, options.kubectl, arguments, label: "kubectl-new", expect: 0)
                _ = try workload.edit(options.changed, in: repo)
                kubectlChanged = try measure(server, options.kubectl, arguments, label: "kubectl-changed", expect: 0)
                _ = try workload.edit(options.changed, in: repo, edited: false)
                server.stop()
                log("round \(round): kubectl apply --server-side \(format(kubectlNew!.wall)), changed \(format(kubectlChanged!.wall))")
            }

            // The floor: reconcile's own PATCHes replayed bare, at each concurrency.
            var floorNew: [Int: Double] = [:]
            var floorChanged: [Int: Double] = [:]
            for concurrency in options.applyConcurrencies {
                (server, _) = try freshServer()
                floorNew[concurrency] = try PatchFloor.replay(creates, server: server, token: "test-token", concurrency: concurrency)
                floorChanged[concurrency] = try PatchFloor.replay(updates, server: server, token: "test-token", concurrency: concurrency)
                server.stop()
                log("round \(round): floor at \(concurrency) in flight: \(options.objects) creates \(format(floorNew[concurrency]!)), \(options.changed) changes \(format(floorChanged[concurrency]!))")
            }
            rounds.append(Round(reconcileNew: reconcileNew, reconcileChanged: reconcileChanged, kubectlNew: kubectlNew,
                                kubectlChanged: kubectlChanged, floorNew: floorNew, floorChanged: floorChanged))
        }
        ApplyReport(options: options, rounds: rounds, notes: notes).print()
    }
}

/// The bare floor: recorded PATCHes sent again with libcurl, `concurrency` in flight, nothing else.
enum PatchFloor {
    /// Sends every request; returns the wall time. Fails on any response other than 200/201.
    static func replay(_ requests: [RecordedRequest], server: TestAPIServer, token: String, concurrency: Int) throws -> Double {
        var configuration = HTTPClient.Configuration()
        configuration.tls = TLSConfiguration(caPEM: Array(server.caPEM.utf8))
        let base = server.url
        let urls = requests.map { base + $0.path + "?" + $0.query.sorted { $0.key < $1.key }.map { "\($0.key)=\(encode($0.value))" }.joined(separator: "&") }
        let start = Subprocess.now()
        try ThreadPool.run(count: requests.count, concurrency: concurrency, configuration: configuration) { client, index in
            let recorded = requests[index]
            let response = try client.send(HTTPRequest(method: "PATCH", url: urls[index], headers: [
                ("Authorization", "Bearer \(token)"), ("Accept", "application/json"),
                ("Content-Type", recorded.contentType ?? "application/apply-patch+yaml"),
            ], body: recorded.body))
            guard response.status == 200 || response.status == 201 else {
                throw BenchError("PATCH \(recorded.path): HTTP \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))")
            }
        }
        return Subprocess.now() - start
    }

    private static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// The apply table and its target checks.
struct ApplyReport {
    var options: BenchOptions
    var rounds: [ApplyBenchmark.Round]
    var notes: [String]

    func print() {
        let n = options.objects
        let c = options.changed
        let reconcileNew = Figures(name: "reconcile apply, \(n) new", samples: rounds.map(\.reconcileNew))
        let reconcileChanged = Figures(name: "reconcile apply, \(c) of \(n) changed", samples: rounds.map(\.reconcileChanged))
        let kubectlNew = rounds.allSatisfy { $0.kubectlNew != nil } ? Figures(name: "kubectl apply --server-side, \(n) new", samples: rounds.map { $0.kubectlNew! }) : nil
        let kubectlChanged = rounds.allSatisfy { $0.kubectlChanged != nil }
            ? Figures(name: "kubectl apply --server-side, \(c) of \(n) changed (sends all \(n))", samples: rounds.map { $0.kubectlChanged! }) : nil
        var out = "\n## reconcile-bench apply: \(n) objects, \(options.namespaces) namespaces, median of \(options.repeats) run(s), \(ProcessInfo.processInfo.activeProcessorCount) CPUs\n\n"
        out += "| measurement | wall | runs | CPU (user+sys) | peak RSS | server CPU | requests |\n|---|---|---|---|---|---|---|\n"
        func row(_ f: Figures) -> String {
            "| \(f.name) | \(format(f.wall)) | \(f.runs) | \(f.cpu.map(format) ?? "–") | \(f.maxRSS.map(formatBytes) ?? "–") | \(format(f.serverCPU)) | \(f.requests.total) (\(f.requests.summary)) |\n"
        }
        out += row(reconcileNew)
        if let kubectlNew { out += row(kubectlNew) }
        var bestNew = (concurrency: 0, wall: Double.infinity)
        var bestChanged = (concurrency: 0, wall: Double.infinity)
        for concurrency in options.applyConcurrencies {
            let walls = rounds.compactMap { $0.floorNew[concurrency] }
            let wall = median(walls)
            if wall < bestNew.wall { bestNew = (concurrency, wall) }
            out += "| floor: the same \(n) apply PATCHes, \(concurrency) in flight | \(format(wall)) | \(walls.map(format).joined(separator: ", ")) | – | – | – | \(n) PATCH |\n"
        }
        out += row(reconcileChanged)
        if let kubectlChanged { out += row(kubectlChanged) }
        for concurrency in options.applyConcurrencies {
            let walls = rounds.compactMap { $0.floorChanged[concurrency] }
            let wall = median(walls)
            if wall < bestChanged.wall { bestChanged = (concurrency, wall) }
            out += "| floor: the same \(c) apply PATCHes, \(concurrency) in flight | \(format(wall)) | \(walls.map(format).joined(separator: ", ")) | – | – | – | \(c) PATCH |\n"
        }

        out += "\n### Targets\n\n"
        func check(_ ok: Bool, _ text: String) { out += "- [\(ok ? "x" : " ")] \(ok ? "met" : "MISSED"): \(text)\n" }
        check(reconcileNew.wall <= 1.5 * bestNew.wall,
              String(format: "apply of %d new ≤ 1.5× the floor: %.2f× (%@ vs %@ at %d in flight)", n, reconcileNew.wall / bestNew.wall,
                     format(reconcileNew.wall), format(bestNew.wall), bestNew.concurrency))
        if let kubectlNew {
            check(kubectlNew.wall >= 3 * reconcileNew.wall,
                  String(format: "apply of %d new ≥ 3× faster than kubectl apply --server-side: %.1f× (%@ vs %@)", n, kubectlNew.wall / reconcileNew.wall,
                         format(reconcileNew.wall), format(kubectlNew.wall)))
        }
        // Requests per created object: everything but discovery and the plan's LIST pages.
        let r = reconcileNew.requests
        let perObject = Double(r.total - r.discovery - r.lists) / Double(n)
        let events = r.other - n
        check(perObject <= 1 + Double(max(0, events)) / Double(n) + 1e-9,
              String(format: "requests per created object ≤ 1 + events ÷ N: %.3f (%d non-LIST, non-discovery requests: %d apply + %d other writes, %d dry-run, %d GET; %d LIST pages, %d discovery)",
                     perObject, r.total - r.discovery - r.lists, n, max(0, events), r.dryRuns, r.gets, r.lists, r.discovery))
        out += String(format: "- changed: reconcile apply of %d of %d %.2f× its floor (%@ vs %@ at %d in flight; the plan's LISTs of all %d objects are in it)\n",
                      c, n, reconcileChanged.wall / bestChanged.wall, format(reconcileChanged.wall), format(bestChanged.wall), bestChanged.concurrency, n)
        if !notes.isEmpty {
            out += "\n### Notes\n\n" + notes.map { "- " + $0.replacingOccurrences(of: "\n", with: "\n  ") }.joined(separator: "\n") + "\n"
        }
        Swift.print(out)
    }
}
