#!/usr/bin/env python3
"""Peer timings for `divtune bench runtime`: llama.cpp (llama-cpp-python) and transformers on
the same GGUF, the same prompt ids, the same thread count. Prints one JSON object:
{"llama.cpp": {"prefill_tps": [...], "decode_tps": [...]}, "transformers": {...}}
(a peer that cannot run is reported as {"error": "..."}). Not imported by DivTune."""
import json, sys, time, os

gguf_path, threads, prompt_len, decode_len, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
prompt = json.loads(sys.stdin.read())["prompt_ids"][:prompt_len]
out = {}

try:
    from llama_cpp import Llama
    llm = Llama(model_path=gguf_path, n_ctx=prompt_len + decode_len + 8, n_threads=threads, n_threads_batch=threads,
                n_batch=prompt_len, verbose=False, logits_all=False)
    pre, dec = [], []
    for _ in range(repeats):
        llm.reset()
        t0 = time.perf_counter(); llm.eval(prompt); t1 = time.perf_counter()
        pre.append(len(prompt) / (t1 - t0))
        t0 = time.perf_counter()
        for _ in range(decode_len):
            tok = llm.sample(top_k=1)
            llm.eval([tok])
        dec.append(decode_len / (time.perf_counter() - t0))
    out["llama.cpp"] = {"prefill_tps": pre, "decode_tps": dec}
except Exception as e:  # noqa: BLE001 — report, don't fail the whole benchmark
    out["llama.cpp"] = {"error": repr(e)}

try:
    import torch
    from transformers import AutoModelForCausalLM
    torch.set_num_threads(threads)
    folder, name = os.path.split(gguf_path)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, torch_dtype=torch.float32).eval()
    ids = torch.tensor([prompt])
    pre, dec = [], []
    with torch.no_grad():
        for _ in range(repeats):
            t0 = time.perf_counter(); o = model(ids, use_cache=True); t1 = time.perf_counter()
            pre.append(len(prompt) / (t1 - t0))
            past, tok = o.past_key_values, o.logits[:, -1].argmax(-1, keepdim=True)
            t0 = time.perf_counter()
            for _ in range(decode_len):
                o = model(tok, past_key_values=past, use_cache=True)
                past, tok = o.past_key_values, o.logits[:, -1].argmax(-1, keepdim=True)
            dec.append(decode_len / (time.perf_counter() - t0))
    out["transformers"] = {"prefill_tps": pre, "decode_tps": dec}
except Exception as e:  # noqa: BLE001
    out["transformers"] = {"error": repr(e)}

print(json.dumps(out))
