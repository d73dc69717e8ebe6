"""Runs: the SQLite run store and the background job manager (queue, worker,
progress, checkpoints, the live decision boundary, the reference models and error
bars of each training).
"""

from __future__ import annotations

from nncore.core.lazy import lazy_exports

_WHERE = {
    "assess": "nncore.runs.verdict",
    "BoundaryGrid": "nncore.runs.boundary",
    "check_run_name": "nncore.runs.naming",
    "DATABASE_NAME": "nncore.runs.store",
    "default_run_name": "nncore.runs.naming",
    "DEFAULT_RUNS_DIR": "nncore.runs.store",
    "JobError": "nncore.runs.manager",
    "JobManager": "nncore.runs.manager",
    "JobView": "nncore.runs.view",
    "MAX_NAME_LENGTH": "nncore.runs.naming",
    "process_is_gone": "nncore.runs.store",
    "QueueFullError": "nncore.runs.manager",
    "ResumePoint": "nncore.runs.checkpoint",
    "Run": "nncore.runs.store",
    "RUNS_DIR_ENV": "nncore.runs.store",
    "RunRecorder": "nncore.runs.recorder",
    "RunStore": "nncore.runs.store",
    "SCHEMA_VERSION": "nncore.runs.database",
    "STATUSES": "nncore.runs.store",
    "TaskContext": "nncore.runs.manager",
    "UnknownRunError": "nncore.runs.store",
    "Verdict": "nncore.runs.verdict",
}
__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
