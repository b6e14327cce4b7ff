"""Multi-task SFT on the torch backend (docs/scale-out.md §3.1, docs/methods.md §6.5). `divtune train`
draws the mixture as the Swift trainer does and writes the whole run's draw to `task_plan.json`
(Sources/Training/Data/TaskMixturePlan.swift); this trainer follows it without reshuffling and logs
`loss/<task>` and `eval_loss/<task>` with the Swift trainer's definitions:

- a micro-batch's loss is the token mean over its completion tokens (all processes' shares together);
- a step's `loss/<task>` is the mean of its micro-batches of that task, and a logging window's is the
  mean over the window's steps that drew the task (metrics.jsonl averages each key over the steps that
  have it);
- an evaluation batches each task's rows apart (`evaluation_batch_size`): `loss/<task>` is the mean of
  the task's batch losses, `loss` the mean over the trained tasks' batches (held-out tasks left out).
"""
import json

import torch
from torch.utils.data import DataLoader
from transformers import TrainerCallback

from .trainers import token_logps

PLAN_FORMAT = "divtune-task-plan/1"
# Columns of the tokenized rows that are text, not the collator's input.
TEXT_COLUMNS = ("prompt", "completion")


class PlanError(ValueError):
    """A task plan that cannot be followed; the message names the file."""


def load_plan(path, row_count):
    """The plan's JSON, checked against the data's `row_count` rows."""
    try:
        with open(path) as f:
            plan = json.load(f)
    except OSError as error:
        raise PlanError(f"{path}: cannot read the task plan ({error.strerror})") from None
    except json.JSONDecodeError as error:
        raise PlanError(f"{path}:{error.lineno}: not JSON ({error.msg})") from None
    if not isinstance(plan, dict) or plan.get("format") != PLAN_FORMAT:
        raise PlanError(f"{path}: not a task plan ({PLAN_FORMAT})")
    for key in ("micro_batch_size", "evaluation_batch_size"):
        if not isinstance(plan.get(key), int) or plan[key] < 1:
            raise PlanError(f"{path}: {key} must be a positive integer")
    steps, evaluation = plan.get("steps"), plan.get("evaluation")
    if not isinstance(steps, list) or not steps or not isinstance(evaluation, list):
        raise PlanError(f"{path}: 'steps' must be a non-empty list and 'evaluation' a list")
    for where, entry in [(f"steps[{i}][{j}]", b) for i, step in enumerate(steps) for j, b in enumerate(step)] + \
                        [(f"evaluation[{i}]", e) for i, e in enumerate(evaluation)]:
        rows = entry.get("rows") if isinstance(entry, dict) else None
        if not isinstance(entry, dict) or not isinstance(entry.get("task"), str) or not isinstance(rows, list) or not rows:
            raise PlanError(f"{path}: {where} must have a 'task' and non-empty 'rows'")
        if not all(isinstance(r, int) and 0 <= r < row_count for r in rows):
            raise PlanError(f"{path}: {where} names rows outside the data's {row_count} rows (was it made for other data?)")
    if len({len(step) for step in steps}) != 1:
        raise PlanError(f"{path}: every step must have the same number of micro-batches (grad_accum)")
    return plan


def share(rows, rank, world_size):
    """This process's part of a micro-batch: contiguous, as even as can be. A process left without rows
    (a micro-batch shorter than the processes) reads the first row with weight 0, so every process
    runs the same forward and backward passes."""
    base, extra = divmod(len(rows), world_size)
    start = rank * base + min(rank, extra)
    part = rows[start:start + base + (1 if rank < extra else 0)]
    return (part, 1.0) if part else (rows[:1], 0.0)


class TaskLosses:
    """The per-task loss bookkeeping of one process's training (the module docstring's definitions)."""

    def __init__(self):
        self.step = {}      # task → micro-batch losses of the current update
        self.window = {}    # task → per-step means of the current logging window

    def add(self, task, loss):
        self.step.setdefault(task, []).append(float(loss))

    def end_step(self):
        for task, losses in self.step.items():
            self.window.setdefault(task, []).append(sum(losses) / len(losses))
        self.step = {}

    def take_window(self):
        """`loss/<task>` of the window that ends, and a fresh window."""
        means = {f"loss/{task}": sum(v) / len(v) for task, v in sorted(self.window.items())}
        self.window = {}
        return means


def evaluation_metrics(groups):
    """`loss` and `loss/<task>` from `(task, trained, batch losses)` per evaluated task."""
    metrics, trained = {}, []
    for task, is_trained, losses in groups:
        metrics[f"loss/{task}"] = sum(losses) / len(losses)
        if is_trained:
            trained += losses
    if trained:
        metrics["loss"] = sum(trained) / len(trained)
    return metrics


