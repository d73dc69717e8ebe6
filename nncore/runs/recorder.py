"""Recording each job's run in the run store, without ever stopping a training.

A store that cannot be written (a full disk, a read-only folder, a locked database)
or that could not be opened at all costs the job one warning, saying that its run
is not being kept; training goes on and its results are shown. Each store
operation has its own method, so a renamed store method breaks here, loudly.

Example:

    recorder = RunRecorder(store, problem=None, lock=manager_lock)
    job.run_id = recorder.create_run(job)
    recorder.set_status(job, "running")
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from nncore.runs.view import Job

if TYPE_CHECKING:
    from nncore.runs.store import RunStore

__all__ = ["RunRecorder"]

log = logging.getLogger(__name__)

_Result = TypeVar("_Result")


class RunRecorder:
    """Writes jobs' runs to the run store; a failure becomes a warning on the job.

    Args:
        store: the run store, or None when runs are not being kept.
        problem: why there is no store, said in the job's warning. Default: None.
        lock: the lock under which jobs change (the job manager's); the recorder
            takes it to add a warning. Default: a lock of its own.

    Every method returns None, and writes nothing, when runs are not kept or the
    job has no run (its creation failed).
    """

    def __init__(
        self,
        store: RunStore | None,
        *,
        problem: str | None = None,
        lock: threading.Condition | threading.RLock | None = None,
    ):
        self.store = store
        self.problem = problem
        self._lock = lock if lock is not None else threading.RLock()

    def create_run(self, job: Job) -> str | None:
        """Record the job as a new queued run; return the run's id."""
        return self._write(
            job,
            "create",
            lambda store: store.create(
                job.spec,
                dataset=job.dataset,
                task=job.prepared.task,
                epochs_planned=job.epochs_planned,
                rows={
                    split: len(getattr(job.prepared, f"y_{split}"))
                    for split in ("train", "val", "test")
                },
            ),
            new_run=True,
        )

    def set_status(self, job: Job, status: str, *, error: str | None = None) -> None:
        """Set the run's status (and its error message)."""
        self._write(
            job, "set_status", lambda store: store.set_status(job.run_id, status, error)
        )

    def set_planned(self, job: Job) -> None:
        """Record the job's planned epochs (Continue adds some)."""
        self._write(
            job,
            "set_planned",
            lambda store: store.set_planned(job.run_id, job.epochs_planned),
        )

    def finish(
        self, job: Job, metrics: dict | None, baseline: dict | None, *, status: str
    ) -> None:
        """Record the run's final metrics and baseline, and end it with ``status``;
        with the reference models and error bars of ``job.verdict`` once the job
        has metrics."""
        verdict = job.verdict if metrics is not None else None
        reference = verdict.reference if verdict is not None else None
        self._write(
            job,
            "finish",
            lambda store: store.finish(
                job.run_id,
                metrics,
                baseline,
                status=status,
                reference=reference.metrics if reference is not None else None,
                reference_problems=reference.problems
                if reference is not None
                else None,
                metrics_ci=verdict.metrics_ci if verdict is not None else None,
            ),
        )

    def add_epochs(self, job: Job, epochs: dict[int, dict]) -> None:
        """Record epochs' logs (epoch index from 0 -> logs)."""
        self._write(
            job, "add_epochs", lambda store: store.add_epochs(job.run_id, epochs)
        )

    def model_path(self, job: Job) -> Path | None:
        """Where to save the run's model."""
        return self._write(
            job, "model_path", lambda store: store.model_path(job.run_id)
        )

    def checkpoint_path(self, job: Job) -> Path | None:
        """Where to save the run's checkpoint."""
        return self._write(
            job, "checkpoint_path", lambda store: store.checkpoint_path(job.run_id)
        )

    def _write(
        self,
        job: Job,
        operation: str,
        write: Callable[[RunStore], _Result],
        *,
        new_run: bool = False,
    ) -> _Result | None:
        """Do one store ``write``; on failure warn once on the job and go on.

        Args:
            job: the job whose run it records.
            operation: the store method, for the log.
            write: the call, given the store.
            new_run: whether it creates the run (the job has no run yet).
                Default: False.
        """
        if self.store is None:
            if self.problem:
                self._warn_once(
                    job,
                    f"This run is not being kept: {self.problem} Training works; the "
                    "run will not appear among the recorded runs.",
                )
            return None
        if not new_run and job.run_id is None:
            return None
        try:
            return write(self.store)
        except Exception as error:  # disk full, read-only folder, locked database
            log.warning("run store %s failed: %s", operation, error)
            reason = getattr(error, "reason", None) or str(error)
            self._warn_once(
                job,
                "This run is not being kept completely: the runs folder "
                f"'{self.store.folder}' could not be written ({reason}). Free some "
                "disk space or set NNSTUDIO_RUNS_DIR to a folder you can write to. "
                "Training goes on, and its results are shown here.",
            )
            return None

    def _warn_once(self, job: Job, message: str) -> None:
        """Add ``message`` unless the job already says its run is not kept."""
        with self._lock:
            if not any("not being kept" in w for w in job.warnings):
                job.warnings.append(message)
