#!/usr/bin/env bash
# The test suite under the sanitizers (docs/sanitizers.md), as CI runs it after the plain tests:
#
#   1. address: every test, built with -sanitize=address in .build-asan (the `reconcile` binary
#      the CLI tests start is built the same way, so its runs are checked too);
#   2. thread:  the concurrency-heavy targets, built with -sanitize=thread in .build-tsan.
#
#   3. leaks:   scripts/leakcheck.sh — LeakSanitizer over `reconcile run` (ASan build of 1.): what
#      the controller leaks must not grow with passes (issue 18; libgit2 1.5.1 leaks per lookup).
#
#   scripts/sanitizers.sh [address|thread|leaks]...     (default: all three, in that order)
#
# Each phase's whole output goes to .build-<asan|tsan>/sanitizers.log and its last lines to the
# terminal. Exits 1 when a phase fails; the last line is `sanitizers: N passed, M failed`.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
phases=("$@")
[ ${#phases[@]} -gt 0 ] || phases=(address thread leaks)

# LeakSanitizer is off (ASan's other checks stay on): Debian's libgit2 1.5.1 leaks from its pcre2
# path, and Swift keeps enum tags in pointers' spare bits, which makes
# LSan report objects that are reachable (docs/sanitizers.md). A leak check would report both on
# every run and say nothing about our code's memory safety.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1:abort_on_error=0:print_summary=1:symbolize=1}"
# TSan: report every race (not only the first) and fail the test process with exit code 66 at its
# end; the suppressions file holds only reports proven false, each with its reason.
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=0:exitcode=66:second_deadlock_stack=1:suppressions=$root/scripts/tsan-suppressions.txt}"

# TSan covers the targets where threads meet: the controller loop and leader election, the Kube
# client (watch sessions, retries, exec credential cache), libcurl's blocking executor, and the
# engine's concurrent live reads. The rest is single-threaded parsing and rendering, which ASan
# and the fuzz harnesses cover.
tsan_filter='^(ControllerTests|KubeTests|HTTPTests|ReconcileEngineTests)\.'
# Left out of TSan: the suites that start the `reconcile` binary (built with TSan too, a plan runs
# 5-10x slower and these bound their wall time) and the 146 live bad-input runs, which are
# single-threaded rendering that ASan covers. The rest runs one test at a time (see below).
tsan_skip='^ReconcileEngineTests\.(BadInputLiveTests|ExitStressTests|KillAndRerunTests)/'

# Under ASan the code runs 2-3 times slower, and tests that bound wall time (suite time limits of
# a minute, a retry budget of 30 s measured across a shared blocking executor, "eventually within
# N s" in the controller tests) fail when they share the machine with the rest of the suite,
# without any memory error. So the address phase runs in three groups: everything else in
# parallel, then those suites one test at a time, then the retry-budget suite alone.
# Every suite of ControllerTests waits on a running controller, so that whole target runs in the timed group.
asan_timed='BadInputTests|BadInputLiveTests|KillAndRerunTests|ExitStressTests|CommitVerificationCLITests'
asan_alone='RetryPolicyTests'

passed=0 failed=0 summary=()
run_phase() {
    local name="$1" scratch="$2" flag="$3"; shift 3
    local log="$scratch/sanitizers.log" start status=0 tests=0 group
    mkdir -p "$scratch"
    start=$(date +%s)
    echo "» sanitizers: $name ($flag) in $scratch" >&2
    if ! swift build --build-tests --scratch-path "$scratch" -Xswiftc "$flag" >"$log" 2>&1; then
        status=1
        echo "sanitizers: $name build failed" >&2
    else
        # Each remaining argument is one test group: its swift test options, space-separated.
        for group in "$@"; do
            # shellcheck disable=SC2086  # a group is a list of options
            swift test --skip-build --scratch-path "$scratch" -Xswiftc "$flag" $group >>"$log" 2>&1 || status=$?
            tests=$((tests + $(grep -oE "Test run with [0-9]+ tests?" "$log" | tail -1 | grep -oE "[0-9]+" || echo 0)))
        done
    fi
    local seconds=$(( $(date +%s) - start ))
    grep -E "^==[0-9]+==ERROR|^WARNING: ThreadSanitizer|^SUMMARY: (Address|Thread)Sanitizer" "$log" | sort | uniq -c | head -20 >&2
    grep -E "Test run with|recorded an issue" "$log" | cut -c1-300 | tail -15 >&2
    if [ $status -eq 0 ]; then
        passed=$((passed + 1)); summary+=("$name: $tests tests passed in ${seconds}s")
    else
        failed=$((failed + 1)); summary+=("$name: FAILED (exit $status) after ${seconds}s, see $log")
    fi
}

for phase in "${phases[@]}"; do
    case "$phase" in
        address) run_phase address "$root/.build-asan" -sanitize=address \
            "--parallel --skip ^((ReconcileCLITests|ReconcileEngineTests|KubeTests)\.($asan_timed|$asan_alone)/|ControllerTests\.)" \
            "--no-parallel --filter ^((ReconcileCLITests|ReconcileEngineTests)\.($asan_timed)/|ControllerTests\.)" \
            "--filter ^KubeTests\.($asan_alone)/" ;;
        thread) run_phase thread "$root/.build-tsan" -sanitize=thread "--no-parallel --filter $tsan_filter --skip $tsan_skip" ;;
        leaks)
            start=$(date +%s) log="$root/.build-asan/leakcheck.log"
            mkdir -p "$root/.build-asan"
            echo "» sanitizers: leaks (scripts/leakcheck.sh)" >&2
            if "$root/scripts/leakcheck.sh" >"$log" 2>&1; then
                passed=$((passed + 1)); summary+=("leaks: $(grep -E "^leak growth" "$log") ($(( $(date +%s) - start ))s)")
            else
                failed=$((failed + 1)); summary+=("leaks: FAILED after $(( $(date +%s) - start ))s, see $log")
            fi
            grep -E "^(libgit2|reconcile run|leak growth|leakcheck|skipped)" "$log" >&2 || true ;;
        *) echo "sanitizers.sh: unknown phase $phase (address, thread, leaks)" >&2; exit 2 ;;
    esac
done
printf '  %s\n' "${summary[@]}" >&2
echo "sanitizers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
