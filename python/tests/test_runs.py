"""Each method runs end to end on one process (tiny random Llama, 2 updates): metrics.jsonl with the
method's DivTune metrics at every step, a PEFT adapter, and the bad-input errors of the run spec."""
import json
import os

import pytest

import runs
import tiny
from divtune_torch import train

KEYS = {
    "sft": {"loss"},
    "dpo": {"loss", "rewards/chosen", "rewards/margins", "logps/chosen", "logps/rejected"},
    "orpo": {"loss", "nll_loss", "log_odds_ratio", "log_odds_chosen", "rewards/chosen", "logps/chosen"},
}


@pytest.mark.parametrize("method", ["sft", "dpo", "orpo", "dorpo"])
def test_every_method_runs_and_logs_its_metrics(tmp_path, method):
    s = tiny.spec(str(tmp_path), method=method, max_steps=2)
    if method == "sft":
        rows = [{"prompt": r["prompt"], "completion": r["chosen"]} for r in tiny.ROWS]
        s["configuration"]["data"] = tiny.data_file(str(tmp_path), rows)
    if method == "dorpo":
        s["configuration"]["orpo_weighting"] = "per-example"
    runs.run(runs.single(runs.write_spec(s)))
    output = s["configuration"]["output"]
    records = runs.metrics(output)
    assert [r["step"] for r in records] == [1, 2]
    expected = KEYS["orpo" if method == "dorpo" else method] | {"grad_norm", "learning_rate", "tokens_per_second",
                                                                   "peak_memory_mb", "epoch"}
    assert all(expected <= set(r) for r in records), records
    assert "entropy" not in records[0] and "mean_token_accuracy" not in records[0]
    assert set(runs.adapter(output)) and os.path.exists(os.path.join(output, "adapter_config.json"))


def test_bad_specs_and_rows_are_errors_naming_the_file(tmp_path, capsys):
    path = tmp_path / "spec.json"
    path.write_text("{not json")
    assert train.main([str(path)]) == 1
    assert f"{path}:1: not JSON" in capsys.readouterr().err
    s = tiny.spec(str(tmp_path), method="ddpo")
    s["configuration"]["max_prompt_length"] = 64
    assert train.main([runs.write_spec(s)]) == 1
    assert "max_prompt_length is not available on the torch backend" in capsys.readouterr().err
    s = tiny.spec(str(tmp_path), method="sft", output="mixed", task_mixture={"idea": 1.0})
    assert train.main([runs.write_spec(s)]) == 1
    assert "task_mixture needs the task plan `divtune train sft --backend torch` writes" in capsys.readouterr().err
    s = tiny.spec(str(tmp_path), method="ddpo", output="bad")
    s["configuration"]["data"] = tiny.data_file(str(tmp_path), [{"prompt": "a", "chosen": "b", "rejected": "c", "weight": -1}])
    assert train.main([runs.write_spec(s)]) == 1
    assert "pairs.jsonl:1: the pair's weight (weight) must be finite and ≥ 0, not -1" in capsys.readouterr().err
