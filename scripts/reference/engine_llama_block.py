"""Reference values for the tensor engine and model tests, from PyTorch (and transformers).

Run:   /work/pyref/bin/python scripts/reference/engine_llama_block.py
Writes two JSON fixtures:

1. Tests/ModelsTests/Fixtures/tiny_llama_reference.json — a tiny two-layer transformers
   LlamaForCausalLM: the config, every weight (HF names), a right-padded batch of two sequences,
   the logits, the loss L = Σ_{b,t} mask·logp(target)·c_{b,t} (fixed coefficients c), and dL/dθ
   for every parameter.

2. Tests/TensorEngineTests/Fixtures/engine_reference.json — for the engine's own tests:
   * "block": two Llama-style blocks (RMSNorm, rotate-half RoPE, GQA attention with 4 query /
     2 KV heads of 8, SwiGLU MLP 32→48→32, residuals), batch 2 × 7 tokens with the last two keys
     of sequence 1 padded, written here in plain torch; the output y, and dL/dx and dL/dθ of
     L = Σ y ⊙ R for a fixed random R. Weights are k/64 for integers |k| ≤ 80 (stored as base64
     int8), so Float32 holds them exactly.
   * "attention": the fused attention against a plain softmax(QKᵀ/√d + mask)·V with GQA, a key
     padding mask and a query offset (queries at positions 4..8 of 9 keys), plus its gradients.
   * "rope": inverse frequencies of transformers' `_compute_llama3_parameters`, and both rotary
     layouts applied at large positions (rotate-half as transformers, interleaved as Meta's
     complex-number reference).
   Float tensors are base64 little-endian float32 ({"shape": [...], "f32": "..."}), computed in
   float64 and rounded once. About 110 KB.
"""
import base64
import json
import os

import numpy as np
import torch
from transformers import LlamaConfig, LlamaForCausalLM
from transformers.modeling_rope_utils import _compute_llama3_parameters

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def models_fixture():
    out = os.path.join(ROOT, "Tests", "ModelsTests", "Fixtures", "tiny_llama_reference.json")
    torch.manual_seed(1234)
    config = LlamaConfig(vocab_size=24, hidden_size=16, intermediate_size=24, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-5, rope_theta=10000.0,
                         max_position_embeddings=64, tie_word_embeddings=False, attention_bias=False)
    model = LlamaForCausalLM(config).double()
    with torch.no_grad():
        for p in model.parameters():  # larger than the default init so every path matters
            p.copy_(torch.randn_like(p) * 0.3)
        for n, p in model.named_parameters():
            if "norm" in n:
                p.copy_(1 + 0.2 * torch.randn_like(p))
    model.eval()

    # Right-padded batch: second sequence has 2 padding positions at the end.
    ids = [[3, 17, 5, 21, 8, 1, 22], [11, 4, 23, 2, 19, 0, 0]]
    mask = [[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0, 0]]
    input_ids = torch.tensor(ids)
    attention_mask = torch.tensor(mask)
    coeff = torch.randn(2, 6, dtype=torch.float64)

    logits = model(input_ids=input_ids, attention_mask=attention_mask).logits  # [2, 7, V]
    logp = torch.log_softmax(logits[:, :-1], -1).gather(-1, input_ids[:, 1:, None])[..., 0]
    target_mask = attention_mask[:, 1:].double()
    loss = (logp * target_mask * coeff).sum()
    loss.backward()

    def short(t):  # 9 significant digits: exact at Float32 precision, a third of the bytes of repr
        return [float("%.9g" % v) for v in t.detach().flatten().tolist()]

    weights = {n: short(p) for n, p in model.named_parameters()}
    shapes = {n: list(p.shape) for n, p in model.named_parameters()}
    grads = {n: short(p.grad) for n, p in model.named_parameters()}
    with open(out, "w") as f:
        json.dump({"config": config.to_dict() | {"model_type": "llama"}, "ids": ids, "mask": mask,
                   "coefficients": coeff.tolist(), "weights": weights, "shapes": shapes,
                   "logits": short(logits), "loss": loss.item(), "gradients": grads},
                  f, separators=(",", ":"))
    print("wrote", out, os.path.getsize(out), "bytes")


# ---------------------------------------------------------------------------------------------
# Engine fixture

def f32(t):
    a = t.detach().to(torch.float64).numpy().astype("<f4")
    return {"shape": list(t.shape), "f32": base64.b64encode(a.tobytes()).decode()}


def rotate_half(x):  # transformers' Llama layout: pairs (i, i + D/2)
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def angles_f32(positions, inv):  # p·θᵢ rounded to float32 as transformers (and the engine) compute it
    return (torch.tensor(positions, dtype=torch.float32)[:, None] * inv.float()[None, :]).double()


def rope_half(x, positions, inv):  # x [B, H, T, D], positions [T]
    angles = angles_f32(positions, inv)
    emb = torch.cat((angles, angles), dim=-1)
    return x * emb.cos() + rotate_half(x) * emb.sin()


def rope_interleaved(x, positions, inv):  # Meta llama `apply_rotary_emb`: pairs (2i, 2i + 1) as complex numbers
    angles = angles_f32(positions, inv)
    freqs = torch.polar(torch.ones_like(angles), angles)
    xc = torch.view_as_complex(x.reshape(*x.shape[:-1], -1, 2).contiguous())
    return torch.view_as_real(xc * freqs).flatten(-2)


