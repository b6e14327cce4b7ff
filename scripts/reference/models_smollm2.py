"""Reference values for the Llama runtime, from transformers loading the same GGUF (dequantized to fp32).

Run:   /work/pyref/bin/python scripts/reference/models_smollm2.py
Needs: torch, transformers, gguf (see scripts/reference/requirements.txt) and the model cache
       (scripts/fetch-models.sh).
Writes Tests/ModelsTests/Fixtures/smollm2_reference.json with, for each prompt: the token ids
(plain and chat-templated), the top-10 next-token log-probs after the prompt, and the 32-token
greedy continuation.
"""
import json
import os
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE = os.environ.get("DIVTUNE_CACHE", os.path.join(ROOT, ".cache", "models"))
FOLDER = os.path.join(CACHE, "SmolLM2-135M-Instruct-Q4_1")
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
OUT = os.path.join(ROOT, "Tests", "ModelsTests", "Fixtures", "smollm2_reference.json")

PROMPTS = [
    "Once upon a time",
    "The capital of France is",
    "Write a short story about a lighthouse keeper who finds a message in a bottle.",
    "def fibonacci(n):\n    ",
    "Numbers: 1, 2, 3, 4,",
    "Ünïcödé and emoji 🙂 in a sentence.",
]
CHAT_PROMPTS = [
    "Tell me a story about a dragon.",
    "What is 2+2?",
]

torch.manual_seed(0)
torch.set_num_threads(2)
tok = AutoTokenizer.from_pretrained(FOLDER, gguf_file=GGUF)
model = AutoModelForCausalLM.from_pretrained(FOLDER, gguf_file=GGUF, torch_dtype=torch.float32)
model.eval()


def case(text, ids):
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0, -1].double()
        logprobs = torch.log_softmax(logits, -1)
        top = torch.topk(logprobs, 10)
        out = model.generate(torch.tensor([ids]), max_new_tokens=32, do_sample=False,
                             attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                             pad_token_id=tok.eos_token_id, eos_token_id=None)
    return {
        "text": text,
        "ids": ids,
        "top_ids": top.indices.tolist(),
        "top_logprobs": top.values.tolist(),
        "greedy": out[0, len(ids):].tolist(),
    }


cases = [case(p, tok.encode(p, add_special_tokens=False)) for p in PROMPTS]
chat_cases = []
for p in CHAT_PROMPTS:
    text = tok.apply_chat_template([{"role": "user", "content": p}], tokenize=False, add_generation_prompt=True)
    ids = tok(text, add_special_tokens=False)["input_ids"]  # the template already holds the special tokens
    c = case(p, list(ids))
    c["rendered"] = text
    chat_cases.append(c)

with open(OUT, "w") as f:
    json.dump({"model": GGUF, "transformers": __import__("transformers").__version__,
               "plain": cases, "chat": chat_cases}, f, indent=1)
print("wrote", OUT, file=sys.stderr)
