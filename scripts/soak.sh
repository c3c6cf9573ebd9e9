#!/usr/bin/env bash
# Controller soak (issue 16, "Done when"; issue 18): `reconcile run` watching N objects that are
# already applied (every pass a no-change plan, fetched from a file:// git URL), for a while,
# sampling its resident memory. Uses the
# benchmark's generator and in-process test API server (`reconcile-bench --serve`).
#
#   scripts/soak.sh [--objects N] [--namespaces M] [--minutes T] [--interval 10s] [--sample S]
#                   [--passes K]
#
# Defaults: 10,000 objects in 500 namespaces, 30 minutes, a pass every 10 s, a sample every 30 s.
# Prints one line per sample: elapsed seconds, passes so far (reconcile_runs_total), RSS in MiB.
# With --passes K (issue 18's soak) it runs until K passes instead of T minutes, checks every
# second, and prints `pass P: RSS` when the pass count first reaches 1, 10, 100, 1,000, ... and K,
# then the growth from pass 10 to the last as a percentage. Each line: the RSS the controller
# recorded right after its last pass (between passes: what it keeps), the bytes malloc has
# handed out then, and the lowest and highest RSS of the 1 s samples since the previous line
# (inside passes too).
# Release build with the Swift runtime linked statically, as the image ships it (.build-bench).
# RECONCILE_BIN runs another `reconcile` binary (for example a copy of an earlier build, to
# compare two builds against the same test server code); SKIP_BUILD=1 skips the build.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
objects=10000 namespaces=500 minutes=30 interval=10s sample=30 passes=0
while [ $# -gt 0 ]; do
  case "$1" in
    --objects) objects="$2"; shift 2 ;;
    --namespaces) namespaces="$2"; shift 2 ;;
    --minutes) minutes="$2"; shift 2 ;;
    --interval) interval="$2"; shift 2 ;;
    --sample) sample="$2"; shift 2 ;;
    --passes) passes="$2"; shift 2 ;;
    *) echo "usage: scripts/soak.sh [--objects N] [--namespaces M] [--minutes T] [--interval 10s] [--sample S] [--passes K]" >&2; exit 2 ;;
  esac
done
scratch="${SCRATCH_PATH:-$root/.build-bench}"
flags=(-c release --scratch-path "$scratch" --static-swift-stdlib)
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  swift build "${flags[@]}" --product reconcile >&2
  swift build "${flags[@]}" --product reconcile-bench >&2
fi
bin="$(swift build "${flags[@]}" --show-bin-path)"
reconcile_bin="${RECONCILE_BIN:-$bin/reconcile}"
# As the image runs it (Dockerfile): 64 MiB heap growth, two malloc arenas (docs/controller.md).
export GLIBC_TUNABLES="${GLIBC_TUNABLES:-glibc.malloc.top_pad=67108864:glibc.malloc.arena_max=2}"
work="$(mktemp -d)"
server_pid="" controller_pid=""
cleanup() {
  [ -n "$controller_pid" ] && kill "$controller_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$bin/reconcile-bench" --reconcile "$reconcile_bin" --objects "$objects" --namespaces "$namespaces" \
  --work-dir "$work" --serve 2> "$work/server.log" &
server_pid=$!
for _ in $(seq 1 600); do grep -q "serving" "$work/server.log" 2>/dev/null && break; sleep 1; done
grep -q "serving" "$work/server.log" || { cat "$work/server.log" >&2; echo "the test API server did not start" >&2; exit 1; }

# The repository as the controller meets it in a cluster: a git URL it clones and fetches every
# pass (libgit2's remote and fetch path, and the rendering kept per commit), not a working tree.
git -C "$work/repo" init -q -b main
git -C "$work/repo" add -A
git -C "$work/repo" -c user.name=soak -c user.email=soak@localhost commit -qm "soak objects"
git clone -q --bare "$work/repo" "$work/repo.git"
port=18080
"$reconcile_bin" run --repo "file://$work/repo.git" --ref main --cache-dir "$work/cache" \
  --kubeconfig "$work/kubeconfig" --namespace default \
  --interval "$interval" --listen "127.0.0.1:$port" --identity soak --log-format json 2> "$work/controller.log" &
controller_pid=$!
rss_mib() { awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$controller_pid/status"; }
pass_count() { curl -s "http://127.0.0.1:$port/metrics" | awk '/^reconcile_runs_total/ {sum += $NF} END {print sum + 0}'; }
# The allocator's view, recorded by the controller after each pass (bytes in use vs. free but kept).
resident_mib() { curl -s "http://127.0.0.1:$port/metrics" | awk '$1 == "reconcile_resident_memory_bytes" {printf "%.1f", $2 / 1048576}'; }
heap_mib() { curl -s "http://127.0.0.1:$port/metrics" | awk -v m="reconcile_heap_$1_bytes" '$1 == m {printf "%.1f", $2 / 1048576}'; }
alive() { kill -0 "$controller_pid" 2>/dev/null || { tail -20 "$work/controller.log" >&2; echo "the controller exited" >&2; exit 1; }; }
start=$(date +%s)
if [ "$passes" -gt 0 ]; then
  echo "# soak: $objects objects, a pass every $interval, until $passes passes; RSS when the pass count first reaches each milestone" >&2
  milestone=1 after10="" max10="" low=999999 high=0
  while :; do
    sleep 1
    alive
    done_passes=$(pass_count)
    # The RSS range of the 1 s samples since the last milestone (inside and between passes).
    if [ "$done_passes" -ge 1 ]; then
      now=$(rss_mib)
      low=$(awk -v a="$low" -v b="$now" 'BEGIN { print (b < a ? b : a) }')
      high=$(awk -v a="$high" -v b="$now" 'BEGIN { print (b > a ? b : a) }')
    fi
    while [ "$done_passes" -ge "$milestone" ]; do
      after=$(resident_mib)
      echo "pass $milestone: RSS after the pass ${after} MiB, heap in use $(heap_mib in_use) MiB; sampled since the last line ${low}-${high} MiB ($(( $(date +%s) - start )) s)"
      [ "$milestone" = 10 ] && after10="$after" && max10="$high"
      if [ "$milestone" -ge "$passes" ]; then
        [ -n "$after10" ] && awk -v a="$after10" -v b="$after" -v c="$max10" -v d="$high" -v k="$passes" \
          'BEGIN { printf "growth from pass 10 to pass %d: RSS after a pass %+.1f%%, highest sample %+.1f%%\n", k, (b - a) / a * 100, (d - c) / c * 100 }'
        exit 0
      fi
      low=999999 high=0
      next=$((milestone * 10))
      [ "$next" -gt "$passes" ] && next="$passes"
      milestone="$next"
    done
  done
fi
echo "# soak: $objects objects, a pass every $interval, $minutes min; columns: seconds passes rss_mib" >&2
end=$((start + minutes * 60))
while [ "$(date +%s)" -lt "$end" ]; do
  sleep "$sample"
  alive
  awk -v t="$(( $(date +%s) - start ))" -v p="$(pass_count)" -v r="$(rss_mib)" 'BEGIN { printf "%d %d %s\n", t, p, r }'
done
