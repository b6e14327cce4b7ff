"""A task plan on the torch backend (docs/scale-out.md §3.1): the per-task loss bookkeeping by hand,
runs on the tiny model whose per-task losses are the plain loss for single-task data and average
into it over tasks, and plans that cannot be followed refused naming the file."""
import json
import os

import pytest

import runs
import tiny
from divtune_torch import train
from divtune_torch.task_mixture import TaskLosses, evaluation_metrics, share

TASKS = ["idea", "idea", "name", "idea"]


def test_a_steps_task_loss_is_the_mean_of_its_micro_batches_and_a_windows_the_mean_of_its_steps():
    losses = TaskLosses()
    losses.add("idea", 2.0)
    losses.add("idea", 4.0)
    losses.add("name", 1.0)
    losses.end_step()
    losses.add("idea", 6.0)
    losses.end_step()
    assert losses.take_window() == {"loss/idea": (3.0 + 6.0) / 2, "loss/name": 1.0}
    assert losses.take_window() == {}


def test_evaluation_averages_batches_and_leaves_held_out_tasks_out_of_the_loss():
    metrics = evaluation_metrics([("idea", True, [1.0, 3.0]), ("name", True, [5.0]), ("art", False, [7.0, 9.0])])
    assert metrics == {"loss/idea": 2.0, "loss/name": 5.0, "loss/art": 8.0, "loss": 3.0}
    assert "loss" not in evaluation_metrics([("art", False, [7.0])])


def test_each_process_takes_a_contiguous_share_and_an_empty_one_reads_a_row_with_weight_zero():
    assert [share([10, 11, 12], r, 2) for r in range(2)] == [([10, 11], 1.0), ([12], 1.0)]
    assert [share([10], r, 2) for r in range(2)] == [([10], 1.0), ([10], 0.0)]


def plan_run(root, steps, evaluation, grad_accum=1):
    s = tiny.spec(root, method="sft", output="run", max_steps=len(steps), grad_accum=grad_accum)
    rows = [{"prompt": r["prompt"], "completion": r["chosen"], "task": t} for r, t in zip(tiny.ROWS, TASKS)]
    s["configuration"]["data"] = tiny.data_file(root, rows)
    s["configuration"]["task_mixture"] = "idea=1"
    output = s["configuration"]["output"]
    os.makedirs(output, exist_ok=True)
    s["task_plan"] = os.path.join(output, "task_plan.json")
    with open(s["task_plan"], "w") as f:
        json.dump({"format": "divtune-task-plan/1", "micro_batch_size": 2, "evaluation_batch_size": 2, "steps": steps,
                   "evaluation": evaluation}, f)
    return s


def test_single_task_data_logs_its_task_loss_equal_to_the_loss(tmp_path):
    s = plan_run(str(tmp_path), [[{"task": "idea", "rows": [0, 1]}], [{"task": "idea", "rows": [3]}]],
                 [{"task": "idea", "rows": [0, 1, 3], "trained": True}, {"task": "name", "rows": [2], "trained": False}])
    runs.run(runs.single(runs.write_spec(s)))
    records = runs.metrics(s["configuration"]["output"])
    steps = [r for r in records if "loss" in r]
    assert [r["step"] for r in steps] == [1, 2]
    assert all(r["loss/idea"] == pytest.approx(r["loss"], rel=1e-6) for r in steps), steps
    (evaluation,) = [r for r in records if "eval_loss/idea" in r]
    assert evaluation["step"] == 2 and evaluation["eval_loss"] == pytest.approx(evaluation["eval_loss/idea"], rel=1e-6)
    assert evaluation["eval_loss/name"] > 0 and "eval_loss/name" not in steps[-1]


def test_a_step_of_two_tasks_logs_each_and_the_loss_is_their_mean(tmp_path):
    s = plan_run(str(tmp_path), [[{"task": "idea", "rows": [0, 1]}, {"task": "name", "rows": [2]}]], [], grad_accum=2)
    runs.run(runs.single(runs.write_spec(s)))
    (record,) = runs.metrics(s["configuration"]["output"])
    assert record["loss"] == pytest.approx((record["loss/idea"] + record["loss/name"]) / 2, rel=1e-6)
    assert record["loss/idea"] != pytest.approx(record["loss/name"], rel=1e-3)


def test_a_plan_for_other_data_is_an_error_naming_it(tmp_path, capsys):
    s = plan_run(str(tmp_path), [[{"task": "idea", "rows": [0, 9]}]], [])
    assert train.main([runs.write_spec(s)]) == 1
    assert f"{s['task_plan']}: steps[0][0] names rows outside the data's 4 rows" in capsys.readouterr().err


def test_a_resumed_plan_run_logs_and_ends_as_an_uninterrupted_one(tmp_path):
    steps = [[{"task": "idea", "rows": [0, 1]}], [{"task": "name", "rows": [2]}], [{"task": "idea", "rows": [3, 0]}]]
    straight = plan_run(str(tmp_path / "a"), steps, [])
    runs.run(runs.single(runs.write_spec(straight)))
    stopped = plan_run(str(tmp_path / "b"), steps, [])
    stopped["configuration"]["save_every"] = 1
    runs.run(runs.single(runs.write_spec(stopped)))
    output = stopped["configuration"]["output"]
    resumed = dict(stopped, resume=os.path.join(output, "checkpoint-1"))
    runs.run(runs.single(runs.write_spec(resumed)))
    got, expected = runs.metrics(output), runs.metrics(straight["configuration"]["output"])
    assert [r["step"] for r in got] == [1, 2, 3]
    for a, b in zip(got, expected):
        assert {k for k in a if k.startswith("loss")} == {k for k in b if k.startswith("loss")}
        assert all(a[k] == pytest.approx(b[k], rel=1e-5) for k in b if k.startswith("loss")), (a, b)


def test_two_processes_sharing_each_micro_batch_equal_one_process(tmp_path):
    """Each process reads its share of the plan's micro-batches (the one-row micro-batch leaves the
    second process a weight-0 row): the same losses, evaluation and adapter as one process."""
    steps = [[{"task": "idea", "rows": [0, 1]}], [{"task": "name", "rows": [2]}], [{"task": "idea", "rows": [3, 0]}]]
    evaluation = [{"task": "idea", "rows": [0, 1, 3], "trained": True}, {"task": "name", "rows": [2], "trained": False}]
    one = plan_run(str(tmp_path / "one"), steps, evaluation)
    runs.run(runs.single(runs.write_spec(one)))
    two = plan_run(str(tmp_path / "two"), steps, evaluation)
    two["configuration"]["batch_size"] = 1
    done = runs.run(runs.torchrun(runs.write_spec(two), processes=2))
    assert "training sft (torch, 2 process(es)): 3 updates of the task plan" in done.stdout
    got, expected = runs.metrics(two["configuration"]["output"]), runs.metrics(one["configuration"]["output"])
    assert [r["step"] for r in got] == [r["step"] for r in expected] == [1, 2, 3, 3]
    for a, b in zip(got, expected):
        keys = {k for k in b if k.startswith("loss") or k.startswith("eval_loss")}
        assert keys == {k for k in a if k.startswith("loss") or k.startswith("eval_loss")} and keys
        assert all(a[k] == pytest.approx(b[k], rel=1e-5) for k in keys), (a, b)
    outputs = (two["configuration"]["output"], one["configuration"]["output"])
    assert runs.max_difference(*(runs.adapter(o) for o in outputs)) < 1e-5
