#!/usr/bin/env python3
"""Writes the creative sample's JSON Lines files from the hand-written briefs (briefs_*.py), or checks them.

    python3 data/creative/make_sample.py          # (re)write the .jsonl files next to this script
    python3 data/creative/make_sample.py --check  # verify the committed files: same bytes, counts, balance, splits

See data/creative/README.md for what each file holds. Standard library only.
"""
import json
import os
import sys

sys.dont_write_bytecode = True  # the briefs modules are data: leave no __pycache__ in data/creative

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from briefs_a import BRIEFS as A  # noqa: E402
from briefs_b import BRIEFS as B  # noqa: E402
from briefs_c import BRIEFS as C  # noqa: E402
from briefs_d import BRIEFS as D  # noqa: E402

BRIEFS = A + B + C + D
# Every fifth brief is held out: spread over the four authoring batches, never trained on.
HELDOUT = {i for i in range(len(BRIEFS)) if (i + 1) % 5 == 0}


def brief_id(i):
    return "b%02d" % (i + 1)


def brief_text(b):
    return "Brand: %s\nProblem: %s" % (b["brand"], b["problem"])


def first_good(b):
    return next(text for label, text, _ in b["ideas"] if label == "good")


def task_rows(i, b):
    """The task-tagged rows of one brief: ideas and names as chat messages, the rest as prompt/completion."""
    brief = brief_text(b)
    idea = first_good(b)
    rows = []
    for label, text, _ in b["ideas"]:
        if label == "good":  # SFT on good ideas only, as the seed fine-tunes on award-winning work
            rows.append({"task": "idea", "brief_id": brief_id(i), "messages": [
                {"role": "user", "content": brief + "\nWrite one creative idea for this brief."},
                {"role": "assistant", "content": text}]})
    rows.append({"task": "insight", "brief_id": brief_id(i),
                 "prompt": brief + "\nWrite the consumer insight behind this brief in one sentence.\n",
                 "completion": b["insight"]})
    for h in b["headlines"]:
        rows.append({"task": "headline", "brief_id": brief_id(i),
                     "prompt": "Brand: %s\nIdea: %s\nWrite a headline for this idea.\n" % (b["brand"], idea),
                     "completion": h})
    rows.append({"task": "naming", "brief_id": brief_id(i), "messages": [
        {"role": "user", "content": "Brand: %s\nIdea: %s\nSuggest three names for this campaign." % (b["brand"], idea)},
        {"role": "assistant", "content": "\n".join(b["names"])}]})
    rows.append({"task": "art_direction", "brief_id": brief_id(i),
                 "prompt": "Brand: %s\nIdea: %s\nHeadline: %s\nWrite the art direction for a billboard.\n"
                           % (b["brand"], idea, b["headlines"][0]),
                 "completion": b["art"]})
    return rows


def idea_rows(i, b):
    return [{"brief_id": brief_id(i), "brand": b["brand"], "problem": b["problem"], "idea": text,
             "label": label, "reason": reason} for label, text, reason in b["ideas"]]


def files():
    """File name → list of rows."""
    out = {"briefs.jsonl": [], "train.jsonl": [], "heldout.jsonl": [], "ideas.jsonl": [], "ideas_heldout.jsonl": [],
           "idea_prompts_heldout.jsonl": [], "headline_prompts_heldout.jsonl": [], "art_direction_prompts_heldout.jsonl": []}
    for i, b in enumerate(BRIEFS):
        held = i in HELDOUT
        out["briefs.jsonl"].append({"id": brief_id(i), "brand": b["brand"], "problem": b["problem"],
                                    "split": "heldout" if held else "train"})
        out["heldout.jsonl" if held else "train.jsonl"] += task_rows(i, b)
        out["ideas_heldout.jsonl" if held else "ideas.jsonl"] += idea_rows(i, b)
        if held:  # what `evaluate run` and the creative demo ask the models for: the idea rows' request
            out["idea_prompts_heldout.jsonl"].append({"brief_id": brief_id(i), "prompt": brief_text(b) + "\nWrite one creative idea for this brief."})
            # The headline and art-direction requests of the held-out rows, once per brief (the demo's quality stages).
            for task in ("headline", "art_direction"):
                request = next(r["prompt"] for r in task_rows(i, b) if r["task"] == task)
                out["%s_prompts_heldout.jsonl" % task].append({"brief_id": brief_id(i), "prompt": request})
    return out


