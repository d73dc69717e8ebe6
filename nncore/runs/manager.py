"""The job manager: training runs in background worker threads.

Streamlit reruns a page on every click, so a page cannot call ``fit`` itself. It
hands the experiment and the prepared data to the process-wide ``JobManager``
(the app keeps one with ``st.cache_resource``) and polls ``view(job_id)``, a plain
snapshot, to draw the live curves. The worker thread never touches Streamlit: it
writes progress into the job under a lock (``nncore.runs.progress``), records each
run in the run store (``nncore.runs.store``) and checkpoints it every few seconds
(``nncore.runs.checkpoint``), so a run survives a reload, a closed tab, and (as
"interrupted", resumable) a dead server.

``NNSTUDIO_WORKERS`` worker threads (``nncore.runs.workers``; default half the
cores) train that many jobs at once, each seeding its own generators, so a job
trains exactly as it would alone; the others wait in a queue and their
``JobView.queue_position`` says where they are.

Example:

    manager = JobManager()
    job_id = manager.submit(spec, prepared, owner="session-1")
    manager.view(job_id).message   # "Epoch 3 of 20 · batch 12 of 40"
    manager.stop(job_id)           # takes effect within one batch
    manager.continue_(job_id, epochs=10)
"""

from __future__ import annotations

import atexit
import logging
import math
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nncore.core import limits, memory
from nncore.core.errors import DataError
from nncore.core.metrics import baseline_metrics, best_epoch
from nncore.data.prepare import PreparedData
from nncore.runs import finish
from nncore.runs.checkpoint import ResumePoint, load_checkpoint
from nncore.runs.recorder import RunRecorder
from nncore.runs.verdict import assess
from nncore.runs.view import Job, JobView, snapshot
from nncore.runs.workers import WorkerThreads, resolve_workers
from nncore.train import warmup
from nncore.train.model import trainable_parameters

if TYPE_CHECKING:
    from nncore.runs.store import RunStore

__all__ = ["JobError", "JobManager", "JobView", "QueueFullError", "TaskContext"]

log = logging.getLogger(__name__)

# Seconds between checkpoints (model + recorded epochs) of a running job; the
# environment variable overrides it (tests use a short interval).
CHECKPOINT_SECONDS = 5.0
CHECKPOINT_ENV = "NNSTUDIO_CHECKPOINT_SECONDS"
# An ended job keeps network arrays of at most this many megabytes: building the
# digits' again took 12 ms of a 0.6 s training; a 1,000,000-row table's (76 MB)
# are dropped.
KEEP_INPUTS_MB = 16.0


class JobError(DataError):
    """A request the job manager cannot carry out; the message says what to do."""


class QueueFullError(JobError, limits.LimitError):
    """The owner already has as many unfinished jobs as ``NNSTUDIO_MAX_QUEUED``."""


class TaskContext:
    """What a ``submit_task`` function gets to talk to the job manager.

    Attributes:
        stop_flag: a ``nncore.train.fastfit.StopFlag``, set when the user presses Stop;
            pass it to ``fit_fast`` / ``Trainer.fit`` so a fit stops within a batch.
        store: the run store, or None when runs are not being kept.
        owner: who submitted the job.
    """

    def __init__(self, manager: JobManager, job: Job):
        self._manager = manager
        self._job_id = job.job_id
        self.stop_flag = job.stop_flag
        self.store = manager.store
        self.owner = job.owner

    @property
    def stop_requested(self) -> bool:
        """Whether the user asked the job to stop."""
        return self.stop_flag.is_set()

    def publish(self, **fields: Any) -> None:
        """Merge ``fields`` (plain data) into the job's ``progress`` for the UI."""
        self._manager.publish(self._job_id, **fields)

    def warn(self, message: str) -> None:
        """Add a plain-language warning to the job."""
        self._manager.warn(self._job_id, message)


