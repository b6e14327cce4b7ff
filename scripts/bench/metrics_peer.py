"""Peer for `divtune bench metrics`: times the `diversity` package (0.2.0, what Chung et al.
used) on the very text sets DivTune times, and prints one JSON object of seconds per repeat.

    python scripts/bench/metrics_peer.py TEXTS.json [--repeats 3] [--homogenization-prompts N]

TEXTS.json is a list of prompts, each a list of sample texts (written by `divtune bench metrics`).
Keys match DivTune's metric names. Homogenization (pure-Python ROUGE-L over all ordered pairs) takes
seconds per prompt, so it can be timed on the first N prompts only; compare texts per second. The package's optional heavy imports (spaCy for POS patterns,
`evaluate` for BERTScore/BLEU) are stubbed; only the three metrics the paper used are timed.
"""
import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
import types

for name in ("spacy", "evaluate"):
    stub = types.ModuleType(name)
    stub.load = lambda *a, **k: None
    sys.modules[name] = stub

import diversity  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("texts")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--homogenization-prompts", type=int, default=None,
                        help="time homogenization on the first N prompts only")
    parser.add_argument("--metrics", default="compression_ratio,homogenization_rougel,ngram_diversity")
    args = parser.parse_args()
    with open(args.texts, encoding="utf-8") as f:
        sets = json.load(f)
    # compression_ratio writes scratch files into the working directory: keep them out of the repo.
    os.chdir(tempfile.mkdtemp(prefix="metrics-peer-"))
    metrics = {
        "compression_ratio": lambda s: diversity.compression_ratio(s, "gzip"),
        "homogenization_rougel": lambda s: diversity.homogenization_score(s, "rougel", verbose=False),
        "ngram_diversity": lambda s: diversity.ngram_diversity_score(s, 4),
    }
    out = {"texts": {}, "seconds": {}}
    real_stdout = sys.stdout
    for name in args.metrics.split(","):
        fn = metrics[name]
        subset = sets[: args.homogenization_prompts] if name == "homogenization_rougel" and args.homogenization_prompts else sets
        runs = []
        with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
            for _ in range(args.repeats):   # the package prints and draws tqdm bars: silence them
                start = time.perf_counter()
                for s in subset:
                    fn(s)
                runs.append(time.perf_counter() - start)
        out["texts"][name] = sum(len(s) for s in subset)
        out["seconds"][name] = runs
    print(json.dumps(out), file=real_stdout)


if __name__ == "__main__":
    main()
