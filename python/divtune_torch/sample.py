"""Samples an evaluation run's prompts with transformers for `divtune evaluate run --backend torch`
(docs/scale-out.md §5): the sampling spec the Swift side wrote (prompts with the seed of their
sample 0, the sampler chain, chat rendering, model, adapter, conformative base) in, one JSON line per
prompt on standard output. Embeddings, metrics and reports stay in Swift.

Samples of `prompts_per_call` prompts decode together in one `generate` call (left padding), each
row drawing with its own seed (sampling.SeededDraw). Every finished prompt is appended to the run's
`torch_samples.jsonl` before it is printed; a rerun takes prompts found there (same settings) from
it and groups only the others, so the calls — and the samples — are those of an uninterrupted run.

Run:  python -m divtune_torch.sample SAMPLE_SPEC.json
"""
import hashlib
import json
import os
import sys
import time

import torch

from .sampling import Chain, ChainProcessor, ConformativeLogitsProcessor, SeededDraw
from .train import SpecError, read_spec, require_model_folder

FORMAT = "divtune-torch-sample/1"
# The markers DivTune's runtime also stops at (Sources/Models/LanguageModel.swift).
STOP_MARKERS = ("<|im_end|>", "<|eot_id|>", "<|endoftext|>", "</s>")
# What DivTune renders with when a model ships no chat template (ChatTemplate.chatMLSource).
CHATML = ("{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + "
          "'<|im_end|>' + '\\n' }}{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}")


def load_spec(path):
    spec = read_spec(path, "sampling spec")
    if spec.get("format") != FORMAT:
        raise SpecError(f"{path}: format must be {FORMAT!r}, got {spec.get('format')!r}")
    for key, kind in (("model", str), ("sampling", dict), ("prompts", list), ("max_tokens", int),
                      ("samples_per_prompt", int), ("prompts_per_call", int), ("cache", str), ("settings", dict)):
        if not isinstance(spec.get(key), kind):
            raise SpecError(f"{path}: '{key}' must be a {kind.__name__}")
    for i, p in enumerate(spec["prompts"]):
        if not isinstance(p, dict) or not isinstance(p.get("prompt"), str) or not isinstance(p.get("first_seed"), int):
            raise SpecError(f"{path}: prompts[{i}] must be {{\"prompt\": str, \"first_seed\": int}}")
    require_model_folder(spec["model"])
    if spec.get("conformative"):
        if not isinstance(spec.get("base_model"), str):
            raise SpecError(f"{path}: conformative decoding needs 'base_model'")
        require_model_folder(spec["base_model"])
    return spec


def load(path, adapter, dtype, device):
    from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig
    from transformers.utils import logging
    logging.disable_progress_bar()   # divtune draws the progress
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype)
    stops = set()
    for ids in (model.generation_config.eos_token_id, model.config.eos_token_id, tokenizer.eos_token_id):
        stops |= set(ids if isinstance(ids, list) else [ids] if ids is not None else [])
    vocab = tokenizer.get_vocab()
    stops |= {vocab[m] for m in STOP_MARKERS if m in vocab}
    if adapter:
        from peft import PeftModel
        model = PeftModel.from_pretrained(model, adapter)
    # The model's own generation defaults (a repetition penalty, sampling) must not add processors.
    model.generation_config = GenerationConfig()
    return model.to(device).eval(), tokenizer, stops


def render(tokenizer, prompt, style, system=None):
    """Prompt ids as DivTune renders them (Sources/Models/PromptRenderer.swift): chat through the
    model's template (ChatML when it has none), no special tokens added twice; completion as raw
    text with the tokenizer's usual framing."""
    if style == "completion":
        return tokenizer(prompt)["input_ids"]
    messages = ([{"role": "system", "content": system}] if system is not None else []) + [{"role": "user", "content": prompt}]
    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True,
                                         chat_template=None if tokenizer.chat_template else CHATML)
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def left_padded(rows, pad, device):
    width = max(len(r) for r in rows)
    ids = torch.tensor([[pad] * (width - len(r)) + r for r in rows], device=device)
    mask = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in rows], device=device)
    return ids, mask, torch.tensor([width - len(r) for r in rows], device=device)


