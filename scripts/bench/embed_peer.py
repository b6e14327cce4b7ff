"""Peer of `divtune bench embed`: sentence-transformers on PyTorch CPU, same texts, same threads.

Run:  python3 scripts/bench/embed_peer.py --texts TEXTS.jsonl [--threads 2] [--repeats 3]
Prints one JSON object: {"system": "sentence-transformers", "texts_per_second": ..., "seconds": [...], ...}
(one warm-up batch, then `repeats` timed passes over all texts; the median is reported).
"""
import argparse
import json
import os
import statistics
import time

import torch
from sentence_transformers import SentenceTransformer

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", required=True, help="JSON Lines of {\"text\": ...}")
    parser.add_argument("--model", default=os.path.join(os.environ.get("DIVTUNE_MODELS") or os.environ.get("DIVTUNE_CACHE")
                                                        or os.path.join(ROOT, ".cache", "models"), "all-MiniLM-L6-v2"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    with open(args.texts, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    model = SentenceTransformer(args.model, device="cpu")
    model.eval()
    with torch.inference_mode():
        model.encode(texts[: args.batch_size], batch_size=args.batch_size)
        seconds = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            model.encode(texts, batch_size=args.batch_size)
            seconds.append(time.perf_counter() - start)
    median = statistics.median(seconds)
    print(json.dumps({"system": "sentence-transformers", "texts": len(texts), "threads": args.threads,
                      "batch_size": args.batch_size, "seconds": seconds, "median_seconds": median,
                      "texts_per_second": len(texts) / median, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
