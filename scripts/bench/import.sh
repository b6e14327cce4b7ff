#!/usr/bin/env bash
# Side-by-side benchmark: `divtune import writingprompts` vs the Python peer (csv/json modules) on the same
# synthetic dump, RUNS alternating runs each, medians of wall and CPU (user+sys) seconds. Checks that both
# outputs are the same JSON before timing.
#   scripts/bench/import.sh [RUNS]        (build first: swift build -c release --product divtune)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-${1:-5}}
PY=${PYTHON:-python3}
BIN=${DIVTUNE:-.build/release/divtune}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
"$PY" scripts/bench/make_writingprompts_dump.py "$DIR"
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
for fmt in jsonl csv; do
  in="$DIR/wp.$fmt"
  "$BIN" import writingprompts --input "$in" --output "$DIR/swift.jsonl" --strip-tag >/dev/null
  "$PY" scripts/bench/import_writingprompts.py "$in" "$DIR/py.jsonl"
  "$PY" -c "import json,sys; a,b=[[json.loads(l) for l in open(f)] for f in sys.argv[1:]]; sys.exit(a!=b)" "$DIR/swift.jsonl" "$DIR/py.jsonl" \
    || { echo "outputs differ for $fmt" >&2; exit 1; }
  : >"$DIR/s.wall"; : >"$DIR/s.cpu"; : >"$DIR/p.wall"; : >"$DIR/p.cpu"
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %U %S" -o "$DIR/t" "$BIN" import writingprompts --input "$in" --output "$DIR/swift.jsonl" --strip-tag >/dev/null
    awk '{print $1 >> "'"$DIR/s.wall"'"; print $2+$3 >> "'"$DIR/s.cpu"'"}' "$DIR/t"
    /usr/bin/time -f "%e %U %S" -o "$DIR/t" "$PY" scripts/bench/import_writingprompts.py "$in" "$DIR/py.jsonl"
    awk '{print $1 >> "'"$DIR/p.wall"'"; print $2+$3 >> "'"$DIR/p.cpu"'"}' "$DIR/t"
  done
  sw=$(median <"$DIR/s.wall"); sc=$(median <"$DIR/s.cpu"); pw=$(median <"$DIR/p.wall"); pc=$(median <"$DIR/p.cpu")
  size=$(du -m "$in" | cut -f1)
  printf '%-5s %4s MB  divtune wall %6.2fs cpu %6.2fs | python wall %6.2fs cpu %6.2fs | speed-up wall %.2fx cpu %.2fx (median of %d)\n' \
    "$fmt" "$size" "$sw" "$sc" "$pw" "$pc" "$(echo "$pw/$sw" | bc -l)" "$(echo "$pc/$sc" | bc -l)" "$RUNS"
done
