"""Reference fixtures for the decoder architectures DivTune runs (llama, mistral, qwen2, gemma2, olmo2).

Run:   /tmp/pyref/bin/python scripts/reference/architecture_fixtures.py
Needs: torch, transformers, gguf (see scripts/reference/requirements.txt).
Writes into Tests/ModelsTests/Fixtures/:
  architecture_defaults.json  for each model_type: a minimal config.json (sizes only), and what
                              transformers' AutoConfig reads from it when the optional fields are
                              absent (rms_norm_eps, rope_theta, max_position_embeddings,
                              tie_word_embeddings, num_key_value_heads, head_dim), plus whether the
                              model it builds has q/k/v biases with `attention_bias` absent, true
                              and false (Mistral and Qwen2 fix it in code and ignore the field);
                              and a transformers-5 config.json (`rope_parameters` instead of
                              `rope_theta`/`rope_scaling`) with the values transformers reads.
  tiny_mistral.gguf           a GGUF v3 whose general.architecture is "mistral" (hidden 8, 2 heads
                              of 4 with 1 KV head, FFN 16, 1 layer, vocabulary a b c d; F32 tensors
                              0.01·i), written by gguf-py.
"""
import json
import os
import tempfile

import numpy as np
import gguf
import torch
from transformers import AutoConfig, AutoModelForCausalLM

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "ModelsTests", "Fixtures")

# 32 heads so that every family's default KV-head count (llama, olmo2: = heads, mistral 8, qwen2 32,
# gemma2 4) divides it.
MINIMAL = {"hidden_size": 64, "intermediate_size": 16, "num_hidden_layers": 1, "num_attention_heads": 32, "vocab_size": 4}


def load(config):
    """What transformers reads from a folder holding only this config.json."""
    with tempfile.TemporaryDirectory() as folder:
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(config, f)
        return AutoConfig.from_pretrained(folder)


def has_attention_bias(config):
    model = AutoModelForCausalLM.from_config(load(config))
    return model.model.layers[0].self_attn.q_proj.bias is not None


architectures = {}
for model_type in ["llama", "mistral", "qwen2", "gemma2", "olmo2"]:
    config = {"model_type": model_type, **MINIMAL}
    read = load(config)
    architectures[model_type] = {
        "config": config,
        "expected": {
            "rms_norm_eps": read.rms_norm_eps,
            "rope_theta": read.rope_parameters["rope_theta"],
            "max_position_embeddings": read.max_position_embeddings,
            "tie_word_embeddings": read.tie_word_embeddings,
            "num_key_value_heads": read.num_key_value_heads,
            "head_dim": getattr(read, "head_dim", None) or read.hidden_size // read.num_attention_heads,
        },
        "attention_bias": {
            "absent": has_attention_bias(config),
            "true": has_attention_bias({**config, "attention_bias": True}),
            "false": has_attention_bias({**config, "attention_bias": False}),
        },
    }

# A config.json as transformers 5 writes it: RoPE settings only under rope_parameters.
v5 = {"model_type": "llama", **MINIMAL, "num_key_value_heads": 8, "max_position_embeddings": 131072,
      "rope_parameters": {"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0, "low_freq_factor": 1.0,
                          "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}}
read = load(v5)
rope_parameters = {"config": v5, "expected": {"rope_theta": read.rope_parameters["rope_theta"],
                                              "rope_type": read.rope_parameters["rope_type"],
                                              "factor": read.rope_parameters["factor"]}}

with open(os.path.join(OUT, "architecture_defaults.json"), "w") as f:
    json.dump({"architectures": architectures, "rope_parameters": rope_parameters}, f, indent=1, sort_keys=True)
    f.write("\n")

# ---------------------------------------------------------------- tiny_mistral.gguf
writer = gguf.GGUFWriter(os.path.join(OUT, "tiny_mistral.gguf"), "mistral")
writer.add_context_length(64)
writer.add_embedding_length(8)
writer.add_feed_forward_length(16)
writer.add_block_count(1)
writer.add_head_count(2)
writer.add_head_count_kv(1)
writer.add_layer_norm_rms_eps(1e-5)
writer.add_rope_freq_base(1_000_000.0)
writer.add_tokenizer_model("gpt2")
writer.add_token_list(["a", "b", "c", "d"])
writer.add_token_types([1, 1, 1, 1])
writer.add_eos_token_id(3)
shapes = [("token_embd.weight", [4, 8]), ("output_norm.weight", [8]), ("blk.0.attn_norm.weight", [8]),
          ("blk.0.ffn_norm.weight", [8]), ("blk.0.attn_q.weight", [8, 8]), ("blk.0.attn_k.weight", [4, 8]),
          ("blk.0.attn_v.weight", [4, 8]), ("blk.0.attn_output.weight", [8, 8]), ("blk.0.ffn_gate.weight", [16, 8]),
          ("blk.0.ffn_up.weight", [16, 8]), ("blk.0.ffn_down.weight", [8, 16])]
for name, shape in shapes:
    writer.add_tensor(name, (np.arange(np.prod(shape), dtype=np.float32) * 0.01).reshape(shape))
writer.write_header_to_file()
writer.write_kv_data_to_file()
writer.write_tensors_to_file()
writer.close()
print("wrote", OUT)
