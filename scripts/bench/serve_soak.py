#!/usr/bin/env python3
"""Soak benchmark for `divtune serve` (a benchmark, not a test): many concurrent clients for a fixed
time on loopback, mixing streamed and single answers, clients that hang up mid-stream and malformed
requests. Starts the server itself on a free port and stops by itself after `--duration` seconds.

    python3 scripts/bench/serve_soak.py --divtune .build/release/divtune --clients 64 --duration 600

Each client loops until the time is up, drawing a kind per request (seeded): `stream` (chat, SSE with
usage), `single` (chat, one JSON answer), `hangup` (a stream the client closes after its first
content chunk) or `malformed` (bad JSON, `n` over the server's limit, a missing or mistyped field,
an unknown route). Every well-formed answer is checked (status, shape, `[DONE]`, finish reason,
token count within `max_tokens`); a malformed request must get its 4xx in OpenAI's error shape.
Clients keep their connection alive between requests (a new one after a hang-up or an error).
The server's resident memory (VmRSS) is sampled every few seconds; "after warm-up" is the first
sample after `--warmup` seconds. Latency = request sent → answer complete; TTFT = request sent →
first content chunk (streams). Prints a summary and writes it as JSON with `--json`. Exits 1 when a
well-formed request failed.
"""
import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_load import PROMPTS, free_port, percentile  # noqa: E402

MODEL = ".cache/models/SmolLM2-135M-Instruct-Q4_1/SmolLM2-135M-Instruct.Q4_1.gguf"
KINDS = [("stream", 40), ("single", 35), ("hangup", 10), ("malformed", 15)]


