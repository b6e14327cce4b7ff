#!/usr/bin/env bash
# Diversity-metric throughput, DivTune vs the Python `diversity` 0.2.0 package, in one run:
# 1000 prompts x 4 samples x 500 words (the paper's evaluation scale), median of REPEATS timings.
# The peer's homogenization (pure-Python ROUGE-L) takes seconds per prompt, so it is timed on the
# first HOM_PROMPTS prompts; ratios compare texts per second.
#
#   scripts/bench/metrics.sh          (after `make build`; PYTHON: an interpreter with the peer packages)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
REPEATS="${REPEATS:-3}"
HOM_PROMPTS="${HOM_PROMPTS:-10}"
BIN="${DIVTUNE:-$ROOT/.build/release/divtune}"
[ -x "$BIN" ] || { echo "build first: swift build -c release --product divtune" >&2; exit 1; }
DIVTUNE_NO_PROGRESS=1 "$BIN" bench metrics --python "$PYTHON" --repeats "$REPEATS" --peer-homogenization-prompts "$HOM_PROMPTS" "$@"
