"""`divtune train reward --backend torch` (docs/scale-out.md §8): the reward model of docs/methods.md
§6.3 trained with PyTorch — a LoRA'd causal LM whose final-norm hidden state at each sequence's last
token goes through a linear score head, regressed on the targets with L1 (or MSE), with Spearman, R²
and MAE on the validation split after every epoch.

The Swift side resolves everything else into the run spec and OUTPUT/reward_data.jsonl: the token
ids, the transformed targets, the split, each epoch's order and the head's first weights. This file
only trains, with the HF Trainer (DDP, DeepSpeed, FSDP, bf16 as the other objectives), and writes
what `divtune reward score` and RewardModel.load read: the PEFT adapter, reward_head.safetensors and
reward_config.json."""
import json
import math
import os
import shutil

import torch
from torch.utils.data import Dataset, Sampler
from transformers import PrinterCallback, Trainer, TrainerCallback, TrainingArguments

from .data import DataError, read_rows

HEAD_FILE = "reward_head.safetensors"
CONFIG_FILE = "reward_config.json"
SETTINGS = ("model", "data", "output", "reward_data", "epoch_orders", "reward_head", "reward_config")


def read_examples(path):
    """reward_data.jsonl: ({"ids", "target"} of the training split in order, of the validation split)."""
    splits = {"train": [], "validation": []}
    for where, row in read_rows(path, "reward data"):
        ids, target, split = row.get("ids"), row.get("target"), row.get("split")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, int) and i >= 0 for i in ids):
            raise DataError(f"{where}: 'ids' must be a non-empty list of token ids")
        if not isinstance(target, (int, float)) or not math.isfinite(target):
            raise DataError(f"{where}: 'target' must be a finite number")
        if split not in splits:
            raise DataError(f"{where}: 'split' must be train or validation")
        splits[split].append({"ids": ids, "target": float(target)})
    if not splits["train"]:
        raise DataError(f"{path}: no training examples")
    return splits["train"], splits["validation"]


class Examples(Dataset):
    def __init__(self, rows):
        self.rows = rows

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, index):
        return self.rows[index]


def collate(rows):
    """Right-padded ids with their attention mask, and the targets."""
    width = max(len(r["ids"]) for r in rows)
    ids = torch.zeros(len(rows), width, dtype=torch.long)
    mask = torch.zeros(len(rows), width, dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, :len(r["ids"])] = torch.tensor(r["ids"])
        mask[i, :len(r["ids"])] = 1
    return {"input_ids": ids, "attention_mask": mask, "targets": torch.tensor([r["target"] for r in rows])}


class EpochOrders(Sampler):
    """The training examples in the order the Swift side drew for each epoch (RewardTrainer.epochOrders)."""

    def __init__(self, orders):
        self.orders, self.epoch = orders, 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __iter__(self):
        return iter(self.orders[min(self.epoch, len(self.orders) - 1)])

    def __len__(self):
        return len(self.orders[0])


class RewardModel(torch.nn.Module):
    """The PEFT model's decoder (LoRA applied, no LM head) and the score head on the last real token."""

    def __init__(self, body, hidden_size):
        super().__init__()
        self.body = body
        self.score = torch.nn.Linear(hidden_size, 1)

    def forward(self, input_ids, attention_mask):
        decoder = self.body.get_base_model().model
        hidden = decoder(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).last_hidden_state
        last = attention_mask.sum(dim=1) - 1
        return self.score(hidden[torch.arange(hidden.shape[0], device=hidden.device), last]).squeeze(-1)