class BaseModelStep:
    """The base model's next-token logits for conformative decoding: its own rendering of each row's
    prompt prefilled on the first call, then each call feeds it the token the rows just took."""

    def __init__(self, model, rows, pad, prompt_width, device):
        self.model, self.prompt_width = model, prompt_width
        self.ids, self.mask, _ = left_padded(rows, pad, device)
        self.cache = None

    def __call__(self, input_ids):
        if self.cache is None:
            ids, mask = self.ids, self.mask
        else:
            ids = input_ids[:, -1:]
            mask = self.mask = torch.cat([self.mask, torch.ones_like(ids)], dim=1)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)[:, -ids.shape[1]:]
        with torch.no_grad():
            out = self.model(input_ids=ids, attention_mask=mask, position_ids=positions, past_key_values=self.cache,
                             use_cache=True)
        self.cache = out.past_key_values
        return out.logits[:, -1, :].float()


class ChosenLogprobs:
    """Each row's log-prob of the token it took at every step under the model's unmodified
    distribution, kept as generation goes: the first processor sees the raw logits of step t, and
    step t + 1's input ends with the token taken. Only one step's log-softmax is held (rows ×
    vocabulary), not every step's logits (rows × max tokens × vocabulary, tens of GB for an 8B
    model's 128k vocabulary at 2048 tokens)."""

    def __init__(self):
        self.previous, self.steps = None, []

    def __call__(self, input_ids, scores):
        if self.previous is not None:
            self.steps.append(self.previous.gather(-1, input_ids[:, -1:]).squeeze(-1))
        self.previous = torch.log_softmax(scores.double(), dim=-1)
        return scores

    def finish(self, sequences):
        """[rows, generated tokens]: the last step's token is only in the output sequences."""
        if self.previous is not None:
            self.steps.append(self.previous.gather(-1, sequences[:, -1:]).squeeze(-1))
            self.previous = None
        return torch.stack(self.steps, dim=1) if self.steps else torch.zeros(sequences.shape[0], 0, dtype=torch.float64)


def generate(spec, instruct, base, rows, seeds, chain):
    """One `generate` call over `rows` (instruct prompt ids, base prompt ids): each row's text,
    tokens, mean log-prob per token under the instruct model's unmodified distribution, finish reason."""
    from transformers import GenerationConfig, LogitsProcessorList
    model, tokenizer, stops = instruct
    device = next(model.parameters()).device
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else min(stops)
    ids, mask, starts = left_padded([r[0] for r in rows], pad, device)
    conformative = spec.get("conformative")
    if conformative:
        step = BaseModelStep(base[0], [r[1] for r in rows], base[1].pad_token_id if base[1].pad_token_id is not None
                             else pad, ids.shape[1], device)
        shaping = ConformativeLogitsProcessor(chain, starts, step, conformative["weight"], conformative["space"],
                                              conformative["truncate_on"], conformative.get("base_temperature"))
    else:
        shaping = ChainProcessor(chain, starts)
    config = GenerationConfig(max_new_tokens=spec["max_tokens"], do_sample=False, num_beams=1, eos_token_id=sorted(stops),
                              pad_token_id=pad, return_dict_in_generate=True)
    chosen = ChosenLogprobs()
    with torch.no_grad():
        out = model.generate(input_ids=ids, attention_mask=mask, generation_config=config,
                             logits_processor=LogitsProcessorList([chosen, shaping, SeededDraw(seeds, chain.greedy)]))
    new = out.sequences[:, ids.shape[1]:].tolist()
    taken = chosen.finish(out.sequences)
    samples = []
    for b, tokens in enumerate(new):
        end = next((i + 1 for i, t in enumerate(tokens) if t in stops), len(tokens))
        tokens = tokens[:end]
        stopped = bool(tokens) and tokens[-1] in stops
        logprobs = taken[b, :end]
        text = tokenizer.decode(tokens[:-1] if stopped else tokens, skip_special_tokens=False)
        samples.append({"text": text, "tokens": len(tokens),
                        "logprob_per_token": float(logprobs.mean()) if tokens else None,
                        "finish_reason": "stop" if stopped else "length"})
    return samples


