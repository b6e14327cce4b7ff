"""TRL parity fixtures for DivTune's training objectives (Tests/TrainingTests/Fixtures/).

Run:   /work/pyref/bin/python scripts/reference/trl_parity.py

A tiny random LlamaForCausalLM (vocab 32, hidden 16, 2 layers, GQA 4/2 heads; float32; not
SmolLM2, to keep the fixture small and the run fast) with a PEFT LoRA adapter (r 4, α 8, all seven
projections) whose A and B are random (B ≠ 0, so the policy differs from the reference and every
LoRA weight gets a gradient). Both are saved as safetensors (trl_parity_model/,
trl_parity_adapter/) that the Swift tests load too. A word-level tokenizer (no BOS; EOS `<eos>`)
turns two preference pairs into ids.

For TRL's DPOTrainer (sigmoid, β 0.1; reference = the base model, i.e. adapters disabled, given as
`ref_model` because TRL 1.16 would otherwise copy the starting adapter as the reference) and ORPOTrainer
(trl.experimental.orpo, β 0.1) one training batch of both pairs goes through `compute_loss` and
`backward()`; the fixture records the token ids as TRL built them (prompt / chosen / rejected per
pair), the loss, TRL's logged metrics (log-probs, rewards, nll, log-odds) and the L2 norm of the
gradient of every LoRA tensor (PEFT names). The same is recorded for DPO's `ipo` and `hinge`
losses and for SFTTrainer (completion-only loss on prompt + chosen). It also records three torch.optim.AdamW steps on a
fixed parameter with fixed gradients (lr 1e-2, weight decay 0.1).
"""
import json
import os
import tempfile

import torch
from datasets import Dataset
from peft import LoraConfig, get_peft_model
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast
from trl import DPOConfig, DPOTrainer, SFTConfig, SFTTrainer
from trl.experimental.orpo import ORPOConfig, ORPOTrainer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIX = os.path.join(ROOT, "Tests", "TrainingTests", "Fixtures")
WORDS = ["<pad>", "<eos>", "write", "a", "story", "about", "the", "sea", "moon", "cat", "dog", "once", "there",
         "was", "quiet", "loud", "old", "young", "sailor", "who", "sang", "slept", "and", "then", "light",
         "dark", "night", "day", "poem", "short", "long", "."]


def tokenizer():
    vocab = {w: i for i, w in enumerate(WORDS)}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<pad>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<eos>", pad_token="<pad>")


def build_model():
    torch.manual_seed(7)
    config = LlamaConfig(vocab_size=len(WORDS), hidden_size=16, intermediate_size=24, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-5, rope_theta=10000.0,
                         max_position_embeddings=64, tie_word_embeddings=False, attention_bias=False,
                         pad_token_id=0, eos_token_id=1, bos_token_id=None)
    model = LlamaForCausalLM(config)
    with torch.no_grad():
        for n, p in model.named_parameters():
            p.copy_(1 + 0.2 * torch.randn_like(p) if "norm" in n else 0.3 * torch.randn_like(p))
    return model


def peft_model(model):
    cfg = LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, bias="none", task_type="CAUSAL_LM",
                     target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    pm = get_peft_model(model, cfg)
    g = torch.Generator().manual_seed(11)
    with torch.no_grad():
        for n, p in pm.named_parameters():
            if "lora_" in n:
                p.copy_(torch.randn(p.shape, generator=g) * 0.2)
    return pm


DATA = [
    {"prompt": "write a story about the sea", "chosen": " once there was a quiet sailor who sang .",
     "rejected": " the sea was dark ."},
    {"prompt": "write a poem about the moon", "chosen": " the old moon slept and then light",
     "rejected": " moon moon moon night day night ."},
]


def grad_norms(pm):
    out = {}
    for n, p in pm.named_parameters():
        if "lora_" in n:
            out[n.replace(".default", "")] = p.grad.norm().item() if p.grad is not None else 0.0
    return out


def split_rows(input_ids, attention_mask, completion_mask, n):
    """prompt / completion ids of each row from TRL's padded batch."""
    rows = []
    for b in range(input_ids.shape[0]):
        ids, am, cm = input_ids[b].tolist(), attention_mask[b].tolist(), completion_mask[b].tolist()
        prompt = [t for t, a, c in zip(ids, am, cm) if a == 1 and c == 0]
        completion = [t for t, a, c in zip(ids, am, cm) if a == 1 and c == 1]
        rows.append((prompt, completion))
    return [{"prompt": rows[i][0], "chosen": rows[i][1], "rejected": rows[n + i][1]} for i in range(n)]


