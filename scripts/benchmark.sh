#!/usr/bin/env bash
# The plan benchmark of issue 4: builds `reconcile` and `reconcile-bench` in release mode and runs
# the benchmark (docs/benchmarks.md). `scripts/benchmark.sh apply [options]` runs the apply
# benchmark of issue 18 instead (docs/benchmarks.md, "Apply"): defaults 2,000 objects in 50
# namespaces, 100 changed, floors at --concurrency 1,4,8,16, --skip-kubectl to leave kubectl out.
#
#   scripts/benchmark.sh [--objects N] [--namespaces M] [--repeat R] [--changed C]
#                        [--kubectl PATH] [--kubectl-repeat K] [--skip-kubectl-diff] [--keep]
#
# Defaults: 10,000 objects across 500 namespaces, 3 runs of each measurement (medians reported),
# 100 objects edited for the changed plan, kubectl at /usr/bin/kubectl (skipped if absent).
# `scripts/benchmark.sh reachability [--workloads W] [--policies P] [--changed C] [--repeat R]`
# runs the reachability-diff benchmark of issue 22 (defaults 1,000 workloads × 2,000 policies,
# 10 changed; target ≤ 2 s), which needs no cluster and no `reconcile` binary.
# SCRATCH_PATH (default .build-bench) is the SwiftPM build directory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scratch="${SCRATCH_PATH:-$root/.build-bench}"
cd "$root"

# Built as the container image builds it (Dockerfile): the Swift runtime and Foundation linked
# statically, which is what users run. (A dynamically linked build starts ~10 ms slower and
# uses ~6% more CPU per plan: every retain and release is a call through the PLT.)
flags=(-c release --scratch-path "$scratch" --static-swift-stdlib)
if [ "${1:-}" = reachability ]; then
  echo "» building reconcile-bench (release, static Swift runtime) in $scratch" >&2
  swift build "${flags[@]}" --product reconcile-bench >&2
  shift
  exec "$(swift build "${flags[@]}" --show-bin-path)/reconcile-bench" reachability "$@"
fi
echo "» building reconcile and reconcile-bench (release, static Swift runtime) in $scratch" >&2
swift build "${flags[@]}" --product reconcile >&2
swift build "${flags[@]}" --product reconcile-bench >&2
bin="$(swift build "${flags[@]}" --show-bin-path)"

# As the image runs it (Dockerfile): glibc's heap grows 64 MiB at a time, two malloc arenas.
export GLIBC_TUNABLES="${GLIBC_TUNABLES:-glibc.malloc.top_pad=67108864:glibc.malloc.arena_max=2}"
if [ "${1:-}" = apply ]; then
  shift
  exec "$bin/reconcile-bench" apply --reconcile "$bin/reconcile" "$@"
fi
exec "$bin/reconcile-bench" --reconcile "$bin/reconcile" "$@"
