"""metrics.jsonl as the Swift trainer writes it (docs/formats.md §4.5), from the HF Trainer's logs:
`step`, `epoch`, the objective's metrics (docs/methods.md §4.5, §5.4), a task mixture's `loss/<task>`
(§6.5), `grad_norm`, `learning_rate`
(the rate the window's updates used), `tokens_per_second`, `peak_memory_mb`; `eval_` records after
validation. Written by the main process only; each record is one appended line, flushed."""
import json
import os
import resource
import sys
import time

from transformers import TrainerCallback

# The keys DivTune logs (methods.md §4.5, §5.4); TRL's other ones (entropy, logits/*, …) are left out
# so the file is the same for both backends.
OBJECTIVE_KEYS = {"loss", "nll_loss", "log_odds_ratio", "log_odds_chosen", "rewards/chosen", "rewards/rejected",
                  "rewards/accuracies", "rewards/margins", "logps/chosen", "logps/rejected"}


def peak_memory_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cut_back(path, step):
    """Keeps the records up to `step` (a resumed run logs each step once), rewritten atomically."""
    if not os.path.exists(path):
        return
    kept = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not a JSON record ({error.msg})") from None
            if record.get("step", 0) <= step:
                kept.append(line if line.endswith("\n") else line + "\n")
    temporary = f"{path}.tmp-{os.getpid()}"
    with open(temporary, "w") as f:
        f.writelines(kept)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)


class MetricsLog(TrainerCallback):
    """Writes metrics.jsonl and prints one progress line per record, as `divtune train` does."""

    def __init__(self, path, token_counter, grad_norm=True):
        self.path = path
        self.grad_norm = grad_norm      # the reward model's Swift trainer logs none (methods.md §6.3)
        self.tokens = token_counter     # callable: tokens seen so far by this process's trainer
        self.window_start = None
        self.window_tokens = 0
        self.rates = []

    def on_step_begin(self, args, state, control, **kwargs):
        if self.window_start is None:
            self.window_start, self.window_tokens = time.monotonic(), self.tokens()

    def on_optimizer_step(self, args, state, control, optimizer=None, **kwargs):
        if optimizer is not None:
            self.rates.append(optimizer.param_groups[0]["lr"])

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step >= state.max_steps:   # the last step is always logged, as in Swift
            control.should_log = True
        return control

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero or logs is None or "train_runtime" in logs:
            return
        record = {"step": state.global_step, "epoch": state.epoch}
        evaluation = any(key.startswith("eval_") for key in logs)
        for key, value in logs.items():
            name = key[5:] if key.startswith("eval_") else key
            if name in OBJECTIVE_KEYS or name.startswith("loss/") or (not evaluation and key == "grad_norm" and self.grad_norm):
                record[key] = float(value)
        if not evaluation:
            if self.rates:
                record["learning_rate"] = sum(self.rates) / len(self.rates)
            seconds = time.monotonic() - self.window_start if self.window_start else 0
            tokens = (self.tokens() - self.window_tokens) * max(args.world_size, 1)
            record["tokens_per_second"] = tokens / seconds if seconds > 0 else 0
            record["peak_memory_mb"] = peak_memory_mb()
            self.window_start, self.rates = None, []
        with open(self.path, "a") as f:
            f.write(json.dumps(record) + "\n")
            f.flush()
        shown = ", ".join(f"{k} {v:.4g}" for k, v in record.items() if k not in ("step", "epoch"))
        print(f"step {state.global_step}/{state.max_steps}: {shown}", flush=True)
        sys.stdout.flush()
