#!/usr/bin/env python3
"""Load benchmark for `divtune serve` (a benchmark, not a test): tokens/s and latency percentiles at
1, 4 and 16 concurrent clients, loopback only. Starts the server itself on a free port, runs a
fixed number of streaming chat requests per level, stops the server (SIGTERM) and prints a table.
With `--peer llama-server PATH` it then does the same against llama.cpp's own `llama-server` (same GGUF,
all cores, 16 slots with continuous batching: `-np 16 -cb`, 512 positions per slot) — the strongest CPU
peer; build it from the llama.cpp source that llama-cpp-python vendors (docs/benchmarks.md §6). With
`--peer llama-cpp` the peer is llama-cpp-python's OpenAI server (`python -m llama_cpp.server`, which
decodes one request at a time; `--interrupt_requests False` so that a new request queues instead of
cutting the running stream short). It prints the ratios.

    python3 scripts/bench/serve_load.py --divtune .build/release/divtune \
        --model .cache/models/SmolLM2-135M-Instruct-Q4_1/SmolLM2-135M-Instruct.Q4_1.gguf \
        [--divtune-args "--max-batch 16"] [--peer llama-server --llama-server /tmp/llama.cpp/build/bin/llama-server]

Each request: one user message, temperature 1, its own seed, `max_tokens` (default 32), streamed
with usage. Latency = request sent → `[DONE]`; TTFT = request sent → first content chunk.
tokens/s = completion tokens of all requests / wall time of the level (tokens from the usage
chunk, or the number of content chunks when a server sends no usage).
"""
import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

PROMPTS = ["Write a story about a lighthouse.", "Describe a storm at sea.", "Invent a new fruit.",
           "Write a poem about winter.", "Tell a joke about robots.", "Describe a city at night."]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_request(port, i, max_tokens):
    body = json.dumps({"messages": [{"role": "user", "content": PROMPTS[i % len(PROMPTS)]}], "seed": i,
                       "temperature": 1.0, "max_tokens": max_tokens, "stream": True,
                       "stream_options": {"include_usage": True}})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    start = time.perf_counter()
    conn.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
    resp = conn.getresponse()
    if resp.status != 200:
        raise RuntimeError(f"HTTP {resp.status}: {resp.read()[:200]}")
    ttft, tokens, pieces = None, 0, 0
    for raw in resp:
        line = raw.decode().strip()
        if not line.startswith("data: "):
            continue
        data = line[6:]
        if data == "[DONE]":
            break
        chunk = json.loads(data)
        if chunk.get("usage"):
            tokens = chunk["usage"]["completion_tokens"]
        for ch in chunk.get("choices", []):
            if ch.get("delta", {}).get("content"):
                pieces += 1
                if ttft is None:
                    ttft = time.perf_counter() - start
    latency = time.perf_counter() - start
    conn.close()
    return latency, ttft if ttft is not None else latency, tokens or pieces


def percentile(values, p):
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def run_level(port, clients, requests, max_tokens, offset):
    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(lambda i: one_request(port, offset + i, max_tokens), range(requests)))
    wall = time.perf_counter() - start
    lat = [r[0] for r in results]
    ttft = [r[1] for r in results]
    tokens = sum(r[2] for r in results)
    return {"clients": clients, "requests": requests, "tokens": tokens, "wall_s": wall, "tokens_per_s": tokens / wall,
            "p50_s": percentile(lat, 50), "p99_s": percentile(lat, 99),
            "ttft_p50_s": percentile(ttft, 50), "ttft_p99_s": percentile(ttft, 99)}


def serve_and_measure(cmd, args):
    port = free_port()
    server = subprocess.Popen(cmd + ["--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 180
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2).read()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise SystemExit(f"server did not start: {' '.join(cmd)}")
                time.sleep(0.2)
        one_request(port, 10_000, 4)  # warm-up
        rows, offset = [], 0
        for clients in [int(x) for x in args.levels.split(",")]:
            n = clients * args.requests_per_client
            rows.append(run_level(port, clients, n, args.max_tokens, offset))
            offset += n
        return rows
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()


def print_table(title, rows):
    print(title)
    print("| clients | requests | tokens | wall s | tokens/s | p50 latency s | p99 latency s | p50 TTFT s | p99 TTFT s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['clients']} | {r['requests']} | {r['tokens']} | {r['wall_s']:.2f} | {r['tokens_per_s']:.1f} | "
              f"{r['p50_s']:.3f} | {r['p99_s']:.3f} | {r['ttft_p50_s']:.3f} | {r['ttft_p99_s']:.3f} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--divtune", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--max-tokens", type=int, default=32)
    ap.add_argument("--requests-per-client", type=int, default=4)
    ap.add_argument("--levels", default="1,4,16")
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--divtune-args", default="", help="extra `divtune serve` options, e.g. \"--max-batch 16\"")
    ap.add_argument("--peer", choices=["none", "llama-cpp", "llama-server"], default="none")
    ap.add_argument("--llama-server", help="the llama-server binary (with --peer llama-server)")
    args = ap.parse_args()

    ap_threads = os.cpu_count() or 1
    results = {"divtune": serve_and_measure([args.divtune, "serve", "--model", args.model] + args.divtune_args.split(), args)}
    title = f"{args.model.split('/')[-1]}, max_tokens {args.max_tokens}, streaming chat, {ap_threads} cores"
    print_table(f"divtune serve {args.divtune_args} — {title}", results["divtune"])
    if args.peer == "llama-cpp":
        peer, name = [sys.executable, "-m", "llama_cpp.server", "--model", args.model, "--n_threads", str(ap_threads),
                      "--n_ctx", "2048", "--host", "127.0.0.1", "--interrupt_requests", "False"], "llama-cpp-python server"
    elif args.peer == "llama-server":
        if not args.llama_server:
            raise SystemExit("--peer llama-server needs --llama-server PATH")
        peer, name = [args.llama_server, "-m", args.model, "-t", str(ap_threads), "-np", "16", "-cb", "-c", str(16 * 512),
                      "--host", "127.0.0.1"], "llama-server"
    if args.peer != "none":
        results[args.peer] = serve_and_measure(peer, args)
        print_table(f"{name} — {title}", results[args.peer])
        print(f"| clients | tokens/s ratio divtune/{args.peer} | p50 latency ratio | p50 TTFT ratio |")
        print("|---|---|---|---|")
        for d, l in zip(results["divtune"], results[args.peer]):
            print(f"| {d['clients']} | {d['tokens_per_s'] / l['tokens_per_s']:.2f} | {d['p50_s'] / l['p50_s']:.2f} | "
                  f"{d['ttft_p50_s'] / l['ttft_p50_s']:.2f} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
