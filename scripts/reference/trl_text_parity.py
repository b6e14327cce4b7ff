"""TRL's text path on the real SmolLM2-135M-Instruct (Tests/TrainingTests/Fixtures/trl_text_parity.json).

Run:   /tmp/pyref/bin/python scripts/reference/trl_text_parity.py   (needs the model cache: make models)

Users bring preference data in TRL's two formats: standard rows (a string `prompt`, `chosen`,
`rejected`), which TRL tokenizes as raw text, and conversational rows (message lists), which go
through the chat template. This script hands both formats to TRL 1.16's own DPOTrainer and
ORPOTrainer (which tokenize differently: DPO appends the EOS text and takes the completion where the
tokenized prompt and prompt+completion diverge; ORPO tokenizes prompt+answer jointly, prepends BOS
and appends the EOS id) and records, per row, the token ids TRL built and the log-probabilities of
the completions under the untrained model: DPO's summed log-probs (TRL logs them as
logps/chosen and logps/rejected) and ORPO's mean log-prob per completion token.
"""
import copy
import json
import os
import tempfile

import torch
from datasets import Dataset
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import DPOConfig, DPOTrainer
from trl.experimental.orpo import ORPOConfig, ORPOTrainer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE = os.environ.get("DIVTUNE_CACHE", os.path.join(ROOT, ".cache", "models"))
FOLDER = os.path.join(CACHE, "SmolLM2-135M-Instruct-Q4_1")
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
OUT = os.path.join(ROOT, "Tests", "TrainingTests", "Fixtures", "trl_text_parity.json")

STANDARD = [
    {"prompt": "Write a two-line poem about the sea.",
     "chosen": " The waves keep time with the moon,\nand the gulls sing the tide home.",
     "rejected": " The sea is big and wet."},
    {"prompt": "Name the lighthouse keeper's cat:", "chosen": " Beacon", "rejected": " Mittens, of course"},
]


def conversational(row):
    return {"prompt": [{"role": "user", "content": row["prompt"]}],
            "chosen": [{"role": "assistant", "content": row["chosen"].strip()}],
            "rejected": [{"role": "assistant", "content": row["rejected"].strip()}]}


def completion_logprobs(model, prompt_ids, completion_ids):
    ids = torch.tensor([prompt_ids + completion_ids])
    with torch.no_grad():
        logits = model(ids).logits[0, :-1].float()
    logp = torch.log_softmax(logits, dim=-1)
    targets = ids[0, 1:]
    token = logp.gather(1, targets[:, None])[:, 0][len(prompt_ids) - 1:]
    return float(token.sum()), float(token.mean())


def main():
    out = {"cases": []}
    with tempfile.TemporaryDirectory() as tmp:
        # transformers refuses to train a model it loaded from GGUF: save the dequantized weights as
        # a plain checkpoint and load that (the same Float32 values).
        plain = os.path.join(tmp, "plain")
        AutoTokenizer.from_pretrained(FOLDER, gguf_file=GGUF).save_pretrained(plain)
        gguf_model = AutoModelForCausalLM.from_pretrained(FOLDER, gguf_file=GGUF, dtype=torch.float32)
        model = AutoModelForCausalLM.from_config(gguf_model.config, dtype=torch.float32)
        model.load_state_dict(gguf_model.state_dict())
        model.config.quantization_config = None
        if hasattr(model, "hf_quantizer"):
            model.hf_quantizer = None
        model.eval()
        tok = AutoTokenizer.from_pretrained(plain)
        out.update(bos_token_id=tok.bos_token_id, eos_token=tok.eos_token)
        for style, rows in (("standard", STANDARD), ("conversational", [conversational(r) for r in STANDARD])):
            dpo = DPOTrainer(model=model, ref_model=copy.deepcopy(model),
                             args=DPOConfig(output_dir=tmp, report_to=[], max_length=None, use_cpu=True, bf16=False),
                             train_dataset=Dataset.from_list(rows), processing_class=tok)
            for row, t in zip(rows, dpo.train_dataset):
                chosen = completion_logprobs(model, t["prompt_ids"], t["chosen_ids"])
                rejected = completion_logprobs(model, t["prompt_ids"], t["rejected_ids"])
                out["cases"].append({"objective": "dpo", "style": style, "row": row,
                                     "prompt_ids": t["prompt_ids"], "chosen_ids": t["chosen_ids"],
                                     "rejected_ids": t["rejected_ids"],
                                     "logps_chosen": chosen[0], "logps_rejected": rejected[0]})
            orpo = ORPOTrainer(model=model, args=ORPOConfig(output_dir=tmp, report_to=[], use_cpu=True, bf16=False),
                               train_dataset=Dataset.from_list(rows), processing_class=tok)
            for row, t in zip(rows, orpo.train_dataset):
                prompt = t["prompt_input_ids"]
                chosen_ids = t["chosen_input_ids"][len(prompt):]
                rejected_ids = t["rejected_input_ids"][len(prompt):]
                assert t["chosen_input_ids"][:len(prompt)] == prompt and t["rejected_input_ids"][:len(prompt)] == prompt
                assert t["chosen_labels"].count(-100) == len(prompt)
                chosen = completion_logprobs(model, prompt, chosen_ids)
                rejected = completion_logprobs(model, prompt, rejected_ids)
                out["cases"].append({"objective": "orpo", "style": style, "row": row,
                                     "prompt_ids": prompt, "chosen_ids": chosen_ids, "rejected_ids": rejected_ids,
                                     "mean_logp_chosen": chosen[1], "mean_logp_rejected": rejected[1]})
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
    for c in out["cases"]:
        print(c["objective"], c["style"], len(c["prompt_ids"]), c["prompt_ids"][:4], c["chosen_ids"][-3:],
              c.get("logps_chosen", c.get("mean_logp_chosen")))


if __name__ == "__main__":
    main()
