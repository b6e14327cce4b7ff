"""Reference fixtures for the papers' decoder architectures: Gemma 2 and OLMo 2 (docs/formats.md §2).

Run:   /tmp/pyref-conv/bin/python scripts/reference/gemma2_olmo2_fixtures.py
Needs: torch, transformers, tokenizers, gguf (see scripts/reference/requirements.txt).
Writes into Tests/ModelsTests/Fixtures/:
  tiny_gemma2/, tiny_olmo2/   HF folders (config.json, model.safetensors, tokenizer.json,
                              tokenizer_config.json) of small random Gemma2ForCausalLM /
                              Olmo2ForCausalLM checkpoints in float32, sharing one byte-level BPE
                              tokenizer trained here on a few sentences.
                              Gemma 2: 4 layers (sliding, global, sliding, global), hidden 64, 4
                              query heads of 24 over 2 KV heads (query width 96 ≠ hidden), GeGLU
                              FFN 128, query_pre_attn_scalar 20 (≠ head_dim), attention soft-cap
                              2.0 and final soft-cap 3.0 (small, so that tanh bends the random
                              model's scores), sliding window 3, tied embeddings.
                              OLMo 2: 3 layers, hidden 64, 4 query heads over 2 KV heads, FFN 128,
                              rope_theta 500000, untied head.
                              Norm weights are random around their identity value (Gemma: 0, OLMo: 1).
  tiny_gemma2.gguf,           the same checkpoints as llama.cpp's convert_hf_to_gguf.py writes them
  tiny_olmo2.gguf             (F32 tensors; tensor names from gguf-py's TensorNameMap for the
                              architecture; Gemma 2: every `*norm.weight` stored + 1, lm_head left
                              out (tied), keys gemma2.attn_logit_softcapping,
                              gemma2.final_logit_softcapping, gemma2.attention.sliding_window; no
                              query_pre_attn_scalar: llama.cpp scales Gemma 2 queries by
                              1/sqrt(head_dim) except for the 46-layer 27B).
  gemma2_olmo2_reference.json for each model: token rows (a full row and a shorter one right-padded
                              with the attention mask), transformers' logits [2, T, V] under that
                              mask; for Gemma 2 also the logits of the same weights with
                              query_pre_attn_scalar = head_dim, which is what the GGUF file means,
                              and the rewards of Gemma2ForSequenceClassification (num_labels 1) on
                              the same body with a random score head (weight and bias recorded):
                              the reward model's base (docs/methods.md §6.3).
"""
import json
import os
import tempfile

import gguf
import numpy as np
import torch
from gguf.tensor_mapping import get_tensor_name_map
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (Gemma2Config, Gemma2ForCausalLM, Gemma2ForSequenceClassification, Olmo2Config, Olmo2ForCausalLM,
                          PreTrainedTokenizerFast)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "ModelsTests", "Fixtures")
TEXT = ["Once there was a quiet sailor who sang to the sea.", "The old moon slept, and then the light came back.",
        "Write a short poem about the night and the day.", "A cat and a dog walked along the shore at dawn."]


