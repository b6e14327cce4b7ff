"""Reference values for `divtune evaluate compare`'s paired comparisons (docs/methods.md §9): the
paired bootstrap of per-prompt differences drawn with DivTune's own generator (xoshiro256**, the
pure-Python copy in seeded_generator.py, and Lemire's bounded draw), numpy's linear percentile,
the two-sided bootstrap p-value, and Holm's adjustment from statsmodels `multipletests`.
Writes Tests/EvaluationTests/Fixtures/paired_bootstrap.json.

    python3 -m venv /tmp/pyref-humaneval
    /tmp/pyref-humaneval/bin/pip install numpy==2.4.6 scipy==1.17.1 statsmodels==0.15.0 krippendorff==0.9.0
    /tmp/pyref-humaneval/bin/python scripts/reference/paired_bootstrap.py
"""
import json
import os
import sys

import numpy as np
from statsmodels.stats.multitest import multipletests

sys.path.insert(0, os.path.dirname(__file__))
from seeded_generator import M, splitmix_states, xoshiro  # noqa: E402


class Generator:
    def __init__(self, seed):
        self.state = splitmix_states(seed)

    def next(self):
        value = xoshiro(self.state, 1)[0]
        # advance the state as xoshiro does (seeded_generator.xoshiro works on a copy)
        s = self.state
        t = (s[1] << 17) & M
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
        s[3] = ((s[3] << 45) | (s[3] >> 19)) & M
        return value

    def below(self, bound):
        if bound <= 1:
            return 0
        m = self.next() * bound
        if (m & M) < bound:
            threshold = ((1 << 64) - bound) % bound
            while (m & M) < threshold:
                m = self.next() * bound
        return m >> 64


def paired(a, b, resamples, confidence, seed):
    d = [x - y for x, y in zip(a, b) if x is not None and y is not None]
    n = len(d)
    rng = Generator(seed)
    means = []
    for _ in range(resamples):
        s = 0.0
        for _ in range(n):
            s += d[rng.below(n)]
        means.append(s / n)
    means.sort()
    alpha = (1 - confidence) / 2
    lower, upper = np.percentile(means, [alpha * 100, (1 - alpha) * 100], method="linear")
    at_most = sum(1 for m in means if m <= 0)
    at_least = sum(1 for m in means if m >= 0)
    return {"a": a, "b": b, "resamples": resamples, "confidence": confidence, "seed": seed,
            "difference": sum(d) / n, "lower": float(lower), "upper": float(upper),
            "p_value": min(1.0, 2 * min(at_most, at_least) / resamples), "pairs": n}


rng = np.random.default_rng(9)
cases = []
# Like the demo: 24 prompts, two runs whose per-prompt diversity shares the prompts' variation.
base = rng.normal(0.62, 0.06, 24)
cases.append(paired([float(x) for x in base + rng.normal(0.0, 0.02, 24)], [float(x) for x in base + rng.normal(0.01, 0.02, 24)],
                    2000, 0.95, 0))
cases.append(paired([float(x) for x in base + rng.normal(0.05, 0.02, 24)], [float(x) for x in base], 2000, 0.95, 7))
cases.append(paired([float(x) for x in rng.normal(-2.9, 0.1, 10)], [float(x) for x in rng.normal(-3.0, 0.1, 10)], 500, 0.90, 3))
# Undefined values on either side are skipped.
a = [float(x) for x in rng.normal(0.5, 0.1, 12)]
b = [float(x) for x in rng.normal(0.5, 0.1, 12)]
a[2] = None
b[7] = None
cases.append(paired(a, b, 1000, 0.95, 11))
# Identical runs: every bootstrap mean is 0, p = 1.
same = [float(x) for x in rng.normal(0, 1, 8)]
cases.append(paired(same, same, 300, 0.95, 1))

holm = []
for p in [[0.01, 0.04, 0.03, 0.2], [0.001, 0.5, 0.0049, 0.0051, 0.9, 0.02], [0.05], [0.3, 0.3, 0.01], [1.0, 0.0, 0.5]]:
    holm.append({"p_values": p, "adjusted": [float(x) for x in multipletests(p, method="holm")[1]]})

out = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "EvaluationTests", "Fixtures", "paired_bootstrap.json")
with open(out, "w") as f:
    json.dump({"paired": cases, "holm": holm}, f, indent=1)
    f.write("\n")
print("wrote", os.path.normpath(out))
