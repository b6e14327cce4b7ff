"""Peer for `divtune import writingprompts`: the same grouping in plain Python (csv / json modules).

Reads a WritingPrompts dump (CSV with a title/body/score header, or JSONL with the same keys), strips the
leading tag, drops [deleted]/[removed]/empty/moderator comments, merges repeated comments of a prompt (mean
score), keeps prompts with >= 2 responses and writes grouped JSONL. Used by scripts/bench/import.sh.
"""
import csv
import json
import re
import sys

MARKERS = ("**Welcome to the Prompt!**", "this submission has been removed", "**Off-Topic Discussion**")


def rows(path):
    if path.endswith(".csv"):
        with open(path, newline="", encoding="utf-8-sig") as f:
            for row in csv.DictReader(f):
                yield row["title"], row["body"], float(row["score"])
    else:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    o = json.loads(line)
                    yield o["title"], o["body"], float(o["score"])


def main(src, dst):
    groups = {}
    for title, body, score in rows(src):
        t = body.strip()
        if not t or t in ("[deleted]", "[removed]") or any(m in body for m in MARKERS):
            continue
        prompt = re.sub(r"^\[.*?\]", "", title).strip() if title.startswith("[") else title
        group = groups.setdefault(prompt, {})
        total, count = group.get(body, (0.0, 0))
        group[body] = (total + score, count + 1)
    with open(dst, "w", encoding="utf-8") as out:
        for prompt, group in groups.items():
            if len(group) >= 2:
                responses = [{"text": t, "score": s / n} for t, (s, n) in group.items()]
                out.write(json.dumps({"prompt": prompt, "responses": responses}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