def train_tokenizer():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<pad>", "<eos>", "<bos>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(TEXT, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<eos>", bos_token="<bos>", pad_token="<pad>")


def randomize(model, norm_center):
    torch.manual_seed(5)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(norm_center + 0.2 * torch.randn_like(p) if "norm" in name else 0.3 * torch.randn_like(p))


def gemma2_config(vocab, **overrides):
    fields = dict(vocab_size=vocab, hidden_size=64, intermediate_size=128, num_hidden_layers=4, num_attention_heads=4,
                  num_key_value_heads=2, head_dim=24, query_pre_attn_scalar=20, attn_logit_softcapping=2.0,
                  final_logit_softcapping=3.0, sliding_window=3, max_position_embeddings=64, rms_norm_eps=1e-6,
                  pad_token_id=0, eos_token_id=1, bos_token_id=2, tie_word_embeddings=True)
    fields.update(overrides)
    config = Gemma2Config(**fields)
    config._attn_implementation = "eager"
    return config


def olmo2_config(vocab):
    config = Olmo2Config(vocab_size=vocab, hidden_size=64, intermediate_size=128, num_hidden_layers=3, num_attention_heads=4,
                         num_key_value_heads=2, max_position_embeddings=64, rms_norm_eps=1e-5, rope_theta=500000.0,
                         pad_token_id=0, eos_token_id=1, bos_token_id=2, tie_word_embeddings=False)
    config._attn_implementation = "eager"
    return config


def rows(tok):
    a = tok("Once there was a quiet sailor who sang to the moon at night.")["input_ids"][:14]
    b = tok("The old cat slept.")["input_ids"]
    assert len(a) == 14 and len(b) < len(a), (len(a), len(b))
    mask = [[1] * len(a), [1] * len(b) + [0] * (len(a) - len(b))]
    return [a, b + [0] * (len(a) - len(b))], mask


def logits(model, ids, mask):
    """Flat logits, 8 significant digits (float32 holds about 7)."""
    with torch.no_grad():
        values = model(input_ids=torch.tensor(ids), attention_mask=torch.tensor(mask)).logits.float().flatten().tolist()
    return [float(f"{v:.8g}") for v in values]


def write_gguf(path, arch, model, tok, config, extra):
    """Writes `model` as llama.cpp's converter does for `arch` (F32 tensors)."""
    writer = gguf.GGUFWriter(path, gguf.MODEL_ARCH_NAMES[arch])
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_block_count(config.num_hidden_layers)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(config.num_attention_heads)
    writer.add_head_count_kv(config.num_key_value_heads)
    writer.add_layer_norm_rms_eps(config.rms_norm_eps)
    extra(writer)
    vocab = tok.backend_tokenizer.get_vocab(with_added_tokens=True)
    tokens = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
    assert len(tokens) == config.vocab_size
    merges = json.loads(tok.backend_tokenizer.to_str())["model"]["merges"]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_types([3 if t.startswith("<") and t.endswith(">") and len(t) > 2 else 1 for t in tokens])
    writer.add_token_merges([" ".join(m) if isinstance(m, list) else m for m in merges])
    writer.add_eos_token_id(1)
    writer.add_bos_token_id(2)
    names = get_tensor_name_map(arch, config.num_hidden_layers)
    for name, tensor in model.state_dict().items():
        if arch == gguf.MODEL_ARCH.GEMMA2:
            if name == "lm_head.weight":
                continue   # tied: convert_hf_to_gguf skips it
            if name.endswith("norm.weight"):
                tensor = tensor + 1   # convert_hf_to_gguf: Gemma stores (1 + weight)
        mapped = names.get_name(name, try_suffixes=(".weight", ".bias"))
        assert mapped is not None, name
        writer.add_tensor(mapped, tensor.float().numpy().astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def save_folder(model, tok, folder):
    model.save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    # Only what DivTune reads: no generation_config.json.
    gen = os.path.join(folder, "generation_config.json")
    if os.path.exists(gen):
        os.remove(gen)


def main():
    tok = train_tokenizer()
    vocab = len(tok)
    ids, mask = rows(tok)
    reference = {"ids": ids, "mask": mask}

    gemma = Gemma2ForCausalLM(gemma2_config(vocab))
    randomize(gemma, 0.0)
    gemma.eval()
    save_folder(gemma, tok, os.path.join(OUT, "tiny_gemma2"))
    gemma_gguf_reading = Gemma2ForCausalLM(gemma2_config(vocab, query_pre_attn_scalar=24))
    gemma_gguf_reading.load_state_dict(gemma.state_dict())
    gemma_gguf_reading.eval()
    reference["gemma2"] = {"logits": logits(gemma, ids, mask), "gguf_logits": logits(gemma_gguf_reading, ids, mask)}

    torch.manual_seed(9)
    reward = Gemma2ForSequenceClassification(gemma2_config(vocab, num_labels=1))
    missing = reward.load_state_dict({k: v for k, v in gemma.state_dict().items() if k != "lm_head.weight"}, strict=False).missing_keys
    assert missing == ["score.weight"], missing
    reward.eval()
    with torch.no_grad():
        reward.score.weight.copy_(0.3 * torch.randn_like(reward.score.weight))
        rewards = reward(input_ids=torch.tensor(ids), attention_mask=torch.tensor(mask)).logits.flatten().tolist()
    reference["gemma2"]["reward"] = {"head": reward.score.weight.flatten().tolist(), "rewards": rewards}

    def gemma_keys(w):
        c = gemma.config
        w.add_key_length(c.head_dim)
        w.add_value_length(c.head_dim)
        w.add_attn_logit_softcapping(c.attn_logit_softcapping)
        w.add_final_logit_softcapping(c.final_logit_softcapping)
        w.add_sliding_window(c.sliding_window)
    write_gguf(os.path.join(OUT, "tiny_gemma2.gguf"), gguf.MODEL_ARCH.GEMMA2, gemma, tok, gemma.config, gemma_keys)

    olmo = Olmo2ForCausalLM(olmo2_config(vocab))
    randomize(olmo, 1.0)
    olmo.eval()
    save_folder(olmo, tok, os.path.join(OUT, "tiny_olmo2"))
    reference["olmo2"] = {"logits": logits(olmo, ids, mask)}
    write_gguf(os.path.join(OUT, "tiny_olmo2.gguf"), gguf.MODEL_ARCH.OLMO2, olmo, tok, olmo.config,
               lambda w: w.add_rope_freq_base(olmo.config.rope_parameters["rope_theta"]))

    reference["vocab_size"] = vocab
    with open(os.path.join(OUT, "gemma2_olmo2_reference.json"), "w") as f:
        json.dump(reference, f)
        f.write("\n")
    print("wrote", OUT, "vocab", vocab, "T", len(ids[0]))


if __name__ == "__main__":
    main()
