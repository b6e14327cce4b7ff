"""Reference values for Pearson's chi-square goodness-of-fit test (Sources/Evaluation/ChiSquareTest.swift,
docs/methods.md §11.2): scipy's `chisquare(f_obs, f_exp)` statistic and p-value, and the regularized upper
incomplete gamma `gammaincc(a, x)` on both sides of the series/continued-fraction switch at x = a + 1.
Writes Tests/EvaluationTests/Fixtures/chi_square_reference.json.

    /tmp/pyref-conv/bin/python scripts/reference/chi_square_reference.py    # numpy, scipy 1.17.1
"""
import json
import os

import numpy as np
from scipy.special import gammaincc
from scipy.stats import chisquare

tests = []
for observed, proportions in [
    ([50, 50], [1, 1]),
    ([60, 40], [1, 1]),
    ([5013, 1987, 2034, 966], [0.5, 0.2, 0.2, 0.1]),
    ([480, 230, 190, 100], [0.5, 0.2, 0.2, 0.1]),
    ([10, 0, 30], [0.25, 0.25, 0.5]),
    ([900, 50, 50], [1, 1, 1]),
    ([3, 7, 11, 2, 9], [1, 2, 3, 1, 2]),
    ([123, 0, 77], [0.6, 0, 0.4]),
]:
    kept = [(o, p) for o, p in zip(observed, proportions) if p > 0]
    obs = np.array([o for o, _ in kept], dtype=float)
    exp = np.array([p for _, p in kept], dtype=float)
    exp = exp / exp.sum() * obs.sum()
    result = chisquare(obs, exp)
    tests.append({"observed": observed, "proportions": proportions, "statistic": float(result.statistic),
                  "degrees_of_freedom": len(kept) - 1, "p_value": float(result.pvalue)})

gamma = []
for a, x in [(0.5, 0.01), (0.5, 1.0), (0.5, 3.84 / 2), (1.0, 2.0), (1.5, 0.7), (1.5, 3.9), (2.0, 10.0), (3.5, 1.0),
             (3.5, 4.5), (3.5, 20.0), (10.0, 9.0), (10.0, 11.5), (49.5, 40.0), (49.5, 70.0), (0.5, 50.0)]:
    gamma.append({"a": a, "x": x, "q": float(gammaincc(a, x))})

path = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "EvaluationTests", "Fixtures", "chi_square_reference.json")
with open(path, "w") as f:
    json.dump({"tests": tests, "upper_regularized_gamma": gamma}, f, indent=1)
    f.write("\n")
print("wrote", os.path.normpath(path))
