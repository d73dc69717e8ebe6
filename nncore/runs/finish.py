"""The end of a training job: which weights are scored, the model files, the notes.

With "Keep the best model" (``train.save_best``, on by default) a job is scored
with the weights of its best epoch (lowest validation loss): its metrics, error
bars, reference verdict, saved model (``model.keras``, what Evaluate and the
default download use) all come from them, and Continue trains on from them. When
the last epoch's weights differ, they are saved beside it (``last.keras``) and
their validation metrics kept, so the Train screen can say what the end scored.
Without it, the last epoch's weights are scored, as they are.

The job manager calls these from its worker thread (``JobManager._train``).
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from nncore.core.metrics import metrics_from_outputs
from nncore.runs.recorder import RunRecorder
from nncore.runs.view import Job
from nncore.train.modelfiles import discard_file, save_model
from nncore.train.snapshots import SNAPSHOTS_FILE

__all__ = [
    "LAST_FILE",
    "LastEpoch",
    "add_end_warnings",
    "save_models",
    "use_scored_weights",
    "warn_not_saved",
]

# The last epoch's model, beside the run's model.keras when they differ.
LAST_FILE = "last.keras"


@dataclass
class LastEpoch:
    """The last epoch's weights, when the scored (best) ones differ from them.

    Attributes:
        weights: the weights, as ``model.get_weights()`` gives them.
        metrics: ``{"val": {...}}``: their validation metrics.
    """

    weights: list
    metrics: dict


def use_scored_weights(trainer) -> LastEpoch | None:
    """Give the trainer's model the weights to score (``Trainer.use_best``).

    Args:
        trainer: the ``nncore.train.trainer.Trainer`` that just trained.

    Returns:
        The last epoch's weights and validation metrics when the model now holds
        other (the best epoch's) weights; else None.
    """
    last = trainer.use_best()
    if last is None:
        return None
    prepared = trainer.prepared
    with _weights(trainer.model, last):
        outputs = trainer.predict(prepared.X_val)
    val = metrics_from_outputs(prepared.y_val, outputs, prepared.task)
    return LastEpoch(weights=last, metrics={"val": val})


def save_models(
    recorder: RunRecorder, job: Job, trainer, last: LastEpoch | None, lock
) -> tuple[Path | None, Path | None]:
    """Save the scored model (and the last epoch's, when it differs) into the run's
    folder, or a temporary one when runs are not kept.

    Any failure (a full disk shows as ``OSError``, or as h5py's or zipfile's own
    errors) warns on the job and leaves the trained model in memory: the job still
    ends normally.

    Returns:
        ``(model file, last epoch's file)``, each None when not saved.
    """
    model_file = recorder.model_path(job) if job.run_id is not None else None
    if model_file is None:  # no run store: keep the model for downloads anyway
        model_file = Path(tempfile.mkdtemp(prefix="nnstudio-")) / "model.keras"
    model_file = Path(model_file)
    last_file = model_file.with_name(LAST_FILE)
    discard_file(last_file)  # an older segment's: it would not match any more
    try:
        save_model(trainer.model, model_file)
    except Exception as error:
        warn_not_saved(job, error, lock)
        return None, None
    try:
        job.snapshots.save(model_file.with_name(SNAPSHOTS_FILE))
    except Exception as error:  # the time machine of this run is not kept
        warn_not_saved(job, error, lock, what="weights of each epoch")
    if last is None:
        return model_file, None
    try:
        with _weights(trainer.model, last.weights):
            save_model(trainer.model, last_file)
    except Exception as error:
        discard_file(last_file)
        warn_not_saved(job, error, lock, what="last epoch's model")
        return model_file, None
    return model_file, last_file


def warn_not_saved(
    job: Job, error: Exception, lock: threading.Condition, *, what: str = "model"
) -> None:
    """Warn (once) on the job that its ``what`` could not be saved, and why."""
    reason = getattr(error, "strerror", None) or str(error)
    with lock:
        head = f"The {what} could not be saved"
        if any(w.startswith(head) for w in job.warnings):
            return
        job.warnings.append(
            f"The {what} could not be saved ({reason}). Free some disk space or "
            "set NNSTUDIO_RUNS_DIR to a folder you can write to."
        )


def add_end_warnings(job: Job, metrics: dict, ending: str) -> None:
    """Add what the user should know about the ended fit (under the manager's
    lock): the verdict's warnings, missing metrics, an early stop."""
    from nncore.train.trainer import metric_warnings

    if job.verdict is not None:
        job.warnings.extend(w for w in job.verdict.warnings if w not in job.warnings)
    for warning in metric_warnings(metrics):
        if warning not in job.warnings and ending != "nan":
            job.warnings.append(warning)
    if ending == "early_stopping" and job.best_epoch:
        stopping = job.spec["train"]["early_stopping"]
        job.warnings.append(
            f"Early stopping ended training after epoch {job.epochs_done}: "
            "the validation loss had not improved for "
            f"{stopping['patience']} epochs"
            + (
                f"; the weights of the best epoch ({job.best_epoch}) were kept."
                if stopping["restore_best"] or job.scored_epoch == job.best_epoch
                else "."
            )
        )


@contextlib.contextmanager
def _weights(model, weights: list) -> Iterator[None]:
    """Lend ``model`` other ``weights`` for the block; its own come back after."""
    own = model.get_weights()
    model.set_weights(weights)
    try:
        yield
    finally:
        model.set_weights(own)
