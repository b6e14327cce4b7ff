"""Conformative decoding's next-token distribution (docs/methods.md §8) computed by hand, in plain
Python, for a few pairs of logit vectors: the fixture that the torch backend's logits processor
(python/tests/test_sampling.py) and the Swift Sampling module (Tests/SamplingTests/
ConformativeFixtureTests.swift) are both checked against.

Run:  python3 scripts/reference/conformative_reference.py > python/tests/fixtures/conformative_cases.json
"""
import json
import math

INSTRUCT = [2.0, 1.5, 0.4, -0.3, 1.1, -1.2, 0.9, -2.0]
BASE = [0.2, -0.5, 1.8, 0.6, -0.1, 1.0, 0.3, -0.8]

CASES = [
    dict(name="prob, instruct nucleus, penalty and temperature", weight=0.3, space="prob", truncate_on="instruct",
         temperature=0.7, top_k=5, top_p=0.9, min_p=0.0, repetition_penalty=1.3, context=[1, 5], base_temperature=None),
    dict(name="log, mixture truncation, base temperature", weight=0.55, space="log", truncate_on="mixture",
         temperature=1.0, top_k=0, top_p=0.8, min_p=0.05, repetition_penalty=1.0, context=[], base_temperature=1.5),
    dict(name="w = 0 is plain sampling", weight=0.0, space="prob", truncate_on="instruct",
         temperature=1.0, top_k=3, top_p=1.0, min_p=0.0, repetition_penalty=1.0, context=[], base_temperature=None),
    dict(name="greedy over the mixture", weight=0.5, space="prob", truncate_on="instruct",
         temperature=0.0, top_k=3, top_p=1.0, min_p=0.0, repetition_penalty=1.6, context=[0], base_temperature=None),
]


def softmax(logits):
    top = max(logits)
    e = [math.exp(l - top) if l != -math.inf else 0.0 for l in logits]
    return [x / sum(e) for x in e]


def shaped(logits, case, temperature):
    out = list(logits)
    for i in set(case["context"]):
        out[i] = out[i] / case["repetition_penalty"] if out[i] > 0 else out[i] * case["repetition_penalty"]
    if case["temperature"] > 0 and temperature != 1:
        out = [l / temperature for l in out]
    return out


def truncation_set(logits, case):
    """top-k (ties stay), top-p over what is left (renormalised), min-p, in that order."""
    keep = set(range(len(logits)))
    if 0 < case["top_k"] < len(logits):
        kth = sorted(logits, reverse=True)[case["top_k"] - 1]
        keep = {i for i in keep if logits[i] >= kth}
    if case["top_p"] < 1:
        order = sorted(keep, key=lambda i: (-logits[i], i))
        p = softmax([logits[i] for i in order])
        total, kept = 0.0, []
        for i, q in zip(order, p):
            kept.append(i)
            total += q
            if total >= case["top_p"]:
                break
        keep = set(kept)
    if case["min_p"] > 0:
        best = max(logits[i] for i in keep)
        keep = {i for i in keep if logits[i] >= best + math.log(case["min_p"])}
    return keep


def distribution(case):
    t = case["temperature"]
    p_i = softmax(shaped(INSTRUCT, case, t))
    p_b = softmax(shaped(BASE, case, case["base_temperature"] or t))
    w = case["weight"]
    if case["space"] == "prob":
        mixed = [(1 - w) * a + w * b for a, b in zip(p_i, p_b)]
    else:
        logs = [(1 - w) * math.log(a) + w * math.log(b) for a, b in zip(p_i, p_b)]
        mixed = softmax(logs)
    source = shaped(INSTRUCT, case, t) if case["truncate_on"] == "instruct" else [math.log(m) for m in mixed]
    keep = truncation_set(source, case)
    total = sum(mixed[i] for i in keep)
    return [mixed[i] / total if i in keep else 0.0 for i in range(len(mixed))]


if __name__ == "__main__":
    cases = []
    for case in CASES:
        p = distribution(case)
        cases.append(dict(case, instruct=INSTRUCT, base=BASE, expected=p, greedy_token=max(range(len(p)), key=lambda i: (p[i], -i))))
    print(json.dumps({"cases": cases}, indent=1))
