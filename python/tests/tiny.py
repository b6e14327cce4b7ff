"""A tiny random Llama with a word-level tokenizer as an HF folder (the fixture model of
scripts/reference/trl_parity.py), and preference rows for it: runs of the torch backend in seconds."""
import json
import os
import shutil

from conftest import FIXTURES
from trl_parity import DATA, tokenizer

ROWS = [
    dict(DATA[0], weight=1.5), dict(DATA[1], weight=0.5),
    {"prompt": "write a short poem about the cat", "chosen": " the young cat slept .", "rejected": " cat cat ."},
    {"prompt": "write a long story about the dog", "chosen": " once there was an old dog who sang", "rejected": " dog ."},
]


def model_folder(root):
    folder = os.path.join(root, "tiny-llama")
    if not os.path.exists(folder):
        shutil.copytree(os.path.join(FIXTURES, "trl_parity_model"), folder)
        tokenizer().save_pretrained(folder)
    return folder


def data_file(root, rows=ROWS):
    path = os.path.join(root, "pairs.jsonl")
    with open(path, "w") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
    return path


def spec(root, method="ddpo", output="run", **settings):
    configuration = {"model": model_folder(root), "data": data_file(root), "output": os.path.join(root, output),
                     "lora_rank": 4, "lora_alpha": 8, "lora_dropout": 0.0, "learning_rate": 1e-2, "max_steps": 3,
                     "batch_size": 2, "logging_steps": 1, "seed": 42}
    configuration.update(settings)
    return {"format": "divtune-torch-run/1", "method": method, "configuration": configuration, "launch": {}}
