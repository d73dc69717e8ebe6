"""The live-progress Keras callback of a training job.

It copies each epoch's logs into the job, redraws the decision boundary and re-runs
the training doctor every ``REFRESH_SECONDS``, and every
``JobManager.checkpoint_seconds`` saves a checkpoint (in a thread of its own:
``CheckpointWriter``) and records the epochs since the last one in the run store.
It talks to the job only through the manager's public reporting methods
(``Reporter``: ``report_epoch``, ``report_live``, ``record_epochs`` …), which take
the manager's lock themselves.

This module imports Keras: the manager imports it only when a job trains.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import keras

from nncore.runs.boundary import boundary_grid
from nncore.runs.checkpoint import write_checkpoint
from nncore.train.doctor import diagnose
from nncore.train.health import HealthWatch, health_findings

if TYPE_CHECKING:
    from nncore.runs.view import Job

__all__ = ["REFRESH_SECONDS", "CheckpointWriter", "Progress", "Reporter"]

# Seconds between refreshes of the decision boundary and the live diagnosis.
REFRESH_SECONDS = 0.3


class Reporter(Protocol):
    """What ``Progress`` reports to: ``nncore.runs.manager.JobManager`` is one."""

    checkpoint_seconds: float

    def report_epoch(self, job_id: str, epoch: int, logs: dict[str, float]) -> None:
        """Add an epoch's logs to the job."""

    def history(self, job_id: str) -> dict[str, list[float]]:
        """A copy of the job's history so far."""

    def report_live(
        self, job_id: str, *, findings: list, boundary: dict | None = None
    ) -> None:
        """Show the doctor's findings and the decision boundary."""

    def report_save_problem(
        self, job_id: str, error: Exception, *, what: str = "model"
    ) -> None:
        """Warn that something could not be saved."""

    def checkpoint_path(self, job_id: str) -> Path | None:
        """Where to save the job's checkpoint, or None."""

    def record_epochs(self, job_id: str, epochs: dict[int, dict]) -> None:
        """Record epochs' logs in the job's run."""


