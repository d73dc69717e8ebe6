"""What a study holds, for tables and charts: trials, best values, importances, CSV.

One ``StudySnapshot`` serves every view of a study: the Tune screen's table and
charts, a running search's live progress and the ``tune`` command's summary
(``Search.snapshot``). Optuna is imported inside functions: importing this module is
cheap.
"""

from __future__ import annotations

import datetime
import logging
import math
import threading
from dataclasses import dataclass, field
from typing import Any

from nncore.core.errors import DataError, SpecError
from nncore.core.metrics import finite_or_none
from nncore.spec.schema import DIMENSIONS
from nncore.tune.cost import trials_planned
from nncore.tune.space import OBJECTIVE_TITLES, format_value
from nncore.tune.storage import (
    META_KEY,
    default_storage,
    first_line,
    open_storage,
    shown_storage,
)

log = logging.getLogger(__name__)

# --- what a study holds, for tables and charts ------------------------------------


@dataclass
class StudySnapshot:
    """A study's trials as plain data, for the trials table and the charts.

    Attributes:
        study: the study's name.
        storage: its storage (password hidden).
        objective: e.g. ``"val_accuracy"``; ``"value"`` for a study not made by
            NN Studio.
        objective_title: e.g. ``"validation accuracy"``.
        direction: ``"maximize"`` or ``"minimize"``.
        method: the search method, or None.
        budget: the study's planned trials, or None.
        rows: one dict per trial (skipped trials left out), in trial order:
            ``trial`` (1-based), ``state`` (``"complete"``, ``"pruned"``,
            ``"failed"``, ``"running"``), ``value``, ``epochs``, ``seconds``,
            ``params`` (name -> value) and ``note``.
        curves: trial (1-based) -> the objective after each epoch (None where not
            reported).
        params: the names of the parameters trials varied, in ``DIMENSIONS`` order.
        distributions: parameter -> ``{"kind": "int"|"float"|"categorical",
            "log": bool, "choices": [...]}``.
        best: ``{"trial", "value", "params"}`` of the best complete trial, or None.
        n_complete, n_pruned, n_failed, n_running: trials in each state.
        epochs_total: epochs trained by all the trials.
        spec: the experiment the study tunes (None when not made by NN Studio).
        importances: parameter -> importance (adds up to 1), or None.
        importance_note: why there are no importances, or None.
        importance_trials: the completed trials the importances rest on (0 when
            there are none).
    """

    study: str
    storage: str
    objective: str
    objective_title: str
    direction: str
    method: str | None
    budget: int | None
    rows: list[dict] = field(default_factory=list)
    curves: dict[int, list[float | None]] = field(default_factory=dict)
    params: list[str] = field(default_factory=list)
    distributions: dict[str, dict] = field(default_factory=dict)
    best: dict | None = None
    n_complete: int = 0
    n_pruned: int = 0
    n_failed: int = 0
    n_running: int = 0
    epochs_total: int = 0
    spec: dict | None = None
    importances: dict[str, float] | None = None
    importance_note: str | None = None
    importance_trials: int = 0

    @property
    def finished(self) -> int:
        """Trials that have ended: complete, pruned or failed."""
        return self.n_complete + self.n_pruned + self.n_failed

    @property
    def started(self) -> int:
        """Trials that count towards the budget: finished or running."""
        return len(self.rows)

    def leaders(self, count: int = 3) -> list[dict]:
        """The rows of the best ``count`` complete trials, the best first (on equal
        values, the earlier trial)."""
        sign = -1 if self.direction == "maximize" else 1
        complete = [
            row
            for row in self.rows
            if row["state"] == "complete" and row["value"] is not None
        ]
        complete.sort(key=lambda row: (sign * row["value"], row["trial"]))
        return complete[:count]


_STATES = {"COMPLETE": "complete", "PRUNED": "pruned", "FAIL": "failed"}
# Parameter importance from fewer completed trials than this is guesswork: fANOVA
# fits a random forest to the trials, and a handful of points (each differing in
# several settings at once) cannot separate one setting's effect from another's.
MIN_IMPORTANCE_TRIALS = 10

_importance_cache: dict[tuple, tuple[dict | None, str | None]] = {}
_importance_lock = threading.Lock()