class Stats:
    """What all clients saw, under one lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = {kind: 0 for kind, _ in KINDS}
        self.ok = {kind: 0 for kind, _ in KINDS}
        self.failures = []          # (kind, description) of requests that did not get the right answer
        self.latency = {"stream": [], "single": []}
        self.ttft = []
        self.tokens = 0

    def record(self, kind, error=None, latency=None, ttft=None, tokens=0):
        with self.lock:
            self.requests[kind] += 1
            if error is None:
                self.ok[kind] += 1
                if latency is not None:
                    self.latency[kind].append(latency)
                if ttft is not None:
                    self.ttft.append(ttft)
                self.tokens += tokens
            else:
                self.failures.append((kind, error))


def chat_body(rng, max_tokens, stream):
    body = {"messages": [{"role": "user", "content": rng.choice(PROMPTS)}], "max_tokens": max_tokens,
            "temperature": 1.0, "seed": rng.randrange(1 << 31), "stream": stream}
    if stream:
        body["stream_options"] = {"include_usage": True}
    return json.dumps(body)


def check_completion(raw, max_tokens):
    answer = json.loads(raw)
    assert answer.get("object") == "chat.completion", f"object {answer.get('object')}"
    choice = answer["choices"][0]
    assert isinstance(choice["message"]["content"], str), "content is not a string"
    assert choice["finish_reason"] in ("stop", "length"), f"finish_reason {choice['finish_reason']}"
    tokens = answer["usage"]["completion_tokens"]
    assert 1 <= tokens <= max_tokens, f"completion_tokens {tokens}"
    return tokens


def read_stream(resp, start, max_tokens, hang_up):
    """Reads an SSE answer; returns (ttft, tokens). With `hang_up`, returns after the first content chunk."""
    ttft, tokens, finished, done = None, None, False, False
    for raw in resp:
        line = raw.decode().strip()
        if not line.startswith("data: "):
            continue
        data = line[6:]
        if data == "[DONE]":
            done = True
            break
        chunk = json.loads(data)
        assert "error" not in chunk, f"error event {chunk['error']}"
        if chunk.get("usage"):
            tokens = chunk["usage"]["completion_tokens"]
        for choice in chunk.get("choices", []):
            if choice.get("delta", {}).get("content") and ttft is None:
                ttft = time.perf_counter() - start
                if hang_up:
                    return ttft, 0
            if choice.get("finish_reason"):
                assert choice["finish_reason"] in ("stop", "length"), f"finish_reason {choice['finish_reason']}"
                finished = True
    if hang_up:  # the answer ended before any text: nothing to hang up on, still a valid answer
        assert done, "stream ended without [DONE]"
        return ttft, 0
    assert done, "stream ended without [DONE]"
    assert finished, "no chunk with a finish_reason"
    assert tokens is not None and 1 <= tokens <= max_tokens, f"usage completion_tokens {tokens}"
    return ttft, tokens


def malformed(rng, max_n):
    """A request the server must refuse: (method, path, body, expected status)."""
    cases = [
        ("POST", "/v1/chat/completions", '{"messages": [{"role": "user", "content": "hi"}', 400),       # bad JSON
        ("POST", "/v1/chat/completions", json.dumps({"messages": [{"role": "user", "content": "hi"}], "n": max_n + 1}), 400),
        ("POST", "/v1/chat/completions", json.dumps({"max_tokens": 4}), 400),                             # no messages
        ("POST", "/v1/chat/completions", json.dumps({"messages": [{"role": "user", "content": "hi"}], "temperature": "hot"}), 400),
        ("POST", "/v1/completions", json.dumps({"prompt": ["a", "b"]}), 400),                            # batched prompt
        ("GET", "/v1/nothing", None, 404),
    ]
    return rng.choice(cases)


def client(index, port, deadline, args, stats):
    rng = random.Random(args.seed * 1000 + index)
    conn = None
    weights = [w for _, w in KINDS]
    while time.time() < deadline:
        kind = rng.choices([k for k, _ in KINDS], weights)[0]
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=args.client_timeout)
        start = time.perf_counter()
        try:
            if kind == "malformed":
                method, path, body, status = malformed(rng, args.max_n)
                conn.request(method, path, body, {"Content-Type": "application/json"} if body else {})
                resp = conn.getresponse()
                raw = resp.read()
                assert resp.status == status, f"status {resp.status} (expected {status}): {raw[:200]!r}"
                error = json.loads(raw)["error"]
                assert isinstance(error.get("message"), str) and "type" in error, f"error body {raw[:200]!r}"
                stats.record(kind)
            elif kind == "single":
                conn.request("POST", "/v1/chat/completions", chat_body(rng, args.max_tokens, False),
                             {"Content-Type": "application/json"})
                resp = conn.getresponse()
                raw = resp.read()
                assert resp.status == 200, f"status {resp.status}: {raw[:200]!r}"
                tokens = check_completion(raw, args.max_tokens)
                stats.record(kind, latency=time.perf_counter() - start, tokens=tokens)
            else:
                conn.request("POST", "/v1/chat/completions", chat_body(rng, args.max_tokens, True),
                             {"Content-Type": "application/json"})
                resp = conn.getresponse()
                if resp.status != 200:
                    raise AssertionError(f"status {resp.status}: {resp.read()[:200]!r}")
                assert resp.getheader("Content-Type", "").startswith("text/event-stream"), "not an event stream"
                ttft, tokens = read_stream(resp, start, args.max_tokens, hang_up=kind == "hangup")
                if kind == "hangup":
                    conn.close()  # mid-stream: the server stops the generation at its next token
                    conn = None
                    stats.record(kind)
                else:
                    resp.read()  # the chunked body's last chunk, so the kept-alive connection can carry the next request
                    stats.record(kind, latency=time.perf_counter() - start, ttft=ttft, tokens=tokens)
        except (AssertionError, OSError, http.client.HTTPException, ValueError, KeyError, TypeError, IndexError) as e:
            stats.record(kind, error=f"{type(e).__name__}: {e}")
            if conn is not None:
                conn.close()
            conn = None
    if conn is not None:
        conn.close()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS line")


def sample_rss(pid, start, stop, every, samples):
    while not stop.wait(every):
        try:
            samples.append((time.time() - start, rss_kib(pid)))
        except (OSError, RuntimeError):
            return


def get_json(port, path):
    return json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60).read())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--divtune", default=".build/release/divtune")
    ap.add_argument("--model", default=MODEL)
    ap.add_argument("--clients", type=int, default=64)
    ap.add_argument("--duration", type=float, default=600, help="seconds of load")
    ap.add_argument("--warmup", type=float, help="seconds before the baseline RSS sample (default: a tenth of the run, at most 60)")
    ap.add_argument("--max-tokens", type=int, default=16)
    ap.add_argument("--max-n", type=int, default=16, help="the server's --max-n; malformed requests ask for one more")
    ap.add_argument("--sample-every", type=float, default=5, help="seconds between RSS samples")
    ap.add_argument("--client-timeout", type=float, default=600, help="seconds a client waits on its socket")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    warmup = args.warmup if args.warmup is not None else min(60, args.duration / 10)

    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="divtune-soak-", suffix=".jsonl", delete=False).name
    # The waiting line holds every client, so a well-formed request is never refused as "busy".
    cmd = [args.divtune, "serve", "--model", args.model, "--port", str(port), "--max-queue", str(2 * args.clients),
           "--max-n", str(args.max_n), "--log", log]
    errors = tempfile.TemporaryFile()  # a file, not a pipe: a full pipe would stall the server
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errors)
    stats, samples, stop = Stats(), [], threading.Event()
    try:
        limit = time.time() + 300
        while True:
            try:
                get_json(port, "/health")
                break
            except OSError:
                if time.time() > limit or server.poll() is not None:
                    errors.seek(0)
                    raise SystemExit(f"the server did not start: {' '.join(cmd)}\n{errors.read().decode()[-2000:]}")
                time.sleep(0.2)
        start = time.time()
        sampler = threading.Thread(target=sample_rss, args=(server.pid, start, stop, args.sample_every, samples), daemon=True)
        sampler.start()
        samples.append((0.0, rss_kib(server.pid)))
        threads = [threading.Thread(target=client, args=(i, port, start + args.duration, args, stats)) for i in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.time() - start
        stop.set()
        sampler.join()
        samples.append((wall, rss_kib(server.pid)))
        health = get_json(port, "/health")
    finally:
        stop.set()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=120)
        except subprocess.TimeoutExpired:
            server.kill()
    errors.seek(0)
    stderr = errors.read().decode(errors="replace")
    with open(log) as f:
        log_lines = sum(1 for _ in f)
    os.unlink(log)

    baseline = next((kib for t, kib in samples if t >= warmup), samples[-1][1])
    after = [kib for t, kib in samples if t >= warmup]
    latencies = stats.latency["stream"] + stats.latency["single"]
    well_formed = sum(stats.requests[k] for k in ("stream", "single", "hangup"))
    result = {
        "clients": args.clients, "duration_s": round(wall, 1), "max_tokens": args.max_tokens, "cores": os.cpu_count(),
        "requests": stats.requests, "answered_correctly": stats.ok,
        "well_formed_requests": well_formed,
        "failed_well_formed": sum(1 for kind, _ in stats.failures if kind != "malformed"),
        "failed_malformed": sum(1 for kind, _ in stats.failures if kind == "malformed"),
        "failures_first": stats.failures[:10],
        "completion_tokens": stats.tokens, "tokens_per_s": round(stats.tokens / wall, 1),
        "latency_s": {"p50": percentile(latencies, 50), "p99": percentile(latencies, 99)} if latencies else None,
        "ttft_s": {"p50": percentile(stats.ttft, 50), "p99": percentile(stats.ttft, 99)} if stats.ttft else None,
        "rss_mib": {"start": round(samples[0][1] / 1024, 1), "after_warmup": round(baseline / 1024, 1),
                    "max_after_warmup": round(max(after or [baseline]) / 1024, 1), "end": round(samples[-1][1] / 1024, 1),
                    "warmup_s": warmup, "samples": len(samples)},
        "server_health": health, "request_log_lines": log_lines,
        "server_stderr_tail": stderr[-2000:],
    }
    rss = result["rss_mib"]
    print(f"divtune serve soak: {args.clients} clients, {wall:.0f} s, max_tokens {args.max_tokens}, {os.cpu_count()} cores")
    print("| kind | requests | answered correctly |")
    print("|---|---:|---:|")
    for kind, _ in KINDS:
        print(f"| {kind} | {stats.requests[kind]} | {stats.ok[kind]} |")
    print(f"failed well-formed requests: {result['failed_well_formed']} of {well_formed}")
    if latencies:
        print(f"latency p50 / p99: {result['latency_s']['p50']:.2f} / {result['latency_s']['p99']:.2f} s")
    if stats.ttft:
        print(f"TTFT p50 / p99: {result['ttft_s']['p50']:.2f} / {result['ttft_s']['p99']:.2f} s")
    print(f"tokens/s: {result['tokens_per_s']}")
    print(f"RSS MiB: start {rss['start']}, after warm-up ({warmup:.0f} s) {rss['after_warmup']}, "
          f"max after warm-up {rss['max_after_warmup']}, end {rss['end']}")
    print(f"/health: {json.dumps(health)}; request-log lines {log_lines}")
    for kind, error in stats.failures[:10]:
        print(f"failure ({kind}): {error}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return 1 if result["failed_well_formed"] else 0


if __name__ == "__main__":
    sys.exit(main())
