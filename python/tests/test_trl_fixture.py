"""DivTune's trainers against the fixture the Swift trainer is tested on (Tests/TrainingTests/Fixtures/
trl_parity.json, made by scripts/reference/trl_parity.py with TRL's own DPOTrainer and ORPOTrainer):
with every weight 1, DDPO is DPO and DORPO is ORPO, so the first batch's loss and metrics must be TRL's,
which are the Swift trainer's."""
import json
import os

import pytest
import torch
from datasets import Dataset
from peft import PeftModel
from transformers import LlamaForCausalLM
from trl import DPOConfig
from trl.experimental.orpo import ORPOConfig

from conftest import FIXTURES
from divtune_torch.trainers import DivTuneDPOTrainer, DivTuneORPOTrainer, WeightedPreferenceCollator
from trl_parity import DATA, tokenizer

FIXTURE = json.load(open(os.path.join(FIXTURES, "trl_parity.json")))


def model():
    base = LlamaForCausalLM.from_pretrained(os.path.join(FIXTURES, "trl_parity_model"), dtype=torch.float32)
    return PeftModel.from_pretrained(base, os.path.join(FIXTURES, "trl_parity_adapter"), is_trainable=True)


def first_batch_loss(trainer):
    """The loss of the first training batch and the metrics the trainer recorded for it."""
    batch = next(iter(trainer.get_train_dataloader()))
    trainer.model.train()
    loss = trainer.compute_loss(trainer.model, batch)
    return loss.item(), {k: sum(v) / len(v) for k, v in trainer._metrics["train"].items()}


@pytest.mark.parametrize("method", ["dpo", "ddpo"])
def test_dpo_and_unit_weight_ddpo_match_trl(tmp_path, method):
    tok = tokenizer()
    rows = [dict(row, weight=1.0) for row in DATA]
    args = DPOConfig(output_dir=str(tmp_path), beta=0.1, per_device_train_batch_size=2, max_steps=1, report_to=[],
                     use_cpu=True, max_length=None, seed=0)
    trainer = DivTuneDPOTrainer(model=model(), args=args, train_dataset=Dataset.from_list(rows), processing_class=tok,
                                weighted=method == "ddpo", data_collator=WeightedPreferenceCollator(pad_token_id=0))
    trainer.model.delete_adapter("ref")   # the fixture's reference is the base model
    loss, metrics = first_batch_loss(trainer)
    expected = FIXTURE["dpo"]
    assert loss == pytest.approx(expected["loss"], rel=1e-5)
    for key in ("rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies", "logps/chosen",
                "logps/rejected"):
        assert metrics[key] == pytest.approx(expected["metrics"][key], rel=1e-5, abs=1e-6), key


@pytest.mark.parametrize("weighting", ["none", "reference", "per-example"])
def test_orpo_and_unit_weight_dorpo_match_trl(tmp_path, weighting):
    tok = tokenizer()
    rows = [dict(row, weight=1.0) for row in DATA]
    args = ORPOConfig(output_dir=str(tmp_path), beta=0.1, per_device_train_batch_size=2, max_steps=1, report_to=[],
                      use_cpu=True, max_length=64, seed=0, remove_unused_columns=False)
    trainer = DivTuneORPOTrainer(model=model(), args=args, train_dataset=Dataset.from_list(rows), processing_class=tok,
                                 weighting=weighting)
    batch = next(iter(trainer.get_train_dataloader()))
    trainer.model.train()
    loss, metrics = trainer.compute_loss(trainer.model, batch, return_outputs=True)
    expected = FIXTURE["orpo"]
    assert loss.item() == pytest.approx(expected["loss"], rel=1e-5)
    for key in ("rewards/chosen", "rewards/rejected", "logps/chosen", "logps/rejected", "nll_loss", "log_odds_ratio",
                "log_odds_chosen"):
        assert metrics[key] == pytest.approx(expected["metrics"][key], rel=1e-5), key
