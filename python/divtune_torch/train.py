"""Runs one `divtune train … --backend torch` run from its run spec (docs/scale-out.md), on every
process a launcher (torchrun, accelerate) starts.

Run:  python -m divtune_torch.train OUTPUT/run_spec.json
"""
import json
import os
import shutil
import sys

import torch

from .data import DataError
from .task_mixture import PlanError


class SpecError(ValueError):
    pass


def read_spec(path, what):
    """The JSON object a spec file holds; an unreadable file or bad JSON is a SpecError naming it."""
    try:
        with open(path) as f:
            return json.load(f)
    except OSError as error:
        raise SpecError(f"{path}: cannot read the {what} ({error.strerror})") from None
    except json.JSONDecodeError as error:
        raise SpecError(f"{path}:{error.lineno}: not JSON ({error.msg})") from None


def load_spec(path):
    spec = read_spec(path, "run spec")
    for key in ("method", "configuration"):
        if key not in spec:
            raise SpecError(f"{path}: missing '{key}'")
    config = spec["configuration"]
    for key in ("model", "data", "output"):
        if not isinstance(config.get(key), str):
            raise SpecError(f"{path}: configuration.{key} must be a path")
    if spec["method"] not in ("sft", "dpo", "ddpo", "orpo", "dorpo", "reward"):
        raise SpecError(f"{path}: unknown method '{spec['method']}'")
    mixture = [key for key in ("task_mixture", "holdout_task", "mixture_temperature", "mixture_cap") if config.get(key)]
    if mixture and not spec.get("task_plan"):
        # The mixture is drawn once, by divtune, into the plan this trainer follows (docs/scale-out.md §3.1).
        raise SpecError(f"{path}: {mixture[0]} needs the task plan `divtune train sft --backend torch` writes "
                        "(task_plan, OUTPUT/task_plan.json)")
    if spec.get("task_plan") and spec["method"] != "sft":
        raise SpecError(f"{path}: a task plan trains sft, not {spec['method']}")
    if spec["method"] == "reward" and spec.get("resume"):
        raise SpecError(f"{path}: a reward run cannot be resumed (it writes no checkpoints); start it again")
    if config.get("max_prompt_length") is not None:
        # TRL 1.16's trainers have no prompt cut of their own (docs/scale-out.md §3).
        raise SpecError(f"{path}: max_prompt_length is not available on the torch backend; cut prompts in the data "
                        "or use max_length")
    return spec


def require_model_folder(model_path):
    """transformers reads Hugging Face folders, not GGUF files: say so and name the converter."""
    if model_path.endswith(".gguf") or not os.path.isdir(model_path):
        raise SpecError(f"{model_path}: the torch backend needs a Hugging Face model folder (config.json, "
                        "*.safetensors, tokenizer.json); make one from a GGUF file with "
                        "python -m divtune_torch.gguf_folder FILE.gguf FOLDER")


def load_model(config, precision):
    from transformers import AutoModelForCausalLM, AutoTokenizer
    model_path = config["model"]
    require_model_folder(model_path)
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(model_path, dtype=torch.float32)
    return model, tokenizer


def peft_model(model, config):
    from peft import LoraConfig, PeftModel, get_peft_model
    if config.get("adapter"):
        return PeftModel.from_pretrained(model, config["adapter"], is_trainable=True)
    lora = LoraConfig(r=config.get("lora_rank", 16), lora_alpha=config.get("lora_alpha", 32),
                      lora_dropout=config.get("lora_dropout", 0.05), bias="none", task_type="CAUSAL_LM",
                      target_modules=config.get("lora_targets") or ["q_proj", "k_proj", "v_proj", "o_proj",
                                                                    "gate_proj", "up_proj", "down_proj"])
    return get_peft_model(model, lora)


