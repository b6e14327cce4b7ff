"""The torch backend's reward trainer (divtune_torch/reward.py) on the tiny random Llama: the first
step's loss by hand from the base model's last hidden states and the given head, the epoch orders
followed, the saved folder, the validation metrics as RegressionMetrics computes them, and bad
data files named with their line."""
import json
import math
import os

import pytest
import torch
from safetensors.torch import load_file

import runs
import tiny
from divtune_torch import reward
from divtune_torch.train import main

EXAMPLES = [([2, 3, 4, 5, 6, 7], 0.5), ([2, 28, 5, 6, 9], -0.25), ([11, 12, 13, 16, 10, 20, 21], 1.0),
            ([2, 3, 29, 30, 7, 8], -1.0), ([6, 9, 21, 31], 0.0)]


def write_run(root, loss="l1", max_steps=2, split=1, **settings):
    model = tiny.model_folder(str(root))
    output = os.path.join(str(root), "run")
    os.makedirs(output, exist_ok=True)
    data = os.path.join(output, "reward_data.jsonl")
    with open(data, "w") as f:
        for i, (ids, target) in enumerate(EXAMPLES):
            f.write(json.dumps({"ids": ids, "target": target, "split": "validation" if i >= len(EXAMPLES) - split else "train"}) + "\n")
    hidden = json.load(open(os.path.join(model, "config.json")))["hidden_size"]
    generator = torch.Generator().manual_seed(3)
    head = (torch.randn(hidden, generator=generator) * 0.5).tolist()
    n = len(EXAMPLES) - split   # 4 or 3 training examples
    configuration = {"model": model, "data": "scores.jsonl", "output": output, "reward_data": data,
                     "epoch_orders": [[2, 0, 3, 1], [1, 3, 0, 2]] if n == 4 else [[2, 0, 1], [1, 2, 0]], "reward_head": {"weight": head, "bias": 0.0},
                     "reward_config": {"base_model": model, "max_length": 64, "loss": loss, "tokenizer_sha256": "x"},
                     "loss": loss, "epochs": 2, "max_steps": max_steps, "batch_size": 2, "learning_rate": 1e-2, "lora_rank": 4,
                     "lora_alpha": 8.0, "lora_dropout": 0.0, "lora_targets": ["q_proj", "v_proj"], "seed": 0}
    configuration.update(settings)
    return runs.write_spec({"format": "divtune-torch-run/1", "method": "reward", "configuration": configuration, "launch": {}}), configuration


@pytest.mark.parametrize("loss", ["l1", "mse"])
def test_the_first_step_is_the_loss_of_the_first_ordered_batch_by_hand(tmp_path, loss):
    spec, config = write_run(tmp_path, loss=loss, max_steps=1)
    assert main([spec]) == 0
    first = runs.metrics(config["output"])[0]
    from transformers import AutoModelForCausalLM
    base = AutoModelForCausalLM.from_pretrained(config["model"], dtype=torch.float32)
    head = torch.tensor(config["reward_head"]["weight"])
    batch = [EXAMPLES[i] for i in config["epoch_orders"][0][:2]]   # LoRA's B starts at 0: the base model's states
    with torch.no_grad():
        rewards = [float(base.model(torch.tensor([ids])).last_hidden_state[0, -1] @ head) for ids, _ in batch]
    differences = [r - t for r, (_, t) in zip(rewards, batch)]
    expected = sum(abs(d) if loss == "l1" else d * d for d in differences) / 2
    assert first["step"] == 1 and abs(first["loss"] - expected) <= 1e-5 * abs(expected)


