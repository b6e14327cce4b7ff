#!/usr/bin/env python3
"""Checks `divtune serve` against the official `openai` Python client (run by hand, not in CI).

    /work/pyref/bin/python scripts/openai_client_check.py --launch .build/release/divtune \
        --model .cache/models/SmolLM2-135M-Instruct-Q4_1/SmolLM2-135M-Instruct.Q4_1.gguf [--base-model SAME]
    /work/pyref/bin/python scripts/openai_client_check.py --base-url http://127.0.0.1:8080/v1

With --launch it starts the server on a free loopback port and stops it (SIGTERM) at the end.
Prints one PASS/FAIL line per check; exits 1 if any check failed.
"""
import argparse
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import openai


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as r:
                if json.load(r).get("status") == "ok":
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not become healthy in {seconds} s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", help="e.g. http://127.0.0.1:8080/v1 (a running server)")
    ap.add_argument("--launch", help="path of the divtune binary to start")
    ap.add_argument("--model", help="model path for --launch")
    ap.add_argument("--base-model", help="base model path for --launch (enables the conformative check)")
    args = ap.parse_args()

    server = None
    if args.launch:
        port = free_port()
        cmd = [args.launch, "serve", "--model", args.model, "--port", str(port)]
        if args.base_model:
            cmd += ["--base-model", args.base_model]
        server = subprocess.Popen(cmd)
        root = f"http://127.0.0.1:{port}"
    elif args.base_url:
        root = args.base_url.rstrip("/").removesuffix("/v1")
    else:
        ap.error("give --base-url or --launch")
    failures = 0
    try:
        wait_healthy(root)
        client = openai.OpenAI(base_url=root + "/v1", api_key="unused", max_retries=0)
        results = []

        def check(name, fn):
            nonlocal failures
            try:
                detail = fn()
                print(f"PASS {name}" + (f": {detail}" if detail else ""))
            except Exception as e:  # report every check, keep going
                failures += 1
                print(f"FAIL {name}: {type(e).__name__}: {e}")

        models = client.models.list().data
        model = models[0].id
        base = next((m.id for m in models[1:]), None)

        def models_list():
            assert all(m.object == "model" for m in models)
            return ", ".join(m.id for m in models)

        def chat():
            r = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Say hello."}],
                                               temperature=0, max_tokens=12, seed=1)
            c = r.choices[0]
            assert r.object == "chat.completion" and c.message.role == "assistant"
            assert isinstance(c.message.content, str) and c.finish_reason in ("stop", "length")
            assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens
            results.append(c.message.content)
            return repr(c.message.content)

        def chat_stream():
            stream = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Say hello."}],
                                                    temperature=0, max_tokens=12, seed=1, stream=True,
                                                    stream_options={"include_usage": True})
            text, finish, usage = "", None, None
            for chunk in stream:
                for ch in chunk.choices:
                    text += ch.delta.content or ""
                    finish = ch.finish_reason or finish
                usage = chunk.usage or usage
            assert finish in ("stop", "length"), finish
            assert usage is not None and usage.completion_tokens > 0
            assert not results or text == results[0], (text, results)
            return repr(text)

        def chat_logprobs():
            r = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Say hello."}],
                                               temperature=0, max_completion_tokens=4, logprobs=True, top_logprobs=2)
            content = r.choices[0].logprobs.content
            assert len(content) == r.usage.completion_tokens
            assert all(len(t.top_logprobs) == 2 and t.logprob <= 0 for t in content)
            return " ".join(f"{t.token!r}:{t.logprob:.3f}" for t in content)

        def n_and_stop():
            r = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Write a poem."}],
                                               n=2, seed=3, max_tokens=10, stop=["\n"], top_p=0.9)
            assert [c.index for c in r.choices] == [0, 1]
            assert all("\n" not in c.message.content for c in r.choices)
            return " | ".join(repr(c.message.content) for c in r.choices)

        def completions():
            r = client.completions.create(model=model, prompt="The sea is", max_tokens=5, temperature=0, logprobs=2)
            c = r.choices[0]
            assert r.object == "text_completion" and len(c.logprobs.tokens) == len(c.logprobs.token_logprobs)
            return repr(c.text)

        def completions_stream():
            text = "".join(ch.choices[0].text for ch in client.completions.create(
                model=model, prompt="The sea is", max_tokens=5, temperature=0, stream=True) if ch.choices)
            return repr(text)

        def unknown_model():
            try:
                client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
            except openai.NotFoundError as e:
                assert e.body["param"] == "model", e.body
                return e.body["message"]
            raise AssertionError("no NotFoundError")

        def bad_value():
            try:
                client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}], temperature=7)
            except openai.BadRequestError as e:
                assert e.body["param"] == "temperature", e.body
                return e.body["message"]
            raise AssertionError("no BadRequestError")

        def conformative():
            r = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Write a story."}],
                                               max_tokens=10, seed=2,
                                               extra_body={"conformative_weight": 0.5, "base_model": base,
                                                           "base_prompt_style": "completion"})
            return repr(r.choices[0].message.content)

        def health():
            with urllib.request.urlopen(root + "/health", timeout=5) as r:
                return json.load(r)

        def timeout_cancels():
            # The client gives up on a long single answer; the server must stop generating it.
            before = health()["cancelled"]
            try:
                client.with_options(timeout=1.0).completions.create(
                    model=model, prompt="Once upon a time", max_tokens=3000, extra_body={"ignore_eos": True})
                raise AssertionError("3000 tokens arrived within 1 s")
            except openai.APITimeoutError:
                pass
            deadline = time.time() + 10
            while health()["cancelled"] == before and time.time() < deadline:
                time.sleep(0.1)
            after = health()
            assert after["cancelled"] == before + 1 and not after["busy"], after
            return f"cancelled {before} -> {after['cancelled']}"

        for name, fn in [("models.list", models_list), ("chat.completions", chat), ("chat stream + usage", chat_stream),
                         ("chat logprobs", chat_logprobs), ("n + stop + top_p", n_and_stop),
                         ("completions + logprobs", completions), ("completions stream", completions_stream),
                         ("404 unknown model", unknown_model), ("400 bad temperature", bad_value),
                         ("client timeout cancels", timeout_cancels)]:
            check(name, fn)
        if base:
            check("conformative extra_body", conformative)
    finally:
        if server:
            server.send_signal(signal.SIGTERM)
            code = server.wait(timeout=30)
            print(f"server exited with {code} after SIGTERM")
            if code != 0:
                failures += 1
    print(f"openai {openai.__version__}: {'all checks passed' if failures == 0 else f'{failures} failed'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
