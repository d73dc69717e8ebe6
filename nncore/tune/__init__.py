"""Tuning: the search space, study storage, cost estimates, Optuna samplers and
pruning, the search itself and snapshots of a study.
"""

from __future__ import annotations

from nncore.core.lazy import lazy_exports

_WHERE = {
    "apply_best": "nncore.tune.space",
    "apply_params": "nncore.tune.space",
    "CostEstimate": "nncore.tune.cost",
    "current_values": "nncore.tune.space",
    "DEFAULT_SPACE": "nncore.tune.space",
    "default_storage": "nncore.tune.storage",
    "Dimension": "nncore.tune.space",
    "duration_text": "nncore.tune.cost",
    "epochs_per_trial": "nncore.tune.cost",
    "estimate_cost": "nncore.tune.cost",
    "grid_size": "nncore.tune.space",
    "is_default_storage": "nncore.tune.storage",
    "kept_where": "nncore.tune.storage",
    "list_studies": "nncore.tune.storage",
    "measure_speed": "nncore.tune.cost",
    "METHOD_TITLES": "nncore.tune.space",
    "MIN_IMPORTANCE_TRIALS": "nncore.tune.snapshot",
    "objective_for": "nncore.tune.space",
    "OBJECTIVE_TITLES": "nncore.tune.space",
    "open_storage": "nncore.tune.storage",
    "PRUNER_TITLES": "nncore.tune.space",
    "pruning_callback": "nncore.tune.sampling",
    "resolve_space": "nncore.tune.space",
    "Search": "nncore.tune.search",
    "shown_storage": "nncore.tune.storage",
    "snapshot_of": "nncore.tune.snapshot",
    "Speed": "nncore.tune.cost",
    "speed_work": "nncore.tune.cost",
    "study_snapshot": "nncore.tune.snapshot",
    "StudySnapshot": "nncore.tune.snapshot",
    "trials_csv": "nncore.tune.snapshot",
    "trials_planned": "nncore.tune.cost",
    "trials_table": "nncore.tune.snapshot",
    "value_text": "nncore.tune.space",
}
__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