class TaskMixtureSFT:
    """Mixed into TRL's SFTTrainer: reads the plan's micro-batches instead of a shuffled dataset, and
    computes, logs and evaluates the loss as the module docstring says. `train_dataset` holds every
    row of the data file, tokenized, in file order (the plan's row numbers)."""

    def __init__(self, *args, task_plan=None, **kwargs):
        self.task_plan = task_plan
        self.task_losses = TaskLosses()
        super().__init__(*args, **kwargs)
        self.loss_is_scaled_for_ga = False   # compute_loss returns the micro-batch mean: the Trainer divides by grad_accum
        self.task_index = {task: i for i, task in enumerate(sorted({b["task"] for s in task_plan["steps"] for b in s}))}
        self.task_names = {i: task for task, i in self.task_index.items()}

    def collate(self, rows, task=None, weight=1.0):
        examples = [{k: v for k, v in self.train_dataset[r].items() if k not in TEXT_COLUMNS} for r in rows]
        batch = self.data_collator(examples)
        if task is not None:
            batch["divtune_task"] = torch.tensor(self.task_index[task])
            batch["divtune_weight"] = torch.tensor(weight)
        return batch

    def get_train_dataloader(self):
        """This process's shares of the plan's micro-batches, in the plan's order."""
        rank, world = self.args.process_index, self.args.world_size
        batches = [(b["task"],) + share(b["rows"], rank, world) for step in self.task_plan["steps"] for b in step]
        # One plan entry per loader batch (batch_size 1, not None: a resume skips batches through
        # the loader's batch sampler).
        return DataLoader(batches, batch_size=1, shuffle=False,
                          collate_fn=lambda items: self.collate(items[0][1], task=items[0][0], weight=items[0][2]))

    def token_loss(self, model, inputs):
        """Summed completion-token NLL of this process's rows, and their count."""
        model_inputs = {k: inputs[k] for k in ("input_ids", "attention_mask", "position_ids") if k in inputs}
        outputs = model(**model_inputs, use_cache=False)
        per_token, mask = token_logps(outputs.logits, inputs["labels"])
        return -per_token.sum(), mask.sum()

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        task = self.task_names[int(inputs.pop("divtune_task"))]
        weight = inputs.pop("divtune_weight").float()
        total, count = self.token_loss(model, inputs)
        total, count = total * weight, count * weight
        counts = self.accelerator.reduce(count.detach().float(), reduction="sum")
        # Each process's sum over all processes' tokens, times the processes: DDP's mean of the
        # gradients is then the gradient of the micro-batch's token mean.
        loss = total * self.args.world_size / counts
        self.task_losses.add(task, self.accelerator.reduce(total.detach(), reduction="sum") / counts)
        return (loss, None) if return_outputs else loss

    def log(self, logs, *args, **kwargs):
        if "loss" in logs and not any(key.startswith("eval_") for key in logs):
            logs = {**logs, **self.task_losses.take_window()}
        return super().log(logs, *args, **kwargs)

    def evaluate(self, eval_dataset=None, ignore_keys=None, metric_key_prefix="eval"):
        """Every process evaluates every batch (the plan's evaluation rows, no sharding), so the
        numbers are the Swift trainer's whatever the processes."""
        size = self.task_plan["evaluation_batch_size"]
        model, training = self.model_wrapped, self.model_wrapped.training
        model.eval()
        groups = []
        with torch.no_grad():
            for group in self.task_plan["evaluation"]:
                rows, losses = group["rows"], []
                for start in range(0, len(rows), size):
                    inputs = self._prepare_inputs(self.collate(rows[start:start + size]))
                    total, count = self.token_loss(model, inputs)
                    losses.append((total / count).item())
                groups.append((group["task"], group["trained"], losses))
        model.train(training)
        metrics = {f"{metric_key_prefix}_{k}": v for k, v in evaluation_metrics(groups).items()}
        self.log(metrics)
        self.control = self.callback_handler.on_evaluate(self.args, self.state, self.control, metrics)
        return metrics


class TaskMixtureSteps(TrainerCallback):
    """Closes each update's per-task losses and evaluates as the Swift trainer does: every
    `steps_per_eval` updates and after the last, when the plan has evaluation rows."""

    def __init__(self, trainer, steps_per_eval):
        self.trainer = trainer
        self.steps_per_eval = steps_per_eval

    def on_step_end(self, args, state, control, **kwargs):
        self.trainer.task_losses.end_step()
        if self.trainer.task_plan["evaluation"] and (state.global_step % self.steps_per_eval == 0
                                                     or state.global_step >= state.max_steps):
            control.should_evaluate = True
        return control