def study_snapshot(
    storage: str | None, study_name: str, *, importances: bool = False
) -> StudySnapshot:
    """Read a study's trials as plain data (any Optuna study, NN Studio's or not).

    Args:
        storage: the storage URL or journal file. Default: ``default_storage()``.
        study_name: the study.
        importances: also compute each parameter's importance (Optuna's fANOVA;
            needs two complete trials). Default: False.

    Raises:
        DataError: the storage or the study cannot be read.
    """
    import optuna

    storage = storage or default_storage()
    opened = open_storage(storage, create=False)
    try:
        study = optuna.load_study(study_name=study_name, storage=opened)
        trials = study.get_trials(deepcopy=False)
        meta = study.user_attrs.get(META_KEY) or {}
        direction = study.direction.name.lower()
    except KeyError as error:
        raise DataError(
            f"There is no study '{study_name}' in '{shown_storage(storage)}'."
        ) from error
    except (ValueError, RuntimeError) as error:  # a multi-objective study
        raise DataError(
            f"The study '{study_name}' cannot be shown here ({first_line(error)}): "
            "only single-objective studies are supported."
        ) from error
    return _snapshot(study, storage, trials, meta, direction, importances=importances)


def snapshot_of(study, storage: str) -> StudySnapshot:
    """A snapshot of a study already open (a running search's own), read from its
    storage now.

    Args:
        study: an ``optuna.Study`` with a single objective.
        storage: its storage URL or journal file, as given to ``open_storage``.
    """
    return _snapshot(
        study,
        storage,
        study.get_trials(deepcopy=False),
        study.user_attrs.get(META_KEY) or {},
        study.direction.name.lower(),
        importances=False,
    )


def _snapshot(
    study, storage: str, trials: list, meta: dict, direction: str, *, importances: bool
) -> StudySnapshot:
    """The snapshot of a loaded study, from its trials and NN Studio settings."""
    study_name = study.study_name
    objective = meta.get("objective", "value")
    snapshot = StudySnapshot(
        study=study_name,
        storage=shown_storage(storage),
        objective=objective,
        objective_title=OBJECTIVE_TITLES.get(objective, "objective value"),
        direction=direction,
        method=meta.get("method"),
        budget=None,
        spec=meta.get("spec"),
    )
    if snapshot.spec is not None:
        try:
            snapshot.budget = trials_planned(snapshot.spec)
        except (SpecError, KeyError, TypeError):
            snapshot.budget = None
    seen: dict[str, Any] = {}
    for trial in trials:
        if trial.user_attrs.get("skipped") or trial.state.name == "WAITING":
            continue
        state = _STATES.get(trial.state.name, "running")
        params = dict(trial.user_attrs.get("params") or trial.params)
        for name, distribution in trial.distributions.items():
            seen.setdefault(name, distribution)
        number = trial.number + 1
        curve_steps = trial.intermediate_values
        epochs = trial.user_attrs.get("epochs")
        if epochs is None:
            epochs = max(curve_steps) if curve_steps else 0
        if curve_steps:
            last = max(curve_steps)
            snapshot.curves[number] = [
                finite_or_none(curve_steps.get(step)) for step in range(1, last + 1)
            ]
        seconds = trial.user_attrs.get("seconds")
        if seconds is None and trial.datetime_start is not None:
            end = trial.datetime_complete or datetime.datetime.now()
            seconds = (end - trial.datetime_start).total_seconds()
        note = trial.user_attrs.get("error") or ""
        if state == "pruned" and trial.user_attrs.get("pruned_at"):
            note = f"stopped after epoch {trial.user_attrs['pruned_at']}"
        snapshot.rows.append(
            {
                "trial": number,
                "state": state,
                "value": finite_or_none(trial.value) if state != "failed" else None,
                "epochs": int(epochs),
                "seconds": None if seconds is None else round(float(seconds), 2),
                "params": params,
                "note": note,
            }
        )
        snapshot.epochs_total += int(epochs)
        count = f"n_{state}"
        setattr(snapshot, count, getattr(snapshot, count) + 1)
    order = {name: i for i, name in enumerate(DIMENSIONS)}
    snapshot.params = sorted(seen, key=lambda n: (order.get(n, len(order)), n))
    snapshot.distributions = {
        name: _distribution_info(seen[name]) for name in snapshot.params
    }
    complete = [
        r for r in snapshot.rows if r["state"] == "complete" and r["value"] is not None
    ]
    if complete:
        pick = max if direction == "maximize" else min
        best = pick(complete, key=lambda r: (r["value"], -r["trial"]))
        snapshot.best = {
            "trial": best["trial"],
            "value": best["value"],
            "params": best["params"],
        }
    if importances:
        snapshot.importances, snapshot.importance_note = _importances(
            study, storage, study_name, len(complete)
        )
        if snapshot.importances is not None:
            snapshot.importance_trials = len(complete)
    return snapshot


