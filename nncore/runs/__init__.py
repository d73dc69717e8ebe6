"""Runs: the SQLite run store and the background job manager (queue, worker,
progress, checkpoints, the live decision boundary).
"""

from __future__ import annotations

from nncore.core.lazy import lazy_exports

_WHERE = {
    "DATABASE_NAME": "nncore.runs.store",
    "DEFAULT_RUNS_DIR": "nncore.runs.store",
    "JobError": "nncore.runs.manager",
    "JobManager": "nncore.runs.manager",
    "process_is_gone": "nncore.runs.store",
    "Run": "nncore.runs.store",
    "RUNS_DIR_ENV": "nncore.runs.store",
    "RunStore": "nncore.runs.store",
    "SCHEMA_VERSION": "nncore.runs.store",
    "STATUSES": "nncore.runs.store",
    "UnknownRunError": "nncore.runs.store",
}
__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
