#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/, docs/fuzzing.md) with AddressSanitizer into .build-fuzz and
# runs each for SECONDS from the committed seed corpus, one after another; new corpus inputs go to
# .build-fuzz/corpus/<target> and findings to .build-fuzz/findings/<target> (outside git).
# A crash, a hang (an input over 1 s, see fuzz_one), running out of memory (2 GB) or a leak fails the run.
#
#   scripts/fuzz.sh [SECONDS] [TARGET…]        (make fuzz FUZZ_SECONDS=N; make test runs 5 s each)
#   FUZZ_RUNS=1000000 scripts/fuzz.sh 7200 …    (a campaign: each target stops at FUZZ_RUNS executions or SECONDS)
#
# Prints one line per target: executions, executions per second, corpus size, timeouts found
# spurious on replay, and the result.
# Reproduce a finding without the sanitizer: swift run FuzzX .build-fuzz/findings/FuzzX/crash-…
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
SECONDS_EACH="${1:-${FUZZ_SECONDS:-60}}"
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(FuzzGGUF FuzzSafetensors FuzzTokenizerJSON FuzzTokenize FuzzChatTemplate FuzzImport
                                     FuzzPrepare FuzzServerRequest FuzzModelConfig)
# The largest input each target is given: the GGUF and tokenizer.json seeds are near 30 KB.
max_len() { case "$1" in FuzzGGUF|FuzzTokenizerJSON) echo 65536 ;; FuzzChatTemplate|FuzzImport|FuzzPrepare) echo 8192 ;; *) echo 4096 ;; esac; }

# AddressSanitizer's bookkeeping, not the parsers, took most of the time per input (docs/fuzzing.md §3):
# a stack trace recorded for every malloc and free, and 256 MB of freed memory held in quarantine (fresh
# pages faulted in and zeroed). Two frames of allocation context and a 16 MB quarantine cut the CPU time
# per input by a third to a half; the trace of a crash itself stays whole.
export ASAN_OPTIONS="${ASAN_OPTIONS:-malloc_context_size=2:quarantine_size_mb=16}"
SCRATCH=.build-fuzz
mkdir -p "$SCRATCH"
# The libFuzzer runtime's duplicate `main` stops gold (SwiftPM's default on Linux); lld links it.
LLD="$(dirname "$(readlink -f "$(command -v swift)")")/ld.lld"
printf '{"schemaVersion": "1.0", "linker": {"path": "%s"}}\n' "$LLD" > "$SCRATCH/toolset.json"
for target in "${TARGETS[@]}"; do
    [ -n "${FUZZ_SKIP_BUILD:-}" ] && break   # FUZZ_SKIP_BUILD=1: run what .build-fuzz holds
    swift build -c release --scratch-path "$SCRATCH" --toolset "$SCRATCH/toolset.json" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING --product "$target" 2>&1 | grep -E "error|warning: unre|complete" >&2
done
for target in "${TARGETS[@]}"; do
    [ -x "$SCRATCH/release/$target" ] || { echo "fuzz: building $target failed" >&2; exit 1; }
done

# CPU seconds (user + system) the target spends replaying file $2, or "hang" when the replay does
# not end within 60 s of wall time (timeout kills time and the target, and no CPU line is printed).
cpu_seconds() {
    local line
    line=$(timeout 60 /usr/bin/time -f "CPU %U %S" "$SCRATCH/release/$1" -timeout=0 "$2" 2>&1 >/dev/null | grep '^CPU ' | tail -1)
    if [ -n "$line" ]; then echo "$line" | awk '{ print $2 + $3 }'; else echo hang; fi
}

# One target for $2 seconds. libFuzzer's 1-second timeout is wall-clock time, so on a loaded machine
# a quick input can be stopped while it waits for a core. A timeout input is replayed alone and its
# CPU time compared with a replay of the empty input (the target's start: loading models): only an
# input that costs over 1 s of CPU more is a hang; otherwise it is set aside as "spurious" and
# fuzzing resumes for the time left.
fuzz_one() {
    local target=$1 left=$2 corpus="$SCRATCH/corpus/$1" findings="$SCRATCH/findings/$1" log
    mkdir -p "$corpus" "$findings/spurious" "$SCRATCH/logs"
    runs=0 rate=0 spurious=0 result=ok
    while [ "$left" -gt 0 ]; do
        local limit=()
        if [ -n "${FUZZ_RUNS:-}" ]; then
            [ "$runs" -lt "$FUZZ_RUNS" ] || return 0
            limit=(-runs=$((FUZZ_RUNS - runs)))
        fi
        log="$SCRATCH/logs/$target-$(date +%Y%m%d-%H%M%S).log"
        local began=$SECONDS
        "$SCRATCH/release/$target" "$corpus" "Fuzz/corpus/$target" -max_total_time="$left" -timeout=1 \
            -rss_limit_mb=2048 -max_len="$(max_len "$target")" -artifact_prefix="$findings/" -print_final_stats=1 \
            -close_fd_mask=1 "${limit[@]}" > "$log" 2>&1
        local status=$?
        left=$((left - (SECONDS - began)))
        # A failing run prints its statistics twice (again after the sanitizer's report): count them once.
        runs=$((runs + $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo 0)))
        rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo "$rate")
        [ $status -eq 0 ] && return 0
        local input; input=$(grep -o "Test unit written to .*" "$log" | sed 's/Test unit written to //' | tail -1)
        if grep -q "ERROR: libFuzzer: timeout" "$log" && [ -f "$input" ]; then
            local empty="$SCRATCH/empty-input" start cost
            : > "$empty"
            start=$(cpu_seconds "$target" "$empty"); cost=$(cpu_seconds "$target" "$input")
            echo "replay: $cost s of CPU for the input, $start s for the empty input" > "$log.replay"
            if [ "$cost" != hang ] && [ "$start" != hang ] && awk -v c="$cost" -v s="$start" 'BEGIN { exit !(c - s <= 1) }'; then
                spurious=$((spurious + 1)); mv "$input" "$findings/spurious/"; continue
            fi
        fi
        result="FAILED ($(grep -m1 -oE 'ERROR: libFuzzer: [a-z-]+|ERROR: AddressSanitizer: [a-z-]+|Fatal error' "$log" || echo "exit $status")): $input, $log"
        return 1
    done
}

failed=0
printf '%-18s %12s %9s %8s %9s  %s\n' target executions exec/s corpus spurious result
for target in "${TARGETS[@]}"; do
    fuzz_one "$target" "$SECONDS_EACH" || failed=1
    printf '%-18s %12s %9s %8s %9s  %s\n' "$target" "$runs" "$rate" "$(ls "$SCRATCH/corpus/$target" | wc -l)" "$spurious" "$result"
done
exit $failed
