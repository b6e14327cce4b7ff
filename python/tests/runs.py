"""Starts torch-backend runs as `divtune train --backend torch` does (the commands of
Sources/TorchBackend/TorchLaunch.swift), for the distributed tests."""
import json
import os
import socket
import subprocess
import sys

import torch
from safetensors.torch import load_file

PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_spec(spec):
    output = spec["configuration"]["output"]
    os.makedirs(output, exist_ok=True)
    path = os.path.join(output, "run_spec.json")
    with open(path, "w") as f:
        json.dump(spec, f)
    return path


def environment(threads=1):
    env = dict(os.environ, PYTHONPATH=PACKAGE, TRL_EXPERIMENTAL_SILENCE="1", PYTHONUNBUFFERED="1",
               OMP_NUM_THREADS=str(threads))
    env.pop("RANK", None)
    env.pop("WORLD_SIZE", None)
    return env


def single(spec_path):
    return [sys.executable, "-m", "divtune_torch.train", spec_path]


def torchrun(spec_path, processes, machines=1, rank=0, port=None):
    args = [sys.executable, "-m", "torch.distributed.run"]
    if machines == 1:
        args += ["--standalone"]
    else:
        args += [f"--nnodes={machines}", f"--node-rank={rank}", "--master-addr=127.0.0.1", f"--master-port={port}"]
    return args + [f"--nproc-per-node={processes // machines}", "-m", "divtune_torch.train", spec_path]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(command, timeout=240):
    done = subprocess.run(command, env=environment(), capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}"
    return done


def metrics(output):
    with open(os.path.join(output, "metrics.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def adapter(output):
    return load_file(os.path.join(output, "adapter_model.safetensors"))


def max_difference(a, b):
    assert a.keys() == b.keys()
    return max((a[k] - b[k]).abs().max().item() / max(b[k].abs().max().item(), 1e-12) for k in a)