def encode(rows):
    return "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows)


LENGTH_AUC_MIN, LENGTH_AUC_MAX = 0.35, 0.65


def roc_auc(scores, positive):
    """P(a random positive scores above a random negative), ties counting one half (Mann-Whitney U)."""
    pos = [s for s, p in zip(scores, positive) if p]
    neg = [s for s, p in zip(scores, positive) if not p]
    wins = sum((a > b) + 0.5 * (a == b) for a in pos for b in neg)
    return wins / (len(pos) * len(neg))


def check():
    problems = []
    for name, rows in files().items():
        path = os.path.join(HERE, name)
        with open(path, encoding="utf-8") as f:
            if f.read() != encode(rows):
                problems.append("%s differs from what make_sample.py writes" % name)
    briefs = [json.loads(l) for l in open(os.path.join(HERE, "briefs.jsonl"), encoding="utf-8")]
    ideas = [json.loads(l) for name in ("ideas.jsonl", "ideas_heldout.jsonl")
             for l in open(os.path.join(HERE, name), encoding="utf-8")]
    good = sum(r["label"] == "good" for r in ideas)
    if len(briefs) < 40:
        problems.append("%d briefs, want ≥ 40" % len(briefs))
    if len(ideas) < 200:
        problems.append("%d ideas, want ≥ 200" % len(ideas))
    if not 0.4 <= good / len(ideas) <= 0.6:
        problems.append("%d of %d ideas good: not roughly balanced" % (good, len(ideas)))
    if any(r["label"] not in ("good", "bad") or not r["reason"].strip() for r in ideas):
        problems.append("an idea without a good/bad label or a reason")
    texts = [r["idea"] for r in ideas]
    if len(set(texts)) != len(texts):
        problems.append("duplicate idea texts")
    held = {b["id"] for b in briefs if b["split"] == "heldout"}
    held_brands = {b["brand"] for b in briefs if b["split"] == "heldout"}
    for name in ("train.jsonl", "ideas.jsonl"):
        for n, line in enumerate(open(os.path.join(HERE, name), encoding="utf-8"), 1):
            row = json.loads(line)
            text = json.dumps(row, ensure_ascii=False)
            if row["brief_id"] in held or any(brand in text for brand in held_brands):
                problems.append("%s:%d uses held-out brief %s" % (name, n, row["brief_id"]))
    for name in ("train.jsonl", "heldout.jsonl"):
        tasks = {}
        for line in open(os.path.join(HERE, name), encoding="utf-8"):
            row = json.loads(line)
            tasks[row["task"]] = tasks.get(row["task"], 0) + 1
        print("%s: %s" % (name, ", ".join("%s %d" % kv for kv in sorted(tasks.items()))))
    print("%d briefs (%d held out), %d ideas (%d good, %d bad)" % (len(briefs), len(held), len(ideas), good, len(ideas) - good))
    # Length must carry no signal (README): the bad ideas are written out as long as the good ones of
    # their brief, so word count alone must not rank good above bad, on all ideas or on the held-out split.
    words = {label: [len(r["idea"].split()) for r in ideas if r["label"] == label] for label in ("good", "bad")}
    print("mean words per idea: good %.1f, bad %.1f" % tuple(sum(w) / len(w) for w in (words["good"], words["bad"])))
    for split, rows in (("all", ideas), ("held-out", [r for r in ideas if r["brief_id"] in held])):
        auc = roc_auc([len(r["idea"].split()) for r in rows], [r["label"] == "good" for r in rows])
        print("ROC-AUC of word count vs label, %s ideas: %.3f" % (split, auc))
        if not LENGTH_AUC_MIN <= auc <= LENGTH_AUC_MAX:
            problems.append("word count alone predicts the label on %s ideas (ROC-AUC %.3f, want %.2f-%.2f)"
                            % (split, auc, LENGTH_AUC_MIN, LENGTH_AUC_MAX))
    for p in problems:
        print("problem:", p)
    return not problems


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        sys.exit(0 if check() else 1)
    for name, rows in files().items():
        tmp = os.path.join(HERE, name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(encode(rows))
        os.replace(tmp, os.path.join(HERE, name))