def training_arguments(config, launch, method):
    """The HF/TRL arguments of the run: the shared settings of docs/methods.md §6.2 in TRL's names."""
    save_every = config.get("save_every", 0)
    split = config.get("validation_split", 0) or 0
    cpu = not torch.cuda.is_available()
    args = dict(
        output_dir=config["output"], per_device_train_batch_size=config.get("batch_size", 1),
        per_device_eval_batch_size=config.get("batch_size", 1),
        gradient_accumulation_steps=config.get("grad_accum", 1), learning_rate=config.get("learning_rate", 1e-4),
        lr_scheduler_type={"constant": "constant_with_warmup"}.get(config.get("lr_scheduler", "linear"),
                                                                   config.get("lr_scheduler", "linear")),
        warmup_steps=config.get("warmup_steps", 0), num_train_epochs=config.get("epochs", 1),
        max_steps=config.get("max_steps") or -1, max_grad_norm=config.get("max_grad_norm", 1.0),
        weight_decay=config.get("weight_decay", 0.0), adam_beta1=0.9, adam_beta2=0.999, adam_epsilon=1e-8,
        logging_steps=config.get("logging_steps", 10), logging_first_step=True,
        save_strategy="steps", save_steps=save_every if save_every > 0 else 10 ** 9,
        eval_strategy="steps" if split > 0 else "no", eval_steps=config.get("steps_per_eval", 50),
        seed=config.get("seed", 42), data_seed=config.get("seed", 42), report_to=[], use_cpu=cpu,
        bf16=launch.get("precision") == "bf16", disable_tqdm=True, dataloader_drop_last=False,
        ddp_backend="gloo" if cpu and int(os.environ.get("WORLD_SIZE", "1")) > 1 else None,
        save_only_model=False,
    )
    if launch.get("deepspeed"):
        args["deepspeed"] = launch["deepspeed"]
    if method in ("dpo", "ddpo"):
        # disable_dropout=False: LoRA dropout stays as configured, as in the Swift trainer.
        args.update(beta=config.get("beta", 0.1), loss_type=config.get("loss_type", "sigmoid"),
                    max_length=config.get("max_length"), precompute_ref_log_probs=False, disable_dropout=False)
    elif method in ("orpo", "dorpo"):
        args.update(beta=config.get("beta", 0.1), max_length=config.get("max_length") or 1024, disable_dropout=False,
                    remove_unused_columns=False)
    elif method == "reward":
        pass   # plain TrainingArguments: reward.py's loop needs none of TRL's
    else:
        args.update(completion_only_loss=not config.get("train_on_prompt", False), max_length=config.get("max_length"),
                    packing=False, padding_free=bool(config.get("padding_free", False)))
    return args


def prepare_output(config, resume):
    from .checkpoints import remove_staging
    from .metrics_log import cut_back
    from .checkpoints import checkpoint_step
    output = config["output"]
    os.makedirs(output, exist_ok=True)
    remove_staging(output)
    metrics = os.path.join(output, "metrics.jsonl")
    if resume:
        step = checkpoint_step(resume)
        if step is None or not os.path.exists(os.path.join(resume, "trainer_state.json")):
            raise SpecError(f"{resume}: not a checkpoint of the torch backend (OUTPUT/checkpoint-N with trainer_state.json)")
        if os.path.dirname(os.path.normpath(os.path.abspath(resume))) != os.path.normpath(os.path.abspath(output)):
            raise SpecError(f"--resume {resume} belongs to another run than --output {output}")
        cut_back(metrics, step)
        return
    # The files the spec names are written with it, before launch: a task plan, a reward run's data (reward.py).
    leftovers = [n for n in os.listdir(output) if n not in ("run_spec.json", "task_plan.json", "reward_data.jsonl")]
    if leftovers and not config.get("overwrite"):
        raise SpecError(f"{output} already holds a run ({', '.join(sorted(leftovers)[:3])}…): pass --resume "
                        "OUTPUT/checkpoint-N to continue it or --overwrite to start afresh")
    if config.get("overwrite"):
        for name in leftovers:
            if name.startswith("checkpoint-") or name in ("metrics.jsonl", "adapter_model.safetensors",
                                                         "adapter_config.json"):
                path = os.path.join(output, name)
                shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)


