#!/usr/bin/env bash
# Issue 15's stress test through the public CLI: many live plans of repositories with bad,
# good and large input, 4 at a time, against the in-process test API server over TLS with a
# client certificate. Each must exit with its documented code (1 for bad input, 2 for changes
# with --detailed-exitcode), print its error, and never crash or hang; SIGINT and SIGTERM
# mid-plan must exit 130 and 143 within seconds.
#
#   scripts/stress.sh [--runs N] [--asan]
#
# --runs N   plans per repository (default 200; the large one runs N/4 times)
# --asan     run a `reconcile` built with AddressSanitizer (in .build-asan), so a memory error
#            on any exit path fails the run even when it would not crash a release build
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
runs=200
asan=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --asan) asan=1; shift ;;
    *) echo "usage: scripts/stress.sh [--runs N] [--asan]" >&2; exit 2 ;;
  esac
done
swift build --build-tests >&2
binary="$(swift build --show-bin-path)/reconcile"
if [ "$asan" = 1 ]; then
  echo "» building reconcile with AddressSanitizer in .build-asan" >&2
  swift build --product reconcile -Xswiftc -sanitize=address --scratch-path .build-asan >&2
  binary="$(swift build --scratch-path .build-asan --show-bin-path)/reconcile"
fi
echo "» $runs plans per repository with $binary" >&2
RECONCILE_BINARY="$binary" RECONCILE_STRESS_RUNS="$runs" swift test --skip-build --filter ExitStressTests
