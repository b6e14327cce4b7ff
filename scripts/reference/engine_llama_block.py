"""Reference forward/backward of a tiny two-layer Llama (transformers LlamaForCausalLM) for the
engine and model tests.

Run:   /work/pyref/bin/python scripts/reference/engine_llama_block.py
Writes Tests/ModelsTests/Fixtures/tiny_llama_reference.json: the config, every weight (HF names),
a padded batch of two sequences, the logits, the loss L = Σ_{b,t} mask·logp(target) · c_{b,t}
(fixed coefficients c), and dL/dθ for every parameter. Float64 throughout, so the fixture is the
exact math; the Swift side runs in Float32 and is compared with a tolerance.
"""
import json
import os

import torch
from transformers import LlamaConfig, LlamaForCausalLM

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "ModelsTests", "Fixtures", "tiny_llama_reference.json")

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
with open(OUT, "w") as f:
    json.dump({"config": config.to_dict() | {"model_type": "llama"}, "ids": ids, "mask": mask,
               "coefficients": coeff.tolist(), "weights": weights, "shapes": shapes,
               "logits": short(logits), "loss": loss.item(), "gradients": grads},
              f, separators=(",", ":"))
print("wrote", OUT, os.path.getsize(OUT), "bytes")
