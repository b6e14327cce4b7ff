#!/usr/bin/env python3
"""Peer timings for the sampling-throughput part of `divtune bench runtime`: N samples of T
tokens (top-k 50, temperature 1, end-of-sequence ignored) of one prompt, decoded together, by
llama.cpp (llama-cpp-python's low-level API: one llama_batch holding every sequence per step, as
llama.cpp's `batched` example) and transformers (`generate(num_return_sequences=N)`), on the same
GGUF, prompt ids and thread count. Prints one JSON object:
{"llama.cpp": {"tps": [...]}, "transformers": {"tps": [...]}} — generated tokens per second of
wall time, prefill included (a peer that cannot run is reported as {"error": "..."}).
Not imported by DivTune."""
import ctypes, json, os, sys, time

gguf_path, threads, samples, tokens, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
prompt = json.loads(sys.stdin.read())["prompt_ids"]
out = {}

try:
    import llama_cpp as L
    L.llama_backend_init()
    model = L.llama_model_load_from_file(gguf_path.encode(), L.llama_model_default_params())
    params = L.llama_context_default_params()
    params.n_ctx = samples * (len(prompt) + tokens) + 16
    params.n_batch = max(len(prompt), samples)
    params.n_seq_max = samples
    params.kv_unified = True   # one cache the sequences share, so the prompt is stored once for all
    params.n_threads = params.n_threads_batch = threads
    ctx = L.llama_init_from_model(model, params)
    batch = L.llama_batch_init(max(len(prompt), samples), 0, samples)
    memory = L.llama_get_memory(ctx)

    def fill(entries):
        """entries: (token, position, sequence ids, wants logits)."""
        batch.n_tokens = len(entries)
        for i, (tok, pos, seqs, logits) in enumerate(entries):
            batch.token[i], batch.pos[i], batch.n_seq_id[i], batch.logits[i] = tok, pos, len(seqs), logits
            for j, s in enumerate(seqs):
                batch.seq_id[i][j] = s
        assert L.llama_decode(ctx, batch) == 0

    tps = []
    for r in range(repeats):
        L.llama_memory_clear(memory, True)
        samplers = []
        for s in range(samples):
            chain = L.llama_sampler_chain_init(L.llama_sampler_chain_default_params())
            L.llama_sampler_chain_add(chain, L.llama_sampler_init_top_k(50))
            L.llama_sampler_chain_add(chain, L.llama_sampler_init_temp(1.0))
            L.llama_sampler_chain_add(chain, L.llama_sampler_init_dist(1000 * r + s))
            samplers.append(chain)
        t0 = time.perf_counter()
        # The prompt once, its positions shared by every sequence; logits of its last token.
        fill([(t, p, list(range(samples)), p == len(prompt) - 1) for p, t in enumerate(prompt)])
        rows = [len(prompt) - 1] * samples
        for step in range(tokens):
            next_tokens = [L.llama_sampler_sample(samplers[s], ctx, rows[s]) for s in range(samples)]
            if step == tokens - 1:
                break
            fill([(next_tokens[s], len(prompt) + step, [s], True) for s in range(samples)])
            rows = list(range(samples))
        tps.append(samples * tokens / (time.perf_counter() - t0))
        for chain in samplers:
            L.llama_sampler_free(chain)
    out["llama.cpp"] = {"tps": tps}
except Exception as e:  # noqa: BLE001 — report, don't fail the whole benchmark
    out["llama.cpp"] = {"error": repr(e)}

try:
    import torch
    from transformers import AutoModelForCausalLM
    torch.set_num_threads(threads)
    folder, name = os.path.split(gguf_path)
    hf = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, torch_dtype=torch.float32).eval()
    ids = torch.tensor([prompt])
    tps = []
    with torch.no_grad():
        for r in range(repeats):
            torch.manual_seed(r)
            t0 = time.perf_counter()
            hf.generate(ids, attention_mask=torch.ones_like(ids), do_sample=True, top_k=50, temperature=1.0, top_p=1.0,
                        num_return_sequences=samples, max_new_tokens=tokens, min_new_tokens=tokens)
            tps.append(samples * tokens / (time.perf_counter() - t0))
    out["transformers"] = {"tps": tps}
except Exception as e:  # noqa: BLE001
    out["transformers"] = {"error": repr(e)}

print(json.dumps(out))
