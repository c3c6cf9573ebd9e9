import Foundation

/// Command-line options of `reconcile-bench` (parsed by hand: the benchmark links no argument parser).
struct BenchOptions {
    var objects = 10_000
    var namespaces = 500
    var repeats = 3
    /// Runs of `kubectl diff` (each is slow at 10,000 objects); default: `repeats`.
    var kubectlRepeats: Int?
    /// Objects edited in git for the "changed" plan.
    var changed = 100
    var reconcile: String?
    var kubectl = "/usr/bin/kubectl"
    var skipKubectlDiff = false
    var keep = false
    /// Seed the server, print how to reach it, and wait (for profiling `reconcile plan` by hand).
    var serve = false
    /// Added to every request by the test API server, in milliseconds (a stand-in for network round trips).
    var latency: Double = 0
    var workDirectory: String?
    /// `apply` mode: the floor's PATCHes are replayed at each of these concurrencies.
    var applyConcurrencies = [1, 4, 8, 16]

    static let usage = """
    usage: reconcile-bench --reconcile PATH [--objects N] [--namespaces M] [--repeat R]
                           [--changed C] [--kubectl PATH] [--kubectl-repeat K] [--skip-kubectl-diff]
                           [--latency-ms MS] [--work-dir DIR] [--keep] [--serve]

    Generates N objects (VirtualServices, DestinationRules, PeerAuthentications,
    AuthorizationPolicies, NetworkPolicies) across M namespaces as a config repository,
    seeds them into the in-process test API server as `reconcile apply` would have left
    them, and measures `reconcile plan` (no change, and C objects edited in git),
    `kubectl diff --server-side` and the raw LIST floor. See docs/benchmarks.md.
    --latency-ms delays every request by MS at the server (a stand-in for a remote cluster's
    round trips; requests still run concurrently).
    --serve stops after seeding and keeps the server up (for profiling by hand) until killed.

    reconcile-bench apply --reconcile PATH [--objects N] [--namespaces M] [--repeat R] [--changed C]
                          [--concurrency 1,4,8,16] [--kubectl PATH] [--skip-kubectl]
    measures `reconcile apply` of N new objects and of C changed ones, `kubectl apply
    --server-side` of the same, and the floor: reconcile's own apply PATCHes replayed bare at
    each concurrency, each from a fresh test API server. Defaults here: 2,000 objects, 50 namespaces.
    """

    static func parse(_ arguments: [String], applyMode: Bool = false) throws -> BenchOptions {
        var options = BenchOptions()
        if applyMode {
            options.objects = 2_000
            options.namespaces = 50
        }
        var rest = arguments[...]
        func value(_ flag: String) throws -> String {
            guard let next = rest.popFirst() else { throw BenchError("\(flag) needs a value") }
            return next
        }
        func number(_ flag: String, minimum: Int) throws -> Int {
            let text = try value(flag)
            guard let n = Int(text), n >= minimum else { throw BenchError("\(flag) must be an integer ≥ \(minimum), got \(text)") }
            return n
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--objects": options.objects = try number(argument, minimum: 5)
            case "--namespaces": options.namespaces = try number(argument, minimum: 1)
            case "--repeat": options.repeats = try number(argument, minimum: 1)
            case "--kubectl-repeat": options.kubectlRepeats = try number(argument, minimum: 0)
            case "--changed": options.changed = try number(argument, minimum: 1)
            case "--reconcile": options.reconcile = try value(argument)
            case "--kubectl": options.kubectl = try value(argument)
            case "--skip-kubectl-diff", "--skip-kubectl": options.skipKubectlDiff = true
            case "--concurrency":
                let text = try value(argument)
                let values = text.split(separator: ",").compactMap { Int($0) }
                guard !values.isEmpty, values.count == text.split(separator: ",").count, values.allSatisfy({ $0 >= 1 }) else {
                    throw BenchError("--concurrency takes integers ≥ 1 separated by commas, got \(text)")
                }
                options.applyConcurrencies = values
            case "--work-dir": options.workDirectory = try value(argument)
            case "--keep": options.keep = true
            case "--serve": options.serve = true
            case "--latency-ms":
                let text = try value(argument)
                guard let ms = Double(text), ms >= 0 else { throw BenchError("--latency-ms must be a number ≥ 0, got \(text)") }
                options.latency = ms
            case "-h", "--help":
                print(usage)
                exit(0)
            default: throw BenchError("unknown argument \(argument)\n\(usage)")
            }
        }
        guard options.reconcile != nil else { throw BenchError("--reconcile PATH (the release `reconcile` binary) is required\n\(usage)") }
        options.changed = min(options.changed, options.objects)
        return options
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