def ranks(values):
    """Ranks 1…n, ties given their average rank (scipy's rankdata, as RegressionMetrics.ranks)."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out, i = [0.0] * len(values), 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def pearson(a, b):
    n = len(a)
    ma, mb = sum(a) / n, sum(b) / n
    sab = sum((x - ma) * (y - mb) for x, y in zip(a, b))
    saa, sbb = sum((x - ma) ** 2 for x in a), sum((y - mb) ** 2 for y in b)
    return sab / math.sqrt(saa * sbb) if saa > 0 and sbb > 0 else math.nan


def regression_metrics(predictions, targets):
    """Spearman, R² (sklearn's convention for constant targets) and MAE, as RegressionMetrics."""
    mean = sum(targets) / len(targets)
    residual = sum((t - p) ** 2 for p, t in zip(predictions, targets))
    total = sum((t - mean) ** 2 for t in targets)
    r2 = (1.0 if residual == 0 else 0.0) if total == 0 else 1 - residual / total
    return {"spearman": pearson(ranks(predictions), ranks(targets)), "r2": r2,
            "mae": sum(abs(p - t) for p, t in zip(predictions, targets)) / len(targets), "count": len(targets)}


def finite_or_none(value):
    return value if isinstance(value, float) and math.isfinite(value) else (value if isinstance(value, int) else None)


class RewardTrainer(Trainer):
    """The regression loss (methods.md §6.3): the mean over the step's examples of |r − y| or (r − y)²."""

    def __init__(self, *args, loss="l1", **kwargs):
        self.loss_kind, self.tokens = loss, 0
        super().__init__(*args, **kwargs)

    def _get_train_sampler(self, *args, **kwargs):
        return self.epoch_orders

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        self.tokens += int(inputs["attention_mask"].sum())
        rewards = model(inputs["input_ids"], inputs["attention_mask"])
        difference = rewards.float() - inputs["targets"].to(rewards.device).float()
        loss = difference.abs().mean() if self.loss_kind == "l1" else difference.square().mean()
        return (loss, rewards) if return_outputs else loss

    def predict_rewards(self, rows):
        """Rewards of `rows` with dropout off; every process runs every row (sharded weights need all)."""
        model = self.model_wrapped
        was_training = model.training
        model.eval()
        out = []
        batch = max(self.args.per_device_train_batch_size, 1)
        with torch.no_grad():
            for start in range(0, len(rows), batch):
                inputs = collate(rows[start:start + batch])
                out += model(inputs["input_ids"].to(self.args.device),
                             inputs["attention_mask"].to(self.args.device)).float().tolist()
        model.train(was_training)
        return out


class Validation(TrainerCallback):
    """After every epoch (a cut one too, as the Swift trainer): the metrics on the validation split,
    one `eval_` record in metrics.jsonl."""

    def __init__(self, trainer, rows, path):
        self.trainer, self.rows, self.path = trainer, rows, path
        self.epochs, self.last = 0, None

    def on_epoch_end(self, args, state, control, **kwargs):
        self.epochs += 1
        if not self.rows:
            return
        predictions = self.trainer.predict_rewards(self.rows)
        self.last = regression_metrics(predictions, [r["target"] for r in self.rows])
        if state.is_world_process_zero:
            record = {"step": state.global_step, "epoch": float(self.epochs)}
            record.update({f"eval_{k}": finite_or_none(self.last[k]) for k in ("spearman", "r2", "mae")})
            with open(self.path, "a") as f:
                f.write(json.dumps(record) + "\n")
            shown = ", ".join(f"{k} {v:.4g}" if v is not None else f"{k} n/a" for k, v in record.items() if k.startswith("eval_"))
            print(f"validation after epoch {self.epochs} (n={len(self.rows)}): {shown}", flush=True)


def write_atomically(path, write):
    temporary = f"{path}.tmp-{os.getpid()}"
    write(temporary)
    os.replace(temporary, path)


def save(trainer, config, validation):
    """The adapter (PEFT folder files), reward_head.safetensors and reward_config.json in OUTPUT, each
    written then renamed into place; every process takes part (ZeRO-3/FSDP gather the weights)."""
    from safetensors.torch import save_file
    state = trainer.accelerator.get_state_dict(trainer.model_wrapped)
    if trainer.is_world_process_zero():
        output = config["output"]
        model = trainer.accelerator.unwrap_model(trainer.model)
        staging = os.path.join(output, f".adapter.tmp-{os.getpid()}")
        model.body.save_pretrained(staging, state_dict={k[len("body."):]: v for k, v in state.items() if k.startswith("body.")},
                                   safe_serialization=True)
        for name in ("adapter_config.json", "adapter_model.safetensors"):
            os.replace(os.path.join(staging, name), os.path.join(output, name))
        shutil.rmtree(staging, ignore_errors=True)
        head = {"score.weight": state["score.weight"].float().reshape(1, -1).contiguous(),
                "score.bias": state["score.bias"].float().reshape(1).contiguous()}
        write_atomically(os.path.join(output, HEAD_FILE), lambda p: save_file(head, p, metadata={"format": "pt"}))
        record = dict(config["reward_config"])
        if validation is not None:
            record["validation"] = {k: finite_or_none(v) for k, v in validation.items()}

        def dump(path):
            with open(path, "w") as f:
                json.dump(record, f, indent=2, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
        write_atomically(os.path.join(output, CONFIG_FILE), dump)
    trainer.accelerator.wait_for_everyone()


def check_spec(path, config):
    from .train import SpecError
    for key in SETTINGS:
        if key not in config:
            raise SpecError(f"{path}: configuration.{key} is missing (write reward specs with `divtune train reward --backend torch`)")
    head = config["reward_head"]
    if not isinstance(head, dict) or not isinstance(head.get("weight"), list):
        raise SpecError(f"{path}: configuration.reward_head must hold the head's first 'weight' list")


def build_trainer(spec, spec_path="run_spec.json"):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, set_seed

    from .metrics_log import MetricsLog
    from .train import SpecError, require_model_folder, training_arguments

    config, launch = spec["configuration"], spec.get("launch", {})
    check_spec(spec_path, config)
    train_rows, validation_rows = read_examples(config["reward_data"])
    orders = config["epoch_orders"]
    if not orders or any(sorted(o) != list(range(len(train_rows))) for o in orders):
        raise SpecError(f"{spec_path}: epoch_orders must be permutations of the {len(train_rows)} training examples")
    set_seed(config.get("seed", 0))
    require_model_folder(config["model"])
    base = AutoModelForCausalLM.from_pretrained(config["model"], dtype=torch.float32)
    lora = LoraConfig(r=config["lora_rank"], lora_alpha=config["lora_alpha"], lora_dropout=config["lora_dropout"], bias="none",
                      task_type="CAUSAL_LM", target_modules=config["lora_targets"])
    model = RewardModel(get_peft_model(base, lora), base.config.hidden_size)
    weight = torch.tensor(config["reward_head"]["weight"], dtype=torch.float32)
    if weight.numel() != base.config.hidden_size:
        raise SpecError(f"{spec_path}: reward_head.weight has {weight.numel()} values for hidden size {base.config.hidden_size}")
    with torch.no_grad():
        model.score.weight.copy_(weight.reshape(1, -1))
        model.score.bias.fill_(float(config["reward_head"].get("bias", 0.0)))

    world = int(os.environ.get("WORLD_SIZE", "1"))
    if config["batch_size"] % world:
        raise SpecError(f"{spec_path}: batch_size {config['batch_size']} is not a multiple of the {world} processes")
    args = training_arguments(dict(config, validation_split=0, batch_size=config["batch_size"] // world, grad_accum=1,
                                   lr_scheduler="constant", warmup_steps=0, max_grad_norm=0.0, weight_decay=0.0,
                                   logging_steps=1, save_every=0), launch, "reward")
    args.update(save_strategy="no", remove_unused_columns=False)
    trainer = RewardTrainer(model=model, args=TrainingArguments(**args), train_dataset=Examples(train_rows),
                            data_collator=collate, loss=config.get("loss", "l1"))
    trainer.epoch_orders = EpochOrders(orders)
    trainer.remove_callback(PrinterCallback)
    metrics = os.path.join(config["output"], "metrics.jsonl")
    trainer.add_callback(MetricsLog(metrics, lambda: trainer.tokens, grad_norm=False))
    validation = Validation(trainer, validation_rows, metrics)
    trainer.add_callback(validation)
    return trainer, validation


def run(spec, spec_path):
    trainer, validation = build_trainer(spec, spec_path)
    config = spec["configuration"]
    if trainer.is_world_process_zero():
        print(f"training reward (torch, {trainer.args.world_size} process(es)): {len(trainer.train_dataset)} train / "
              f"{len(validation.rows)} validation examples", flush=True)
    trainer.train()
    save(trainer, config, validation.last)
    if trainer.is_world_process_zero():
        print(f"done: reward model in {config['output']} (metrics in metrics.jsonl)", flush=True)
