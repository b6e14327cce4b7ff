"""Reference values for the statistics of `divtune humaneval results` (docs/human-evaluation.md §4):
Wilson score intervals (statsmodels `proportion_confint(method="wilson")`), the exact two-sided
sign test (scipy `binomtest(k, n, 0.5)`), Fleiss' κ (statsmodels `fleiss_kappa(method="fleiss")`)
and Krippendorff's α for nominal data (the `krippendorff` package). Writes
Tests/EvaluationTests/Fixtures/humaneval_stats.json.

    python3 -m venv /tmp/pyref-humaneval
    /tmp/pyref-humaneval/bin/pip install numpy==2.4.6 scipy==1.17.1 statsmodels==0.15.0 krippendorff==0.9.0
    /tmp/pyref-humaneval/bin/python scripts/reference/humaneval_stats.py
"""
import json
import math
import os

import krippendorff
import numpy as np
from scipy.stats import binomtest
from statsmodels.stats.inter_rater import fleiss_kappa
from statsmodels.stats.proportion import proportion_confint

rng = np.random.default_rng(20)


def number(x):
    return None if math.isnan(x) else float(x)


wilson = []
for k, n, confidence in [(0, 1, 0.95), (1, 1, 0.95), (0, 10, 0.95), (10, 10, 0.95), (3, 10, 0.95), (37, 75, 0.95),
                         (50, 300, 0.95), (1, 2, 0.90), (7, 25, 0.99), (999, 1000, 0.95), (12345, 40000, 0.95)]:
    lower, upper = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
    wilson.append({"successes": k, "trials": n, "confidence": confidence, "lower": float(lower), "upper": float(upper)})

sign = []
for a, b in [(0, 0), (1, 0), (0, 1), (5, 5), (6, 4), (9, 1), (10, 0), (30, 18), (18, 30), (60, 40), (200, 150), (700, 520), (3, 0)]:
    sign.append({"a": a, "b": b, "p_value": float(binomtest(a, a + b, 0.5).pvalue) if a + b else 1.0})

fleiss = []


def add_fleiss(name, table):
    table = [[int(c) for c in row] for row in table]
    fleiss.append({"name": name, "counts": table, "kappa": number(fleiss_kappa(np.array(table), method="fleiss"))})


add_fleiss("perfect agreement, 3 categories", [[3, 0, 0], [0, 3, 0], [0, 0, 3], [3, 0, 0]])
add_fleiss("Fleiss 1971 style, 5 categories", [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
                                               [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
                                               [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]])
add_fleiss("systematic disagreement", [[1, 1, 1], [1, 1, 1], [2, 1, 0]])
add_fleiss("one category only", [[3, 0], [3, 0]])
for raters, categories, subjects in [(3, 3, 40), (3, 9, 100), (5, 4, 25), (2, 2, 60)]:
    # Skewed categories with per-subject preference, like A/B/hard-to-decide answers.
    table = []
    for _ in range(subjects):
        p = rng.dirichlet(np.ones(categories) * 0.7)
        table.append(np.bincount(rng.choice(categories, size=raters, p=p), minlength=categories))
    add_fleiss(f"random {raters} raters x {categories} categories x {subjects} subjects", table)

alpha = []


def add_alpha(name, data):
    """data: raters x units, None for a missing rating; stored as units (each a list of its ratings)."""
    matrix = np.array([[np.nan if v is None else v for v in row] for row in data], dtype=float)
    value = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    units = [[int(v) for v in matrix[:, u] if not np.isnan(v)] for u in range(matrix.shape[1])]
    alpha.append({"name": name, "units": units, "alpha": number(value)})


# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C: nominal data with missing values.
add_alpha("Krippendorff 2011 nominal example", [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
])
add_alpha("two raters, perfect", [[0, 1, 2, 1], [0, 1, 2, 1]])
add_alpha("three raters, disagreeing", [[0, 1, 0, 1, 2], [1, 0, 1, 0, 0], [2, 2, 2, 2, 1]])
for raters, units, categories, missing in [(10, 40, 3, 0.7), (6, 100, 9, 0.5), (3, 30, 2, 0.1)]:
    # Many annotators each labelling some items: most of the matrix is missing, as in a real study.
    truth = rng.integers(0, categories, size=units)
    data = []
    for _ in range(raters):
        row = []
        for u in range(units):
            if rng.random() < missing:
                row.append(None)
            else:
                row.append(int(truth[u]) if rng.random() < 0.6 else int(rng.integers(0, categories)))
        data.append(row)
    add_alpha(f"random {raters} raters x {units} units x {categories} categories, {missing:.0%} missing", data)

out = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "EvaluationTests", "Fixtures", "humaneval_stats.json")
with open(out, "w") as f:
    json.dump({"wilson": wilson, "sign_test": sign, "fleiss_kappa": fleiss, "krippendorff_alpha": alpha}, f, indent=1)
print("wrote", os.path.normpath(out))
