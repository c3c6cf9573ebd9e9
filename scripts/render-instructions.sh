#!/usr/bin/env bash
# Counts the instructions it takes to render a config repository and run the offline analyzers,
# with valgrind's callgrind: a deterministic figure for comparing two builds of the YAML parser
# or the renderer on a machine whose timings swing by 25% (docs/benchmarks.md, sixth round).
#
#   scripts/render-instructions.sh DIR [--time N]
#
# DIR is a config repository (e.g. the one `scripts/benchmark.sh --keep` or
# `reconcile-bench --work-dir DIR --serve` generates, at DIR/repo). `--time N` skips valgrind and
# prints the best of N timed passes instead. The harness links the YAML and ReconcileCore modules
# of this checkout (symlinked into a throwaway package under .build-harness), not the whole tool:
# valgrind 3.19 cannot read the reconcile binary's debug information.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo="${1:?usage: scripts/render-instructions.sh DIR [--time N]}"
repo="$(cd "$repo" && pwd)"
harness="$root/.build-harness"

mkdir -p "$harness/Sources/render-harness"
for module in CYAML YAML ReconcileCore; do ln -sfn "$root/Sources/$module" "$harness/Sources/$module"; done
cat > "$harness/Package.swift" <<'SWIFT'
// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "render-harness",
    targets: [
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1"),
        .target(name: "YAML", dependencies: ["CYAML"]),
        .target(name: "ReconcileCore", dependencies: ["YAML"], swiftSettings: [.enableUpcomingFeature("ExistentialAny")]),
        .executableTarget(name: "render-harness", dependencies: ["YAML", "ReconcileCore"]),
    ]
)
SWIFT
cat > "$harness/Sources/render-harness/main.swift" <<'SWIFT'
import Foundation
import ReconcileCore

// Renders the repository (select, outline, render) and runs the offline analyzers, `passes`
// times; prints the best time of each part.
let root = CommandLine.arguments[1]
let passes = max(1, Int(CommandLine.arguments.dropFirst(2).first ?? "1") ?? 1)
var files: [SourceFile] = []
for case let path as String in FileManager.default.enumerator(atPath: root)! where path.hasSuffix(".yaml") || path.hasSuffix(".yml") {
    files.append(SourceFile(path: path, bytes: Array(FileManager.default.contents(atPath: root + "/" + path)!)))
}
var best = (render: Double.infinity, analyze: Double.infinity)
for _ in 0..<passes {
    let start = DispatchTime.now().uptimeNanoseconds
    let renderer = Renderer(defaultInstance: "harness")
    let selection = try renderer.select(files)
    _ = renderer.outline(selection)
    let desired = try renderer.render(selection)
    let rendered = DispatchTime.now().uptimeNanoseconds
    let findings = Analyzers.run(AnalysisInput.offline(desired))
    let analyzed = DispatchTime.now().uptimeNanoseconds
    best = (min(best.render, Double(rendered - start) / 1e9), min(best.analyze, Double(analyzed - rendered) / 1e9))
    print("\(files.count) files, \(desired.objects.count) objects, \(findings.count) findings")
}
print(String(format: "render %.3f s, analyzers %.3f s (best of %d)", best.render, best.analyze, passes))
SWIFT

echo "» building the harness (release) in $harness" >&2
swift build -c release --package-path "$harness" >&2
binary="$harness/.build/release/render-harness"

if [[ "${2:-}" == "--time" ]]; then
    exec "$binary" "$repo" "${3:-5}"
fi
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install -y valgrind), or use --time N" >&2; exit 1; }
out="$harness/callgrind.out"
valgrind --tool=callgrind --callgrind-out-file="$out" "$binary" "$repo" 1 2>&1 | grep -E "refs|files" >&2
callgrind_annotate --inclusive=yes "$out" 2>/dev/null \
    | grep -E "YAMLParserO5parse_4file|RendererV6renderyAA12DesiredStateVAC9Selection|ManifestLoaderV4load|AnalyzersO3run|RendererV7outline" \
    | grep -v "^ *[0-9,]* .*\[" | head -8 >&2 || true
