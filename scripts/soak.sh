#!/usr/bin/env bash
# Controller soak (issue 16, "Done when"): `reconcile run` watching N objects that are already
# applied (every pass a no-change plan), for a while, sampling its resident memory. Uses the
# benchmark's generator and in-process test API server (`reconcile-bench --serve`).
#
#   scripts/soak.sh [--objects N] [--namespaces M] [--minutes T] [--interval 10s] [--sample S]
#
# Defaults: 10,000 objects in 500 namespaces, 30 minutes, a pass every 10 s, a sample every 30 s.
# Prints one line per sample: elapsed seconds, passes so far (reconcile_runs_total), RSS in MiB.
# Release build with the Swift runtime linked statically, as the image ships it (.build-bench).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
objects=10000 namespaces=500 minutes=30 interval=10s sample=30
while [ $# -gt 0 ]; do
  case "$1" in
    --objects) objects="$2"; shift 2 ;;
    --namespaces) namespaces="$2"; shift 2 ;;
    --minutes) minutes="$2"; shift 2 ;;
    --interval) interval="$2"; shift 2 ;;
    --sample) sample="$2"; shift 2 ;;
    *) echo "usage: scripts/soak.sh [--objects N] [--namespaces M] [--minutes T] [--interval 10s] [--sample S]" >&2; exit 2 ;;
  esac
done
scratch="${SCRATCH_PATH:-$root/.build-bench}"
flags=(-c release --scratch-path "$scratch" --static-swift-stdlib)
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  swift build "${flags[@]}" --product reconcile >&2
  swift build "${flags[@]}" --product reconcile-bench >&2
fi
bin="$(swift build "${flags[@]}" --show-bin-path)"
work="$(mktemp -d)"
server_pid="" controller_pid=""
cleanup() {
  [ -n "$controller_pid" ] && kill "$controller_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$bin/reconcile-bench" --reconcile "$bin/reconcile" --objects "$objects" --namespaces "$namespaces" \
  --work-dir "$work" --serve 2> "$work/server.log" &
server_pid=$!
for _ in $(seq 1 600); do grep -q "serving" "$work/server.log" 2>/dev/null && break; sleep 1; done
grep -q "serving" "$work/server.log" || { cat "$work/server.log" >&2; echo "the test API server did not start" >&2; exit 1; }

port=18080
"$bin/reconcile" run --repo "$work/repo" --kubeconfig "$work/kubeconfig" --namespace default \
  --interval "$interval" --listen "127.0.0.1:$port" --identity soak --log-format json 2> "$work/controller.log" &
controller_pid=$!
echo "# soak: $objects objects, a pass every $interval, $minutes min; columns: seconds passes rss_mib" >&2
start=$(date +%s)
end=$((start + minutes * 60))
while [ "$(date +%s)" -lt "$end" ]; do
  sleep "$sample"
  kill -0 "$controller_pid" 2>/dev/null || { tail -20 "$work/controller.log" >&2; echo "the controller exited" >&2; exit 1; }
  rss_kib=$(awk '/^VmRSS:/ {print $2}' "/proc/$controller_pid/status")
  passes=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^reconcile_runs_total/ {sum += $NF} END {print sum + 0}')
  awk -v t="$(( $(date +%s) - start ))" -v p="$passes" -v r="$rss_kib" 'BEGIN { printf "%d %d %.1f\n", t, p, r / 1024 }'
done