class Progress(keras.callbacks.Callback):
    """Reports a job's epochs, live diagnosis, boundary and checkpoints.

    It only reads logs (``chunk_safe``), so the fast loop may run several epochs per
    compiled call. Checkpoint first, then the epochs since the last one, so the
    recorded epochs never run ahead of the checkpoint.

    Args:
        manager: the job manager to report to (a ``Reporter``).
        job: the job being trained; its trainer must be built. The callback keeps
            what it needs of it and never changes it itself.

    Example:

        progress = Progress(manager, job)
        ending = trainer.fit(epochs, [progress], stop_flag)
        progress.flush(final=True)
    """

    chunk_safe = True
    # The fast loop hands over each epoch's weights (``take_snapshot``).
    takes_snapshots = True

    def __init__(self, manager: Reporter, job: Job):
        super().__init__()
        self.manager = manager
        self.job_id = job.job_id
        self.run_id = job.run_id
        self.prepared = job.prepared
        self.baseline = job.baseline
        self.trainer = job.trainer
        self.first_epoch = job.epochs_done
        self.grid = boundary_grid(job.prepared)
        self.pending: dict[int, dict] = {}
        self.last_refresh = 0.0
        self.last_checkpoint = time.monotonic()
        self.start_iterations: int | None = None
        self.began: float | None = None  # time.monotonic() at the training's start
        self.start_epoch = self.trainer.epochs_done
        self.writer = CheckpointWriter(manager, job.job_id)
        self.snapshots = job.snapshots
        self.takes_snapshots = job.live_view
        # The layers' health, probed beside the loop at the screen's pace.
        self.health = (
            HealthWatch(job.prepared, log=job.health) if job.live_view else None
        )

    def take_snapshot(self, epoch, weights):
        """Keep the weights after ``epoch`` (0-based) for the time machine."""
        self.snapshots.add(epoch + 1, weights)

    def on_train_begin(self, logs=None):
        self.began = time.monotonic()
        self.start_iterations = int(self.model.optimizer.iterations.numpy())
        if self.takes_snapshots:
            self.snapshots.add(self.start_epoch, self.model.get_weights())
        if self.health is not None:
            self.health.record(self.model, self.start_epoch, force=True)
        if self.grid is not None:
            self._refresh(self.first_epoch, probe=False)  # probed just above

    def on_epoch_end(self, epoch, logs=None):
        logs = {k: float(v) for k, v in (logs or {}).items()}
        self.pending[epoch] = logs
        self.manager.report_epoch(self.job_id, epoch, logs)
        now = time.monotonic()
        if now - self.last_refresh >= REFRESH_SECONDS:
            self._refresh(epoch + 1)
        if now - self.last_checkpoint >= self.manager.checkpoint_seconds:
            self._checkpoint(epoch)

    def flush(self, *, final: bool = False) -> None:
        """Record the epochs not recorded yet; at the end, draw the boundary of
        the weights the model holds (the best epoch's, when those are scored).

        Waits first for a checkpoint being written, which records its epochs."""
        self.writer.wait()
        self.pending.update(self.writer.take_back())
        if self.pending:
            self.manager.record_epochs(self.job_id, dict(self.pending))
            self.pending.clear()
        if final and self.health is not None:
            self._last_probes()
        if final and self.grid is not None:
            self._refresh(self.trainer.weights_epoch, probe=False)

    def _last_probes(self) -> None:
        """The layers' health of the network kept (the best epoch's, when those
        are scored), then of the snapshots in the widest gaps: one, and more in
        what is left of the health's share of this training's time. A short
        training is over before the live view probes more than once or twice."""
        self.health.record(self.model, self.trainer.weights_epoch, force=True)
        if self.takes_snapshots and self.began is not None:
            took = time.monotonic() - self.began
            self.health.fill_in(
                self.model,
                self.snapshots.view(),
                after=self.start_epoch,
                budget=self.health.share * took - self.health.spent,
            )

    def _refresh(self, epoch: int, *, probe: bool = True) -> None:
        self.last_refresh = time.monotonic()
        history = self.manager.history(self.job_id)
        findings = (
            diagnose(
                history,
                baseline=self.baseline,
                task=self.prepared.task,
                class_weight=self.trainer.spec["train"].get("class_weight", "none"),
                spec=self.trainer.spec,
            )
            if history
            else []
        )
        if self.health is not None:
            if probe:
                # The epoch the weights are at: in a chunk, past the logs handed
                # over.
                steps = int(self.model.optimizer.iterations.numpy())
                done = steps - self.start_iterations
                at = self.start_epoch + done // max(self.trainer.steps_per_epoch, 1)
                self.health.record(self.model, at)
            findings += health_findings(self.health.log, self.trainer.spec)
        boundary = (
            self.grid.boundary(self.trainer.predict, epoch)
            if self.grid is not None
            else None
        )
        self.manager.report_live(self.job_id, findings=findings, boundary=boundary)

    def _at_epoch_end(self, epoch: int) -> bool:
        """Whether the model's weights are those at the end of ``epoch``.

        With several epochs per compiled call, the logs of a chunk's epochs are
        handed over after the chunk: only its last epoch matches the weights.
        """
        done = int(self.model.optimizer.iterations.numpy()) - self.start_iterations
        return done == (epoch + 1 - self.start_epoch) * self.trainer.steps_per_epoch

    def _checkpoint(self, epoch: int) -> None:
        if self.run_id is None:  # runs are not being kept
            return
        if not self._at_epoch_end(epoch) or self.writer.busy():
            return
        self.last_checkpoint = time.monotonic()
        path = self.manager.checkpoint_path(self.job_id)
        if path is None:
            return
        # The epochs up to here are recorded once their checkpoint is written.
        epochs, self.pending = self.pending, {}
        self.writer.write(self.model, path, epoch + 1, epochs)


