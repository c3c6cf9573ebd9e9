#!/usr/bin/env bash
# The plan benchmark of issue 4: builds `reconcile` and `reconcile-bench` in release mode and runs
# the benchmark (docs/benchmarks.md).
#
#   scripts/benchmark.sh [--objects N] [--namespaces M] [--repeat R] [--changed C]
#                        [--kubectl PATH] [--kubectl-repeat K] [--skip-kubectl-diff] [--keep]
#
# Defaults: 10,000 objects across 500 namespaces, 3 runs of each measurement (medians reported),
# 100 objects edited for the changed plan, kubectl at /usr/bin/kubectl (skipped if absent).
# SCRATCH_PATH (default .build-bench) is the SwiftPM build directory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scratch="${SCRATCH_PATH:-$root/.build-bench}"
cd "$root"

echo "» building reconcile and reconcile-bench (release) in $scratch" >&2
swift build -c release --scratch-path "$scratch" --product reconcile >&2
swift build -c release --scratch-path "$scratch" --product reconcile-bench >&2
bin="$(swift build -c release --scratch-path "$scratch" --show-bin-path)"

exec "$bin/reconcile-bench" --reconcile "$bin/reconcile" "$@"