def reference_attention(q, k, v, causal, offset, padding):  # q [B,Hq,T,D], k/v [B,Hkv,S,D], padding [B,S] bool
    group = q.shape[1] // k.shape[1]
    k, v = k.repeat_interleave(group, dim=1), v.repeat_interleave(group, dim=1)
    scores = q @ k.transpose(-1, -2) / q.shape[-1] ** 0.5
    allowed = padding[:, None, None, :].expand(scores.shape).clone()
    if causal:
        t, s = q.shape[2], k.shape[2]
        allowed &= torch.arange(s)[None, :] <= (torch.arange(t)[:, None] + offset)
    return torch.softmax(scores.masked_fill(~allowed, float("-inf")), dim=-1) @ v


def engine_fixture():
    out = os.path.join(ROOT, "Tests", "TensorEngineTests", "Fixtures", "engine_reference.json")
    g = torch.Generator().manual_seed(2024)
    hidden, heads, kv_heads, head_dim, ffn, layers, eps, theta = 32, 4, 2, 8, 48, 2, 1e-5, 10000.0
    batch, seq = 2, 7
    padding = torch.tensor([[True] * 7, [True] * 5 + [False] * 2])

    def ints(*shape, low=-24, high=25):
        return torch.randint(low, high, shape, generator=g)

    # Weights k/64 (exact in Float32); HF layout [out, in].
    names = {"input_layernorm": [hidden], "q_proj": [heads * head_dim, hidden],
             "k_proj": [kv_heads * head_dim, hidden], "v_proj": [kv_heads * head_dim, hidden],
             "o_proj": [hidden, heads * head_dim], "post_attention_layernorm": [hidden],
             "gate_proj": [ffn, hidden], "up_proj": [ffn, hidden], "down_proj": [hidden, ffn]}
    integer_weights, params = {}, {}
    for layer in range(layers):
        for name, shape in names.items():
            key = f"layers.{layer}.{name}"
            k = ints(*shape, low=48, high=81) if "norm" in name else ints(*shape)
            integer_weights[key] = base64.b64encode(k.flatten().numpy().astype("i1").tobytes()).decode()
            params[key] = (k.double() / 64).requires_grad_(True)
    x = torch.randn(batch, seq, hidden, generator=g, dtype=torch.float64).requires_grad_(True)
    inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
    positions = list(range(seq))

    def rms(h, w):
        return h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + eps) * w

    h = x
    for layer in range(layers):
        p = lambda n: params[f"layers.{layer}.{n}"]
        a = rms(h, p("input_layernorm"))
        q = (a @ p("q_proj").T).view(batch, seq, heads, head_dim).transpose(1, 2)
        k = (a @ p("k_proj").T).view(batch, seq, kv_heads, head_dim).transpose(1, 2)
        v = (a @ p("v_proj").T).view(batch, seq, kv_heads, head_dim).transpose(1, 2)
        q, k = rope_half(q, positions, inv), rope_half(k, positions, inv)
        o = reference_attention(q, k, v, True, 0, padding).transpose(1, 2).reshape(batch, seq, heads * head_dim)
        h = h + o @ p("o_proj").T
        m = rms(h, p("post_attention_layernorm"))
        h = h + (torch.nn.functional.silu(m @ p("gate_proj").T) * (m @ p("up_proj").T)) @ p("down_proj").T
    r = torch.randn(h.shape, generator=g, dtype=torch.float64)
    (h * r).sum().backward()
    block = {"hidden": hidden, "heads": heads, "kv_heads": kv_heads, "head_dim": head_dim, "ffn": ffn,
             "layers": layers, "eps": eps, "rope_theta": theta, "padding": padding.tolist(),
             "weights": integer_weights, "weight_scale": 64, "shapes": {k: list(v.shape) for k, v in params.items()},
             "x": f32(x), "r": f32(r), "y": f32(h),
             "dx": f32(x.grad), "gradients": {k: f32(v.grad) for k, v in params.items()}}

    # Fused attention: GQA 4/2, 5 queries at positions 4..8 of 9 keys, key padding, its gradients.
    q = torch.randn(2, 4, 5, 8, generator=g, dtype=torch.float64).requires_grad_(True)
    k = torch.randn(2, 2, 9, 8, generator=g, dtype=torch.float64).requires_grad_(True)
    v = torch.randn(2, 2, 9, 8, generator=g, dtype=torch.float64).requires_grad_(True)
    key_padding = torch.tensor([[True] * 9, [False, False, True, True, True, True, True, True, False]])
    o = reference_attention(q, k, v, True, 4, key_padding)
    ro = torch.randn(o.shape, generator=g, dtype=torch.float64)
    (o * ro).sum().backward()
    attention = {"query_offset": 4, "key_padding": key_padding.tolist(), "q": f32(q), "k": f32(k), "v": f32(v),
                 "r": f32(ro), "out": f32(o), "dq": f32(q.grad), "dk": f32(k.grad), "dv": f32(v.grad)}

    # RoPE: Llama-3 scaling (transformers) and both layouts at large positions.
    config = LlamaConfig(hidden_size=128, num_attention_heads=2, rope_theta=500000.0, max_position_embeddings=131072,
                         rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                       "high_freq_factor": 4.0, "original_max_position_embeddings": 8192})
    llama3_inv, _ = _compute_llama3_parameters(config)
    rx = torch.randn(1, 2, 3, 64, generator=g, dtype=torch.float64)
    rope_positions = [0, 5, 777]
    rope = {"head_dim": 64, "theta": 500000.0, "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
            "original_max_position_embeddings": 8192, "inverse_frequencies": f32(llama3_inv),
            "positions": rope_positions, "x": f32(rx),
            "rotate_half": f32(rope_half(rx, rope_positions, llama3_inv)),
            "interleaved": f32(rope_interleaved(rx, rope_positions, llama3_inv))}

    with open(out, "w") as f:
        json.dump({"block": block, "attention": attention, "rope": rope}, f, separators=(",", ":"))
    print("wrote", out, os.path.getsize(out), "bytes")


if __name__ == "__main__":
    models_fixture()
    engine_fixture()