class CheckpointWriter:
    """Writes a running job's checkpoints in a thread of its own, so training
    does not wait for the file.

    At a checkpoint the training thread copies the model's state (weights, the
    optimiser's variables, the random generators' states: a fraction of a
    millisecond for a small network) into a copy of the model made at the first
    checkpoint; the thread saves that copy, then records the epochs it covers, so
    the recorded epochs never run ahead of the checkpoint. A checkpoint that
    comes while the last one is still being written is skipped.

    Args:
        manager: the job manager to report to (a ``Reporter``).
        job_id: the job.
    """

    def __init__(self, manager: Reporter, job_id: str):
        self.manager = manager
        self.job_id = job_id
        self.copy = None
        self.thread: threading.Thread | None = None
        self.unrecorded: dict[int, dict] = {}  # of checkpoints that failed

    def busy(self) -> bool:
        """Whether a checkpoint is being written."""
        return self.thread is not None and self.thread.is_alive()

    def write(self, model, path: Path, epochs: int, recorded: dict) -> None:
        """Copy ``model``'s state now; save it at ``path`` after ``epochs``
        epochs and then record ``recorded`` (epoch -> logs), in the thread."""
        try:
            if self.copy is None:
                self.copy = _copy_of(model)
            _copy_state(model, self.copy)
        except Exception as error:  # out of memory: training goes on without
            self.manager.report_save_problem(self.job_id, error, what="checkpoint")
            self.unrecorded.update(recorded)
            return
        self.thread = threading.Thread(
            target=self._save,
            args=(path, epochs, recorded),
            name=f"nnstudio-checkpoint-{self.job_id}",
            daemon=True,
        )
        self.thread.start()

    def wait(self) -> None:
        """Wait until the checkpoint being written (if any) is written."""
        if self.thread is not None:
            self.thread.join()

    def take_back(self) -> dict[int, dict]:
        """The epochs of checkpoints that failed, left to record (after
        ``wait``)."""
        epochs, self.unrecorded = self.unrecorded, {}
        return epochs

    def _save(self, path: Path, epochs: int, recorded: dict) -> None:
        try:
            write_checkpoint(self.copy, path, epochs=epochs)
        except Exception as error:  # a full disk: training goes on without
            self.manager.report_save_problem(self.job_id, error, what="checkpoint")
            self.unrecorded.update(recorded)  # recorded with the last epochs
            return
        self.manager.record_epochs(self.job_id, recorded)


def _copy_of(model):
    """A compiled copy of ``model`` with its own variables (optimiser built)."""
    copy = keras.models.clone_model(model)
    copy.compile_from_config(model.get_compile_config())
    copy.optimizer.build(copy.trainable_variables)
    return copy


def _copy_state(model, copy) -> None:
    for pairs in (
        (model.variables, copy.variables),
        (model.optimizer.variables, copy.optimizer.variables),
    ):
        for source, target in zip(*pairs, strict=True):
            target.assign(source.value)


class Pace(keras.callbacks.Callback):
    """Slows a training down to at least ``seconds`` in all, for the demos.

    A warm demo trains in a second or two, too fast for a class to watch the curves
    grow; each epoch waits for its share of ``seconds`` (in short sleeps, so Stop
    still acts at once). Not ``chunk_safe``: every epoch is reported as it ends.

    Args:
        seconds: the least time the whole training takes.
        epochs: the epochs planned.
        stop_flag: the job's stop flag; a set flag ends the waiting.
    """

    def __init__(self, seconds: float, epochs: int, stop_flag=None):
        super().__init__()
        self.step = seconds / max(epochs, 1)
        self.stop_flag = stop_flag
        self.due = None

    def on_epoch_end(self, epoch, logs=None):
        now = time.monotonic()
        self.due = (self.due or now) + self.step
        while now < self.due and not (self.stop_flag and self.stop_flag.is_set()):
            time.sleep(min(self.due - now, 0.05))
            now = time.monotonic()
