import Foundation
#if canImport(Glibc)
import Glibc
#endif
import KubeTestServer

/// Requests the server saw during one measured run, by purpose.
struct RequestTally {
    var total = 0
    /// Collection GETs with `limit` (each page counts).
    var lists = 0
    /// `/api`, `/apis`, `/api/v1`, `/apis/<group>/<version>`, `/openapi/...`.
    var discovery = 0
    /// Server-side dry-run PATCHes.
    var dryRuns = 0
    /// Object GETs (kubectl diff reads each object before its dry-run).
    var gets = 0
    var other = 0

    init() {}

    init(_ requests: [RecordedRequest]) {
        for request in requests {
            total += 1
            let parts = request.path.split(separator: "/")
            if request.method == "GET" && request.query["limit"] != nil {
                lists += 1
            } else if request.method == "GET" && (request.path.hasPrefix("/openapi") || parts.first == "api" && parts.count <= 2 || parts.first == "apis" && parts.count <= 3) {
                discovery += 1
            } else if request.method == "PATCH" && request.query["dryRun"] != nil {
                dryRuns += 1
            } else if request.method == "GET" {
                gets += 1
            } else {
                other += 1
            }
        }
    }

    var summary: String {
        var parts = ["\(lists) LIST"]
        if discovery > 0 { parts.append("\(discovery) discovery") }
        if gets > 0 { parts.append("\(gets) GET") }
        if dryRuns > 0 { parts.append("\(dryRuns) dry-run") }
        if other > 0 { parts.append("\(other) other") }
        return parts.joined(separator: " + ")
    }
}

/// One measured run of a command against the server.
struct Sample {
    var wall: Double
    var cpu: Double?
    var maxRSS: Int?
    var serverCPU: Double
    var requests: RequestTally
    var exitCode: Int32
}

/// CPU time of this process (the in-process test API server does its work here).
func selfCPU() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// The median of each figure over a scenario's runs (requests: of the median-wall run).
struct Figures {
    var name: String
    var samples: [Sample]

    var wall: Double { median(samples.map(\.wall)) }
    var cpu: Double? { samples.allSatisfy { $0.cpu != nil } ? median(samples.map { $0.cpu! }) : nil }
    var maxRSS: Int? { samples.allSatisfy { $0.maxRSS != nil } ? Int(median(samples.map { Double($0.maxRSS!) })) : nil }
    var serverCPU: Double { median(samples.map(\.serverCPU)) }
    var requests: RequestTally {
        let byWall = samples.sorted { $0.wall < $1.wall }
        return byWall[byWall.count / 2].requests
    }
    var runs: String { samples.map { format($0.wall) }.joined(separator: ", ") }
}

func format(_ seconds: Double) -> String {
    seconds < 10 ? String(format: "%.3f s", seconds) : String(format: "%.1f s", seconds)
}

func formatBytes(_ bytes: Int) -> String { String(format: "%.0f MiB", Double(bytes) / 1_048_576) }
