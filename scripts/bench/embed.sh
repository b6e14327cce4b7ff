#!/usr/bin/env bash
# Sentence-embedding throughput, DivTune vs sentence-transformers (PyTorch CPU), in one run:
# all-MiniLM-L6-v2, 256 texts of 128 tokens, batch 32, 2 threads, 3 timed passes each (medians).
#
#   scripts/bench/embed.sh            (after `make build`; PYTHON: an interpreter with torch and sentence-transformers)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
THREADS="${THREADS:-2}"
REPEATS="${REPEATS:-3}"
BIN="${DIVTUNE:-$ROOT/.build/release/divtune}"
[ -x "$BIN" ] || { echo "build first: swift build -c release --product divtune" >&2; exit 1; }
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

ours="$("$BIN" bench embed --threads "$THREADS" --repeats "$REPEATS" --dump-texts "$TMP/texts.jsonl" --json)"
# A failed peer is reported with the end of its stderr (the import error or traceback), as `divtune bench` does.
if ! peer="$(OMP_NUM_THREADS="$THREADS" MKL_NUM_THREADS="$THREADS" "$PYTHON" "$ROOT/scripts/bench/embed_peer.py" \
        --texts "$TMP/texts.jsonl" --threads "$THREADS" --repeats "$REPEATS" 2>"$TMP/peer.stderr")"; then
  echo "DivTune: $ours"
  { echo "peer sentence-transformers (scripts/bench/embed_peer.py) failed:"; tail -n 15 "$TMP/peer.stderr"; } >&2
  exit 1
fi

"$PYTHON" - "$ours" "$peer" <<'PY'
import json, sys
ours, peer = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"all-MiniLM-L6-v2, {ours['texts']} texts x 128 tokens, batch {ours['batch_size']}, {ours['threads']} threads, median of {len(ours['seconds'])}")
print("| system | median s | texts/s |")
print("|---|---:|---:|")
for r in (ours, peer):
    print(f"| {r['system']} | {r['median_seconds']:.3f} | {r['texts_per_second']:.1f} |")
print(f"DivTune / sentence-transformers: {ours['texts_per_second'] / peer['texts_per_second']:.2f}x")
PY
