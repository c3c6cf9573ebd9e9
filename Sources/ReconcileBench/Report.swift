import Foundation

/// The table and the target checks printed at the end of a run.
struct Report {
    var options: BenchOptions
    var objects: Int
    var kinds: Int
    var queries: [ListQuery]
    var noChange: Figures
    var changed: Figures
    var changedCount: Int
    var kubectlDiff: Figures?
    var floor: [FloorRun]
    var rawFloor: [FloorRun]
    var notes: [String]

    func print() {
        let floorWall = median(floor.map(\.wall))
        let rawWall = rawFloor.isEmpty ? nil : median(rawFloor.map(\.wall))
        let pages = floor.first?.pages ?? 0
        let maxPages = floor.first?.maxPages ?? 0
        var out = "\n## reconcile-bench: \(objects) objects, \(options.namespaces) namespaces, median of \(options.repeats) run(s), \(ProcessInfo.processInfo.activeProcessorCount) CPUs\(options.latency > 0 ? ", +\(options.latency) ms per request" : "")\n\n"
        out += "| measurement | wall | runs | CPU (user+sys) | peak RSS | server CPU | requests |\n"
        out += "|---|---|---|---|---|---|---|\n"
        func row(_ f: Figures) -> String {
            "| \(f.name) | \(format(f.wall)) | \(f.runs) | \(f.cpu.map(format) ?? "–") | \(f.maxRSS.map(formatBytes) ?? "–") | \(format(f.serverCPU)) | \(f.requests.total) (\(f.requests.summary)) |\n"
        }
        out += row(noChange)
        out += row(changed)
        if let kubectlDiff { out += row(kubectlDiff) }
        out += "| raw LIST floor, libcurl, 8 in flight | \(format(floorWall)) | \(floor.map { format($0.wall) }.joined(separator: ", ")) | – | – | – | \(pages) LIST (\(formatBytes(floor.first?.bytes ?? 0))) |\n"
        if let rawWall {
            out += "| raw LIST floor, kubectl get --raw, one page per process | \(format(rawWall)) | \(rawFloor.map { format($0.wall) }.joined(separator: ", ")) | – | – | – | \(rawFloor.first?.pages ?? 0) LIST |\n"
        }
        out += "\nLISTs (\(queries.count) collections, limit 500): " + queries.map(\.description).joined(separator: ", ") + "\n"

        out += "\n### Targets\n\n"
        func check(_ ok: Bool, _ text: String) { out += "- [\(ok ? "x" : " ")] \(ok ? "met" : "MISSED"): \(text)\n" }
        if let kubectlDiff {
            let ratio = kubectlDiff.wall / noChange.wall
            check(ratio >= 50, String(format: "no-change plan ≥ 50× faster than kubectl diff: %.1f× (%@ vs %@)", ratio, format(noChange.wall), format(kubectlDiff.wall)))
        } else {
            out += "- [ ] not measured: no-change plan ≥ 50× faster than kubectl diff (kubectl diff skipped)\n"
        }
        let floorRatio = noChange.wall / floorWall
        check(floorRatio <= 1.5, String(format: "no-change plan ≤ 1.5× the raw LIST floor (libcurl): %.2f× (%@ vs %@)", floorRatio, format(noChange.wall), format(floorWall)))
        if let rawWall {
            let rawRatio = noChange.wall / rawWall
            check(rawRatio <= 1.5, String(format: "no-change plan ≤ 1.5× the raw LIST floor (kubectl get --raw): %.2f× (%@ vs %@)", rawRatio, format(noChange.wall), format(rawWall)))
        }
        let a = noChange.requests
        check(a.lists <= kinds * maxPages && a.total - a.discovery <= kinds * maxPages,
              "no-change requests ≤ kinds × pages: \(a.total - a.discovery) non-discovery requests (\(a.lists) LIST pages) ≤ \(kinds) collections × \(maxPages) pages = \(kinds * maxPages); plus \(a.discovery) discovery")
        check(a.lists <= pages && a.total - a.discovery == a.lists,
              "no-change requests = exactly the LIST pages (Σ ⌈items/500⌉ over the listed collections = \(pages)): \(a.lists) LIST, \(a.total - a.discovery - a.lists) other, plus \(a.discovery) discovery")
        let b = changed.requests
        check(b.total - b.discovery <= pages + changedCount,
              "with \(changedCount) changed, requests ≤ LISTs + \(changedCount): \(b.total - b.discovery) (\(b.lists) LIST + \(b.dryRuns) dry-run + \(b.total - b.discovery - b.lists - b.dryRuns) other) ≤ \(pages) + \(changedCount); plus \(b.discovery) discovery")
        if !notes.isEmpty {
            out += "\n### Notes\n\n" + notes.map { "- " + $0.replacingOccurrences(of: "\n", with: "\n  ") }.joined(separator: "\n") + "\n"
        }
        Swift.print(out)
    }
}
