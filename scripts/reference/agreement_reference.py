"""Reference values for Evaluation's agreement metrics: sklearn.metrics.cohen_kappa_score (unweighted)
and roc_auc_score (binary), what `divtune judge` reports against the labels (docs/creative.md).
Writes Tests/EvaluationTests/Fixtures/agreement_reference.json.

    /tmp/pyref/bin/python scripts/reference/agreement_reference.py
"""
import json
import os

import numpy as np
from sklearn.metrics import cohen_kappa_score, roc_auc_score

rng = np.random.default_rng(19)
kappa_cases, auc_cases = [], []


def kappa(name, a, b):
    a, b = [str(x) for x in a], [str(x) for x in b]
    k = cohen_kappa_score(a, b)
    kappa_cases.append({"name": name, "a": a, "b": b, "kappa": None if np.isnan(k) else float(k)})


def auc(name, scores, positives):
    scores, positives = [float(s) for s in scores], [bool(p) for p in positives]
    auc_cases.append({"name": name, "scores": scores, "positives": positives,
                      "auc": float(roc_auc_score(positives, scores))})


truth = rng.integers(0, 2, 60)
noisy = np.where(rng.uniform(size=60) < 0.8, truth, 1 - truth)
kappa("binary, 80% agreement", ["good" if t else "bad" for t in truth], ["good" if t else "bad" for t in noisy])
kappa("three labels", rng.choice(["a", "b", "c"], 45), rng.choice(["a", "b", "c"], 45, p=[0.5, 0.3, 0.2]))
kappa("perfect", ["yes", "no", "no", "yes", "no"], ["yes", "no", "no", "yes", "no"])
kappa("worse than chance", ["good", "bad", "good", "bad", "good", "bad"], ["bad", "good", "bad", "good", "good", "bad"])
kappa("label only one rater uses", ["good", "good", "bad", "bad", "good"], ["good", "meh", "bad", "good", "good"])
kappa("one label each, undefined", ["good"] * 4, ["good"] * 4)

positives = rng.integers(0, 2, 80).astype(bool)
auc("noisy scores", positives * 0.6 + rng.normal(0, 0.5, 80), positives)
auc("many ties", np.round(rng.uniform(size=40), 1), rng.integers(0, 2, 40).astype(bool))
auc("all tied", [0.5] * 6, [True, False, True, False, False, True])
auc("perfect", [0.9, 0.8, 0.3, 0.1], [True, True, False, False])
auc("reversed", [0.1, 0.2, 0.7, 0.9, 0.95], [True, True, False, False, False])

out = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "EvaluationTests", "Fixtures", "agreement_reference.json")
with open(out, "w") as f:
    json.dump({"kappa": kappa_cases, "auc": auc_cases}, f, indent=1)
print("wrote", os.path.normpath(out))
