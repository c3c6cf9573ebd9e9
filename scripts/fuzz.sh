#!/usr/bin/env bash
# Builds the libFuzzer harnesses (Fuzz/, docs/fuzzing.md) with -sanitize=fuzzer,address and runs
# each for a bounded time on a corpus seeded from the repository (scripts/fuzz-seeds.py).
#
#   scripts/fuzz.sh [--time SECONDS] [--jobs N] [harness...]
#
# harness: yaml json policy kubeconfig watch-lines signatures (default: all, one after another).
# --time: seconds per harness (default 20: CI's smoke). --jobs: parallel libFuzzer workers per
# harness (default 1; give the machine's cores for long runs).
#
# Kept between runs, under the git-ignored .build-fuzz/:
#   .build-fuzz/corpus/<harness>/    inputs libFuzzer found interesting (grows run after run)
#   .build-fuzz/findings/<harness>/  crash-*, leak-*, timeout-*, oom-* inputs: the findings
#   .build-fuzz/logs/<harness>.log   the last run's libFuzzer output
# Exits 1 when any harness found a crash, a leak, a timeout (-timeout per input) or ran out of
# memory (-rss_limit_mb); the last line is `fuzz: N harnesses, M with findings`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
all=(yaml json policy kubeconfig watch-lines signatures)
time=20
jobs=1
harnesses=()
while [ $# -gt 0 ]; do
    case "$1" in
        --time) time="$2"; shift 2 ;;
        --jobs) jobs="$2"; shift 2 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        yaml|json|policy|kubeconfig|watch-lines|signatures) harnesses+=("$1"); shift ;;
        *) echo "fuzz.sh: unknown argument $1 (harnesses: ${all[*]})" >&2; exit 2 ;;
    esac
done
[ ${#harnesses[@]} -gt 0 ] || harnesses=("${all[@]}")

scratch="$root/.build-fuzz"
# The longest input libFuzzer makes, per harness: API bodies and watch streams are long, policy
# expressions shorter (16 KiB reaches far past the expression depth limit, which now stops the
# deep nesting that overflowed the parser's stack).
max_len() {
    case "$1" in
        json|watch-lines) echo 65536 ;;
        yaml) echo 32768 ;;
        kubeconfig|signatures) echo 8192 ;;
        policy) echo 16384 ;;
    esac
}

for harness in "${harnesses[@]}"; do
    echo "» building fuzz-$harness (-sanitize=fuzzer,address) in $scratch" >&2
    # ld.gold warns about every ASan check symbol it cannot export; those lines say nothing.
    swift build -c debug --product "fuzz-$harness" --scratch-path "$scratch" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING 2>&1 \
        | { grep -v -e "Cannot export local symbol" -e "^\[[0-9]*/[0-9]*\]" || true; } >&2
    [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "fuzz.sh: build of fuzz-$harness failed" >&2; exit 1; }
done
bin="$(swift build -c debug --scratch-path "$scratch" --show-bin-path)"

# Seeds are rebuilt from the repository for every run, in a folder of this run's own (two runs
# on different harnesses may share the scratch path).
seeds="$scratch/seeds-$$"
trap 'rm -rf "$seeds"' EXIT
python3 "$root/scripts/fuzz-seeds.py" "$seeds"

# Leak checking is off: Swift keeps enum cases' tags in the spare bits of pointers, so LeakSanitizer
# most likely takes objects reachable only through such a pointer for leaks (the first run reported the
# shipped policies, parsed once into a static, as leaked). Memory growth shows as -rss_limit_mb.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:symbolize=1}"
# Findings are crash-*, leak-*, timeout-*, oom-* (libFuzzer also writes slow-unit-*: not failures).
count() { find "$1" -type f \( -name "crash-*" -o -name "leak-*" -o -name "timeout-*" -o -name "oom-*" \) | wc -l; }
found=0
for harness in "${harnesses[@]}"; do
    corpus="$scratch/corpus/$harness" findings="$scratch/findings/$harness" log="$scratch/logs/$harness.log"
    mkdir -p "$corpus" "$findings" "$(dirname "$log")"
    before=$(count "$findings")
    args=(-max_total_time="$time" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -max_len="$(max_len "$harness")"
          -artifact_prefix="$findings/" -print_final_stats=1 -use_value_profile=1 -detect_leaks=0)
    if [ "$jobs" -gt 1 ]; then args+=(-fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1); fi
    echo "» fuzz-$harness: ${time}s, corpus $corpus, findings $findings" >&2
    status=0
    "$bin/fuzz-$harness" "${args[@]}" "$corpus" "$seeds/$harness" >"$log" 2>&1 || status=$?
    after=$(count "$findings")
    stats=$(grep -E "^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)" "$log" | sed 's/^stat:://' | tr -s ' ' | tr '\n' ' ' || true)
    cov=$(grep -oE "cov: [0-9]+ ft: [0-9]+" "$log" | tail -1 || true)
    if [ "$status" -ne 0 ] || [ "$after" -gt "$before" ]; then
        found=$((found + 1))
        echo "fuzz-$harness: FINDING (exit $status, $((after - before)) new input(s) in $findings); $cov; $stats" >&2
        grep -m1 -A40 -E "^==[0-9]+==ERROR|^Fatal error|deadly signal|Assertion|Precondition|ALARM|out-of-memory|malloc\(" "$log" >&2 || tail -40 "$log" >&2
    else
        echo "fuzz-$harness: ok; $cov; $stats" >&2
    fi
done
echo "fuzz: ${#harnesses[@]} harnesses, $found with findings"
[ "$found" -eq 0 ]
