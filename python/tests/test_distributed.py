"""The torch backend on 2 processes over gloo on loopback (docs/scale-out.md §4): the same updates as
one process with gradient accumulation, with one launcher or two ("machines"), and a killed rank that
ends the job, leaves only complete checkpoints and resumes."""
import os
import signal
import subprocess
import time

import pytest

import runs
import tiny

# Six pairs with different weights: 3 updates of 2 pairs. Dropout 0 keeps processes comparable.
ROWS = tiny.ROWS + [
    {"prompt": "write a story about the moon", "chosen": " the moon was quiet and light", "rejected": " moon .",
     "weight": 2.0},
    {"prompt": "write a poem about the sea", "chosen": " the sea sang and then slept .", "rejected": " sea sea .",
     "weight": 0.25},
]


def spec(root, output, **settings):
    s = tiny.spec(root, output=output, **settings)
    s["configuration"]["data"] = tiny.data_file(root, ROWS)
    return s


@pytest.fixture(scope="module")
def one_process(tmp_path_factory):
    """The reference: 1 process, per-device batch 1, gradient accumulation 2, 3 updates."""
    root = str(tmp_path_factory.mktemp("one"))
    s = spec(root, "run", batch_size=1, grad_accum=2, max_steps=3)
    runs.run(runs.single(runs.write_spec(s)))
    return s["configuration"]["output"]


def assert_same_run(output, reference):
    got, expected = runs.metrics(output), runs.metrics(reference)
    assert [r["step"] for r in got] == [r["step"] for r in expected] == [1, 2, 3]
    for a, b in zip(got, expected):
        for key in ("loss", "rewards/chosen", "rewards/margins", "logps/chosen", "logps/rejected"):
            assert a[key] == pytest.approx(b[key], rel=1e-5, abs=1e-6), (a["step"], key)
    assert runs.max_difference(runs.adapter(output), runs.adapter(reference)) < 1e-5


def test_two_processes_with_batch_1_equal_one_process_accumulating_2(tmp_path, one_process):
    s = spec(str(tmp_path), "run", batch_size=1, grad_accum=1, max_steps=3)
    runs.run(runs.torchrun(runs.write_spec(s), processes=2))
    assert_same_run(s["configuration"]["output"], one_process)


def test_two_machines_meeting_on_loopback_equal_one_process(tmp_path, one_process):
    port = runs.free_port()
    s = spec(str(tmp_path), "run", batch_size=1, grad_accum=1, max_steps=3)
    path = runs.write_spec(s)
    machines = [subprocess.Popen(runs.torchrun(path, processes=2, machines=2, rank=rank, port=port), env=runs.environment(),
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for rank in (0, 1)]
    logs = [m.communicate(timeout=240)[0] for m in machines]
    assert [m.returncode for m in machines] == [0, 0], logs[0][-3000:] + logs[1][-3000:]
    assert "training ddpo (torch, 2 process(es))" in logs[0]
    assert_same_run(s["configuration"]["output"], one_process)


def children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return found


def test_a_killed_rank_ends_the_job_and_resume_continues_from_the_last_checkpoint(tmp_path):
    # No clock in this test: the job has far more steps than it can take before the kill, so it is
    # still running when its first checkpoint appears, whatever the machine's load; the resumed run
    # is cut to two steps past the checkpoint it continues from.
    s = spec(str(tmp_path), "run", batch_size=1, grad_accum=1, max_steps=100000, save_every=2)
    output = s["configuration"]["output"]
    path = runs.write_spec(s)
    job = subprocess.Popen(runs.torchrun(path, processes=2), env=runs.environment(), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    while not os.path.exists(os.path.join(output, "checkpoint-2")):
        assert job.poll() is None, "the job ended before its first checkpoint:\n" + job.stdout.read()[-3000:]
        time.sleep(0.2)
    workers = children(job.pid)
    assert len(workers) == 2, "torchrun did not start two workers"
    os.kill(workers[-1], signal.SIGKILL)
    log = job.communicate(timeout=900)[0]   # a safety net: the launcher ends once it sees the rank gone
    assert job.returncode != 0
    assert "FAILED" in log or "failed" in log
    assert not os.path.exists(os.path.join(output, "adapter_model.safetensors"))
    # Every checkpoint folder in place is complete; what a save left half-way is only in the staging folder.
    checkpoints = sorted((n for n in os.listdir(output) if n.startswith("checkpoint-")), key=lambda n: int(n.split("-")[1]))
    assert checkpoints and all(os.path.exists(os.path.join(output, n, "trainer_state.json")) for n in checkpoints)
    last = os.path.join(output, checkpoints[-1])
    step = int(checkpoints[-1].split("-")[1])

    s["resume"] = last
    s["configuration"]["max_steps"] = step + 2
    runs.run(runs.torchrun(runs.write_spec(s), processes=2), timeout=900)
    steps = [r["step"] for r in runs.metrics(output)]
    assert steps == list(range(1, step + 3))
    assert os.path.exists(os.path.join(output, "adapter_model.safetensors"))
    assert not os.path.exists(os.path.join(output, ".staging-checkpoint"))
