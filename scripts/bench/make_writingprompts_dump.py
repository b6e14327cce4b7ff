"""Writes a synthetic r/WritingPrompts dump for import benchmarks (no real data involved).

    python scripts/bench/make_writingprompts_dump.py OUT_DIR [PROMPTS]

Produces OUT_DIR/wp.csv (title,body,score with quoted commas/newlines) and OUT_DIR/wp.jsonl with the same
rows: PROMPTS prompts (default 20000) with 1-10 comments each, ~3% [deleted], Pareto-distributed scores.
"""
import csv
import json
import os
import random
import sys

WORDS = ("the a moon dragon letter sea house ghost door night light old river story city rain bread cat "
         "time quiet said she he they went came back never always").split()


def text(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def main(out_dir, prompts=20000):
    rng = random.Random(0)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "wp.jsonl"), "w") as jf, open(os.path.join(out_dir, "wp.csv"), "w", newline="") as cf:
        writer = csv.writer(cf)
        writer.writerow(["title", "body", "score"])
        for _ in range(prompts):
            title = "[WP] " + text(rng, 15)
            for _ in range(rng.choice([1, 2, 2, 3, 4, 6, 10])):
                body = text(rng, rng.randint(40, 160))
                if rng.random() < 0.03:
                    body = "[deleted]"
                if rng.random() < 0.1:
                    body = body.replace(" sea ", ', "sea",\n ')
                score = int(rng.paretovariate(1.2)) - 1
                jf.write(json.dumps({"title": title, "body": body, "score": score}) + "\n")
                writer.writerow([title, body, score])


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20000)
