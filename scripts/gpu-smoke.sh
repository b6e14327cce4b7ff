#!/usr/bin/env bash
# GPU smoke test of the torch backend (docs/scale-out.md §7): 20 bf16 DDPO steps of SmolLM2-135M on
# CUDA next to the same 20 steps in fp32 on the CPU, and the two loss curves compared step by step.
# It has not run on a CUDA machine yet; when it has, put its table in the README's scale-out section.
#
# usage: scripts/gpu-smoke.sh [PYTHON]     (PYTHON: the torch stack with CUDA; default .cache/torch-venv/bin/python)
# Needs: a CUDA GPU, the built divtune (make build), the model cache (make models), the gguf package.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${1:-.cache/torch-venv/bin/python}
DIVTUNE=${DIVTUNE:-.build/release/divtune}
OUT=${OUT:-/tmp/divtune-gpu-smoke}
MODEL=.cache/models/SmolLM2-135M-Instruct-hf
export PYTHONPATH="$PWD/python${PYTHONPATH:+:$PYTHONPATH}"

"$PYTHON" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'no CUDA device visible to ' + sys.executable)"
"$PYTHON" scripts/reference/torch_backend_parity.py folder .cache/models/SmolLM2-135M-Instruct-Q4_1/SmolLM2-135M-Instruct.Q4_1.gguf "$MODEL"
rm -rf "$OUT" && mkdir -p "$OUT"
"$DIVTUNE" prepare --input data/train.jsonl --output "$OUT/pairs.jsonl" --deviation semantic

run() {   # run NAME PRECISION [env…]
    local name=$1 precision=$2; shift 2
    env "$@" "$DIVTUNE" train ddpo --backend torch --python "$PYTHON" --model "$MODEL" --data "$OUT/pairs.jsonl" \
        --output "$OUT/$name" --max-steps 20 --batch-size 4 --logging-steps 1 --learning-rate 5e-5 --lora-dropout 0 \
        --precision "$precision" --seed 42
}
run cuda bf16
run cpu fp32 CUDA_VISIBLE_DEVICES=

# bf16 keeps 8 significant bits: the curves should agree to about 1e-2 relative, not to fp32 precision.
"$PYTHON" - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
def losses(name):
    return [json.loads(line)["loss"] for line in open(f"{out}/{name}/metrics.jsonl") if '"loss"' in line]
cuda, cpu = losses("cuda"), losses("cpu")
assert len(cuda) == len(cpu) == 20, (len(cuda), len(cpu))
print("| step | CPU fp32 loss | CUDA bf16 loss | relative difference |\n|---|---|---|---|")
worst = 0.0
for step, (a, b) in enumerate(zip(cpu, cuda), 1):
    rel = abs(a - b) / max(abs(a), 1e-12)
    worst = max(worst, rel)
    print(f"| {step} | {a:.5f} | {b:.5f} | {rel:.2e} |")
print(f"largest relative difference {worst:.2e}")
sys.exit(0 if worst < 5e-2 else "the CUDA bf16 curve departs from the CPU one by more than 5e-2 relative")
PY
