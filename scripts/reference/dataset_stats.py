"""Reference values for `divtune stats` (docs/methods.md §1.5): the paper's Table 3 (prompts,
responses, mean words, responses per prompt) and Table 4 (raw and transformed scores) computed
with pandas' `describe` (std with n − 1, linear quantiles) over the repository's data/train.jsonl
and a small flat file whose minimum score is not 1 (where the two transform variants differ).
The transforms are preference_reference.py's ports of the released code. Writes
Tests/PreferenceTests/Fixtures/dataset_stats.json (and the flat input beside it).

    /tmp/pyref-humaneval/bin/python scripts/reference/dataset_stats.py      (numpy, pandas)
"""
import json
import os
import sys

import pandas as pd

sys.path.insert(0, os.path.dirname(__file__))
from preference_reference import consistent_transform, transform_scores  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
FIXTURES = os.path.join(ROOT, "Tests", "PreferenceTests", "Fixtures")


def describe(values):
    d = pd.Series(values, dtype="float64").describe()
    return {"count": int(d["count"]), "mean": float(d["mean"]), "std": None if pd.isna(d["std"]) else float(d["std"]),
            "min": float(d["min"]), "q25": float(d["25%"]), "median": float(d["50%"]), "q75": float(d["75%"]),
            "max": float(d["max"])}


def stats(prompts, variant):
    scores = [s for _, responses in prompts for _, s in responses]
    lo, hi = min(scores), max(scores)
    transformed = (transform_scores(scores, lo, hi) if variant == "reference" else consistent_transform(scores, lo, hi))
    return {"prompts": len(prompts), "responses": len(scores),
            "prompt_words": sum(len(p.split()) for p, _ in prompts) / len(prompts),
            "response_words": sum(len(t.split()) for _, rs in prompts for t, _ in rs) / len(scores),
            "responses_per_prompt": describe([len(rs) for _, rs in prompts]),
            "raw_scores": describe(scores), "transformed_scores": describe([float(x) for x in transformed]),
            "score_transform": variant}


train = []
with open(os.path.join(ROOT, "data", "train.jsonl")) as f:
    for line in f:
        if line.strip():
            row = json.loads(line)
            train.append((row["prompt"], [(r["text"], r["score"]) for r in row["responses"]]))

# Flat layout, scores from 0: the reference transform's ends are not ±1 here.
flat_rows = [("A door that opens onto yesterday.", "She stepped through  and smelled bread.", 0),
             ("A door that opens onto yesterday.", "Nothing happened, twice.", 12),
             ("A door that opens onto yesterday.", "The hinges\tremembered\neverything.", 40),
             ("Rain that falls upward.", "Umbrellas were turned over like bowls.", 3),
             ("Rain that falls upward.", "Clouds filled from below.", 100),
             ("A map of a city that moves.", "Streets swapped names at noon.", 7),
             ("A map of a city that moves.", "The river kept its place and sulked.", 55)]
flat_path = os.path.join(FIXTURES, "dataset_stats_flat.jsonl")
with open(flat_path, "w") as f:
    for p, r, s in flat_rows:
        f.write(json.dumps({"prompt": p, "response": r, "score": s}) + "\n")
flat = []
for p, r, s in flat_rows:
    if not flat or flat[-1][0] != p:
        flat.append((p, []))
    flat[-1][1].append((r, s))

out = {"train": [stats(train, "consistent-shift"), stats(train, "reference")],
       "flat": [stats(flat, "consistent-shift"), stats(flat, "reference")]}
with open(os.path.join(FIXTURES, "dataset_stats.json"), "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print("wrote", os.path.normpath(os.path.join(FIXTURES, "dataset_stats.json")))
