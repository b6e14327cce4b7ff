"""Reference values for the Evaluation target's text-diversity metrics.

Run:    /work/pyref/bin/python scripts/reference/diversity_reference.py
Needs:  diversity==0.2.0, rouge_score==0.1.2, nltk (pip install into /work/pyref). The package's
        optional imports (spacy for POS patterns, evaluate for BERTScore/BLEU) are stubbed: only
        ROUGE-L, gzip compression and n-gram diversity are used.
Writes: Tests/EvaluationTests/Fixtures/diversity_reference.json  (a few tens of KB)

For each sample set it records
  - "intended": our intended definitions, computed here with rouge_score and gzip
      compression  = len(utf8(" ".join(s))) / len(gzip.compress(utf8, compresslevel=9))
      homogenization = mean over ordered pairs i != j of ROUGE-L F (identical strings -> 1); None if n < 2
      ngram = sum_{n=1..4} |set(ngrams)| / |ngrams| on " ".join(s).split(" "), sizes without n-grams skipped
  - "diversity02": what the diversity 0.2.0 package returns (None where it raises), with Python's
      clock pinned to 1_750_000_000 s so the inner gzip header's mtime is fixed (see CompressionRatio.swift)
  - "tokens": rouge_score's tokens of every sample, "rouge": the pairwise F matrix.
"""
import gzip
import json
import os
import random
import sys
import time
import types

for name in ("spacy", "evaluate"):           # optional heavy imports of the package, unused here
    stub = types.ModuleType(name)
    stub.load = lambda *a, **k: None
    sys.modules[name] = stub
sys.modules["spacy"].load = lambda *a, **k: None

import diversity  # noqa: E402
from rouge_score import rouge_scorer, tokenize  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "EvaluationTests", "Fixtures", "diversity_reference.json")
MTIME = 1_750_000_000.0
SCORER = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)


def f_measure(a, b):
    return 1.0 if a == b else SCORER.score(a, b)["rougeL"].fmeasure


def intended(samples):
    raw = " ".join(samples).encode("utf-8")
    comp = len(raw) / len(gzip.compress(raw, compresslevel=9))
    n = len(samples)
    hom = None
    if n >= 2:
        hom = sum(f_measure(samples[i], samples[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    words = " ".join(samples).split(" ")
    ngram = 0.0
    for k in range(1, 5):
        grams = [tuple(words[i:i + k]) for i in range(len(words) - k + 1)]
        if grams:
            ngram += len(set(grams)) / len(grams)
    return {"compression": comp, "homogenization": hom, "ngram": ngram}


def package(samples):
    real_time = time.time
    time.time = lambda: MTIME
    try:
        comp = diversity.compression_ratio(samples, "gzip")
    finally:
        time.time = real_time
    old_stdout = sys.stdout
    sys.stdout = open(os.devnull, "w")
    try:
        hom = diversity.homogenization_score(samples, "rougel", verbose=False)
    finally:
        sys.stdout.close()
        sys.stdout = old_stdout
    try:
        ngram = diversity.ngram_diversity_score(samples, 4)
    except ZeroDivisionError:
        ngram = None
    return {"compression": comp, "homogenization": hom, "ngram": ngram}


def story(rng, words):
    vocab = ("the a old man sea boat wind light night she he said and was in of to ran saw dark cold "
             "house door opened slowly never again whispered storm ship dog fox quick lazy").split()
    out = []
    for i in range(words):
        w = rng.choice(vocab)
        out.append(w + ("." if rng.random() < 0.1 else ("," if rng.random() < 0.08 else "")))
    return " ".join(out)


def main():
    rng = random.Random(7)
    fox = ["The quick brown fox jumps over the lazy dog.", "The quick brown fox jumps over the lazy dog again.",
           "Suddenly, the quick brown fox leaps swiftly over the sleeping dog.",
           "I brewed coffee and read the paper in the morning light."]
    sets = {
        "identical": ["The sea was calm that night."] * 4,
        "disjoint": ["alpha beta", "gamma delta", "epsilon zeta", "eta theta"],
        "fox_partial_overlap": fox,
        "two_short": ["a b c d", "a b x y"],
        "duplicates_first": ["same words here", "same words here", "other text entirely"],
        "duplicates_last": ["x y z", "a b c", "a b c"],
        "punctuation_case": ["Hello, World!", "hello world", "HELLO... world?!", "Well -- hello; world: (hi)"],
        "unicode": ["Café naïve résumé déjà vu", "İstanbul and the \u212Aelvin scale, 温度 3°C",
                    "emoji 🙂 text — “quoted” words", "Σίσυφος rolled the stone again"],
        "single": ["Only one sample exists here."],
        "single_short": ["two words"],
        "empty_strings": ["", "", "a"],
        "all_empty": ["", ""],
        "whitespace": ["line one\nline two", "word  word", " leading and trailing ", "tab\tseparated words"],
        "digits": ["Chapter 1: 2024 was 10x better", "chapter 2: 2025 was 3x worse", "In 1999, 42 people came."],
        "stories": [story(rng, 120) for _ in range(4)],
    }
    cases = []
    for name, samples in sets.items():
        n = len(samples)
        cases.append({
            "name": name,
            "samples": samples,
            "tokens": [tokenize.tokenize(s, None) for s in samples],
            "rouge": [[SCORER.score(samples[i], samples[j])["rougeL"].fmeasure for j in range(n)] for i in range(n)],
            "intended": intended(samples),
            "diversity02": package(samples),
        })
    with open(OUT, "w") as f:
        json.dump({"mtime": MTIME, "cases": cases}, f, indent=1, ensure_ascii=False)
    print("wrote", os.path.normpath(OUT), len(cases), "cases")


if __name__ == "__main__":
    main()
