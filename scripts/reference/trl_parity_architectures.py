"""TRL parity fixtures for LoRA training on Gemma 2 and OLMo 2 (Tests/TrainingTests/Fixtures/).

Run:   /tmp/pyref-conv/bin/python scripts/reference/trl_parity_architectures.py

The same checks as scripts/reference/trl_parity.py makes for Llama (whose tokenizer, data, LoRA
set-up and TRL runs it reuses), on a tiny random Gemma2ForCausalLM (2 layers: sliding window 3,
then global; attention soft-cap 2.0, final soft-cap 3.0, query_pre_attn_scalar 6, GeGLU, tied
embeddings, eager attention) and a tiny random Olmo2ForCausalLM (2 layers, QK-norm, post-norms),
both vocab 32, hidden 16, GQA 4/2 heads, float32: one batch of DPO (sigmoid, β 0.1) and of SFT
(completion-only) through `compute_loss` and `backward()`. Writes per architecture
trl_parity_<arch>_model/, trl_parity_<arch>_adapter/ and trl_parity_<arch>.json (loss, TRL's
metrics, token ids as TRL built them, L2 norm of every LoRA gradient).
"""
import json
import os
import tempfile

import torch
import trl
from transformers import Gemma2Config, Gemma2ForCausalLM, Olmo2Config, Olmo2ForCausalLM

from trl_parity import FIX, WORDS, peft_model, run_dpo, run_sft, tokenizer


def build_gemma2():
    torch.manual_seed(7)
    config = Gemma2Config(vocab_size=len(WORDS), hidden_size=16, intermediate_size=24, num_hidden_layers=2,
                          num_attention_heads=4, num_key_value_heads=2, head_dim=4, query_pre_attn_scalar=6,
                          attn_logit_softcapping=2.0, final_logit_softcapping=3.0, sliding_window=3,
                          max_position_embeddings=64, rms_norm_eps=1e-6, pad_token_id=0, eos_token_id=1, bos_token_id=None,
                          tie_word_embeddings=True)
    config._attn_implementation = "eager"
    model = Gemma2ForCausalLM(config)
    with torch.no_grad():
        for n, p in model.named_parameters():
            p.copy_(0.2 * torch.randn_like(p) if "norm" in n else 0.3 * torch.randn_like(p))
    return model


def build_olmo2():
    torch.manual_seed(7)
    config = Olmo2Config(vocab_size=len(WORDS), hidden_size=16, intermediate_size=24, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-5, rope_theta=10000.0,
                         max_position_embeddings=64, tie_word_embeddings=False, pad_token_id=0, eos_token_id=1, bos_token_id=None)
    config._attn_implementation = "eager"
    model = Olmo2ForCausalLM(config)
    with torch.no_grad():
        for n, p in model.named_parameters():
            p.copy_(1 + 0.2 * torch.randn_like(p) if "norm" in n else 0.3 * torch.randn_like(p))
    return model


def main():
    tok = tokenizer()
    for name, build in [("gemma2", build_gemma2), ("olmo2", build_olmo2)]:
        build().save_pretrained(os.path.join(FIX, f"trl_parity_{name}_model"), safe_serialization=True)
        peft_model(build()).save_pretrained(os.path.join(FIX, f"trl_parity_{name}_adapter"), safe_serialization=True)
        with tempfile.TemporaryDirectory() as tmp:
            dpo = run_dpo(tok, tmp, build=build)
        with tempfile.TemporaryDirectory() as tmp:
            sft = run_sft(tok, tmp, build=build)
        for folder in (f"trl_parity_{name}_model", f"trl_parity_{name}_adapter"):
            for extra in ("generation_config.json", "README.md"):
                path = os.path.join(FIX, folder, extra)
                if os.path.exists(path):
                    os.remove(path)
        with open(os.path.join(FIX, f"trl_parity_{name}.json"), "w") as f:
            json.dump({"trl_version": trl.__version__, "dpo": dpo, "sft": sft}, f, indent=1)
        print(name, json.dumps({"dpo": dpo["loss"], "sft": sft["loss"]}))


if __name__ == "__main__":
    main()
