"""The job manager: training runs in a background worker thread, one at a time.

Streamlit reruns a page on every click, so a page cannot call ``fit`` itself. It
hands the experiment and the prepared data to the process-wide ``JobManager``
(the app keeps one with ``st.cache_resource``) and polls ``view(job_id)``, a plain
snapshot, to draw the live curves. The worker thread never touches Streamlit: it
writes progress into the job under a lock, records each run in the run store
(``nncore.runs.store``) and checkpoints it every few seconds, so a run survives a reload,
a closed tab, and (as "interrupted", resumable) a dead server.

Keras and TensorFlow keep process-wide state (seeds, thread pools), so jobs run one
at a time; the others wait in a queue and their ``JobView.queue_position`` says
where they are.

Example:

    manager = JobManager()
    job_id = manager.submit(spec, prepared, owner="session-1")
    manager.view(job_id).message   # "Epoch 3 of 20 · batch 12 of 40"
    manager.stop(job_id)           # takes effect within one batch
    manager.continue_(job_id, epochs=10)
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import math
import os
import tempfile
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nncore.core import limits
from nncore.core.errors import DataError
from nncore.data.prepare import PreparedData

__all__ = ["JobError", "JobManager", "JobView", "QueueFullError", "TaskContext"]

log = logging.getLogger(__name__)

STATUSES = ("queued", "running", "finished", "stopped", "failed")
# Seconds between checkpoints (model + recorded epochs) of a running job; the
# environment variable overrides it (tests use a short interval).
CHECKPOINT_SECONDS = 5.0
CHECKPOINT_ENV = "NNSTUDIO_CHECKPOINT_SECONDS"
# Seconds between refreshes of the decision boundary and the live diagnosis.
REFRESH_SECONDS = 0.3
# The decision boundary's grid has this many points per side.
GRID_SIZE = 60
# At most this many training rows are drawn on the decision boundary.
MAX_POINTS = 1000


class JobError(DataError):
    """A request the job manager cannot carry out; the message says what to do."""


class QueueFullError(JobError, limits.LimitError):
    """The owner already has as many unfinished jobs as ``NNSTUDIO_MAX_QUEUED``."""


@dataclass(frozen=True)
class JobView:
    """A snapshot of one job, plain data only: safe to read from any thread.

    Attributes:
        job_id: the job's id.
        owner: who submitted it (the app uses a per-session id).
        run_id: its run in the run store (None when the store is unavailable).
        status: ``"queued"``, ``"running"``, ``"finished"``, ``"stopped"`` or
            ``"failed"``.
        queue_position: 1 for the next job to start, while queued; else None.
        queue_length: jobs waiting in the queue now.
        spec: the experiment being trained.
        dataset: the data source, e.g. ``"builtin:iris"``.
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        classes: class labels (None for regression).
        feature_names: the network's input names.
        epochs_planned: epochs to train in all (continues included).
        epochs_done: epochs completed.
        batch: batches done in the current epoch.
        batches_per_epoch: batches in one epoch.
        n_train: training rows.
        history: metric name -> one float per completed epoch (NaN kept).
        elapsed_s: seconds spent training.
        samples_per_second: training rows processed per second (None before the
            first epoch).
        eta_s: estimated seconds left (None while unknown).
        best_epoch: 1-based epoch with the lowest validation loss, or None.
        findings: the training doctor's findings (``nncore.train.doctor.Finding``).
        metrics: ``{"val": {...}, "test": {...}}`` once the job ended, else None.
        baseline: the naive predictor's test metrics (what the run store keeps).
        baseline_val: the naive predictor's validation metrics, to show beside
            the validation metrics.
        warnings: what the user should know, in plain words.
        error: what went wrong (failed jobs), and what to do.
        message: one line for people about where the job is.
        boundary: the decision boundary for data with two inputs, else None (see
            ``JobManager`` for its layout).
        can_continue: whether ``continue_`` can train it further.
        can_stop: whether ``stop`` has something to stop.
        ending: why the last fit ended (``nncore.train.trainer.ENDINGS``) or None.
        updated: a counter that changes whenever the job changes.
        kind: ``"train"``, or the kind a ``submit_task`` job was given (e.g.
            ``"tune"``).
        progress: what a task job published (``TaskContext.publish``); for a
            finished task, its return value is under ``"result"``.
    """

    job_id: str
    owner: str
    run_id: str | None
    status: str
    queue_position: int | None
    queue_length: int
    spec: dict
    dataset: str
    task: str
    classes: list[str] | None
    feature_names: list[str]
    epochs_planned: int
    epochs_done: int
    batch: int
    batches_per_epoch: int
    n_train: int
    history: dict[str, list[float]]
    elapsed_s: float
    samples_per_second: float | None
    eta_s: float | None
    best_epoch: int | None
    findings: list
    metrics: dict | None
    baseline: dict | None
    warnings: list[str]
    error: str | None
    message: str
    boundary: dict | None
    can_continue: bool
    can_stop: bool
    ending: str | None
    updated: int
    kind: str = "train"
    progress: dict = field(default_factory=dict)
    baseline_val: dict | None = None


@dataclass
class _Job:
    job_id: str
    owner: str
    spec: dict
    prepared: PreparedData
    dataset: str
    epochs_planned: int
    baseline: dict
    run_id: str | None = None
    status: str = "queued"
    history: dict[str, list[float]] = field(default_factory=dict)
    epochs_done: int = 0
    elapsed_s: float = 0.0
    segment_start: float | None = None
    segment_epochs: int = 0
    findings: list = field(default_factory=list)
    metrics: dict | None = None
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    ending: str | None = None
    boundary: dict | None = None
    best_epoch: int | None = None
    trainer: Any = None
    stop_flag: Any = None
    model_file: Path | None = None
    best_file: Path | None = None
    forgotten: bool = False
    updated: int = 0
    baseline_val: dict | None = None
    kind: str = "train"
    work: Any = None  # a task job's function
    progress: dict = field(default_factory=dict)


class TaskContext:
    """What a ``submit_task`` function gets to talk to the job manager.

    Attributes:
        stop_flag: a ``nncore.train.fastfit.StopFlag``, set when the user presses Stop;
            pass it to ``fit_fast`` / ``Trainer.fit`` so a fit stops within a batch.
        store: the run store, or None when runs are not being kept.
        owner: who submitted the job.
    """

    def __init__(self, manager: JobManager, job: _Job):
        self._manager = manager
        self._job = job
        self.stop_flag = job.stop_flag
        self.store = manager.store
        self.owner = job.owner

    @property
    def stop_requested(self) -> bool:
        """Whether the user asked the job to stop."""
        return self.stop_flag.is_set()

    def publish(self, **fields: Any) -> None:
        """Merge ``fields`` (plain data) into the job's ``progress`` for the UI."""
        with self._manager._lock:
            self._job.progress.update(fields)
            self._manager._touch(self._job)

    def warn(self, message: str) -> None:
        """Add a plain-language warning to the job."""
        with self._manager._lock:
            if message not in self._job.warnings:
                self._job.warnings.append(message)
            self._manager._touch(self._job)