def _distribution_info(distribution) -> dict:
    import optuna

    if isinstance(distribution, optuna.distributions.CategoricalDistribution):
        return {
            "kind": "categorical",
            "log": False,
            "choices": list(distribution.choices),
        }
    kind = (
        "int"
        if isinstance(distribution, optuna.distributions.IntDistribution)
        else "float"
    )
    return {
        "kind": kind,
        "log": bool(distribution.log),
        "low": distribution.low,
        "high": distribution.high,
    }


def _importances(study, storage: str, name: str, complete: int):
    """Each parameter's importance (fANOVA), computed once per number of complete
    trials; or None and the reason."""
    import optuna

    if complete < MIN_IMPORTANCE_TRIALS:
        note = f"Importance appears after {MIN_IMPORTANCE_TRIALS} completed trials"
        if complete:
            note += f"; it would be guesswork with {complete}"
        return None, note + "."
    key = (storage, name, complete)
    with _importance_lock:
        if key in _importance_cache:
            return _importance_cache[key]
    try:
        values = optuna.importance.get_param_importances(study)
        result = (
            {k: float(v) for k, v in values.items()} or None,
            None if values else "No parameter varied among the completed trials.",
        )
    except (ValueError, RuntimeError, ZeroDivisionError) as error:
        result = (
            None,
            "Parameter importance cannot be computed yet "
            f"({first_line(error)}); it needs completed trials whose settings and "
            "results differ.",
        )
    if result[0] is not None and not all(math.isfinite(v) for v in result[0].values()):
        result = (
            None,
            "Parameter importance cannot be computed: the results are equal.",
        )
    with _importance_lock:
        _importance_cache[key] = result
    return result


def trial_line(trial, objective: str) -> str:
    """One line about a finished Optuna trial, for the command line.

    Example:
        ``trial 3 complete val_accuracy=0.9667 epochs=20 (1.2 s) units=64``
    """
    state = _STATES.get(trial.state.name, trial.state.name.lower())
    params = trial.user_attrs.get("params") or trial.params
    shown = " ".join(f"{k}={format_value(v)}" for k, v in params.items())
    value = f" {objective}={trial.value:.4g}" if trial.value is not None else ""
    epochs = trial.user_attrs.get("epochs", 0)
    seconds = trial.user_attrs.get("seconds", 0.0)
    error = f" ({trial.user_attrs['error']})" if trial.user_attrs.get("error") else ""
    return (
        f"trial {trial.number + 1} {state}{value} epochs={epochs} "
        f"({seconds:.1f} s) {shown}{error}"
    )


# --- the trials table as CSV ------------------------------------------------------


def trials_table(snapshot: StudySnapshot):
    """The trials as a table people read: one row per trial, titled columns.

    Columns: Trial, State, the objective (e.g. "Validation accuracy"), Epochs,
    Seconds, one per parameter (its title), Note.
    """
    import pandas as pd

    value_title = snapshot.objective_title[0].upper() + snapshot.objective_title[1:]
    records = []
    for row in snapshot.rows:
        record = {
            "Trial": row["trial"],
            "State": row["state"],
            value_title: row["value"],
            "Epochs": row["epochs"],
            "Seconds": row["seconds"],
        }
        for name in snapshot.params:
            title = DIMENSIONS[name].title if name in DIMENSIONS else name
            record[title] = row["params"].get(name)
        record["Note"] = row["note"]
        records.append(record)
    columns = ["Trial", "State", value_title, "Epochs", "Seconds"]
    columns += [
        DIMENSIONS[n].title if n in DIMENSIONS else n for n in snapshot.params
    ] + ["Note"]
    frame = pd.DataFrame.from_records(records, columns=columns)
    for column in (value_title, "Seconds"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


def trials_csv(snapshot: StudySnapshot) -> bytes:
    """The trials table as UTF-8 CSV, safe to open in a spreadsheet.

    A text cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab) gets a
    leading apostrophe unless it is a number, so no cell runs as a formula.
    """
    from nncore.core.tables import csv_bytes

    return csv_bytes(trials_table(snapshot))
