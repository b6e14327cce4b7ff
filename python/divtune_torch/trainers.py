"""TRL trainer subclasses whose losses and logged metrics are DivTune's objectives (objectives.py,
docs/methods.md §4–§5). TRL keeps what it already does as the Swift trainer does it: tokenization
(docs/formats.md §3.7), batching, the optimizer loop, DDP/DeepSpeed/FSDP. Each subclass replaces the
loss with one forward pass whose per-token log-probs feed the shared formulas."""
import torch
import torch.nn.functional as F
from trl import DPOTrainer
from trl.experimental.orpo import ORPOTrainer
from trl.trainer.dpo_trainer import DataCollatorForPreference
from trl.trainer.utils import use_adapter

from . import objectives


def token_logps(logits, labels):
    """log softmax(logits_t)[label_{t+1}] for every position, 0 where the label is -100."""
    logits, labels = logits[:, :-1, :].float(), labels[:, 1:]
    mask = labels != -100
    picked = torch.gather(F.log_softmax(logits, dim=-1), 2, labels.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return picked * mask, mask


class WeightedPreferenceCollator(DataCollatorForPreference):
    """TRL's preference collator, plus each pair's `weight` (methods.md §4.4) as a tensor."""

    def torch_call(self, examples):
        output = super().torch_call(examples)
        output["weight"] = torch.tensor([float(e.get("weight", 1.0)) for e in examples], dtype=torch.float32)
        return output


class MetricsMixin:
    """Per-step metrics as DivTune logs them: each pair's value gathered over the ranks, then the mean."""

    def _record(self, mode, per_pair, extra=None):
        for key, values in per_pair.items():
            self._metrics[mode][key].append(self.accelerator.gather(values.float()).mean().item())
        for key, value in (extra or {}).items():
            self._metrics[mode][key].append(self.accelerator.gather(value.detach().float().reshape(1)).mean().item())


class DivTuneDPOTrainer(MetricsMixin, DPOTrainer):
    """DPO (`weighted=False`) and DDPO (`weighted=True`): methods.md §4. The reference is the `ref`
    adapter when the model has one (the starting adapter or --reference-adapter), else the base
    model with adapters disabled (§4.3)."""

    def __init__(self, *args, weighted=False, **kwargs):
        self.weighted = weighted
        super().__init__(*args, **kwargs)

    def _set_signature_columns_if_needed(self):
        super()._set_signature_columns_if_needed()
        if "weight" not in self._signature_columns:
            self._signature_columns.append("weight")

    def _sequence_logps(self, model, inputs):
        labels = inputs["input_ids"].masked_fill(inputs["completion_mask"] == 0, -100)
        outputs = model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"], use_cache=False)
        per_token, mask = token_logps(outputs.logits, labels)
        return per_token.sum(dim=1), mask.sum(dim=1)

    def _reference_logps(self, model, inputs):
        unwrapped = self.accelerator.unwrap_model(model)
        adapter = "ref" if "ref" in getattr(unwrapped, "peft_config", {}) else None
        with torch.no_grad(), use_adapter(unwrapped, adapter_name=adapter):
            sums, _ = self._sequence_logps(unwrapped, inputs)
        return sums

    def _compute_loss(self, model, inputs, return_outputs):
        mode = "train" if self.model.training else "eval"
        sums, counts = self._sequence_logps(model, inputs)
        if "ref_chosen_logps" in inputs:
            ref = torch.cat([inputs["ref_chosen_logps"], inputs["ref_rejected_logps"]]).to(sums.device)
        else:
            ref = self._reference_logps(model, inputs).to(sums.device)
        chosen, rejected = sums.chunk(2)
        ref_chosen, ref_rejected = ref.chunk(2)
        chosen_counts, rejected_counts = counts.chunk(2)
        weights = inputs["weight"].to(sums.device) if self.weighted else None
        loss, per_pair = objectives.dpo_step(chosen, rejected, ref_chosen, ref_rejected, self.beta,
                                             self.loss_types[0],
                                             weights, chosen_counts, rejected_counts)
        self._record(mode, per_pair)
        return (loss, {}) if return_outputs else loss


class DivTuneORPOTrainer(ORPOTrainer):
    """ORPO (`weighting="none"`) and DORPO (`reference` or `per-example`): methods.md §5."""

    def __init__(self, *args, weighting="none", **kwargs):
        self.weighting = weighting
        super().__init__(*args, **kwargs)

    def get_batch_loss_metrics(self, model, batch, train_eval="train"):
        batch_inputs = self.concatenated_inputs(batch, padding_value=self.padding_value, device=self.accelerator.device)
        n = batch["chosen_labels"].shape[0]
        outputs = model(batch_inputs["concatenated_input_ids"], attention_mask=batch_inputs["concatenated_attention_mask"],
                        use_cache=False)
        # ā: mean log-prob of the completion tokens (labels -100 on the prompt and padding).
        completion, completion_mask = token_logps(outputs.logits, batch_inputs["concatenated_labels"])
        means = completion.sum(dim=1) / completion_mask.sum(dim=1)
        # NLL: every real token of the chosen rows, prompt included (TRL's choice, methods.md §5.1).
        sequence_labels = batch_inputs["concatenated_input_ids"].masked_fill(
            batch_inputs["concatenated_attention_mask"] == 0, -100)
        sequence, sequence_mask = token_logps(outputs.logits[:n], sequence_labels[:n])
        weights = None
        if self.weighting != "none":
            weights = torch.tensor([float(w) for w in batch["weight"]], device=means.device)
        loss, nll, per_pair = objectives.orpo_step(means[:n], means[n:], sequence.sum(dim=1), sequence_mask.sum(dim=1),
                                                   self.beta, weights, self.weighting)
        prefix = "eval_" if train_eval == "eval" else ""
        metrics = {prefix + key: self.accelerator.gather_for_metrics(value).float().mean().item()
                   for key, value in per_pair.items()}
        metrics[prefix + "nll_loss"] = self.accelerator.gather_for_metrics(nll.detach().reshape(1)).mean().item()
        return loss, metrics
