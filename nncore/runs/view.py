"""What a job is: the record the job manager keeps, and its snapshot for the pages.

``Job`` is the manager's own, changed under its lock by the manager and its worker;
``JobView`` is a frozen copy of it that any thread may read (``JobManager.view``),
with the one line that says where the job is (``JobView.message``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nncore.data.prepare import PreparedData
from nncore.train.health import HealthLog
from nncore.train.snapshots import Snapshots, SnapshotView
from nncore.train.warmup import is_warm

if TYPE_CHECKING:
    from nncore.runs.checkpoint import ResumePoint
    from nncore.runs.verdict import Verdict
    from nncore.train.fastfit import StopFlag
    from nncore.train.trainer import Trainer

__all__ = ["STATUSES", "Job", "JobView", "snapshot"]

STATUSES = ("queued", "running", "finished", "stopped", "failed")
# A job's message while TensorFlow loads and traces for the first time.
STARTING = "Starting TensorFlow: the first time takes about 10 s"


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
        reference: the reference models' scores on the same rows,
            ``{"val": {model_name: metrics}, "test": {...}}``
            (``nncore.train.reference``); None while ``metrics`` is None.
        reference_problems: model name -> why that reference model could not be
            trained.
        metrics_ci: the error bars of ``metrics``, ``{"val": {metric: [low,
            high]}, "test": {...}}`` (``nncore.core.intervals``); None while
            ``metrics`` is None. A split without error bars has an empty dict.
        interval_problems: split -> why it has no error bars, and what to do.
        scored_epoch: the epoch (1-based) whose weights ``metrics``, the reference
            verdict and the model file come from: the best one (lowest validation
            loss) with ``train.save_best`` on, else the last one trained (or the one
            early stopping went back to); None while ``metrics`` is None.
        last_epoch_metrics: ``{"val": {...}}`` of the last epoch's weights when
            they differ from the scored ones (``JobManager.last_file`` has them);
            else None.
        snapshots: the network's weights after each epoch so far (a bounded
            number for big networks; ``nncore.train.snapshots``).
        health: the layers' health so far (a thread-safe
            ``nncore.train.health.HealthLog``: read it with ``records()``), or
            None before the first probe.
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
    reference: dict | None = None
    reference_problems: dict = field(default_factory=dict)
    metrics_ci: dict | None = None
    interval_problems: dict = field(default_factory=dict)
    scored_epoch: int | None = None
    last_epoch_metrics: dict | None = None
    snapshots: SnapshotView = field(default_factory=SnapshotView, compare=False)
    health: HealthLog | None = field(default=None, compare=False)


@dataclass
class Job:
    """One job as the manager keeps it: read and changed only under the
    manager's lock (``JobView`` is its snapshot for everyone else).

    ``trainer`` is None until the job first trains; a job resumed from a
    checkpoint has ``resume_from`` set until then.
    """

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
    trainer: Trainer | None = None
    resume_from: ResumePoint | None = None
    stop_flag: StopFlag | None = None
    model_file: Path | None = None  # the scored weights
    last_file: Path | None = None  # the last epoch's, when they differ
    scored_epoch: int | None = None
    last_metrics: dict | None = None  # {"val": ...} of the last epoch's weights
    forgotten: bool = False
    updated: int = 0
    baseline_val: dict | None = None
    kind: str = "train"
    work: Callable[[Any], Any] | None = None  # a task job's function
    progress: dict = field(default_factory=dict)
    verdict: Verdict | None = None  # reference models and error bars, once fitted
    min_seconds: float | None = None  # a demo's least duration (Pace)
    live_view: bool = True  # keep snapshots and the layers' health
    snapshots: Snapshots = field(default_factory=Snapshots)  # thread-safe itself
    health: HealthLog = field(default_factory=HealthLog)  # thread-safe itself


def snapshot(job: Job, *, queue_position: int | None, queue_length: int) -> JobView:
    """A ``JobView`` of ``job`` (call it under the manager's lock).

    Args:
        job: the job.
        queue_position: its place in the queue (1 = next), while queued; else None.
        queue_length: jobs waiting in the queue now.
    """
    prepared = job.prepared
    flag = job.stop_flag
    # Shown with the metrics they go with: none while a Continue trains.
    verdict = job.verdict if job.metrics is not None else None
    reference = verdict.reference if verdict is not None else None
    measured = verdict is not None
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
    return JobView(
        job_id=job.job_id,
        owner=job.owner,
        run_id=job.run_id,
        status=job.status,
        queue_position=queue_position,
        queue_length=queue_length,
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
        message=_message(job, queue_position, batch, per_epoch),
        boundary=job.boundary,
        can_continue=job.status in ("stopped", "finished") and job.trainer is not None,
        can_stop=job.status in ("queued", "running"),
        ending=job.ending,
        updated=job.updated,
        kind=job.kind,
        progress=dict(job.progress),
        baseline_val=job.baseline_val,
        reference=reference.metrics if reference is not None else None,
        reference_problems=dict(reference.problems) if reference is not None else {},
        metrics_ci=verdict.metrics_ci if measured else None,
        interval_problems=dict(verdict.interval_problems) if measured else {},
        scored_epoch=job.scored_epoch if job.metrics is not None else None,
        last_epoch_metrics=job.last_metrics if job.metrics is not None else None,
        snapshots=job.snapshots.view(),
        health=job.health if len(job.health) else None,
    )


def _ordinal(n: int) -> str:
    suffix = (
        "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    )
    return f"{n}{suffix}"


def _message(job: Job, position: int | None, batch: int, per_epoch: int) -> str:
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
    if job.status == "running" and not (job.epochs_done or batch or is_warm()):
        return STARTING
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