class SampleCache:
    """`torch_samples.jsonl`: every prompt's samples as soon as its call ends, keyed by the run's
    settings, prompt and seed; a torn last line (a killed run) is cut off, so the next line
    appended starts on a line of its own."""

    def __init__(self, path, settings):
        self.path = path
        self.key = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]
        self.found = {}
        if os.path.exists(path):
            with open(path, "rb+") as f:
                data = f.read()
                if data and not data.endswith(b"\n"):
                    f.truncate(data.rfind(b"\n") + 1)
                    os.fsync(f.fileno())
            with open(path, encoding="utf-8") as f:
                for line in f:
                    try:
                        row = json.loads(line)
                    except json.JSONDecodeError:
                        continue
                    if isinstance(row, dict) and row.get("key") == self.key:
                        self.found[(row.get("prompt"), row.get("first_seed"))] = row.get("samples")

    def get(self, prompt):
        return self.found.get((prompt["prompt"], prompt["first_seed"]))

    def add(self, prompt, samples):
        line = json.dumps({"key": self.key, "prompt": prompt["prompt"], "first_seed": prompt["first_seed"],
                           "samples": samples}, ensure_ascii=False)
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(line + "\n")
            f.flush()
            os.fsync(f.fileno())


def die_with_parent():
    """A killed `divtune` takes its sampler with it (Linux: PR_SET_PDEATHSIG)."""
    try:
        import ctypes
        import signal
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def run(spec, out):
    if spec.get("threads"):
        torch.set_num_threads(int(spec["threads"]))
    device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = torch.bfloat16 if spec.get("precision") == "bf16" else torch.float32
    chain = Chain.from_spec(spec["sampling"])
    cache = SampleCache(spec["cache"], spec["settings"])
    count, prompts = spec["samples_per_prompt"], spec["prompts"]

    def emit(index, samples):
        out.write(json.dumps({"index": index, "samples": samples}, ensure_ascii=False) + "\n")
        out.flush()

    waiting = []
    for index, prompt in enumerate(prompts):
        samples = cache.get(prompt)
        if samples is not None and len(samples) == count:
            emit(index, samples)
        else:
            waiting.append(index)
    if not waiting:
        return
    print(f"sampling {len(waiting)} prompts × {count} with transformers on {device} ({spec.get('precision', 'fp32')}), "
          f"{spec['prompts_per_call']} prompt(s) per call", file=sys.stderr, flush=True)
    instruct = load(spec["model"], spec.get("adapter"), dtype, device)
    base = None
    if spec.get("conformative"):
        model, tokenizer, _ = load(spec["base_model"], spec.get("base_adapter"), dtype, device)
        if model.config.vocab_size != instruct[0].config.vocab_size:
            raise SpecError(f"{spec['base_model']}: its vocabulary ({model.config.vocab_size}) is not the model's "
                            f"({instruct[0].config.vocab_size}); conformative decoding needs one vocabulary")
        base = (model, tokenizer)
    system = spec.get("system")
    start = time.time()
    tokens = 0
    for first in range(0, len(waiting), spec["prompts_per_call"]):
        group = waiting[first:first + spec["prompts_per_call"]]
        rows, seeds = [], []
        for index in group:
            text = prompts[index]["prompt"]
            ids = render(instruct[1], text, spec.get("prompt_style", "chat"), system)
            base_ids = render(base[1], text, spec.get("base_prompt_style", "completion"), None) if base else None
            for j in range(count):
                rows.append((ids, base_ids))
                seeds.append(prompts[index]["first_seed"] + j)
        samples = generate(spec, instruct, base, rows, seeds, chain)
        for k, index in enumerate(group):
            mine = samples[k * count:(k + 1) * count]
            cache.add(prompts[index], mine)
            emit(index, mine)
            tokens += sum(s["tokens"] for s in mine)
    print(f"sampled {len(waiting)} prompts ({tokens} tokens, {tokens / max(time.time() - start, 1e-9):.1f} tokens/s)",
          file=sys.stderr, flush=True)


def main(argv):
    if len(argv) != 1:
        print("usage: python -m divtune_torch.sample SAMPLE_SPEC.json", file=sys.stderr)
        return 2
    die_with_parent()
    # Standard output carries only the sample lines: anything else printed goes to standard error.
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    try:
        run(load_spec(argv[0]), out)
        return 0
    except SpecError as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
