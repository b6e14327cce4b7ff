"""The torch sampler's chain and conformative decoding (python/divtune_torch/sampling.py) by hand,
against the fixture of scripts/reference/conformative_reference.py (which the Swift Sampling module
is checked against too), and its seeded draw."""
import json
import math
import os

import pytest
import torch

from divtune_torch.sampling import (Chain, ChainProcessor, SeededDraw, conformative_scores, context_mask,
                                    probabilities)

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "conformative_cases.json")


def distribution(scores):
    return probabilities(scores)[0].tolist()


def test_the_linear_mixture_of_two_logit_vectors_by_hand():
    a, b = [1.0, 0.0, -1.0], [-1.0, 2.0, 0.0]
    pa = [math.exp(x) / sum(math.exp(y) for y in a) for x in a]
    pb = [math.exp(x) / sum(math.exp(y) for y in b) for x in b]
    scores = conformative_scores(torch.tensor([a]), torch.tensor([b]), None, Chain(), 0.25)
    assert distribution(scores) == pytest.approx([0.75 * x + 0.25 * y for x, y in zip(pa, pb)], abs=1e-7)


def test_the_geometric_mixture_restricted_to_the_instruct_top_2_by_hand():
    a, b = [1.0, 0.0, -1.0], [-1.0, 2.0, 0.0]
    # p ∝ p_a^(1/2)·p_b^(1/2) ∝ exp((a + b)/2) over {0, 1}: exp(0) and exp(1), renormalised.
    scores = conformative_scores(torch.tensor([a]), torch.tensor([b]), None, Chain(top_k=2), 0.5, space="log")
    assert distribution(scores) == pytest.approx([1 / (1 + math.e), math.e / (1 + math.e), 0.0], abs=1e-7)


@pytest.mark.parametrize("case", json.load(open(FIXTURE))["cases"], ids=lambda c: c["name"])
def test_the_reference_cases(case):
    chain = Chain(case["temperature"], case["top_k"], case["top_p"], case["min_p"], case["repetition_penalty"])
    vocab = len(case["instruct"])
    seen = torch.zeros(1, vocab, dtype=torch.bool)
    seen[0, case["context"]] = True
    scores = conformative_scores(torch.tensor([case["instruct"]]), torch.tensor([case["base"]]), seen, chain, case["weight"],
                                 case["space"], case["truncate_on"], case["base_temperature"])
    assert distribution(scores) == pytest.approx(case["expected"], abs=1e-6)
    if chain.greedy:
        assert int(SeededDraw([0], greedy=True)(None, scores).argmax()) == case["greedy_token"]


def test_weight_0_draws_from_what_plain_sampling_keeps():
    logits = torch.tensor([[2.0, 1.5, 0.4, -0.3, 1.1]])
    chain = Chain(temperature=0.8, top_k=4, top_p=0.9, repetition_penalty=1.2)
    starts = torch.tensor([0])
    context = torch.tensor([[1, 3]])
    plain = ChainProcessor(chain, starts)(context, logits)
    seen = context_mask(context, starts, 5)
    mixed = conformative_scores(logits, torch.tensor([[0.0, 3.0, 0.0, 0.0, 0.0]]), seen, chain, 0.0)
    assert distribution(mixed) == pytest.approx(distribution(plain), abs=1e-7)


def test_left_padding_is_not_context():
    ids = torch.tensor([[4, 4, 1, 2], [0, 1, 2, 3]])
    seen = context_mask(ids, torch.tensor([2, 0]), 5)
    assert seen.tolist() == [[False, True, True, False, False], [True, True, True, True, False]]
    assert context_mask(ids, torch.tensor([2, 0]), 5, window=1).tolist() == [[False, False, True, False, False],
                                                                            [False, False, False, True, False]]


def test_each_row_draws_with_its_own_seed_and_follows_the_distribution():
    case = json.load(open(FIXTURE))["cases"][0]
    chain = Chain(case["temperature"], case["top_k"], case["top_p"], case["min_p"], case["repetition_penalty"])
    seen = torch.zeros(1, 8, dtype=torch.bool)
    seen[0, case["context"]] = True
    scores = conformative_scores(torch.tensor([case["instruct"]]), torch.tensor([case["base"]]), seen, chain, case["weight"],
                                 case["space"], case["truncate_on"], case["base_temperature"])
    rows = scores.repeat(4000, 1)
    tokens = SeededDraw(range(4000), greedy=False)(None, rows).argmax(-1)
    again = SeededDraw([7, 3], greedy=False)(None, rows[:2]).argmax(-1)
    assert again.tolist() == [int(tokens[7]), int(tokens[3])]
    frequencies = torch.bincount(tokens, minlength=8).double() / 4000
    assert frequencies.tolist() == pytest.approx(case["expected"], abs=0.03)
    assert all(frequencies[i] == 0 for i, p in enumerate(case["expected"]) if p == 0)


def test_chosen_logprobs_keeps_each_taken_tokens_log_prob_step_by_step():
    from divtune_torch.sample import ChosenLogprobs
    torch.manual_seed(0)
    steps = [torch.randn(2, 5) for _ in range(3)]
    taken = torch.tensor([[1, 4, 0], [3, 3, 2]])
    ids = torch.tensor([[7, 7], [7, 7]])
    chosen = ChosenLogprobs()
    for t, scores in enumerate(steps):
        assert torch.equal(chosen(ids, scores), scores)
        ids = torch.cat([ids, taken[:, t:t + 1]], dim=1)
    want = torch.stack([torch.log_softmax(steps[t].double(), -1).gather(-1, taken[:, t:t + 1]).squeeze(-1)
                        for t in range(3)], dim=1)
    assert torch.allclose(chosen.finish(ids), want, rtol=0, atol=1e-12)


def test_the_sample_cache_cuts_a_torn_last_line_so_the_next_one_reads_back(tmp_path):
    from divtune_torch.sample import SampleCache
    path = tmp_path / "torch_samples.jsonl"
    cache = SampleCache(str(path), {"a": 1})
    cache.add({"prompt": "p", "first_seed": 0}, [{"text": "x"}])
    with open(path, "a") as f:
        f.write('{"key": "torn')
    resumed = SampleCache(str(path), {"a": 1})
    assert resumed.get({"prompt": "p", "first_seed": 0}) == [{"text": "x"}]
    resumed.add({"prompt": "q", "first_seed": 1000}, [{"text": "y"}])
    again = SampleCache(str(path), {"a": 1})
    assert again.get({"prompt": "q", "first_seed": 1000}) == [{"text": "y"}]
    assert path.read_text().count("\n") == 2
