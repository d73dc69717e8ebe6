"""Checkpoints of a running job, and resuming from one.

Every few seconds the job manager saves the model being trained as the run's
``checkpoint.keras`` with a note beside it (``checkpoint.json``: the epochs
completed and the states of the model's random generators). A run that was
training when the server died resumes from it (``JobManager.resume``).

Example:

    write_checkpoint(model, store.checkpoint_path(run_id), epochs=7)
    point = ResumePoint.read(checkpoint, recorded=8)   # ResumePoint(path, epoch=7)
    model = load_checkpoint(point)
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nncore.train.modelfiles import discard_file, read_model, save_model

__all__ = [
    "ResumePoint",
    "load_checkpoint",
    "note_path",
    "restore_seed_states",
    "seed_states",
    "write_checkpoint",
]


@dataclass(frozen=True)
class ResumePoint:
    """Where an interrupted run resumes.

    Attributes:
        path: the checkpoint file (``.keras``).
        epoch: the epochs completed at the checkpoint.
    """

    path: Path
    epoch: int

    @classmethod
    def read(cls, checkpoint: Path | str, recorded: int) -> ResumePoint:
        """The resume point of ``checkpoint``, from the note beside it.

        Args:
            checkpoint: the checkpoint file.
            recorded: the epochs the run store recorded; they may run ahead of
                the checkpoint, and stand in for a missing or unreadable note.
        """
        try:
            note = json.loads(note_path(checkpoint).read_text(encoding="utf-8"))
            epoch = min(int(note["epochs"]), recorded)
        except (OSError, ValueError, KeyError, TypeError):
            epoch = recorded
        return cls(Path(checkpoint), epoch)


def note_path(checkpoint: Path | str) -> Path:
    """The file next to a checkpoint that says after how many epochs it was taken."""
    return Path(checkpoint).with_suffix(".json")


def write_checkpoint(model, path: Path | str, *, epochs: int) -> None:
    """Save a checkpoint of ``model`` after ``epochs`` epochs, and its note.

    A crash or a full disk mid-save leaves the previous checkpoint whole: each file
    is written beside its place, then renamed over it.

    Raises:
        Exception: whatever the save raised (e.g. ``OSError`` on a full disk); the
            partly written files are deleted first.
    """
    path = Path(path)
    note = {"epochs": epochs, "seed_states": seed_states(model)}
    note_file = note_path(path)
    partial = path.with_name(f"{path.stem}.partial{path.suffix}")
    partial_note = note_file.with_name(f"{note_file.name}.partial")
    try:
        save_model(model, partial)
        partial_note.write_text(json.dumps(note), encoding="utf-8")
        os.replace(partial, path)
        os.replace(partial_note, note_file)
    except BaseException:
        discard_file(partial)
        discard_file(partial_note)
        raise


def load_checkpoint(point: ResumePoint):
    """The model saved at ``point`` (safe mode), its random generators restored."""
    model = read_model(point.path)
    restore_seed_states(model, point.path)
    return model


def seed_states(model) -> list:
    """The states of the model's random generators (dropout masks), in order.

    A saved model does not keep them, so a run resumed from a checkpoint would draw
    the dropout masks of epoch 1 again and end up elsewhere than the same run
    trained without a break.
    """
    return [
        np.asarray(variable.numpy()).tolist()
        for variable in model.variables
        if variable.path.endswith("seed_generator_state")
    ]


def restore_seed_states(model, checkpoint: Path | str) -> None:
    """Give a model loaded from a checkpoint its random generators' states back."""
    try:
        note = json.loads(note_path(checkpoint).read_text(encoding="utf-8"))
        states = note["seed_states"]
    except (OSError, ValueError, KeyError, TypeError):
        return  # an older checkpoint: the masks start over
    variables = [
        variable
        for variable in model.variables
        if variable.path.endswith("seed_generator_state")
    ]
    if len(variables) == len(states):
        for variable, state in zip(variables, states, strict=True):
            variable.assign(np.asarray(state, dtype=variable.dtype))