def test_a_run_writes_the_folder_swift_loads_and_validates_every_epoch(tmp_path):
    spec, config = write_run(tmp_path, max_steps=None, split=2)
    assert main([spec]) == 0
    records = runs.metrics(config["output"])
    steps = [r for r in records if "loss" in r]
    evaluations = [r for r in records if "eval_mae" in r]
    assert [r["step"] for r in steps] == [1, 2, 3, 4] and [r["learning_rate"] for r in steps] == [1e-2] * 4
    assert all(sorted(r) == ["epoch", "learning_rate", "loss", "peak_memory_mb", "step", "tokens_per_second"] for r in steps)
    assert [(r["step"], r["epoch"]) for r in evaluations] == [(2, 1.0), (4, 2.0)]
    output = config["output"]
    head = load_file(os.path.join(output, reward.HEAD_FILE))
    assert head["score.weight"].shape == (1, 16) and head["score.bias"].shape == (1,)
    saved = json.load(open(os.path.join(output, reward.CONFIG_FILE)))
    assert saved["tokenizer_sha256"] == "x" and saved["validation"]["count"] == 2
    assert saved["validation"]["mae"] == pytest.approx(evaluations[-1]["eval_mae"])
    adapter = json.load(open(os.path.join(output, "adapter_config.json")))
    assert adapter["peft_type"] == "LORA" and sorted(adapter["target_modules"]) == ["q_proj", "v_proj"]
    assert all(".lora_" in k for k in load_file(os.path.join(output, "adapter_model.safetensors")))


def test_regression_metrics_as_scipy_and_sklearn_by_hand():
    m = reward.regression_metrics([0.1, 0.4, 0.4, 0.9], [0.0, 1.0, 0.5, 1.0])
    # ranks (1, 2.5, 2.5, 4) and (1, 3.5, 2, 3.5): Pearson of the ranks

    a, b = [1, 2.5, 2.5, 4], [1, 3.5, 2, 3.5]
    ma, mb = sum(a) / 4, sum(b) / 4
    expected = sum((x - ma) * (y - mb) for x, y in zip(a, b)) / math.sqrt(sum((x - ma) ** 2 for x in a) * sum((y - mb) ** 2 for y in b))
    assert m["spearman"] == pytest.approx(expected)
    assert m["r2"] == pytest.approx(1 - (0.01 + 0.36 + 0.01 + 0.01) / 0.6875)
    assert m["mae"] == pytest.approx((0.1 + 0.6 + 0.1 + 0.1) / 4)
    assert math.isnan(reward.regression_metrics([1.0, 1.0], [0.0, 1.0])["spearman"])
    assert reward.regression_metrics([0.5, 0.5], [0.5, 0.5])["r2"] == 1.0


def test_bad_reward_data_and_specs_are_errors_naming_the_file(tmp_path, capsys):
    spec, config = write_run(tmp_path)
    with open(config["reward_data"], "a") as f:
        f.write('{"ids": [], "target": 0.5, "split": "train"}\n')
    assert main([spec]) == 1
    assert f"{config['reward_data']}:6: 'ids' must be a non-empty list" in capsys.readouterr().err
    spec, config = write_run(tmp_path / "b", epoch_orders=[[0, 1, 1, 2]])
    assert main([spec]) == 1
    assert "epoch_orders must be permutations of the 4 training examples" in capsys.readouterr().err
    spec, config = write_run(tmp_path / "c")
    del config["reward_head"]
    spec = runs.write_spec({"format": "divtune-torch-run/1", "method": "reward", "configuration": config})
    assert main([spec]) == 1
    assert "configuration.reward_head is missing" in capsys.readouterr().err


def test_each_epoch_takes_its_own_order_through_the_trainers_data_loader(tmp_path):
    spec, config = write_run(tmp_path)
    trainer, _ = reward.build_trainer(json.load(open(spec)), spec)
    loader = trainer.get_train_dataloader()
    for epoch, order in enumerate(config["epoch_orders"]):
        loader.set_epoch(epoch)   # as the Trainer does before each epoch
        batches = [batch["targets"].tolist() for batch in loader]
        assert batches == [[EXAMPLES[i][1] for i in order[:2]], [EXAMPLES[i][1] for i in order[2:]]]


def test_two_processes_share_each_step_and_equal_one_process(tmp_path):
    """batch_size is the examples per update: 2 processes × 1 = 1 process × 2 (gloo on loopback)."""
    logs = []
    for name, processes in (("one", 1), ("two", 2)):
        spec, config = write_run(tmp_path / name, max_steps=None, split=1)
        runs.run(runs.single(spec) if processes == 1 else runs.torchrun(spec, processes))
        logs.append(runs.metrics(config["output"]))
    assert [sorted(r) for r in logs[0]] == [sorted(r) for r in logs[1]] and len(logs[0]) == 6
    for one, two in zip(*logs):
        for key in ("loss", "eval_mae", "eval_r2"):
            if key in one:
                assert abs(one[key] - two[key]) <= 1e-5 * abs(one[key]), (key, one, two)