class JobManager:
    """Owns the queue and the worker threads that train the jobs.

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
        keep_inputs_mb: an ended job's network arrays are dropped (to be built
            again when used) only when they hold more than this many megabytes:
            smaller ones take longer to build again (a training, Continue, the
            Evaluate screen) than their memory is worth. Default: 16.
        workers: how many jobs train at once (worker threads); None reads
            ``NNSTUDIO_WORKERS``, else half the cores (``nncore.runs.workers``).
            Default: None.

    Raises:
        ValueError: ``workers`` is not a whole number from 1 to 64.

    The server's resource limits (``nncore.core.limits``: parameters per network, rows ×
    epochs per training, unfinished jobs per owner) are checked when a job is
    submitted, continued or resumed; a request over one raises ``LimitError``.

    On creation it marks the runs that a dead process left running as
    ``"interrupted"`` (``RunStore.mark_interrupted``); ``resume`` continues one.

    The boundary (``JobView.boundary``) for data with exactly two inputs is the
    dict of ``nncore.runs.boundary.BoundaryGrid.boundary``.
    """

    def __init__(
        self,
        store: RunStore | str | os.PathLike | None = None,
        *,
        max_active_per_owner: int | None = None,
        checkpoint_seconds: float | None = None,
        workers: int | None = None,
        keep_inputs_mb: float = KEEP_INPUTS_MB,
    ):
        self.workers = resolve_workers(workers)
        self.keep_inputs_bytes = int(keep_inputs_mb * 2**20)
        # Before TensorFlow starts its thread pools: each thread would get a heap.
        memory.limit_malloc_arenas()
        if checkpoint_seconds is None:
            checkpoint_seconds = float(
                os.environ.get(CHECKPOINT_ENV) or CHECKPOINT_SECONDS
            )
        self._lock = threading.Condition()
        self._jobs: dict[str, Job] = {}
        self._queue: deque[str] = deque()
        self._threads = WorkerThreads(self._work, self.workers)
        self._closed = False
        self.max_active_per_owner = max_active_per_owner
        self.checkpoint_seconds = checkpoint_seconds
        problem = None
        if store is None or isinstance(store, str | os.PathLike):
            from nncore.runs.store import RunStore

            try:
                store = RunStore(store)
            except DataError as error:
                store, problem = None, str(error)
        # Stop the worker cleanly when the process exits: a daemon thread killed
        # inside TensorFlow at interpreter shutdown aborts the process.
        atexit.register(self.shutdown, timeout=10.0)
        self.interrupted: list[str] = []
        if store is not None:
            try:
                self.interrupted = store.mark_interrupted()
            except DataError as error:
                store, problem = None, str(error)
        self._recorder = RunRecorder(store, problem=problem, lock=self._lock)

    @property
    def store(self) -> RunStore | None:
        """The run store, or None when runs are not being kept (see
        ``store_problem``)."""
        return self._recorder.store

    @property
    def store_problem(self) -> str | None:
        """Why runs are not being kept (the store could not be opened), or None."""
        return self._recorder.problem

    # Submitting and controlling jobs (any thread).

    def submit(
        self,
        spec: dict,
        prepared: PreparedData,
        owner: str,
        *,
        dataset: str | None = None,
        min_seconds: float | None = None,
        live_view: bool = True,
    ) -> str:
        """Queue a new training of ``spec`` on ``prepared``; return the job id.

        Args:
            spec: a validated experiment spec.
            prepared: the data prepared with the spec's ``data`` settings.
            owner: who submits it (a session id); limits and lists use it.
            dataset: the data source shown with the run. Default: the spec's.
            min_seconds: the least time the training takes (the demos, slowed so
                a class can watch). Default: None, as fast as it goes.
            live_view: keep each epoch's weights and the layers' health
                (``JobView.snapshots``, ``.health``). Default: True.

        Raises:
            JobError: the manager is shut down.
            LimitError: the owner already has ``max_active_per_owner`` jobs waiting
                or running, the network has more parameters than
                ``NNSTUDIO_MAX_PARAMS``, or the training more rows × epochs than
                ``NNSTUDIO_MAX_ROWS_EPOCHS``.
            SpecError: the model or compile settings do not fit the data.
        """
        from nncore.spec import validate_model_spec
        from nncore.train.compiling import resolve_compile

        # Check the spec now, so a bad one is refused here and not in the worker.
        model = validate_model_spec(spec["model"])
        resolve_compile(spec["compile"], prepared.task)
        limits.check_parameters(trainable_parameters(model, prepared))
        limits.check_rows_epochs(len(prepared.y_train), spec["train"]["epochs"])
        dataset = dataset or spec["data"]["source"]
        job = Job(
            job_id=uuid.uuid4().hex[:12],
            owner=owner,
            spec=spec,
            prepared=prepared,
            dataset=dataset,
            epochs_planned=spec["train"]["epochs"],
            baseline=baseline_metrics(prepared),
            min_seconds=min_seconds,
            live_view=live_view,
        )
        with self._lock:
            self._check_capacity(owner)
            job.run_id = self._recorder.create_run(job)
            self._enqueue(job)
        return job.job_id

    def submit_task(
        self,
        kind: str,
        work: Callable[[TaskContext], Any],
        spec: dict,
        prepared: PreparedData,
        owner: str,
        *,
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
        job = Job(
            job_id=uuid.uuid4().hex[:12],
            owner=owner,
            spec=spec,
            prepared=prepared,
            dataset=dataset or spec["data"]["source"],
            epochs_planned=spec["train"]["epochs"],
            baseline=baseline_metrics(prepared),
            kind=kind,
            work=work,
        )
        with self._lock:
            self._check_capacity(owner)
            self._enqueue(job)
        return job.job_id

    def continue_(self, job_id: str, epochs: int) -> None:
        """Train a stopped or finished job ``epochs`` more, from its model as it is:
        the scored weights (``JobView.scored_epoch``), the best epoch's with
        ``train.save_best`` on, not the last epoch's.

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
            untrained = job.trainer is None and job.resume_from is None
            if job.kind != "train" or untrained or job.status == "failed":
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
            self._recorder.set_planned(job)
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
            recorded, checkpoint = self.store.resume_point(run_id)
        except UnknownRunError as error:
            raise JobError(f"There is no run '{run_id}' to resume.") from error
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
        point = ResumePoint.read(checkpoint, recorded)
        start = point.epoch
        history = {
            name: [math.nan if value is None else float(value) for value in values]
            for name, values in run.history.items()
        }
        history = {name: values[:start] for name, values in history.items()}
        job = Job(
            job_id=uuid.uuid4().hex[:12],
            owner=owner,
            spec=run.spec,
            prepared=prepared,
            dataset=run.dataset or run.spec["data"]["source"],
            epochs_planned=run.epochs_planned or run.spec["train"]["epochs"],
            baseline=baseline_metrics(prepared),
            run_id=run_id,
            history=history,
            epochs_done=start,
            resume_from=point,
        )
        job.warnings.append(
            f"Resumed from the checkpoint after epoch {start}: the server stopped "
            "while this run was training."
        )
        limits.check_parameters(trainable_parameters(run.spec["model"], prepared))
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
                self._recorder.finish(job, None, None, status="stopped")
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
        """The job's saved model (``.keras``) once it ended, else None: the scored
        weights (``JobView.scored_epoch``), the best epoch's with
        ``train.save_best`` on (``nncore.runs.finish``)."""
        with self._lock:
            job = self._jobs.get(job_id)
            return job.model_file if job is not None else None

    def last_file(self, job_id: str) -> Path | None:
        """The last epoch's model (``.keras``) when it differs from ``model_file``;
        else None."""
        with self._lock:
            job = self._jobs.get(job_id)
            return job.last_file if job is not None else None

    def wait(self, job_id: str, *, timeout=None, changed_since=None) -> JobView | None:
        """Block until the job is neither queued nor running (or ``timeout`` seconds
        passed); with ``changed_since`` (a view's ``updated``), only until the job
        changed since that view: a follower reads every change without polling."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while True:
                job = self._jobs.get(job_id)
                if job is None or job.status not in ("queued", "running"):
                    return None if job is None else self._view(job)
                if changed_since is not None and job.updated != changed_since:
                    return self._view(job)
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return self._view(job)
                self._lock.wait(timeout=left if left is not None else 1.0)

    def shutdown(self, *, timeout: float = 30.0) -> None:
        """Stop every job and the worker threads (tests and the CLI call this)."""
        with self._lock:
            self._closed = True
            for job_id in list(self._queue):
                self._jobs[job_id].status = "stopped"
            self._queue.clear()
            for job in self._jobs.values():
                if job.status == "running" and job.stop_flag is not None:
                    job.stop_flag.set()
            self._lock.notify_all()
        self._threads.join(timeout)

    # Reporting from the worker thread: the progress callback
    # (``nncore.runs.progress``) and task functions (``TaskContext``) call these.
    # Unknown job ids are ignored.

    def report_epoch(self, job_id: str, epoch: int, logs: dict[str, float]) -> None:
        """Add an epoch's logs (``epoch`` from 0, as Keras counts) to the job."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return
            for name, value in logs.items():
                job.history.setdefault(name, [math.nan] * job.epochs_done)
                job.history[name].append(value)
            job.epochs_done = epoch + 1
            job.segment_epochs += 1
            warmup.mark_warm()  # TensorFlow is loaded and traced now
            job.best_epoch = best_epoch(job.history)
            self._touch(job)

    def history(self, job_id: str) -> dict[str, list[float]]:
        """A copy of the job's history so far (empty for an unknown job)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return {}
            return {name: list(values) for name, values in job.history.items()}

    def report_live(
        self, job_id: str, *, findings: list, boundary: dict | None = None
    ) -> None:
        """Show the doctor's latest findings (and the decision boundary, if any)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return
            job.findings = findings
            if boundary is not None:
                job.boundary = boundary
            self._touch(job)

    def publish(self, job_id: str, /, **fields: Any) -> None:
        """Merge ``fields`` (plain data) into the job's ``progress`` for the UI."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return
            job.progress.update(fields)
            self._touch(job)

    def warn(self, job_id: str, message: str) -> None:
        """Add a plain-language warning to the job (once)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return
            if message not in job.warnings:
                job.warnings.append(message)
            self._touch(job)

    def report_save_problem(
        self, job_id: str, error: Exception, *, what: str = "model"
    ) -> None:
        """Warn (once) that the job's ``what`` could not be saved, and why."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is not None:
            finish.warn_not_saved(job, error, self._lock, what=what)

    def checkpoint_path(self, job_id: str) -> Path | None:
        """Where to save the job's checkpoint; None when its run is not kept."""
        with self._lock:
            job = self._jobs.get(job_id)
        return None if job is None else self._recorder.checkpoint_path(job)

    def record_epochs(self, job_id: str, epochs: dict[int, dict]) -> None:
        """Record epochs' logs (epoch index from 0 -> logs) in the job's run."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is not None:
            self._recorder.add_epochs(job, epochs)

    # Inside the lock.

    def _job(self, job_id: str) -> Job:
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

    def _enqueue(self, job: Job) -> None:
        from nncore.train.fastfit import StopFlag

        if job.baseline_val is None:
            job.baseline_val = baseline_metrics(job.prepared, "val")
        job.status = "queued"
        job.stop_flag = StopFlag()
        self._jobs[job.job_id] = job
        self._queue.append(job.job_id)
        self._touch(job)
        running = sum(1 for other in self._jobs.values() if other.status == "running")
        self._threads.grow(running + len(self._queue))
        self._lock.notify_all()

    def _touch(self, job: Job) -> None:
        job.updated += 1
        self._lock.notify_all()

    def _view(self, job: Job) -> JobView:
        # Only jobs waiting for a worker are in the queue: running ones left it.
        position = (
            list(self._queue).index(job.job_id) + 1 if job.status == "queued" else None
        )
        return snapshot(job, queue_position=position, queue_length=len(self._queue))

    # The worker threads.

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
                self._recorder.set_status(job, "running")
            try:
                with warmup.exclusive():  # after a TensorFlow warm-up that runs
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
                    self._recorder.set_status(job, "failed", error=job.error)
                    self._touch(job)
            finally:
                with self._lock:
                    if job.forgotten:
                        self._jobs.pop(job.job_id, None)
                self._release_memory(job)

    def _train(self, job: Job) -> None:
        from nncore.runs.progress import Pace, Progress
        from nncore.train.doctor import diagnose
        from nncore.train.health import health_findings
        from nncore.train.trainer import Trainer, nan_message

        if job.trainer is None:
            model = None
            if job.resume_from is not None:
                model = load_checkpoint(job.resume_from)
            trainer = Trainer(job.spec, job.prepared, model=model, history=job.history)
            with self._lock:
                job.trainer = trainer
                job.resume_from = None
                for note in trainer.notes:
                    if note not in job.warnings:
                        job.warnings.append(note)
        trainer = job.trainer
        callbacks = [Progress(self, job)]
        if job.min_seconds:
            epochs = job.epochs_planned - job.epochs_done
            callbacks.append(Pace(job.min_seconds, epochs, job.stop_flag))
        ending = trainer.fit(job.epochs_planned, callbacks, job.stop_flag)
        # The best epoch's weights with train.save_best: scored, saved, drawn.
        last = finish.use_scored_weights(trainer)
        progress = callbacks[0]
        progress.flush(final=True)
        outputs = trainer.outputs()
        metrics = trainer.evaluate(outputs)
        # Reference models and error bars, here and not on the page; never raises.
        verdict = assess(
            outputs,
            job.prepared,
            seed=job.spec["train"]["seed"],
            previous=job.verdict,
        )
        model_file, last_file = finish.save_models(
            self._recorder, job, trainer, last, self._lock
        )
        status = "stopped" if ending == "stopped" else "finished"
        findings = diagnose(
            trainer.history,
            baseline=job.baseline,
            task=job.prepared.task,
            scores=metrics["val"],
            class_weight=job.spec["train"].get("class_weight", "none"),
            spec=job.spec,
        )
        if len(job.health):  # the layers' health, as the live view showed it
            findings += health_findings(job.health, job.spec)
        with self._lock:
            job.history = {k: list(v) for k, v in trainer.history.items()}
            job.epochs_done = trainer.epochs_done
            job.best_epoch = best_epoch(job.history)
            job.findings = findings
            job.metrics = metrics
            job.verdict = verdict
            job.ending = ending
            job.model_file = model_file
            job.last_file = last_file
            job.scored_epoch = trainer.weights_epoch
            job.last_metrics = last.metrics if last is not None else None
            if ending == "nan":
                status = "failed"
                job.error = nan_message(trainer.epochs_done)
            finish.add_end_warnings(job, metrics, ending)
            # Recorded before the job shows as ended, so whoever sees it ended
            # finds the run ended too.
            self._recorder.finish(job, metrics, job.baseline, status=status)
            if status == "failed":
                self._recorder.set_status(job, "failed", error=job.error)
            job.status = status
            self._end_segment(job)
            self._touch(job)

    def _run_task(self, job: Job) -> None:
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
        warmup.mark_warm()  # it trained (a search, folds): TensorFlow is warm
        with self._lock:
            job.progress["result"] = result
            job.status = "stopped" if context.stop_requested else "finished"
            job.ending = "stopped" if context.stop_requested else "completed"
            self._end_segment(job)
            self._touch(job)

    def _release_memory(self, job: Job) -> None:
        """Give back what an ended job no longer needs (``nncore.core.memory``): its
        network arrays when they are bigger than ``keep_inputs_mb`` and no
        unfinished job shares its data (built again, identical, when used), and
        with no job left, freed heap and library pages."""
        with self._lock:
            active = [
                j for j in self._jobs.values() if j.status in ("queued", "running")
            ]
            if (
                job not in active
                and all(j.prepared is not job.prepared for j in active)
                and job.prepared.inputs_bytes > self.keep_inputs_bytes
            ):
                job.prepared.release_inputs()
        if not active:
            memory.return_freed_memory()
            memory.release_library_pages()

    def _end_segment(self, job: Job) -> None:
        if job.segment_start is not None:
            job.elapsed_s += time.monotonic() - job.segment_start
        job.segment_start = None
