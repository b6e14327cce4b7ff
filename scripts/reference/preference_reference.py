"""Reference values for the Preference target (score transform and deviation weights).

Run:    /work/pyref/bin/python scripts/reference/preference_reference.py
Writes: Tests/PreferenceTests/Fixtures/preference_reference.json  (a few KB)

The functions below are literal ports of Chung et al.'s released code
(mj-storytelling/DiversityTuning @ cb06958):
  - transform_scores      <- models/utils.py:transform_scores (docs/methods.md §1)
  - mean_cosine_distance  <- models/diversity_model.py:get_diversity (mean cosine distance to the others)
  - deviations            <- scripts_dataset_cleaner/3_data_prep_for_diversified_training.py:transform_scores
                             (per-prompt min-max, geometric mean over spaces, (s*N - sum)/(N + sum))
Only numpy is needed.
"""
import json
import math
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "PreferenceTests", "Fixtures", "preference_reference.json")


def transform_scores(scores, min_score, max_score, compression_factor=100):
    shifted = np.asarray(scores, dtype=np.float64) - min_score + 1
    min_t, max_t = float(min_score), float(max_score)
    for _ in range(compression_factor):
        shifted = np.log(shifted + 1)
        min_t = math.log(min_t + 1)
        max_t = math.log(max_t + 1)
    return list(2 * (shifted - min_t) / (max_t - min_t) - 1)


def consistent_transform(scores, min_score, max_score, compression_factor=100):
    def it(x):
        for _ in range(compression_factor):
            x = math.log(x + 1)
        return x
    lo, hi = it(1.0), it(max_score - min_score + 1.0)
    return [2 * (it(s - min_score + 1.0) - lo) / (hi - lo) - 1 for s in scores]


def mean_cosine_distance(emb):
    e = np.asarray(emb, dtype=np.float64)
    e = e / np.linalg.norm(e, axis=1, keepdims=True)
    sim = e @ e.T
    n = len(e)
    return [float(sum(1 - sim[i, j] for j in range(n) if j != i) / (n - 1)) for i in range(n)]


def deviations(spaces):
    """spaces: list of per-space embedding lists (same responses). Returns d, s, delta."""
    k = len(spaces)
    dists = [mean_cosine_distance(e) for e in spaces]
    norm = []
    for d in dists:
        lo, hi = min(d), max(d)
        norm.append([0.0] * len(d) if lo == hi else [2 * (x - lo) / (hi - lo) - 1 for x in d])
    n = len(spaces[0])
    s = []
    for i in range(n):
        u = 1.0
        for c in range(k):
            u *= ((norm[c][i] + 1) / 2) ** (1 / k)
        s.append(2 * u - 1)
    if min(s) != max(s):
        delta = [(x * n - sum(s)) / (n + sum(s)) for x in s]
    else:
        delta = list(s)
    return dists, norm, delta


def main():
    rng = np.random.default_rng(20250317)
    raw = [1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 26, 50, 100, 500, 1000, 5000, 23079]
    fixture = {
        "transform_paper": {"min": 1, "max": 23079, "scores": raw,
                            "reference": transform_scores(raw, 1, 23079),
                            "consistent": consistent_transform(raw, 1, 23079)},
        "transform_shifted": {"min": 0, "max": 100, "scores": [0, 1, 5, 50, 100],
                              "reference": transform_scores([0, 1, 5, 50, 100], 0, 100),
                              "consistent": consistent_transform([0, 1, 5, 50, 100], 0, 100)},
        "deviation_cases": [],
    }
    sem = [[1, 0], [0.9, 0.1], [0, 1], [0.7, 0.7]]
    sty = [[1, 0.2], [0.2, 1], [0.5, 0.5], [1, 0.1]]
    cases = [("worked_both", [sem, sty]), ("worked_semantic", [sem]), ("worked_style", [sty])]
    for c in range(6):
        n = int(rng.integers(3, 8))
        dim = int(rng.integers(3, 9))
        spaces = [np.round(rng.normal(size=(n, dim)), 4).tolist() for _ in range(1 + c % 2)]
        cases.append((f"random_{c}", spaces))
    cases.append(("two_responses", [[[1, 0, 0], [0, 1, 0]]]))
    for name, spaces in cases:
        d, s, delta = deviations(spaces)
        fixture["deviation_cases"].append({"name": name, "spaces": spaces, "distances": d,
                                           "normalized": s, "deviations": delta})
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1)
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
