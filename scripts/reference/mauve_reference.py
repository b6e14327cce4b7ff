"""Reference values for DivTune's MAUVE (docs/methods.md §13) from the `mauve-text` package.

mauve-text's `compute_mauve(p_features=..., q_features=...)` runs on small feature matrices made
here with a fixed numpy seed and written into the fixture (so the Swift test feeds the very same
numbers):
  - "separated": 4 well-separated clusters with different proportions in P and Q; the k-means of
    any implementation finds the same partition, so MAUVE, MAUVE*, FI and FI* must match exactly
    (up to float rounding), over several mauve-text seeds;
  - "overlapping": two shifted Gaussian clouds; k-means partitions differ between implementations
    (faiss's initialisation vs DivTune's), so the fixture records mauve-text's MAUVE over seeds
    1..100 and the Swift test compares the distributions over the same seeds (means within 0.05,
    DivTune's middle 80% inside mauve-text's range).
The histogram stage (divergence curve, MAUVE area, frontier integral) is checked exactly on given
histograms with mauve-text's own functions and sklearn's `auc`. mauve-text 0.4.0 reports no
precision/recall; those are the PRD precision and recall of Le Bronnec et al. 2024
(AlexVerine/pr-4-llm, pr_llm/mauve/compute_mauve.py: `pr_curves` and `_prd_to_f_beta`, copied
below as published) on the same histograms.
Writes Tests/EvaluationTests/Fixtures/mauve_reference.json.

    python3 -m venv /tmp/pyref-mauve
    /tmp/pyref-mauve/bin/pip install mauve-text==0.4.0 faiss-cpu==1.15.1 scikit-learn==1.9.1 numpy
    /tmp/pyref-mauve/bin/python scripts/reference/mauve_reference.py
"""
import json
import os

import numpy as np
from mauve import compute_mauve
from mauve.compute_mauve import get_divergence_curve_for_multinomials, get_fronter_integral
from sklearn.metrics import auc

OUT = os.path.join(os.path.dirname(__file__), "../../Tests/EvaluationTests/Fixtures/mauve_reference.json")


def pr_curves(p, q, N_bins=1000):  # pr-4-llm, as published
    alpha, beta = [], []
    for theta in range(1, N_bins):
        alpha.append(np.min(np.concatenate((np.tan(theta * np.pi / 2 / N_bins) * p, q), axis=1), axis=1).sum())
        beta.append(np.min(np.concatenate((p, q / np.tan(theta * np.pi / 2 / N_bins)), axis=1), axis=1).sum())
    alpha, beta = np.array(alpha), np.array(beta)
    return np.clip(alpha, 0, 1), np.clip(beta, 0, 1)


def _prd_to_f_beta(precision, recall, beta=1, epsilon=1e-10):  # pr-4-llm, as published
    return (1 + beta**2) * (precision * recall) / ((beta**2 * precision) + recall + epsilon)


def precision_recall(p, q):
    alpha, beta = pr_curves(np.asarray(p).reshape(-1, 1), np.asarray(q).reshape(-1, 1))
    return float(np.max(_prd_to_f_beta(alpha, beta, 1 / 8))), float(np.max(_prd_to_f_beta(alpha, beta, 8)))


def histogram_case(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    x, y = get_divergence_curve_for_multinomials(p, q, np.linspace(1e-6, 1 - 1e-6, 25), 5).T
    i1, i2 = np.argsort(x), np.argsort(y)
    precision, recall = precision_recall(p, q)
    return {"p": p.tolist(), "q": q.tolist(), "mauve": float(0.5 * (auc(x[i1], y[i1]) + auc(y[i2], x[i2]))),
            "frontier_integral": float(get_fronter_integral(p, q)), "precision": precision, "recall": recall,
            "curve": [[float(a), float(b)] for a, b in zip(x, y)]}


def features(rng, centers, counts, noise):
    rows = [centers[c] + noise * rng.standard_normal(centers.shape[1]) for c, n in enumerate(counts) for _ in range(n)]
    return np.round(np.asarray(rows), 6)


def mauve_case(p, q, seeds):
    results = []
    for seed in seeds:
        out = compute_mauve(p_features=p, q_features=q, seed=seed)
        precision, recall = precision_recall(out.p_hist, out.q_hist)
        results.append({"seed": seed, "mauve": float(out.mauve), "mauve_star": float(out.mauve_star),
                        "frontier_integral": float(out.frontier_integral),
                        "frontier_integral_star": float(out.frontier_integral_star),
                        "p_hist": [float(v) for v in out.p_hist], "q_hist": [float(v) for v in out.q_hist],
                        "precision": precision, "recall": recall, "buckets": int(out.num_buckets)})
    return {"p": p.tolist(), "q": q.tolist(), "results": results}


def main():
    rng = np.random.default_rng(2025)
    histograms = [histogram_case([0.5, 0.3, 0.2], [0.2, 0.3, 0.5]),
                  histogram_case([0.4, 0.4, 0.2, 0], [0.1, 0.3, 0.3, 0.3]),
                  histogram_case([0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5]),
                  histogram_case([0.05, 0.15, 0.3, 0.5], [0.25, 0.25, 0.25, 0.25]),
                  histogram_case([0.7, 0.1, 0.1, 0.05, 0.05], [0.1, 0.2, 0.2, 0.2, 0.3])]
    # 4 clusters along 4 of 12 axes, far apart compared with the noise.
    centers = np.zeros((4, 12))
    for c in range(4):
        centers[c, c] = 3.0
    centers += 0.2
    separated = mauve_case(features(rng, centers, [16, 12, 8, 4], 0.05), features(rng, centers, [4, 8, 12, 16], 0.05),
                           seeds=[25, 1, 2])
    cloud = np.zeros((2, 12))
    cloud[:, 0] = 1.0
    cloud[1, 1] = 0.5
    overlapping = mauve_case(features(rng, cloud[:1], [60], 0.3), features(rng, cloud[1:], [60], 0.3), seeds=list(range(1, 101)))
    with open(OUT, "w") as f:
        json.dump({"histograms": histograms, "separated": separated, "overlapping": overlapping}, f, indent=1)
        f.write("\n")
    print("separated:", [r["mauve"] for r in separated["results"]])
    om = [r["mauve"] for r in overlapping["results"]]
    print("overlapping: min %.4f max %.4f mean %.4f" % (min(om), max(om), float(np.mean(om))))
    for h in histograms:
        print(h["p"], h["q"], h["mauve"], h["frontier_integral"], h["precision"], h["recall"])


if __name__ == "__main__":
    main()
