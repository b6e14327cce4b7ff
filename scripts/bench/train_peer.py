"""Peer for `divtune bench train`: TRL 1.16 on PyTorch CPU, fp32, LoRA r=16 (α 32, no dropout) on
all seven linear projections of SmolLM2-135M-Instruct (dequantized from the same GGUF by
transformers). Times one optimizer step (loss + backward + clip_grad_norm_ + AdamW step) for:
  sft  — 512 tokens (TRL SFTTrainer.compute_loss over the whole sequence),
  dpo  — 1 pair: 64-token prompt + two 448-token responses; DPOTrainer.compute_loss, reference
         forward (adapters disabled) included,
  orpo — the same pair through ORPOTrainer (trl.experimental.orpo),
  sft-batch — an SFT micro-batch of 8 sequences of 64, 128, ..., 512 tokens (ids seeded 11..18):
         SFTTrainer.compute_loss on the batch right-padded to 512 (TRL's default collator), and
         as "sft-batch-padding-free" with SFTConfig(padding_free=True) and TRL's padding-free
         collator (one row, position_ids restarting per sequence).
Token ids are fixed pseudo-random ids (seeded), the same rule as the Swift side.
Prints one JSON object: median seconds per step for each, and all samples.

    python3 scripts/bench/train_peer.py --gguf PATH --threads 2 --repeats 3
"""
import argparse
import json
import os
import statistics
import tempfile
import time

import torch
from datasets import Dataset
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import DPOConfig, DPOTrainer, SFTConfig, SFTTrainer
from trl.experimental.orpo import ORPOConfig, ORPOTrainer


def reset_peak_rss():
    """Resets the process's peak resident set size (Linux: VmHWM), so each objective's peak is its own."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_rss_mb():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def ids(n, seed):
    # xorshift-free simple LCG so the Swift side can reproduce it: ids in [100, 40000)
    out, s = [], seed
    for _ in range(n):
        s = (s * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        out.append(100 + (s >> 33) % 39900)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gguf", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", default="sft,dpo,orpo,sft-batch")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    folder, name = os.path.dirname(a.gguf), os.path.basename(a.gguf)
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    loaded = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    # The Trainer refuses GGUF-"quantized" models; the weights are already dequantized fp32, so
    # move them into a plain model of the same config.
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    base = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    base.load_state_dict(loaded.state_dict())
    del loaded
    lora = LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0, bias="none", task_type="CAUSAL_LM",
                      target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    model = get_peft_model(base, lora)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-5)
    prompt, chosen, rejected = ids(64, 1), ids(448, 2), ids(448, 3)
    text = Dataset.from_list([{"prompt": "a", "chosen": "b", "rejected": "c"}])
    tmp = tempfile.mkdtemp()
    results = {}

    def step(loss_fn):
        t = time.perf_counter()
        loss = loss_fn()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad()
        return time.perf_counter() - t

    def timed(name, loss_fn):
        reset_peak_rss()
        step(loss_fn)  # warm-up
        samples = [step(loss_fn) for _ in range(a.repeats)]
        results[name] = {"median_s": statistics.median(samples), "samples": samples, "peak_rss_mb": peak_rss_mb()}

    only = a.only.split(",")
    if "sft" in only:
        sft = SFTTrainer(model=model, args=SFTConfig(output_dir=tmp, report_to=[], use_cpu=True, bf16=False),
                         train_dataset=Dataset.from_list([{"text": "a b"}]), processing_class=tok)
        seq = torch.tensor([prompt + chosen])
        batch = {"input_ids": seq, "attention_mask": torch.ones_like(seq), "labels": seq.clone()}
        timed("sft", lambda: sft.compute_loss(model, batch))
    if "dpo" in only:
        dpo = DPOTrainer(model=model, args=DPOConfig(output_dir=tmp, report_to=[], use_cpu=True, bf16=False,
                                                     gradient_checkpointing=False, beta=0.1),
                         train_dataset=text, processing_class=tok)
        seq = torch.tensor([prompt + chosen, prompt + rejected])
        cm = torch.tensor([[0] * 64 + [1] * 448] * 2)
        batch = {"input_ids": seq, "attention_mask": torch.ones_like(seq), "completion_mask": cm}
        timed("dpo", lambda: dpo.compute_loss(model, batch))
    if "orpo" in only:
        orpo = ORPOTrainer(model=model, args=ORPOConfig(output_dir=tmp, report_to=[], use_cpu=True, bf16=False, beta=0.1),
                           train_dataset=text, processing_class=tok)

        def side(c):
            full = torch.tensor([prompt + c])
            labels = full.clone()
            labels[:, :64] = -100
            return full, torch.ones_like(full), labels
        ci, ca, cl = side(chosen)
        ri, ra, rl = side(rejected)
        p = torch.tensor([prompt])
        batch = {"prompt_input_ids": p, "prompt_attention_mask": torch.ones_like(p),
                 "chosen_input_ids": ci, "chosen_attention_mask": ca, "chosen_labels": cl,
                 "rejected_input_ids": ri, "rejected_attention_mask": ra, "rejected_labels": rl}
        timed("orpo", lambda: orpo.compute_loss(model, batch))
    if "sft-batch" in only:
        from trl.trainer.sft_trainer import DataCollatorForLanguageModeling
        examples = [{"input_ids": ids(64 * (i + 1), 11 + i)} for i in range(8)]
        pad = tok.pad_token_id if tok.pad_token_id is not None else 0
        for name, free in (("sft-batch", False), ("sft-batch-padding-free", True)):
            args = SFTConfig(output_dir=tmp, report_to=[], use_cpu=True, bf16=False, padding_free=free,
                             max_length=None if free else 1024, per_device_train_batch_size=8)
            trainer = SFTTrainer(model=model, args=args, train_dataset=Dataset.from_list([{"text": "a b"}]), processing_class=tok)
            batch = DataCollatorForLanguageModeling(pad_token_id=pad, padding_free=free)(examples)
            timed(name, lambda: trainer.compute_loss(model, batch))
    print(json.dumps({"peer": "trl", "threads": a.threads, "results": results}))


if __name__ == "__main__":
    main()
