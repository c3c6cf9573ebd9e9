import Foundation
import KubeTestServer
import YAML

// reconcile-bench: see docs/benchmarks.md. Run it through scripts/benchmark.sh.

// First, before anything is allocated: the launcher that measured commands run under (Subprocess).
if CommandLine.arguments.dropFirst().first == "launch" { Subprocess.launch(Array(CommandLine.arguments.dropFirst(2))) }

func log(_ message: String) { FileHandle.standardError.write(Data(("» " + message + "\n").utf8)) }

if CommandLine.arguments.dropFirst().first == "fetch-loop" {
    do { try FetchLoop.run(Array(CommandLine.arguments.dropFirst(2))) } catch {
        FileHandle.standardError.write(Data("reconcile-bench: \(error)\n".utf8))
        exit(1)
    }
    exit(0)
}

if CommandLine.arguments.dropFirst().first == "reachability" {
    do { try ReachabilityBenchmark.parse(Array(CommandLine.arguments.dropFirst(2))).run() } catch {
        FileHandle.standardError.write(Data("reconcile-bench: \(error)\n".utf8))
        exit(1)
    }
    exit(0)
}

let applyMode = CommandLine.arguments.dropFirst().first == "apply"
let options: BenchOptions
do { options = try BenchOptions.parse(Array(CommandLine.arguments.dropFirst(applyMode ? 2 : 1)), applyMode: applyMode) } catch {
    FileHandle.standardError.write(Data("reconcile-bench: \(error)\n".utf8))
    exit(64)
}

if applyMode {
    do { try ApplyBenchmark(options: options).run() } catch {
        FileHandle.standardError.write(Data("reconcile-bench: \(error)\n".utf8))
        exit(1)
    }
    exit(0)
}

do {
    try Benchmark(options: options).run()
} catch {
    FileHandle.standardError.write(Data("reconcile-bench: \(error)\n".utf8))
    exit(1)
}

struct Benchmark {
    var options: BenchOptions

