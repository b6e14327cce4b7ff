"""Helpers of the torch backend's parity test (Tests/DivTuneCLITests/TorchBackendParityTests.swift).

Run with the torch backend's Python (.cache/torch-venv, `make test` makes it), PYTHONPATH=python:
  torch_backend_parity.py folder GGUF FOLDER          SmolLM2 as an HF folder (once; divtune_torch.gguf_folder)
  torch_backend_parity.py adapters MODEL OUT_DIR       two random PEFT adapters for MODEL (r 4, α 8, q/v/o/down
                                                       projections, dropout 0, A and B both random so the policy
                                                       and the reference differ): OUT_DIR/start, OUT_DIR/reference
  torch_backend_parity.py greedy MODEL ADAPTER PROMPT N    prints the N greedy token ids transformers + peft
                                                           continue PROMPT (raw text) with, as JSON
  torch_backend_parity.py reward MODEL FOLDER PROMPT RESPONSE   the reward a `train reward` FOLDER gives
                                                           PROMPT/RESPONSE in transformers + peft (docs/methods.md
                                                           §6.3: the final-norm state of the last token through
                                                           score.weight/bias), and without the adapter, as JSON
"""
import json
import os
import sys

import torch


def adapters(model_path, out):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM
    for name, seed in (("start", 1), ("reference", 2)):
        model = AutoModelForCausalLM.from_pretrained(model_path, dtype=torch.float32)
        config = LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, bias="none", task_type="CAUSAL_LM",
                            target_modules=["q_proj", "v_proj", "o_proj", "down_proj"])
        peft = get_peft_model(model, config)
        generator = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for parameter_name, parameter in peft.named_parameters():
                if "lora_" in parameter_name:
                    parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.05)
        peft.save_pretrained(os.path.join(out, name), safe_serialization=True)


def greedy(model_path, adapter, prompt, count):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(model_path, dtype=torch.float32), adapter)
    model.eval()
    ids = tokenizer(prompt, add_special_tokens=False, return_tensors="pt").input_ids
    with torch.no_grad():
        out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=count, do_sample=False,
                             pad_token_id=tokenizer.eos_token_id, eos_token_id=None)
    print(json.dumps({"prompt_ids": ids[0].tolist(), "ids": out[0, ids.shape[1]:].tolist()}))


def reward(model_path, folder, prompt, response):
    from peft import PeftModel
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM, AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    with open(os.path.join(folder, "reward_config.json")) as f:
        max_length = json.load(f)["max_length"]
    head = load_file(os.path.join(folder, "reward_head.safetensors"))
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(model_path, dtype=torch.float32), folder)
    model.eval()
    ids = tokenizer(f"<prompt>{prompt}</prompt><response>{response}</response>", truncation=True, max_length=max_length,
                    return_tensors="pt").input_ids

    def score():
        hidden = model.get_base_model().model(input_ids=ids).last_hidden_state[0, -1]
        return float(hidden @ head["score.weight"][0] + head["score.bias"][0])
    with torch.no_grad():
        trained = score()
        with model.disable_adapter():
            without = score()
    print(json.dumps({"ids": ids[0].tolist(), "reward": trained, "without_adapter": without}))


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    torch.set_num_threads(2)
    if command == "folder":
        from divtune_torch.gguf_folder import convert
        if not os.path.exists(os.path.join(args[1], "config.json")):
            convert(args[0], args[1])
    elif command == "adapters":
        adapters(*args)
    elif command == "greedy":
        greedy(args[0], args[1], args[2], int(args[3]))
    elif command == "reward":
        reward(*args)
    else:
        raise SystemExit(f"unknown command {command}")
