"""The formulas of docs/methods.md §4–§5 (divtune_torch.objectives) against hand-computed values."""
import math

import pytest
import torch

from divtune_torch import objectives as o


def t(*values):
    return torch.tensor(values, dtype=torch.float64)


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def test_dpo_at_the_reference_is_ln2():
    loss, per_pair = o.dpo_step(t(-5.0, -7.0), t(-6.0, -3.0), t(-5.0, -7.0), t(-6.0, -3.0), beta=0.1)
    assert loss.item() == pytest.approx(math.log(2), abs=1e-12)
    assert per_pair["rewards/accuracies"].tolist() == [0.0, 0.0]


def test_dpo_losses_by_hand():
    # Δc = -4 - (-5) = 1, Δr = -6 - (-5) = -1: z = 2; β = 0.5
    args = (t(-4.0), t(-6.0), t(-5.0), t(-5.0), 0.5)
    assert o.dpo_losses(*args).item() == pytest.approx(-math.log(sigmoid(1.0)))
    assert o.dpo_losses(*args, loss_type="hinge").item() == pytest.approx(0.0)
    # ipo with n_c = 2, n_r = 4: (1/2 - (-1)/4 - 1/(2·0.5))² = (0.75 - 1)² = 0.0625
    ipo = o.dpo_losses(*args, loss_type="ipo", chosen_counts=t(2.0), rejected_counts=t(4.0))
    assert ipo.item() == pytest.approx(0.0625)
    with pytest.raises(ValueError, match="loss_type"):
        o.dpo_losses(*args, loss_type="kto")


def test_ddpo_multiplies_each_pairs_loss_by_its_weight():
    chosen, rejected, ref_c, ref_r = t(-4.0, -2.0), t(-6.0, -1.0), t(-5.0, -2.5), t(-5.0, -1.5)
    l1 = -math.log(sigmoid(0.1 * 2.0))    # z = 1 - (-1) = 2
    l2 = -math.log(sigmoid(0.1 * 0.0))    # z = 0.5 - 0.5 = 0
    loss, per_pair = o.dpo_step(chosen, rejected, ref_c, ref_r, 0.1, weights=t(1.5, 0.0))
    assert loss.item() == pytest.approx((1.5 * l1 + 0.0 * l2) / 2)
    # logged rewards are unweighted (§4.4): β·Δ
    assert per_pair["rewards/chosen"].tolist() == pytest.approx([0.1, 0.05])
    assert per_pair["rewards/margins"].tolist() == pytest.approx([0.2, 0.0])
    assert per_pair["rewards/accuracies"].tolist() == [1.0, 0.0]


def test_log1mexp_is_stable_on_both_sides_of_minus_ln2():
    x = t(-1e-9, -0.5, -0.7, -30.0)
    expected = [math.log(-math.expm1(-1e-9)), math.log(1 - math.exp(-0.5)), math.log1p(-math.exp(-0.7)),
                math.log1p(-math.exp(-30.0))]
    assert o.log1mexp(x).tolist() == pytest.approx(expected, rel=1e-12)


def orpo_by_hand(ac, ar, beta, token_sums, token_counts, weights, weighting):
    lor = [(c - r) - (math.log(1 - math.exp(c)) - math.log(1 - math.exp(r))) for c, r in zip(ac, ar)]
    n = len(ac)
    total = sum(token_counts)
    if weighting == "none":
        ratio = [math.log(sigmoid(x)) for x in lor]
        nll = -sum(token_sums) / total
    elif weighting == "reference":
        ratio = [math.log(sigmoid(w * x)) for w, x in zip(weights, lor)]
        nll = (sum(weights) / n) * (-sum(token_sums) / total)
    else:
        ratio = [w * math.log(sigmoid(x)) for w, x in zip(weights, lor)]
        nll = -sum(w * s for w, s in zip(weights, token_sums)) / total
    return nll - beta * sum(ratio) / n, nll, lor


@pytest.mark.parametrize("weighting", ["none", "reference", "per-example"])
def test_orpo_and_dorpo_by_hand(weighting):
    ac, ar, sums, counts, w = [-1.2, -0.3], [-2.0, -0.1], [-30.0, -12.0], [20, 10], [1.5, 0.25]
    expected, nll, lor = orpo_by_hand(ac, ar, 0.25, sums, counts, w, weighting)
    loss, got_nll, per_pair = o.orpo_step(t(*ac), t(*ar), t(*sums), torch.tensor(counts), 0.25,
                                          None if weighting == "none" else t(*w), weighting)
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    assert got_nll.item() == pytest.approx(nll, rel=1e-6)
    assert per_pair["log_odds_chosen"].tolist() == pytest.approx(lor, rel=1e-6)
    # log_odds_ratio is logged unweighted (methods.md §5.4)
    assert per_pair["log_odds_ratio"].tolist() == pytest.approx([math.log(sigmoid(x)) for x in lor], rel=1e-6)


def test_dorpo_weight_zero_makes_the_odds_term_the_constant_beta_ln2():
    loss, nll, _ = o.orpo_step(t(-1.0), t(-2.0), t(-10.0), torch.tensor([5]), 0.25, t(0.0), "reference")
    assert nll.item() == 0.0
    assert loss.item() == pytest.approx(0.25 * math.log(2))


def test_pair_weight_follows_the_row_rules():
    assert o.pair_weight({"weight": 1.5, "score_chosen": 9}, "f:1") == 1.5
    assert o.pair_weight({"score_chosen": 0.25}, "f:1") == 1.25
    assert o.pair_weight({}, "f:1") == 1.0
    with pytest.raises(ValueError, match=r"data.jsonl:3: the pair's weight \(weight\) must be finite and ≥ 0"):
        o.pair_weight({"weight": -1}, "data.jsonl:3")
    with pytest.raises(ValueError, match=r"f:2: 'score_chosen' must be a number"):
        o.pair_weight({"score_chosen": "high"}, "f:2")
    with pytest.raises(ValueError, match="finite"):
        o.pair_weight({"weight": float("nan")}, "f:4")