class JobManager:
    """Owns the queue and the worker thread that trains jobs one at a time.

    Args:
        store: the run store recording every run, or the runs folder to open one
            in; None opens the default one (``$NNSTUDIO_RUNS_DIR`` or
            ``./nnstudio-runs``). When the store cannot be opened or written (a
            read-only folder, a full disk), training still works and each job
            carries a warning saying that its run is not being kept.
            Default: None.
        max_active_per_owner: how many jobs one owner may have queued or running;
            None reads ``NNSTUDIO_MAX_QUEUED`` at each submission
            (``nncore.core.limits``). Default: None.
        checkpoint_seconds: seconds between checkpoints of a running job.
            Default: 5.

    The server's resource limits (``nncore.core.limits``: parameters per network, rows ×
    epochs per training, unfinished jobs per owner) are checked when a job is
    submitted, continued or resumed; a request over one raises ``LimitError``.

    On creation it marks the runs that a dead process left running as
    ``"interrupted"`` (``RunStore.mark_interrupted``); ``resume`` continues one.

    The boundary (``JobView.boundary``) for data with exactly two inputs is a dict:
    ``x`` and ``y`` (grid coordinates, ``GRID_SIZE`` each), ``z`` (rows of ``x``
    values per ``y``: probability of ``classes[1]`` for binary, predicted class
    index for multiclass, predicted value for regression), ``kind``
    (``"probability"``, ``"class"`` or ``"value"``), ``points`` (``x``, ``y``,
    ``label`` of up to ``MAX_POINTS`` training rows, in the scaled input space),
    ``feature_names``, ``classes`` and ``epoch``.
    """

    def __init__(
        self,
        store: Any = None,
        max_active_per_owner: int | None = None,
        checkpoint_seconds: float | None = None,
    ):
        if checkpoint_seconds is None:
            checkpoint_seconds = float(
                os.environ.get(CHECKPOINT_ENV) or CHECKPOINT_SECONDS
            )
        self._lock = threading.Condition()
        self._jobs: dict[str, _Job] = {}
        self._queue: deque[str] = deque()
        self._thread: threading.Thread | None = None
        self._closed = False
        self.max_active_per_owner = max_active_per_owner
        self.checkpoint_seconds = checkpoint_seconds
        self.store_problem: str | None = None
        self.store = store
        if store is None or isinstance(store, str | os.PathLike):
            from nncore.runs.store import RunStore

            try:
                self.store = RunStore(store)
            except DataError as error:
                self.store = None
                self.store_problem = str(error)
        # Stop the worker cleanly when the process exits: a daemon thread killed
        # inside TensorFlow at interpreter shutdown aborts the process.
        atexit.register(self.shutdown, 10.0)
        self.interrupted: list[str] = []
        if self.store is not None:
            try:
                self.interrupted = self.store.mark_interrupted()
            except DataError as error:
                self.store_problem = str(error)
                self.store = None

    # Submitting and controlling jobs (any thread).

    def submit(
        self,
        spec: dict,
        prepared: PreparedData,
        owner: str,
        dataset: str | None = None,
    ) -> str:
        """Queue a new training of ``spec`` on ``prepared``; return the job id.

        Args:
            spec: a validated experiment spec.
            prepared: the data prepared with the spec's ``data`` settings.
            owner: who submits it (a session id); limits and lists use it.
            dataset: the data source shown with the run. Default: the spec's.

        Raises:
            JobError: the manager is shut down.
            LimitError: the owner already has ``max_active_per_owner`` jobs waiting
                or running, the network has more parameters than
                ``NNSTUDIO_MAX_PARAMS``, or the training more rows × epochs than
                ``NNSTUDIO_MAX_ROWS_EPOCHS``.
            SpecError: the model or compile settings do not fit the data.
        """
        from nncore.train.compiling import resolve_compile
        from nncore.train.model import validate_model_spec
        from nncore.train.trainer import baseline_metrics

        # Check the spec now, so a bad one is refused here and not in the worker.
        model = validate_model_spec(spec["model"])
        resolve_compile(spec["compile"], prepared.task)
        limits.check_parameters(limits.trainable_parameters(model, prepared))
        limits.check_rows_epochs(len(prepared.y_train), spec["train"]["epochs"])
        dataset = dataset or spec["data"]["source"]
        job = _Job(
            job_id=uuid.uuid4().hex[:12],
            owner=owner,
            spec=spec,
            prepared=prepared,
            dataset=dataset,
            epochs_planned=spec["train"]["epochs"],
            baseline=baseline_metrics(prepared),
        )
        with self._lock:
            self._check_capacity(owner)
            job.run_id = self._record(
                job,
                "create",
                spec,
                dataset=dataset,
                task=prepared.task,
                epochs_planned=job.epochs_planned,
            )
            self._enqueue(job)
        return job.job_id

    def submit_task(
        self,
        kind: str,
        work,
        spec: dict,
        prepared: PreparedData,
        owner: str,
        dataset: str | None = None,
    ) -> str:
        """Queue any long job (e.g. a hyper-parameter search) on the worker.

        It waits its turn like a training job (one job at a time per process) and
        counts towards the owner's limit. ``work(context)`` runs on the worker
        thread with a ``TaskContext``; it must check ``context.stop_requested``
        (or pass ``context.stop_flag`` to its fits) and return plain data, kept in
        ``JobView.progress["result"]``. An exception makes the job ``"failed"``
        with the exception's message (a ``DataError``'s as is).

        Args:
            kind: what the job is, e.g. ``"tune"``.
            work: the function to run.
            spec: the experiment it works on.
            prepared: its data.
            owner: who submits it.
            dataset: the data source shown with it. Default: the spec's.

        Raises:
            JobError: the manager is shut down.
            LimitError: the owner already has ``max_active_per_owner`` jobs waiting
                or running.
        """
        job = _Job(
            job_id=uuid.uuid4().hex[:12],
            owner=owner,
            spec=spec,
            prepared=prepared,
            dataset=dataset or spec["data"]["source"],
            epochs_planned=spec["train"]["epochs"],
            baseline=_baseline(prepared),
            kind=kind,
            work=work,
        )
        with self._lock:
            self._check_capacity(owner)
            self._enqueue(job)
        return job.job_id

    def continue_(self, job_id: str, epochs: int) -> None:
        """Train a stopped or finished job ``epochs`` more, from its model as it is.

        The job (and its run) goes on: the history grows, the planned epochs grow.

        Raises:
            JobError: unknown job, or one that is running, queued or failed.
            LimitError: the training would go over ``NNSTUDIO_MAX_ROWS_EPOCHS`` in
                all, or the owner has ``max_active_per_owner`` jobs unfinished.
        """
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise JobError(
                f"Continue needs a whole number of epochs, 1 or more. Got {epochs!r}."
            )
        with self._lock:
            job = self._job(job_id)
            if job.status in ("queued", "running"):
                raise JobError(
                    "This job is still training: wait for it to end, or stop it, "
                    "then continue."
                )
            if job.kind != "train" or job.trainer is None or job.status == "failed":
                raise JobError(
                    "This job cannot continue: it has no trained model "
                    f"({job.error or 'it ended before training'}). Press Train to "
                    "start again."
                )
            limits.check_rows_epochs(
                len(job.prepared.y_train), epochs, epochs_done=job.epochs_done
            )
            self._check_capacity(job.owner)
            job.epochs_planned = job.epochs_done + epochs
            job.metrics = None
            job.ending = None
            job.error = None
            self._record(job, "set_planned", job.run_id, job.epochs_planned)
            self._enqueue(job)

    def resume(self, run_id: str, prepared: PreparedData, owner: str) -> str:
        """Resume an interrupted run from its last checkpoint; return the job id.

        Args:
            run_id: a run whose status is ``"interrupted"``.
            prepared: its data, prepared again from the run's spec.
            owner: who resumes it.

        Raises:
            JobError: the run is unknown, not interrupted, or has no checkpoint.
            LimitError: the run is over a resource limit (``nncore.core.limits``) now.
        """
        from nncore.runs.store import UnknownRunError

        if self.store is None:
            raise JobError(f"Runs are not being kept here: {self.store_problem}")
        try:
            run = self.store.get(run_id)
            start, checkpoint = self.store.resume_point(run_id)
        except UnknownRunError as error:
            raise JobError(f"There is no run '{run_id}' to resume.") from error
        if checkpoint is not None:
            start = _checkpoint_epoch(checkpoint, start)
        if run.status != "interrupted":
            raise JobError(
                f"Run '{run_id}' is {run.status}, not interrupted: only a run that "
                "the server stopped can be resumed."
            )
        if checkpoint is None:
            raise JobError(
                f"Run '{run_id}' has no checkpoint to resume from (it was stopped "
                "before its first checkpoint). Train it again instead."
            )
        history = {
            name: [math.nan if value is None else float(value) for value in values]
            for name, values in run.history.items()
        }
        history = {name: values[:start] for name, values in history.items()}
        job = _Job(
            job_id=uuid.uuid4().hex[:12],
            owner=owner,
            spec=run.spec,
            prepared=prepared,
            dataset=run.dataset or run.spec["data"]["source"],
            epochs_planned=run.epochs_planned or run.spec["train"]["epochs"],
            baseline=_baseline(prepared),
            run_id=run_id,
            history=history,
            epochs_done=start,
        )
        job.warnings.append(
            f"Resumed from the checkpoint after epoch {start}: the server stopped "
            "while this run was training."
        )
        job.trainer = ("checkpoint", checkpoint)
        limits.check_parameters(
            limits.trainable_parameters(run.spec["model"], prepared)
        )
        limits.check_rows_epochs(len(prepared.y_train), job.epochs_planned)
        with self._lock:
            self._check_capacity(owner)
            self._enqueue(job)
        return job.job_id

    def stop(self, job_id: str) -> None:
        """Stop a job: a queued one leaves the queue, a running one stops within
        one batch and keeps its model as it is. Does nothing to an ended job.

        Raises:
            JobError: no job has this id.
        """
        with self._lock:
            job = self._job(job_id)
            if job.status == "queued":
                self._queue.remove(job_id)
                job.status = "stopped"
                job.ending = "stopped"
                self._touch(job)
                self._record(job, "finish", job.run_id, None, None, "stopped")
            elif job.status == "running" and job.stop_flag is not None:
                job.stop_flag.set()
                self._touch(job)

    def forget(self, job_id: str) -> None:
        """Drop a job from memory (Reset); a running or queued one is stopped first.

        Its run stays in the run store. Unknown ids are ignored.
        """
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return
        self.stop(job_id)
        with self._lock:
            job.forgotten = True
            if job.status != "running":
                self._jobs.pop(job_id, None)

    def view(self, job_id: str) -> JobView | None:
        """A snapshot of the job, or None for an unknown (or forgotten) job."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.forgotten:
                return None
            return self._view(job)

    def jobs_for(self, owner: str) -> list[JobView]:
        """The owner's jobs, newest first."""
        with self._lock:
            jobs = [j for j in self._jobs.values() if j.owner == owner]
            return [self._view(j) for j in reversed(jobs) if not j.forgotten]

    def prepared(self, job_id: str) -> PreparedData | None:
        """The data the job trains on (read-only, shared), or None if unknown."""
        with self._lock:
            job = self._jobs.get(job_id)
            return job.prepared if job is not None and not job.forgotten else None

    def model_file(self, job_id: str) -> Path | None:
        """The job's saved model (``.keras``), once it ended; else None."""
        with self._lock:
            job = self._jobs.get(job_id)
            return job.model_file if job is not None else None

    def best_file(self, job_id: str) -> Path | None:
        """The model of the job's best epoch (``.keras``) if it was kept; else None."""
        with self._lock:
            job = self._jobs.get(job_id)
            return job.best_file if job is not None else None

    def wait(self, job_id: str, timeout: float | None = None) -> JobView | None:
        """Block until the job is neither queued nor running (or ``timeout`` passed)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while True:
                job = self._jobs.get(job_id)
                if job is None or job.status not in ("queued", "running"):
                    return None if job is None else self._view(job)
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return self._view(job)
                self._lock.wait(timeout=left if left is not None else 1.0)

    def shutdown(self, timeout: float = 30.0) -> None:
        """Stop every job and the worker thread (tests and the CLI call this)."""
        with self._lock:
            self._closed = True
            for job_id in list(self._queue):
                self._jobs[job_id].status = "stopped"
            self._queue.clear()
            for job in self._jobs.values():
                if job.status == "running" and job.stop_flag is not None:
                    job.stop_flag.set()
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    # Inside the lock.

    def _job(self, job_id: str) -> _Job:
        job = self._jobs.get(job_id)
        if job is None or job.forgotten:
            raise JobError(
                "That training job is no longer known here (the server may have "
                "restarted). Press Train to start again."
            )
        return job

    def _check_capacity(self, owner: str) -> None:
        if self._closed:
            raise JobError("The server is shutting down; try again in a moment.")
        active = sum(
            1
            for job in self._jobs.values()
            if job.owner == owner and job.status in ("queued", "running")
        )
        problem = limits.queued_problem(active, self.max_active_per_owner)
        if problem:
            raise QueueFullError(problem)

    def _enqueue(self, job: _Job) -> None:
        from nncore.train.fastfit import StopFlag

        if job.baseline_val is None:
            job.baseline_val = _baseline(job.prepared, "val")
        job.status = "queued"
        job.stop_flag = StopFlag()
        self._jobs[job.job_id] = job
        self._queue.append(job.job_id)
        self._touch(job)
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._work, name="nnstudio-training", daemon=True
            )
            self._thread.start()
        self._lock.notify_all()

    def _touch(self, job: _Job) -> None:
        job.updated += 1
        self._lock.notify_all()

    def _view(self, job: _Job) -> JobView:
        prepared = job.prepared
        flag = job.stop_flag
        running = job.status == "running"
        batch = flag.batch if running and flag is not None else 0
        per_epoch = -(-len(prepared.y_train) // job.spec["train"]["batch_size"])
        elapsed = job.elapsed_s
        if running and job.segment_start is not None:
            elapsed += time.monotonic() - job.segment_start
        rate = eta = None
        if running and job.segment_epochs and job.segment_start is not None:
            seconds = time.monotonic() - job.segment_start
            per_epoch_s = seconds / (job.segment_epochs + batch / per_epoch)
            rate = len(prepared.y_train) / per_epoch_s if per_epoch_s > 0 else None
            eta = per_epoch_s * max(
                job.epochs_planned - job.epochs_done - batch / per_epoch, 0
            )
        position = (
            list(self._queue).index(job.job_id) + 1 if job.status == "queued" else None
        )
        return JobView(
            job_id=job.job_id,
            owner=job.owner,
            run_id=job.run_id,
            status=job.status,
            queue_position=position,
            queue_length=len(self._queue),
            spec=job.spec,
            dataset=job.dataset,
            task=prepared.task,
            classes=list(prepared.classes) if prepared.classes else None,
            feature_names=list(prepared.feature_names),
            epochs_planned=job.epochs_planned,
            epochs_done=job.epochs_done,
            batch=batch,
            batches_per_epoch=per_epoch,
            n_train=len(prepared.y_train),
            history={name: list(values) for name, values in job.history.items()},
            elapsed_s=elapsed,
            samples_per_second=rate,
            eta_s=eta,
            best_epoch=job.best_epoch,
            findings=list(job.findings),
            metrics=job.metrics,
            baseline=job.baseline,
            warnings=list(job.warnings),
            error=job.error,
            message=_message(job, position, batch, per_epoch),
            boundary=job.boundary,
            can_continue=job.status in ("stopped", "finished")
            and job.trainer is not None
            and not isinstance(job.trainer, tuple),
            can_stop=job.status in ("queued", "running"),
            ending=job.ending,
            updated=job.updated,
            kind=job.kind,
            progress=dict(job.progress),
            baseline_val=job.baseline_val,
        )

    def _record(self, job: _Job, method: str, *args, **kwargs) -> Any:
        """Call a run-store method; on failure warn once on the job and go on."""
        if self.store is None:
            if self.store_problem and not any(
                "not being kept" in w for w in job.warnings
            ):
                job.warnings.append(
                    f"This run is not being kept: {self.store_problem} Training "
                    "works; the run will not appear among the recorded runs."
                )
            return None
        if method != "create" and job.run_id is None:
            return None
        try:
            return getattr(self.store, method)(*args, **kwargs)
        except Exception as error:  # disk full, read-only folder, locked database
            log.warning("run store %s failed: %s", method, error)
            if not any("not being kept" in w for w in job.warnings):
                reason = getattr(error, "reason", None) or str(error)
                job.warnings.append(
                    f"This run is not being kept completely: the runs folder "
                    f"'{self.store.folder}' could not be written ({reason}). Free "
                    "some disk space or set NNSTUDIO_RUNS_DIR to a folder you can "
                    "write to. Training goes on, and its results are shown here."
                )
            return None

    # The worker thread.

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._queue and not self._closed:
                    self._lock.wait()
                if self._closed:
                    return
                job = self._jobs[self._queue.popleft()]
                job.status = "running"
                job.segment_start = time.monotonic()
                job.segment_epochs = 0
                self._touch(job)
                self._record(job, "set_status", job.run_id, "running")
            try:
                if job.work is not None:
                    self._run_task(job)
                else:
                    self._train(job)
            except Exception as error:  # a bug or an out-of-memory: tell the user
                log.exception("training job %s failed", job.job_id)
                with self._lock:
                    job.status = "failed"
                    job.error = (
                        f"Training failed: {type(error).__name__}: {error}. Try a "
                        "smaller network or batch size; if it happens again, "
                        "export the experiment and report it."
                    )
                    self._end_segment(job)
                    self._record(job, "set_status", job.run_id, "failed", job.error)
                    self._touch(job)
            finally:
                with self._lock:
                    if job.forgotten:
                        self._jobs.pop(job.job_id, None)

    def _train(self, job: _Job) -> None:
        from nncore.train.doctor import diagnose
        from nncore.train.trainer import Trainer, metric_warnings, nan_message

        if job.trainer is None or isinstance(job.trainer, tuple):
            model = None
            if isinstance(job.trainer, tuple):
                import keras

                model = keras.saving.load_model(job.trainer[1], safe_mode=True)
                _restore_seed_states(model, job.trainer[1])
            trainer = Trainer(job.spec, job.prepared, model=model, history=job.history)
            with self._lock:
                job.trainer = trainer
                for note in trainer.notes:
                    if note not in job.warnings:
                        job.warnings.append(note)
        trainer = job.trainer
        progress = _progress_callback(self, job)
        ending = trainer.fit(job.epochs_planned, [progress], job.stop_flag)
        progress.flush(final=True)
        metrics = trainer.evaluate()
        model_file, best_file = self._save_models(job, trainer)
        status = "stopped" if ending == "stopped" else "finished"
        findings = diagnose(
            trainer.history, baseline=job.baseline, task=job.prepared.task
        )
        with self._lock:
            job.history = {k: list(v) for k, v in trainer.history.items()}
            job.epochs_done = trainer.epochs_done
            job.best_epoch = _best_epoch(job.history)
            job.findings = findings
            job.metrics = metrics
            job.ending = ending
            job.model_file = model_file
            job.best_file = best_file
            if ending == "nan":
                status = "failed"
                job.error = nan_message(trainer.epochs_done)
            for warning in metric_warnings(metrics):
                if warning not in job.warnings and ending != "nan":
                    job.warnings.append(warning)
            if ending == "early_stopping" and job.best_epoch:
                restore = job.spec["train"]["early_stopping"]["restore_best"]
                job.warnings.append(
                    f"Early stopping ended training after epoch {job.epochs_done}: "
                    "the validation loss had not improved for "
                    f"{job.spec['train']['early_stopping']['patience']} epochs"
                    + (
                        f"; the weights of the best epoch ({job.best_epoch}) were kept."
                        if restore
                        else "."
                    )
                )
            # Recorded before the job shows as ended, so whoever sees it ended
            # finds the run ended too.
            self._record(job, "finish", job.run_id, metrics, job.baseline, status)
            if status == "failed":
                self._record(job, "set_status", job.run_id, "failed", job.error)
            job.status = status
            self._end_segment(job)
            self._touch(job)

    def _run_task(self, job: _Job) -> None:
        context = TaskContext(self, job)
        try:
            result = job.work(context)
        except DataError as error:
            with self._lock:
                job.status = "failed"
                job.error = str(error)
                self._end_segment(job)
                self._touch(job)
            return
        with self._lock:
            job.progress["result"] = result
            job.status = "stopped" if context.stop_requested else "finished"
            job.ending = "stopped" if context.stop_requested else "completed"
            self._end_segment(job)
            self._touch(job)

    def _save_models(self, job: _Job, trainer) -> tuple[Path | None, Path | None]:
        """Save the final model (and the best epoch's) into the run's folder."""
        model_file = None
        if job.run_id is not None:
            model_file = self._record(job, "model_path", job.run_id)
        if model_file is None:  # no run store: keep the model for downloads anyway
            model_file = Path(tempfile.mkdtemp(prefix="nnstudio-")) / "model.keras"
        best_file = Path(model_file).with_name("best.keras")
        # Any failure (a full disk shows as OSError, or as h5py's or zipfile's own
        # errors) leaves the trained model in memory: the job still ends normally.
        try:
            trainer.model.save(model_file)
        except Exception as error:
            _remove(model_file)
            self._record_problem(job, error)
            return None, None
        try:
            if not trainer.save_best(best_file):
                best_file = None
        except Exception as error:
            _remove(best_file)
            self._record_problem(job, error)
            best_file = None
        return Path(model_file), best_file

    def _record_problem(self, job: _Job, error: Exception, what: str = "model") -> None:
        reason = getattr(error, "strerror", None) or str(error)
        with self._lock:
            head = f"The {what} could not be saved"
            if any(w.startswith(head) for w in job.warnings):
                return
            job.warnings.append(
                f"The {what} could not be saved ({reason}). Free some disk space or "
                "set NNSTUDIO_RUNS_DIR to a folder you can write to."
            )

    def _end_segment(self, job: _Job) -> None:
        if job.segment_start is not None:
            job.elapsed_s += time.monotonic() - job.segment_start
        job.segment_start = None


def _remove(path: Path | None) -> None:
    """Delete a partly written file, so nothing tries to load it later."""
    if path is not None:
        with contextlib.suppress(OSError):
            Path(path).unlink(missing_ok=True)


def _write_checkpoint(model, path: Path, note: dict) -> None:
    """Save a checkpoint and its note so that a crash or a full disk mid-save leaves
    the previous checkpoint whole: each file is written beside its place, then
    renamed over it."""
    path = Path(path)
    note_file = _checkpoint_note(path)
    partial = path.with_name(f"{path.stem}.partial{path.suffix}")
    partial_note = note_file.with_name(f"{note_file.name}.partial")
    try:
        model.save(partial)
        partial_note.write_text(json.dumps(note), encoding="utf-8")
        os.replace(partial, path)
        os.replace(partial_note, note_file)
    except BaseException:
        _remove(partial)
        _remove(partial_note)
        raise


def _checkpoint_note(checkpoint: Path) -> Path:
    """The file next to a checkpoint that says after how many epochs it was taken."""
    return Path(checkpoint).with_suffix(".json")


def _checkpoint_epoch(checkpoint: Path, recorded: int) -> int:
    """Epochs completed at the checkpoint (the recorded epochs may run ahead)."""
    try:
        epochs = json.loads(_checkpoint_note(checkpoint).read_text(encoding="utf-8"))
        return min(int(epochs["epochs"]), recorded)
    except (OSError, ValueError, KeyError, TypeError):
        return recorded


def _seed_states(model) -> list:
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


def _restore_seed_states(model, checkpoint: Path) -> None:
    """Give a model loaded from a checkpoint its random generators' states back."""
    try:
        note = json.loads(_checkpoint_note(checkpoint).read_text(encoding="utf-8"))
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


def _baseline(prepared: PreparedData, split: str = "test") -> dict:
    from nncore.train.trainer import baseline_metrics

    return baseline_metrics(prepared, split)


def _best_epoch(history: dict[str, list[float]]) -> int | None:
    values = np.asarray(history.get("val_loss", []), dtype="float64")
    if not len(values) or not np.isfinite(values).any():
        return None
    return int(np.nanargmin(np.where(np.isfinite(values), values, np.nan))) + 1


def _ordinal(n: int) -> str:
    suffix = (
        "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    )
    return f"{n}{suffix}"


def _message(job: _Job, position: int | None, batch: int, per_epoch: int) -> str:
    if job.status == "queued":
        ahead = (
            "next to start"
            if position == 1
            else f"{_ordinal(position or 0)} in the queue"
        )
        return f"Waiting: {ahead} (one network trains at a time on this server)"
    if job.kind != "train" and job.status in ("running", "finished", "stopped"):
        default = {"running": f"Running the {job.kind}", "finished": "Finished"}
        return job.progress.get("message", default.get(job.status, "Stopped by you"))
    if job.status == "running":
        return (
            f"Epoch {min(job.epochs_done + 1, job.epochs_planned)} of "
            f"{job.epochs_planned} · batch {batch} of {per_epoch}"
        )
    if job.status == "failed":
        return "Failed: " + (job.error or "see the message below").split(". ")[0]
    if job.ending == "stopped":
        return f"Stopped by you after epoch {job.epochs_done} of {job.epochs_planned}"
    if job.ending == "early_stopping":
        return f"Finished: early stopping after epoch {job.epochs_done}"
    return f"Finished: {job.epochs_done} epochs"


def _boundary_grid(prepared: PreparedData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X = prepared.X_train
    low, high = X.min(axis=0), X.max(axis=0)
    margin = (high - low) * 0.1 + 1e-6
    xs = np.linspace(low[0] - margin[0], high[0] + margin[0], GRID_SIZE)
    ys = np.linspace(low[1] - margin[1], high[1] + margin[1], GRID_SIZE)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.column_stack([gx.ravel(), gy.ravel()]).astype("float32")
    return xs, ys, grid


def _boundary(trainer, prepared: PreparedData, grid_parts, epoch: int) -> dict:
    xs, ys, grid = grid_parts
    outputs = np.asarray(trainer.predict(grid), dtype="float64")
    if prepared.task == "binary":
        kind, z = "probability", outputs[:, 0]
    elif prepared.task == "multiclass":
        kind, z = "class", outputs.argmax(axis=1).astype("float64")
    else:
        kind, z = "value", outputs[:, 0]
    z = np.where(np.isfinite(z), z, np.nan).reshape(len(ys), len(xs))
    rows = prepared.X_train[:MAX_POINTS]
    labels = prepared.y_train[:MAX_POINTS]
    return {
        "x": xs.tolist(),
        "y": ys.tolist(),
        "z": [[None if math.isnan(v) else v for v in row] for row in z.tolist()],
        "kind": kind,
        "points": {
            "x": rows[:, 0].astype(float).tolist(),
            "y": rows[:, 1].astype(float).tolist(),
            "label": labels.tolist(),
        },
        "feature_names": list(prepared.feature_names[:2]),
        "classes": list(prepared.classes) if prepared.classes else None,
        "epoch": epoch,
    }


def _progress_callback(manager: JobManager, job: _Job):
    """The live-progress Keras callback: copies each epoch's logs into the job.

    It only reads logs (``chunk_safe``), so the fast loop may run several epochs per
    compiled call. Every ``REFRESH_SECONDS`` it redraws the decision boundary and
    re-runs the doctor; every ``checkpoint_seconds`` it saves a checkpoint and
    records the epochs since the last one in the run store (checkpoint first, so the
    recorded epochs never run ahead of it).
    """
    import keras

    from nncore.train.doctor import diagnose

    prepared = job.prepared
    trainer = job.trainer
    grid = _boundary_grid(prepared) if prepared.n_features == 2 else None

    class Progress(keras.callbacks.Callback):
        chunk_safe = True

        def __init__(self):
            super().__init__()
            self.pending: dict[int, dict] = {}
            self.last_refresh = 0.0
            self.last_checkpoint = time.monotonic()
            self.start_iterations = None
            self.start_epoch = trainer.epochs_done

        def on_train_begin(self, logs=None):
            self.start_iterations = int(self.model.optimizer.iterations.numpy())
            if grid is not None:
                self._refresh(job.epochs_done)

        def on_epoch_end(self, epoch, logs=None):
            logs = {k: float(v) for k, v in (logs or {}).items()}
            self.pending[epoch] = logs
            with manager._lock:
                for name, value in logs.items():
                    job.history.setdefault(name, [math.nan] * job.epochs_done)
                    job.history[name].append(value)
                job.epochs_done = epoch + 1
                job.segment_epochs += 1
                job.best_epoch = _best_epoch(job.history)
                manager._touch(job)
            now = time.monotonic()
            if now - self.last_refresh >= REFRESH_SECONDS:
                self._refresh(epoch + 1)
            if now - self.last_checkpoint >= manager.checkpoint_seconds:
                self._checkpoint(epoch)

        def _refresh(self, epoch: int) -> None:
            self.last_refresh = time.monotonic()
            with manager._lock:
                history = {k: list(v) for k, v in job.history.items()}
            findings = (
                diagnose(history, baseline=job.baseline, task=prepared.task)
                if history
                else []
            )
            boundary = (
                _boundary(trainer, prepared, grid, epoch) if grid is not None else None
            )
            with manager._lock:
                job.findings = findings
                if boundary is not None:
                    job.boundary = boundary
                manager._touch(job)

        def _at_epoch_end(self, epoch: int) -> bool:
            """Whether the model's weights are those at the end of ``epoch``.

            With several epochs per compiled call, the logs of a chunk's epochs are
            handed over after the chunk: only its last epoch matches the weights.
            """
            done = int(self.model.optimizer.iterations.numpy()) - self.start_iterations
            return done == (epoch + 1 - self.start_epoch) * trainer.steps_per_epoch

        def _checkpoint(self, epoch: int) -> None:
            if job.run_id is None or manager.store is None:
                return
            if not self._at_epoch_end(epoch):
                return
            self.last_checkpoint = time.monotonic()
            path = manager._record(job, "checkpoint_path", job.run_id)
            if path is None:
                return
            try:
                _write_checkpoint(
                    self.model,
                    path,
                    {"epochs": epoch + 1, "seed_states": _seed_states(self.model)},
                )
            except Exception as error:  # a full disk: training goes on without
                manager._record_problem(job, error, "checkpoint")
                return
            self.flush()

        def flush(self, final: bool = False) -> None:
            if self.pending:
                manager._record(job, "add_epochs", job.run_id, dict(self.pending))
                self.pending.clear()
            if final and grid is not None:
                self._refresh(trainer.epochs_done)

    return Progress()