def build_trainer(spec):
    from transformers import PrinterCallback, set_seed
    from trl import DPOConfig, SFTConfig, SFTTrainer
    from trl.experimental.orpo import ORPOConfig

    from . import data
    from .checkpoints import AtomicCheckpoints, SaveAtEnd
    from .metrics_log import MetricsLog
    from .task_mixture import TaskMixtureSFT, TaskMixtureSteps, load_plan
    from .trainers import DivTuneDPOTrainer, DivTuneORPOTrainer, WeightedPreferenceCollator

    config, method, launch = spec["configuration"], spec["method"], spec.get("launch", {})
    set_seed(config.get("seed", 42))
    model, tokenizer = load_model(config, launch.get("precision"))
    model = peft_model(model, config)
    style = config.get("prompt_style", "completion")
    if method == "sft":
        dataset = data.sft_dataset(config["data"], tokenizer, style)
    else:
        dataset = data.preference_dataset(config["data"], tokenizer, style)
    eval_dataset = None
    split = config.get("validation_split", 0) or 0
    plan = None
    if spec.get("task_plan"):
        # Every row stays in the dataset: the plan names which to train and evaluate on.
        plan = load_plan(spec["task_plan"], len(dataset))
    elif split > 0:
        parts = dataset.train_test_split(test_size=split, seed=config.get("seed", 42))
        dataset, eval_dataset = parts["train"], parts["test"]
    args = training_arguments(config, launch, method)
    if plan:
        args.update(max_steps=len(plan["steps"]), eval_strategy="no")

    class Counting:
        """Counts the tokens of each micro-batch (tokens_per_second in metrics.jsonl)."""
        tokens = 0

        def compute_loss(self, model, inputs, *a, **k):
            Counting.tokens += sum(int(v.sum()) for key, v in inputs.items()
                                   if key.endswith("attention_mask") and key != "prompt_attention_mask"
                                   and torch.is_tensor(v))
            return super().compute_loss(model, inputs, *a, **k)

    if method in ("dpo", "ddpo"):
        cls = type("DivTuneDPO", (Counting, AtomicCheckpoints, DivTuneDPOTrainer), {})
        trainer = cls(model=model, args=DPOConfig(**args), train_dataset=dataset, eval_dataset=eval_dataset,
                      processing_class=tokenizer, weighted=method == "ddpo",
                      data_collator=WeightedPreferenceCollator(pad_token_id=tokenizer.pad_token_id,
                                                               max_length=args["max_length"]))
    elif method in ("orpo", "dorpo"):
        weighting = config.get("orpo_weighting", "reference") if method == "dorpo" else "none"
        cls = type("DivTuneORPO", (Counting, AtomicCheckpoints, DivTuneORPOTrainer), {})
        trainer = cls(model=model, args=ORPOConfig(**args), train_dataset=dataset, eval_dataset=eval_dataset,
                      processing_class=tokenizer, weighting=weighting)
    elif plan:
        cls = type("DivTuneMixtureSFT", (Counting, AtomicCheckpoints, TaskMixtureSFT, SFTTrainer), {})
        trainer = cls(model=model, args=SFTConfig(**args), train_dataset=dataset, processing_class=tokenizer,
                      task_plan=plan)
        trainer.add_callback(TaskMixtureSteps(trainer, config.get("steps_per_eval", 50)))
    else:
        cls = type("DivTuneSFT", (Counting, AtomicCheckpoints, SFTTrainer), {})
        trainer = cls(model=model, args=SFTConfig(**args), train_dataset=dataset, eval_dataset=eval_dataset,
                      processing_class=tokenizer)
    if config.get("reference_adapter") and method in ("dpo", "ddpo"):
        unwrapped = trainer.model
        if "ref" in unwrapped.peft_config:
            unwrapped.delete_adapter("ref")
        unwrapped.load_adapter(config["reference_adapter"], adapter_name="ref", is_trainable=False)
        unwrapped.set_adapter("default")
    # DivTune prints its own progress lines (MetricsLog), not the HF dict printer's.
    trainer.remove_callback(PrinterCallback)
    trainer.add_callback(MetricsLog(os.path.join(config["output"], "metrics.jsonl"), lambda: Counting.tokens))
    trainer.add_callback(SaveAtEnd())
    return trainer


def save_adapter(trainer, output):
    """The final PEFT adapter (formats.md §4.4) in OUTPUT, each file written then renamed into place."""
    staging = os.path.join(output, f".adapter.tmp-{os.getpid()}")
    trainer.save_model(staging)
    if trainer.args.should_save:
        for name in ("adapter_config.json", "adapter_model.safetensors"):
            os.replace(os.path.join(staging, name), os.path.join(output, name))
        shutil.rmtree(staging, ignore_errors=True)
    trainer.accelerator.wait_for_everyone()


def main(argv):
    if len(argv) != 1:
        print("usage: python -m divtune_torch.train RUN_SPEC.json", file=sys.stderr)
        return 2
    try:
        spec = load_spec(argv[0])
        config = spec["configuration"]
        rank = int(os.environ.get("RANK", "0"))
        if rank == 0:
            prepare_output(config, spec.get("resume"))
        if spec["method"] == "reward":
            from . import reward
            reward.run(spec, argv[0])
            return 0
        trainer = build_trainer(spec)
        trainer.accelerator.wait_for_everyone()
        if trainer.is_world_process_zero():
            plan = getattr(trainer, "task_plan", None)
            shown = (f"{len(plan['steps'])} updates of the task plan" if plan
                     else f"{len(trainer.train_dataset)} train examples")
            print(f"training {spec['method']} (torch, {trainer.args.world_size} process(es)): {shown}", flush=True)
        trainer.train(resume_from_checkpoint=spec.get("resume"))
        save_adapter(trainer, config["output"])
        if trainer.is_world_process_zero():
            print(f"done: adapter in {config['output']} (metrics in metrics.jsonl)", flush=True)
        return 0
    except (SpecError, DataError, PlanError) as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
