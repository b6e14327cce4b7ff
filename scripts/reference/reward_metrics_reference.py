"""Reference values for RewardModeling's regression metrics: scipy.stats.spearmanr (average ranks
for ties), sklearn.metrics.r2_score and mean_absolute_error — what the paper's
`reward_model_perf_analysis.py` reports. Writes Tests/RewardModelingTests/Fixtures/regression_metrics.json.

    /work/pyref/bin/python scripts/reference/reward_metrics_reference.py
"""
import json
import os

import numpy as np
from scipy.stats import rankdata, spearmanr
from sklearn.metrics import mean_absolute_error, r2_score

rng = np.random.default_rng(7)
cases = []


def add(name, pred, true):
    pred = [float(x) for x in pred]
    true = [float(x) for x in true]
    rho = spearmanr(pred, true).statistic
    cases.append({
        "name": name, "predictions": pred, "targets": true,
        "spearman": None if np.isnan(rho) else float(rho),
        "r2": float(r2_score(true, pred)), "mae": float(mean_absolute_error(true, pred)),
        "ranks": [float(r) for r in rankdata(pred)],
    })


true = rng.uniform(-1, 1, 50)
add("noisy", true + rng.normal(0, 0.3, 50), true)
add("ties", [0.1, 0.1, 0.5, 0.2, 0.2, 0.2, -1.0, 0.9], [0.0, 0.3, 0.4, 0.1, -0.2, 0.2, -0.5, 1.0])
add("anticorrelated", [3, 2, 1, 0, -1], [-1, 0, 1, 2, 3])
add("rounded", np.round(rng.normal(0, 1, 30), 1), np.round(rng.normal(0, 1, 30), 1))
add("constant predictions", [0.2] * 6, [0.1, 0.4, -0.3, 0.9, 0.0, -0.6])

out = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "RewardModelingTests", "Fixtures", "regression_metrics.json")
with open(out, "w") as f:
    json.dump(cases, f, indent=1)
print("wrote", os.path.normpath(out))
