"""DivTune's sampler chain and conformative decoding as transformers logits processors, for
`divtune evaluate run --backend torch` (docs/methods.md §8, §9, docs/scale-out.md §5).

The stages, their order and conformative decoding's formula are the Swift Sampling module's
(repetition penalty → temperature shape the logits; top-k → top-p → min-p truncate them; the
mixture of the instruct and base distributions is restricted to the truncation set S), written a
second time over (rows × vocabulary) tensors. The last processor draws each row's token with the
row's own seeded generator, so a sample's tokens depend on its seed, not on its batch.
"""
import math

import torch
from transformers import LogitsProcessor

HF_ORDER = ("repetition_penalty", "temperature", "top_k", "top_p", "min_p")
TRUNCATION = ("top_k", "top_p", "min_p")


class Chain:
    """One sampling chain's settings (SamplingParameters): temperature 0 is greedy decoding."""

    def __init__(self, temperature=1.0, top_k=0, top_p=1.0, min_p=0.0, repetition_penalty=1.0,
                 repetition_window=None, order=HF_ORDER):
        self.temperature, self.top_k, self.top_p, self.min_p = float(temperature), int(top_k), float(top_p), float(min_p)
        self.repetition_penalty, self.repetition_window = float(repetition_penalty), repetition_window
        unknown = [stage for stage in order if stage not in HF_ORDER]
        if unknown:
            raise ValueError(f"sampler_order: unknown stage {unknown[0]!r} (stages: {', '.join(HF_ORDER)})")
        self.order = tuple(order)

    @classmethod
    def from_spec(cls, s):
        return cls(s["temperature"], s["top_k"], s["top_p"], s["min_p"], s["repetition_penalty"],
                   s.get("repetition_window"), s.get("order", HF_ORDER))

    @property
    def greedy(self):
        return self.temperature <= 0


def context_mask(input_ids, starts, vocab, window=None):
    """(rows × vocab) bool: the tokens of each row's context — its prompt from `starts[row]` (left
    padding excluded) and what it generated — or of its last `window` tokens."""
    positions = torch.arange(input_ids.shape[1], device=input_ids.device)
    first = starts.view(-1, 1)
    if window is not None:
        first = torch.clamp(first, min=input_ids.shape[1] - window)
    valid = (positions.view(1, -1) >= first).to(torch.int32)
    counts = torch.zeros(input_ids.shape[0], vocab, dtype=torch.int32, device=input_ids.device)
    counts.scatter_add_(1, input_ids.clamp(0, vocab - 1), valid)
    return counts > 0


def shape(logits, seen, chain, base_temperature=None):
    """The non-truncating stages: the CTRL repetition penalty on the context's tokens (a positive
    logit divided by θ, a negative one multiplied), then the temperature (skipped when greedy or 1):
    the instruct model's logits times 1/T, the base model's divided by its own T, as the Swift
    Temperature stage and ConformativeDecoding compute them in float32."""
    out = logits.float()
    if chain.repetition_penalty != 1 and seen is not None:
        theta = torch.tensor(chain.repetition_penalty, dtype=torch.float32)
        out = torch.where(seen, torch.where(out > 0, out / theta, out * theta), out)
    if chain.greedy:
        return out
    if base_temperature is not None:
        return out / torch.tensor(base_temperature, dtype=torch.float32) if base_temperature != 1 else out
    if chain.temperature != 1:
        out = out * (torch.tensor(1.0, dtype=torch.float32) / torch.tensor(chain.temperature, dtype=torch.float32))
    return out


def probabilities(logits):
    """Softmax per row in float64 of the float32 differences to the row's maximum (−inf → 0)."""
    top = logits.max(dim=-1, keepdim=True).values
    e = (logits - top).double().exp()
    return e / e.sum(dim=-1, keepdim=True)


def truncate(logits, chain):
    """The truncation set S (rows × vocab bool): top-k (ties with the k-th logit stay), top-p (the
    smallest most-likely prefix whose renormalised mass reaches p), min-p (p ≥ min_p · p_max), in
    chain order, each over what the earlier ones kept; a row always keeps its best token."""
    keep = logits > float("-inf")
    vocab = logits.shape[-1]
    for stage in chain.order:
        masked = logits.masked_fill(~keep, float("-inf"))
        if stage == "top_k" and 0 < chain.top_k < vocab:
            kth = masked.topk(chain.top_k, dim=-1).values[:, -1:]
            keep &= logits >= kth
        elif stage == "top_p" and chain.top_p < 1:
            order = torch.sort(masked, dim=-1, descending=True, stable=True).indices
            sorted_logits = masked.gather(-1, order)
            cumulative = probabilities(sorted_logits).cumsum(-1)
            count = (cumulative < chain.top_p).sum(-1, keepdim=True) + 1
            count = torch.minimum(count, keep.sum(-1, keepdim=True)).clamp(min=1)
            prefix = torch.arange(vocab, device=logits.device).view(1, -1) < count
            keep = torch.zeros_like(keep).scatter(-1, order, prefix)
        elif stage == "min_p" and chain.min_p > 0:
            threshold = masked.max(dim=-1, keepdim=True).values + math.log(chain.min_p)
            keep &= logits >= threshold.float()
    return keep


