"""A Hugging Face model folder from a GGUF file, for the torch backend (docs/scale-out.md §1): the
weights dequantized to float32 safetensors, config.json and the tokenizer files, as transformers
reads the GGUF (its `gguf_file` loader). DivTune's Swift runtime reads the folder too.

Run:  python -m divtune_torch.gguf_folder MODEL.gguf FOLDER      (needs the `gguf` package)
"""
import os
import shutil
import sys

import torch


def convert(gguf, folder):
    from transformers import AutoModelForCausalLM, AutoTokenizer
    if not os.path.isfile(gguf):
        raise SystemExit(f"error: {gguf}: no such GGUF file")
    directory, name = os.path.split(os.path.abspath(gguf))
    tokenizer = AutoTokenizer.from_pretrained(directory, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(directory, gguf_file=name, dtype=torch.float32)
    # The weights are already dequantized; what marks the model as GGUF-quantized only blocks saving.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    staging = folder.rstrip("/") + f".tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(staging, safe_serialization=True)
    tokenizer.save_pretrained(staging)
    try:
        os.replace(staging, folder)   # the folder appears complete or not at all
    except OSError:
        # Another conversion finished first (two tests needing the folder at once): keep its folder.
        shutil.rmtree(staging, ignore_errors=True)
        if not os.path.exists(os.path.join(folder, "config.json")):
            raise


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: python -m divtune_torch.gguf_folder MODEL.gguf FOLDER")
    convert(sys.argv[1], sys.argv[2])