    func run() throws {
        let reconcile = options.reconcile!
        guard FileManager.default.isExecutableFile(atPath: reconcile) else { throw BenchError("\(reconcile) is not an executable") }
        let work = options.workDirectory ?? NSTemporaryDirectory() + "reconcile-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { if !options.keep && options.workDirectory == nil { try? FileManager.default.removeItem(atPath: work) } }
        let repo = work + "/repo"
        let scratch = work + "/out"

        // 1. The config repository.
        var started = Subprocess.now()
        let workload = Workload(objects: options.objects, namespaces: options.namespaces)
        try workload.write(to: repo)
        log("generated \(options.objects) objects in \(options.namespaces) namespaces under \(repo) (\(format(Subprocess.now() - started)))")

        // 2. The cluster, as `reconcile apply` would have left it.
        started = Subprocess.now()
        let server = try TestAPIServer()
        try server.start()
        defer { server.stop() }
        try Seeder.seedNamespacesAndServices(workload, into: server)
        let seeded = try Seeder.seedApplied(repository: repo, into: server)
        let kubeconfig = work + "/kubeconfig"
        try server.kubeconfig(user: .token("test-token")).write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        log("seeded \(seeded) applied objects, \(workload.namespaces.count) namespaces and \(workload.services.count) Services into \(server.url) (\(format(Subprocess.now() - started)))")

        if options.latency > 0 {
            server.inject(Fault(times: Int.max, action: .delay(options.latency / 1000)))
            log("every request is delayed \(options.latency) ms by the server")
        }
        if options.serve {
            log("serving \(server.url); try:\n  \(reconcile) plan --repo \(repo) --kubeconfig \(kubeconfig) --detailed-exitcode\nCtrl-C to stop")
            while true { sleep(3600) }
        }

        let planArguments = ["plan", "--repo", repo, "--kubeconfig", kubeconfig, "--detailed-exitcode", "--color", "never"]
        func measure(_ executable: String, _ arguments: [String], label: String) throws -> Sample {
            server.clearRequests()
            let serverBefore = selfCPU()
            let run = try Subprocess.run(executable, arguments, outputPrefix: scratch + "-" + label)
            let serverCPU = selfCPU() - serverBefore
            let requests = RequestTally(server.requests)
            if run.signal != 0 { throw BenchError("\(label): \(executable) died of signal \(run.signal)\n\(run.stderr.suffix(2000))") }
            return Sample(wall: run.wall, cpu: run.cpu, maxRSS: run.maxRSS, serverCPU: serverCPU, requests: requests, exitCode: run.exitCode)
        }
        func summaryLine(_ label: String) -> String {
            let text = (try? String(contentsOfFile: scratch + "-" + label + ".stdout", encoding: .utf8)) ?? ""
            return text.split(separator: "\n").last { $0.hasPrefix("Plan:") || $0.hasPrefix("No changes") }.map(String.init) ?? "(no summary line)"
        }
        func tail(_ label: String) -> String {
            let out = (try? String(contentsOfFile: scratch + "-" + label + ".stdout", encoding: .utf8)) ?? ""
            let err = (try? String(contentsOfFile: scratch + "-" + label + ".stderr", encoding: .utf8)) ?? ""
            return String(out.suffix(1500)) + "\n" + String(err.suffix(1500))
        }
        var notes: [String] = []

        // a. No-change plan (after one unmeasured warm-up run: page cache, kubectl-free).
        let warm = try measure(reconcile, planArguments, label: "warmup")
        if warm.exitCode != 0 { notes.append("warm-up plan exited \(warm.exitCode), expected 0 (no changes):\n\(tail("warmup"))") }
        var noChange: [Sample] = []
        for i in 1...options.repeats {
            let sample = try measure(reconcile, planArguments, label: "plan-nochange")
            noChange.append(sample)
            log("no-change plan \(i)/\(options.repeats): \(format(sample.wall)), exit \(sample.exitCode), \(sample.requests.total) requests; \(summaryLine("plan-nochange"))")
            if sample.exitCode != 0 { notes.append("no-change plan exited \(sample.exitCode), expected 0:\n\(tail("plan-nochange"))") }
        }
        let planLog = server.requests
        let queries = ListQuery.from(planLog)

        // b. The same plan with objects edited in git.
        let edited = try workload.edit(options.changed, in: repo)
        var changed: [Sample] = []
        var changedSummary = ""
        for i in 1...options.repeats {
            let sample = try measure(reconcile, planArguments, label: "plan-changed")
            changed.append(sample)
            changedSummary = summaryLine("plan-changed")
            log("\(edited.count)-changed plan \(i)/\(options.repeats): \(format(sample.wall)), exit \(sample.exitCode), \(sample.requests.total) requests; \(changedSummary)")
            if sample.exitCode != 2 { notes.append("plan with \(edited.count) changed exited \(sample.exitCode), expected 2:\n\(tail("plan-changed"))") }
        }
        if !changedSummary.contains("\(edited.count) to update") {
            notes.append("the changed plan's summary is \"\(changedSummary)\", expected \(edited.count) to update")
        }
        _ = try workload.edit(options.changed, in: repo, edited: false)

        // c. kubectl diff --server-side of the same manifests.
        var kubectlDiff: Figures?
        let kubectlRuns = options.kubectlRepeats ?? options.repeats
        if options.skipKubectlDiff || kubectlRuns == 0 {
            notes.append("kubectl diff skipped (--skip-kubectl-diff or --kubectl-repeat 0)")
        } else if !FileManager.default.isExecutableFile(atPath: options.kubectl) {
            notes.append("kubectl diff skipped: \(options.kubectl) not found (pass --kubectl PATH)")
        } else {
            var arguments = ["diff", "--server-side", "-R", "--kubeconfig", kubeconfig, "--cache-dir", work + "/kubectl-cache"]
            for kind in Workload.kinds { arguments += ["-f", repo + "/" + kind.directory] }
            var samples: [Sample] = []
            for i in 1...kubectlRuns {
                let sample = try measure(options.kubectl, arguments, label: "kubectl-diff")
                samples.append(sample)
                log("kubectl diff \(i)/\(kubectlRuns): \(format(sample.wall)), exit \(sample.exitCode), \(sample.requests.total) requests (\(sample.requests.summary))")
                if sample.exitCode != 0 { notes.append("kubectl diff exited \(sample.exitCode), expected 0 (no differences):\n\(tail("kubectl-diff").suffix(1200))") }
            }
            kubectlDiff = Figures(name: "kubectl diff --server-side -R", samples: samples)
        }

        // d. The raw LIST floor.
        var floor: [FloorRun] = []
        for i in 1...options.repeats {
            server.clearRequests()
            floor.append(try ListFloor.inProcess(queries, server: server, token: "test-token"))
            log("LIST floor (libcurl, 8 in flight) \(i)/\(options.repeats): \(format(floor.last!.wall)), \(floor.last!.pages) pages, \(formatBytes(floor.last!.bytes))")
        }
        var rawFloor: [FloorRun] = []
        if FileManager.default.isExecutableFile(atPath: options.kubectl) {
            for i in 1...options.repeats {
                rawFloor.append(try ListFloor.kubectlRaw(queries, kubectl: options.kubectl, kubeconfig: kubeconfig, scratch: scratch + "-raw"))
                log("LIST floor (kubectl get --raw, sequential) \(i)/\(options.repeats): \(format(rawFloor.last!.wall)), \(rawFloor.last!.pages) pages")
            }
        }

        Report(options: options, objects: seeded, kinds: queries.count, queries: queries,
               noChange: Figures(name: "reconcile plan, no change", samples: noChange),
               changed: Figures(name: "reconcile plan, \(edited.count) changed", samples: changed), changedCount: edited.count,
               kubectlDiff: kubectlDiff, floor: floor, rawFloor: rawFloor, notes: notes).print()
        log("stopping the test API server")
    }
}
