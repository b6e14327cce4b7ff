"""Checkpoints that are complete or absent (docs/scale-out.md): every rank writes a checkpoint into a
staging folder, and only when all ranks have finished does the main process rename it to
`checkpoint-N`. A rank that dies mid-save leaves the staging folder, which the next start removes."""
import glob
import os
import re
import shutil

from transformers import TrainerCallback

STAGING = ".staging-checkpoint"


def checkpoint_step(path):
    match = re.fullmatch(r"checkpoint-(\d+)", os.path.basename(os.path.normpath(path)))
    return int(match.group(1)) if match else None


def last_checkpoint(output):
    steps = [(checkpoint_step(p), p) for p in glob.glob(os.path.join(output, "checkpoint-*"))]
    steps = [(s, p) for s, p in steps if s is not None and os.path.exists(os.path.join(p, "trainer_state.json"))]
    return max(steps)[1] if steps else None


def remove_staging(output):
    """What an interrupted save left (its staging folder) is removed before a run starts or resumes."""
    shutil.rmtree(os.path.join(output, STAGING), ignore_errors=True)
    # A swap caught between its two renames: the old folder goes back if the new one never arrived.
    for old in glob.glob(os.path.join(output, ".checkpoint-*.old-*")):
        final = os.path.join(output, os.path.basename(old)[1:].rsplit(".old-", 1)[0])
        if os.path.exists(final):
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(old, final)


class AtomicCheckpoints:
    """Mixin for an HF Trainer: `_save_checkpoint` writes under OUTPUT/.staging-checkpoint and renames."""

    def _save_checkpoint(self, model, trial):
        output = self.args.output_dir
        staging = os.path.join(output, STAGING)
        self.args.output_dir = staging
        try:
            super()._save_checkpoint(model, trial)
        finally:
            self.args.output_dir = output
        self.accelerator.wait_for_everyone()
        if self.args.should_save:
            name = f"checkpoint-{self.state.global_step}"
            final, old = os.path.join(output, name), os.path.join(output, f".{name}.old-{os.getpid()}")
            if os.path.exists(final):
                os.replace(final, old)
            os.replace(os.path.join(staging, name), final)
            shutil.rmtree(old, ignore_errors=True)
            shutil.rmtree(staging, ignore_errors=True)
        self.accelerator.wait_for_everyone()


class SaveAtEnd(TrainerCallback):
    """The last step is always checkpointed (as the Swift trainer does), whatever --save-every says."""

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step >= state.max_steps:
            control.should_save = True
        return control