def run_dpo(tok, tmp, loss_type="sigmoid", build=build_model):
    pm = peft_model(build())
    args = DPOConfig(output_dir=tmp, beta=0.1, per_device_train_batch_size=2, max_steps=1, report_to=[],
                     use_cpu=True, gradient_checkpointing=False, bf16=False, max_length=None, seed=0,
                     dataloader_drop_last=False, loss_type=loss_type)
    trainer = DPOTrainer(model=pm, ref_model=build(), args=args, train_dataset=Dataset.from_list(DATA), processing_class=tok)
    batch = next(iter(trainer.get_train_dataloader()))
    pm.train()
    loss = trainer.compute_loss(pm, batch)
    loss.backward()
    metrics = {k: sum(v) / len(v) for k, v in trainer._metrics["train"].items()}
    pairs = split_rows(batch["input_ids"], batch["attention_mask"], batch["completion_mask"], 2)
    return {"loss": loss.item(), "metrics": metrics, "pairs": pairs, "grad_norms": grad_norms(pm)}


def run_orpo(tok, tmp):
    pm = peft_model(build_model())
    args = ORPOConfig(output_dir=tmp, beta=0.1, per_device_train_batch_size=2, max_steps=1, report_to=[],
                      use_cpu=True, bf16=False, max_length=64, seed=0, remove_unused_columns=False)
    trainer = ORPOTrainer(model=pm, args=args, train_dataset=Dataset.from_list(DATA), processing_class=tok)
    batch = next(iter(trainer.get_train_dataloader()))
    pm.train()
    loss, metrics = trainer.compute_loss(pm, batch, return_outputs=True)
    loss.backward()
    pairs = []
    for i in range(len(batch["prompt_input_ids"])):
        def real(ids, mask):
            return [t for t, m in zip(ids.tolist(), mask.tolist()) if m == 1]
        prompt = real(batch["prompt_input_ids"][i], batch["prompt_attention_mask"][i])
        chosen = real(batch["chosen_input_ids"][i], batch["chosen_attention_mask"][i])[len(prompt):]
        rejected = real(batch["rejected_input_ids"][i], batch["rejected_attention_mask"][i])[len(prompt):]
        pairs.append({"prompt": prompt, "chosen": chosen, "rejected": rejected})
    return {"loss": loss.item(), "metrics": {k: float(v) for k, v in metrics.items()}, "pairs": pairs,
            "grad_norms": grad_norms(pm)}


def run_sft(tok, tmp, build=build_model):
    pm = peft_model(build())
    args = SFTConfig(output_dir=tmp, per_device_train_batch_size=2, max_steps=1, report_to=[], use_cpu=True,
                     bf16=False, max_length=64, seed=0, completion_only_loss=True, packing=False)
    data = [{"prompt": d["prompt"], "completion": d["chosen"]} for d in DATA]
    trainer = SFTTrainer(model=pm, args=args, train_dataset=Dataset.from_list(data), processing_class=tok)
    batch = next(iter(trainer.get_train_dataloader()))
    pm.train()
    loss = trainer.compute_loss(pm, batch)
    loss.backward()
    pairs = []
    for b in range(batch["input_ids"].shape[0]):
        # TRL appends EOS to the completion and masks the prompt's labels with -100.
        ids, am, labels = (batch[k][b].tolist() for k in ("input_ids", "attention_mask", "labels"))
        prompt = [t for t, a, l in zip(ids, am, labels) if a == 1 and l == -100]
        completion = [t for t, a, l in zip(ids, am, labels) if a == 1 and l != -100]
        pairs.append({"prompt": prompt, "chosen": completion, "rejected": []})
    return {"loss": loss.item(), "metrics": {}, "pairs": pairs, "grad_norms": grad_norms(pm)}


def adamw():
    torch.manual_seed(3)
    p = torch.nn.Parameter(torch.randn(6))
    start = p.detach().clone()
    opt = torch.optim.AdamW([p], lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1)
    grads, states = [], []
    for _ in range(3):
        g = torch.randn(6)
        grads.append(g.tolist())
        p.grad = g.clone()
        opt.step()
        states.append(p.detach().tolist())
    return {"start": start.tolist(), "grads": grads, "params": states}


def main():
    os.makedirs(FIX, exist_ok=True)
    tok = tokenizer()
    model_dir, adapter_dir = os.path.join(FIX, "trl_parity_model"), os.path.join(FIX, "trl_parity_adapter")
    build_model().save_pretrained(model_dir, safe_serialization=True)
    peft_model(build_model()).save_pretrained(adapter_dir, safe_serialization=True)
    with tempfile.TemporaryDirectory() as tmp:
        dpo = run_dpo(tok, tmp)
    with tempfile.TemporaryDirectory() as tmp:
        orpo = run_orpo(tok, tmp)
    others = {}
    for loss_type in ("ipo", "hinge"):
        with tempfile.TemporaryDirectory() as tmp:
            others["dpo_" + loss_type] = run_dpo(tok, tmp, loss_type)
    with tempfile.TemporaryDirectory() as tmp:
        others["sft"] = run_sft(tok, tmp)
    out = os.path.join(FIX, "trl_parity.json")
    import trl
    with open(out, "w") as f:
        json.dump({"trl_version": trl.__version__, "dpo": dpo, "orpo": orpo, **others, "adamw": adamw()}, f, indent=1)
    print(json.dumps({"dpo": {k: dpo[k] for k in ("loss", "metrics")}, "orpo": {k: orpo[k] for k in ("loss", "metrics")}}, indent=1))


if __name__ == "__main__":
    main()
