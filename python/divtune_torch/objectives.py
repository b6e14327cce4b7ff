"""The objectives of docs/methods.md §4–§5 as tensor formulas: the one definition the Swift trainer
(Sources/Training/Objectives) also implements. The trainers (trainers.py) only gather the log-probs
these functions take; every loss and logged metric of a preference step is computed here."""
import math

import torch
import torch.nn.functional as F

LN2 = math.log(2.0)


def dpo_losses(chosen, rejected, ref_chosen, ref_rejected, beta, loss_type="sigmoid",
               chosen_counts=None, rejected_counts=None):
    """Per-pair DPO loss ℓ (methods.md §4.2) from summed completion log-probs of policy and reference."""
    chosen_delta, rejected_delta = chosen - ref_chosen, rejected - ref_rejected
    if loss_type == "sigmoid":
        return -F.logsigmoid(beta * (chosen_delta - rejected_delta))
    if loss_type == "hinge":
        return torch.relu(1 - beta * (chosen_delta - rejected_delta))
    if loss_type == "ipo":
        lc = chosen_counts.to(chosen.dtype).clamp(min=1)
        lr = rejected_counts.to(chosen.dtype).clamp(min=1)
        return (chosen_delta / lc - rejected_delta / lr - 1 / (2 * beta)) ** 2
    raise ValueError(f"loss_type: unknown DPO loss '{loss_type}' (sigmoid, hinge or ipo)")


def dpo_step(chosen, rejected, ref_chosen, ref_rejected, beta, loss_type="sigmoid", weights=None,
             chosen_counts=None, rejected_counts=None):
    """The batch loss (DPO, or DDPO when `weights` is given: methods.md §4.4) and the per-pair values
    behind the logged metrics (§4.5, unweighted)."""
    losses = dpo_losses(chosen, rejected, ref_chosen, ref_rejected, beta, loss_type, chosen_counts, rejected_counts)
    if weights is not None:
        losses = losses * weights.to(losses.dtype)
    loss = losses.mean()
    rewards_chosen = beta * (chosen - ref_chosen).detach()
    rewards_rejected = beta * (rejected - ref_rejected).detach()
    per_pair = {
        "rewards/chosen": rewards_chosen, "rewards/rejected": rewards_rejected,
        "rewards/accuracies": (rewards_chosen > rewards_rejected).to(chosen.dtype),
        "rewards/margins": rewards_chosen - rewards_rejected,
        "logps/chosen": chosen.detach(), "logps/rejected": rejected.detach(),
    }
    return loss, per_pair


def log1mexp(x):
    """ln(1 − eˣ) for x < 0, stably: log1p(−eˣ) below −ln 2, ln(−expm1(x)) above (methods.md §5.1)."""
    return torch.where(x < -LN2, torch.log1p(-torch.exp(x)), torch.log(-torch.expm1(x)))


def log_odds_ratio(chosen_mean, rejected_mean):
    """LOR of methods.md §5.1 from the completions' mean token log-probs ā."""
    chosen_mean, rejected_mean = chosen_mean.double(), rejected_mean.double()
    return ((chosen_mean - rejected_mean) - (log1mexp(chosen_mean) - log1mexp(rejected_mean))).to(torch.float32)


def orpo_step(chosen_mean, rejected_mean, chosen_token_logps, chosen_token_counts, beta, weights=None,
              weighting="none"):
    """ORPO (methods.md §5.1) or DORPO (§5.2 `reference`, §5.3 `per-example`).

    chosen_mean / rejected_mean: ā per pair; chosen_token_logps: per pair, the sum of log π over the
    chosen sequence's NLL tokens (prompt and completion), chosen_token_counts: their numbers.
    Returns the loss and the per-pair (or batch) values behind the logged metrics."""
    lor = log_odds_ratio(chosen_mean, rejected_mean)
    total_tokens = chosen_token_counts.sum().to(chosen_token_logps.dtype)
    if weighting == "none" or weights is None:
        ratio = F.logsigmoid(lor)
        nll = -chosen_token_logps.sum() / total_tokens
    elif weighting == "reference":
        w = weights.to(lor.dtype)
        ratio = F.logsigmoid(w * lor)
        nll = w.mean() * (-chosen_token_logps.sum() / total_tokens)
    elif weighting == "per-example":
        w = weights.to(lor.dtype)
        ratio = w * F.logsigmoid(lor)
        nll = -(w * chosen_token_logps).sum() / total_tokens
    else:
        raise ValueError(f"orpo_weighting: unknown weighting '{weighting}' (reference or per-example)")
    loss = nll - beta * ratio.mean()
    rewards_chosen, rewards_rejected = beta * chosen_mean.detach(), beta * rejected_mean.detach()
    per_pair = {
        "rewards/chosen": rewards_chosen, "rewards/rejected": rewards_rejected,
        "rewards/accuracies": (rewards_chosen > rewards_rejected).to(chosen_mean.dtype),
        "rewards/margins": rewards_chosen - rewards_rejected,
        "logps/chosen": chosen_mean.detach(), "logps/rejected": rejected_mean.detach(),
        "log_odds_ratio": F.logsigmoid(lor).detach(), "log_odds_chosen": lor.detach(),
    }
    return loss, nll, per_pair


def pair_weight(row, where):
    """A preference row's weight (methods.md §4.4, formats.md §3.4): `weight`, else `score_chosen + 1`,
    else 1; finite and ≥ 0. `where` names the file and line for the error."""
    if "weight" in row and row["weight"] is not None:
        value, field = row["weight"], "weight"
    elif "score_chosen" in row and row["score_chosen"] is not None:
        value, field = row["score_chosen"], "score_chosen"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = value + 1
    else:
        return 1.0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{where}: '{field}' must be a number, not {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{where}: the pair's weight ({field}) must be finite and ≥ 0, not {value}")
    return float(value)