def mixture(p_instruct, p_base, weight, space):
    """Conformative decoding's mixed distribution (docs/methods.md §8.1), per row, normalised:
    prob: (1 − w)·p_I + w·p_B;  log: ∝ p_I^(1 − w)·p_B^w."""
    if space == "prob":
        return (1 - weight) * p_instruct + weight * p_base
    if space != "log":
        raise ValueError(f"conformative_space must be prob or log, got {space!r}")
    tiny = torch.finfo(torch.float64).tiny
    logs = (1 - weight) * p_instruct.clamp(min=tiny).log() + weight * p_base.clamp(min=tiny).log()
    e = (logs - logs.max(dim=-1, keepdim=True).values).exp()
    return e / e.sum(dim=-1, keepdim=True)


def conformative_scores(instruct_logits, base_logits, seen, chain, weight, space="prob", truncate_on="instruct",
                        base_temperature=None):
    """The log of the distribution a conformative step draws from (docs/methods.md §8): both models'
    logits shaped (repetition penalty over the instruct context, then each model's temperature),
    mixed, restricted to S (from the shaped instruct logits or from the mixture) — −inf outside S.
    Greedy decoding takes its maximum (ties to the lowest id)."""
    if instruct_logits.shape != base_logits.shape:
        raise ValueError(f"logit vectors differ in size: {tuple(instruct_logits.shape)} vs {tuple(base_logits.shape)} "
                         "(models must share a vocabulary)")
    instruct = shape(instruct_logits, seen, chain)
    base = shape(base_logits, seen, chain, base_temperature=chain.temperature if base_temperature is None else base_temperature)
    mixed = mixture(probabilities(instruct), probabilities(base), weight, space)
    source = instruct if truncate_on == "instruct" else mixed.log().float()
    keep = truncate(source, chain)
    return mixed.log().masked_fill(~keep, float("-inf"))


class ChainProcessor(LogitsProcessor):
    """Plain sampling's scores: shaped logits over S, −inf outside (greedy: the repetition penalty only)."""

    def __init__(self, chain, starts):
        self.chain, self.starts = chain, starts

    def __call__(self, input_ids, scores):
        seen = context_mask(input_ids, self.starts, scores.shape[-1], self.chain.repetition_window)
        shaped = shape(scores, seen, self.chain)
        if self.chain.greedy:
            return shaped
        return shaped.masked_fill(~truncate(shaped, self.chain), float("-inf"))


class ConformativeLogitsProcessor(LogitsProcessor):
    """Conformative decoding over the instruct model's scores and the base model's next-token logits
    (`base`, a BaseModelStep fed the same tokens): returns `conformative_scores`."""

    def __init__(self, chain, starts, base, weight, space="prob", truncate_on="instruct", base_temperature=None):
        self.chain, self.starts, self.base = chain, starts, base
        self.weight, self.space, self.truncate_on, self.base_temperature = weight, space, truncate_on, base_temperature

    def __call__(self, input_ids, scores):
        seen = context_mask(input_ids, self.starts, scores.shape[-1], self.chain.repetition_window)
        base_logits = self.base(input_ids).to(scores.device)
        return conformative_scores(scores, base_logits, seen, self.chain, self.weight, self.space, self.truncate_on,
                                   self.base_temperature)


class SeededDraw(LogitsProcessor):
    """The last processor: picks each row's token — its maximum when greedy (ties to the lowest id),
    else an inverse-CDF draw over its candidates, most likely first, with one uniform number from the
    row's own generator — and returns scores that are 0 there and −inf elsewhere, so transformers'
    greedy search takes exactly that token."""

    def __init__(self, seeds, greedy):
        self.greedy = greedy
        self.generators = []
        for seed in seeds:
            g = torch.Generator(device="cpu")
            g.manual_seed(int(seed) % (1 << 64))
            self.generators.append(g)

    def __call__(self, input_ids, scores):
        if self.greedy:
            tokens = scores.argmax(dim=-1)
        else:
            picks = []
            for row, g in zip(scores.float().cpu(), self.generators):
                # Only the candidates (finite scores) are sorted: top-k leaves tens of a vocabulary's 10⁵.
                candidates = torch.nonzero(row > float("-inf")).view(-1)
                order = candidates[torch.sort(row[candidates], descending=True, stable=True).indices]
                p = probabilities(row[order].view(1, -1))[0]
                u = torch.rand((), generator=g, dtype=torch.float64) * p.sum()
                index = int(torch.searchsorted(p.cumsum(0), u, right=True).clamp(max=int((p > 0).sum()) - 1))
                picks.append(int(order[index]))
            tokens = torch.tensor(picks, device=scores.device)
        out = torch.full_like(scores, float("-inf"))
        out.scatter_(1, tokens.view(-1, 1), 0.0)
        return out
