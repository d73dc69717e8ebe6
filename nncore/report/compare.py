"""Comparing recorded runs: a table of all runs, settings side by side, in one line.

Works on ``nncore.runs.store.Run`` objects (or anything with ``spec``, ``task``,
``metrics`` and ``history``): plain Python and pandas, no TensorFlow. The one-line
summary says what the second run changed, what it did to the validation score,
whether it overfits (``nncore.train.doctor.diagnose``) and whether the change is
within chance (the runs' bootstrap intervals), e.g.

    "B added a 32-unit layer: validation accuracy +3.1 points, overfits from epoch 14"
    "B raised the learning rate (0.001 → 0.01): validation accuracy +0.8 points;
    within chance on 105 validation rows"
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import pandas as pd

from nncore.core.catalog import dataset_title, is_generated
from nncore.core.metrics import LOWER_IS_BETTER as METRICS_LOWER_IS_BETTER
from nncore.core.metrics import finite_or_none, main_metric
from nncore.core.text import plural, readable_number, short
from nncore.runs.naming import default_run_name
from nncore.train.model import network_summary

__all__ = [
    "dataset_title",
    "network_summary",
    "overfitting_epoch",
    "run_name",
    "run_title",
    "runs_table",
    "settings",
    "settings_diff",
    "summary_line",
    "test_score",
    "validation_score",
    "within_chance",
]

LOWER_IS_BETTER = (*METRICS_LOWER_IS_BETTER, "loss")
OPTIMIZER_TITLES = {"adam": "Adam", "sgd": "SGD", "rmsprop": "RMSprop"}
# Settings whose change is told in its own words by ``_changes``.
_TOLD = (
    "Hidden layers",
    "Optimiser",
    "Learning rate",
    "Batch size",
    "Epochs",
    "Early stopping",
)
_DATA = ("Data", "Target", "Task", "Split (train/val/test)", "Points", "Noise")


def _layers(spec: Mapping[str, Any]) -> list[dict]:
    layers = (spec.get("model") or {}).get("layers") or []
    return [layer for layer in layers if isinstance(layer, Mapping)]


def _units(spec: Mapping[str, Any]) -> list[int]:
    return [
        layer.get("units") for layer in _layers(spec) if layer.get("type") == "dense"
    ]


def _number(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _layer_text(layer: Mapping[str, Any]) -> str:
    kind = layer.get("type")
    if kind == "dense":
        text = f"Dense {layer.get('units')} {layer.get('activation', 'relu')}"
        extras = [
            f"{name} {_number(layer[name])}" for name in ("l1", "l2") if layer.get(name)
        ]
        initializer = layer.get("kernel_initializer")
        if initializer and initializer != "glorot_uniform":
            extras.append(initializer)
        return text + (f" ({', '.join(extras)})" if extras else "")
    if kind == "dropout":
        return f"Dropout {_number(layer.get('rate'))}"
    return "BatchNorm" if kind == "batchnorm" else str(kind)


def settings(spec: Mapping[str, Any]) -> dict[str, str]:
    """The experiment's settings as people read them, in screen order."""
    data = spec.get("data") or {}
    compile_ = spec.get("compile") or {}
    train = spec.get("train") or {}
    split = data.get("split") or {}
    stopping = train.get("early_stopping") or {}
    reduce_lr = train.get("reduce_lr") or {}
    shown: dict[str, str] = {
        "Data": dataset_title(data.get("source")),
        "Target": str(data.get("target")),
        "Task": str(data.get("task", "auto")),
        "Split (train/val/test)": "/".join(
            f"{round(float(split.get(part, 0)) * 100):g}"
            for part in ("train", "val", "test")
        ),
        "Scaling": str(data.get("scaling")),
        "Data seed": _number(data.get("seed")),
    }
    if is_generated(str(data.get("source") or "")):
        shown["Points"] = _number(data.get("n_samples"))
        shown["Noise"] = _number(data.get("noise"))
    optimizer = str(compile_.get("optimizer"))
    shown.update(
        {
            "Hidden layers": " → ".join(_layer_text(layer) for layer in _layers(spec))
            or "none",
            "Optimiser": OPTIMIZER_TITLES.get(optimizer, optimizer),
            "Learning rate": _number(compile_.get("learning_rate")),
        }
    )
    if optimizer == "sgd":
        shown["Momentum"] = _number(compile_.get("momentum"))
    shown.update(
        {
            "Loss": str(compile_.get("loss")),
            "Epochs": _number(train.get("epochs")),
            "Batch size": _number(train.get("batch_size")),
            "Class weights": str(train.get("class_weight", "none")),
            "Early stopping": (
                f"on (patience {stopping.get('patience')})"
                if stopping.get("enabled")
                else "off"
            ),
            "Keep the best model": _number(bool(train.get("save_best"))),
            "Lower the learning rate": (
                f"on (×{_number(reduce_lr.get('factor'))} after "
                f"{plural(reduce_lr.get('patience'), 'epoch')})"
                if reduce_lr.get("enabled")
                else "off"
            ),
            "Training seed": _number(train.get("seed")),
        }
    )
    return shown


def settings_diff(
    specs: Sequence[Mapping[str, Any]], names: Sequence[str] | None = None
) -> list[dict[str, str]]:
    """The settings that differ between runs, one row per setting.

    Args:
        specs: the runs' experiment specs.
        names: what to call each run. Default: ``"A"``, ``"B"``, …

    Returns:
        ``[{"setting": "Learning rate", "A": "0.001", "B": "0.01"}, ...]``; empty
        when every setting is the same.
    """
    names = list(names) if names is not None else _letters(len(specs))
    if len(names) != len(specs):
        raise ValueError(
            f"Received {len(names)} names for {len(specs)} specs. Expected one name "
            "per spec, e.g. names=['A', 'B']."
        )
    shown = [settings(spec) for spec in specs]
    keys: list[str] = []
    for one in shown:
        keys.extend(key for key in one if key not in keys)
    rows = []
    for key in keys:
        values = [one.get(key, "—") for one in shown]
        if len(set(values)) > 1:
            rows.append({"setting": key, **dict(zip(names, values, strict=True))})
    return rows


def _letters(n: int) -> list[str]:
    letters = [chr(ord("A") + i) for i in range(min(n, 26))]
    return letters + [f"R{i + 1}" for i in range(26, n)]


# --- scores ------------------------------------------------------------------------


def validation_score(run: Any, metric: str | None = None) -> float | None:
    """A run's validation score: its final metric, else the best recorded epoch.

    Finished and stopped runs have final metrics (scikit-learn, on the model as
    saved); interrupted ones only their epochs, whose best value is used.
    """
    metric = metric or main_metric(run.task)
    final = finite_or_none(((run.metrics or {}).get("val") or {}).get(metric))
    if final is not None:
        return final
    values = [finite_or_none(v) for v in (run.history or {}).get(f"val_{metric}", [])]
    values = [v for v in values if v is not None]
    if not values:
        return None
    return min(values) if metric in LOWER_IS_BETTER else max(values)


def test_score(run: Any, metric: str | None = None) -> float | None:
    """A run's test score, only once its test set was looked at (Evaluate)."""
    if not getattr(run, "test_looks", 0):
        return None
    metric = metric or main_metric(run.task)
    return finite_or_none(((run.metrics or {}).get("test") or {}).get(metric))


def overfitting_epoch(run: Any) -> int | None:
    """The epoch from which the training doctor sees the run overfit, or None."""
    from nncore.train.doctor import diagnose

    task = run.task if run.task in ("binary", "multiclass", "regression") else None
    try:
        findings = diagnose(run.history or {}, task=task)
    except (TypeError, ValueError):  # a history the doctor cannot read
        return None
    for finding in findings:
        if finding.kind == "overfitting":
            return int(finding.epoch)
    return None


# --- in one line -------------------------------------------------------------------


def _layer_change(spec_a, spec_b) -> list[str]:
    units_a, units_b = _units(spec_a), _units(spec_b)
    phrases = []
    if units_a != units_b:
        old = "-".join(map(str, units_a)) or "none"
        new = "-".join(map(str, units_b)) or "none"
        added = [
            u
            for k, u in enumerate(units_b)
            if units_b[:k] + units_b[k + 1 :] == units_a
        ]
        removed = [
            u
            for k, u in enumerate(units_a)
            if units_a[:k] + units_a[k + 1 :] == units_b
        ]
        if added:
            phrases.append(f"added a {added[0]}-unit layer")
        elif removed:
            phrases.append(f"removed the {removed[0]}-unit layer")
        elif len(units_a) == len(units_b) and all(
            b >= a for a, b in zip(units_a, units_b, strict=True)
        ):
            phrases.append(f"widened the layers ({old} → {new})")
        elif len(units_a) == len(units_b) and all(
            b <= a for a, b in zip(units_a, units_b, strict=True)
        ):
            phrases.append(f"narrowed the layers ({old} → {new})")
        else:
            phrases.append(f"changed the layers ({old} → {new})")
    rates_a = [
        _number(x.get("rate")) for x in _layers(spec_a) if x.get("type") == "dropout"
    ]
    rates_b = [
        _number(x.get("rate")) for x in _layers(spec_b) if x.get("type") == "dropout"
    ]
    if rates_a != rates_b:
        if not rates_a:
            phrases.append(f"added dropout ({', '.join(rates_b)})")
        elif not rates_b:
            phrases.append("removed the dropout")
        else:
            phrases.append(
                f"changed the dropout ({', '.join(rates_a)} → {', '.join(rates_b)})"
            )
    norms_a = sum(x.get("type") == "batchnorm" for x in _layers(spec_a))
    norms_b = sum(x.get("type") == "batchnorm" for x in _layers(spec_b))
    if norms_a != norms_b:
        phrases.append(
            "added batch normalisation"
            if norms_b > norms_a
            else "removed batch normalisation"
        )
    activations_a = [
        x.get("activation") for x in _layers(spec_a) if x.get("type") == "dense"
    ]
    activations_b = [
        x.get("activation") for x in _layers(spec_b) if x.get("type") == "dense"
    ]
    if set(activations_a) != set(activations_b) and len(set(activations_b)) == 1:
        before = ", ".join(sorted(set(activations_a) - set(activations_b)))
        phrases.append(f"used {activations_b[0]} instead of {before or 'none'}")
    elif set(activations_a) != set(activations_b):
        phrases.append("changed the activations")
    if not phrases and _layers(spec_a) != _layers(spec_b):
        phrases.append("changed the layer settings")
    return phrases


def _changes(spec_a: Mapping[str, Any], spec_b: Mapping[str, Any]) -> list[str]:
    """What B changed, in the words of a person: ``["added a 32-unit layer"]``."""
    before, after = settings(spec_a), settings(spec_b)
    phrases = []
    data_changed = [key for key in _DATA if before.get(key) != after.get(key)]
    if data_changed:
        phrases.append(
            "was trained on other data ("
            + ", ".join(
                f"{key.lower()} {short(before.get(key, '—'), 25)} → "
                f"{short(after.get(key, '—'), 25)}"
                for key in data_changed[:2]
            )
            + ")"
        )
    phrases.extend(_layer_change(spec_a, spec_b))
    if before["Optimiser"] != after["Optimiser"]:
        phrases.append(f"used {after['Optimiser']} instead of {before['Optimiser']}")
    rate_a = finite_or_none((spec_a.get("compile") or {}).get("learning_rate"))
    rate_b = finite_or_none((spec_b.get("compile") or {}).get("learning_rate"))
    if rate_a != rate_b and rate_a is not None and rate_b is not None:
        verb = "raised" if rate_b > rate_a else "lowered"
        phrases.append(
            f"{verb} the learning rate ({before['Learning rate']} → "
            f"{after['Learning rate']})"
        )
    if before["Batch size"] != after["Batch size"]:
        phrases.append(
            f"used batches of {after['Batch size']} instead of {before['Batch size']}"
        )
    if before["Epochs"] != after["Epochs"]:
        phrases.append(
            f"trained for up to {after['Epochs']} "
            f"{'epoch' if after['Epochs'] == '1' else 'epochs'} instead of "
            f"{before['Epochs']}"
        )
    if before["Early stopping"] != after["Early stopping"]:
        if after["Early stopping"] == "off":
            phrases.append("turned early stopping off")
        elif before["Early stopping"] == "off":
            phrases.append("turned early stopping on")
        else:
            patience_a = (spec_a.get("train") or {}).get("early_stopping", {})
            patience_b = (spec_b.get("train") or {}).get("early_stopping", {})
            phrases.append(
                "changed the early-stopping patience "
                f"({patience_a.get('patience')} → {patience_b.get('patience')})"
            )
    for key in after:
        if key in _TOLD or key in _DATA or key not in before:
            continue  # a setting only one has (SGD's momentum) came with a change
        if before.get(key) != after.get(key):
            phrases.append(
                f"changed {key.lower()} ({before.get(key, '—')} → {after[key]})"
            )
    return phrases


def _joined(phrases: list[str]) -> str:
    if len(phrases) <= 2:
        return " and ".join(phrases)
    rest = len(phrases) - 2
    return f"{phrases[0]}, {phrases[1]} and {rest} more change" + (
        "s" if rest > 1 else ""
    )


def _score_change(run_a: Any, run_b: Any) -> str:
    if run_a.task != run_b.task and run_a.task and run_b.task:
        return (
            f"they predict different things ({run_a.task} and {run_b.task}), so "
            "their scores do not compare"
        )
    metric = main_metric(run_b.task or run_a.task)
    score_a, score_b = validation_score(run_a, metric), validation_score(run_b, metric)
    if score_a is None or score_b is None:
        return "no validation score to compare"
    if metric == "accuracy":
        points = (score_b - score_a) * 100
        if abs(points) < 0.05:
            return "the same validation accuracy"
        return f"validation accuracy {points:+.1f} points"
    name = metric.upper()
    if score_a == score_b:
        return f"the same validation {name}"
    if score_a == 0:
        before, after = readable_number(score_a), readable_number(score_b)
        return f"validation {name} {before} → {after}"
    change = (score_b - score_a) / abs(score_a) * 100
    direction = "lower, better" if change < 0 else "higher, worse"
    return (
        f"validation {name} {readable_number(score_a)} → {readable_number(score_b)} "
        f"({abs(change):.0f} % {direction})"
    )


def _interval(run: Any, metric: str) -> tuple[float, float] | None:
    """The run's 95 % interval of its final validation ``metric``, if kept."""
    bounds = ((getattr(run, "metrics_ci", None) or {}).get("val") or {}).get(metric)
    if not isinstance(bounds, list | tuple) or len(bounds) != 2:
        return None
    low, high = (finite_or_none(bound) for bound in bounds)
    return None if low is None or high is None else (low, high)


def within_chance(run_a: Any, run_b: Any, metric: str | None = None) -> bool | None:
    """Whether the runs' validation scores differ by less than chance explains.

    The difference is within chance when either run's score lies inside the other's
    95 % bootstrap interval (``Run.metrics_ci``). That is stricter than asking
    whether the intervals overlap, and looser than a paired test on the same rows,
    which the runs' kept metrics do not allow.

    Returns:
        None when the runs have no final score or no interval to judge by (older
        runs, interrupted ones).
    """
    metric = metric or main_metric(run_b.task or run_a.task)
    scores = [
        finite_or_none(((run.metrics or {}).get("val") or {}).get(metric))
        for run in (run_a, run_b)
    ]
    bounds = [_interval(run, metric) for run in (run_a, run_b)]
    if None in scores or bounds == [None, None]:
        return None
    inside = [
        bound is not None and bound[0] <= score <= bound[1]
        for bound, score in zip(bounds, reversed(scores), strict=True)
    ]
    return any(inside)


def _noise(run_a: Any, run_b: Any) -> str:
    """``", within chance on 105 validation rows"``, or ``""`` when the difference
    is larger than chance explains, too small to mention, or cannot be judged."""
    if run_a.task != run_b.task and run_a.task and run_b.task:
        return ""
    metric = main_metric(run_b.task or run_a.task)
    if not within_chance(run_a, run_b, metric):
        return ""
    score_a = finite_or_none(run_a.metrics["val"][metric])
    score_b = finite_or_none(run_b.metrics["val"][metric])
    if metric == "accuracy" and abs(score_b - score_a) * 100 < 0.05:
        return ""
    if metric != "accuracy" and (score_a == score_b or score_a == 0):
        return ""
    # B's validation rows (A's when B's were not kept): usually the same rows.
    counts = [(getattr(run, "rows", None) or {}).get("val") for run in (run_b, run_a)]
    rows = next((count for count in counts if isinstance(count, int)), None)
    if isinstance(rows, int):
        return f", within chance on {rows} validation rows"
    return ", within chance (inside the 95 % error bars)"


def _overfit_change(run_a: Any, run_b: Any, name_a: str) -> str:
    epoch_a, epoch_b = overfitting_epoch(run_a), overfitting_epoch(run_b)
    if epoch_b is not None and epoch_a is not None:
        return f", overfits from epoch {epoch_b} ({name_a} from epoch {epoch_a})"
    if epoch_b is not None:
        return f", overfits from epoch {epoch_b}"
    if epoch_a is not None:
        return f", no longer overfits ({name_a} did from epoch {epoch_a})"
    return ""


def summary_line(run_a: Any, run_b: Any, names: Sequence[str] = ("A", "B")) -> str:
    """What run B changed from run A and what came of it, in one line.

    Args:
        run_a, run_b: runs (``spec``, ``task``, ``metrics``, ``history``).
        names: what to call them. Default: ``("A", "B")``.

    Returns:
        e.g. ``"B added a 32-unit layer: validation accuracy +3.1 points, overfits
        from epoch 14"``; when both runs kept error bars (``Run.metrics_ci``) and
        the difference is within them (``within_chance``), it says so: ``"...
        +0.8 points, within chance on 105 validation rows"``.
    """
    name_a, name_b = names
    phrases = _changes(run_a.spec or {}, run_b.spec or {})
    what = _joined(phrases) if phrases else f"has the same settings as {name_a}"
    return (
        f"{name_b} {what}: {_score_change(run_a, run_b)}"
        f"{_overfit_change(run_a, run_b, name_a)}{_noise(run_a, run_b)}"
    )


# --- the table of runs -------------------------------------------------------------


def _when(created: str | None) -> datetime | None:
    if not created:
        return None
    try:
        moment = datetime.fromisoformat(created)
    except ValueError:
        return None
    # Local time of the server, without a zone: what people read as "when".
    return moment.astimezone().replace(tzinfo=None) if moment.tzinfo else moment


def run_name(run: Any) -> str:
    """What people call a run: its kept name (``Run.name``), else the default one
    of its data, network and time, e.g. ``"Iris flowers · 8-4 · 10:31"``."""
    name = getattr(run, "name", None)
    if isinstance(name, str) and name.strip():
        return name
    return default_run_name(
        run.spec or {},
        dataset=getattr(run, "dataset", None),
        created=getattr(run, "created", None),
    )


def run_title(run: Any) -> str:
    """One line naming a run in a list: its name, and its status unless it
    finished: ``"Iris flowers · 8-4 · 10:31"``, ``"… · 10:31 (interrupted)"``."""
    status = getattr(run, "status", None)
    name = run_name(run)
    return name if status in (None, "finished") else f"{name} ({status})"


def runs_table(runs: Sequence[Any]) -> pd.DataFrame:
    """One row per run for a sortable table, newest first as given.

    Columns: ``run`` (its name, ``run_name``), ``when``, ``status``,
    ``dataset``, ``network``, the
    validation score (``validation accuracy`` and/or ``validation RMSE``), the test
    score once the run's test set was looked at (``test accuracy`` / ``test
    RMSE``), ``epochs``, ``optimiser``, ``learning rate``, ``batch size``, ``task``.
    """
    rows = []
    for run in runs:
        spec = run.spec or {}
        compile_ = spec.get("compile") or {}
        train = spec.get("train") or {}
        metric = main_metric(run.task)
        label = "accuracy" if metric == "accuracy" else "RMSE"
        rows.append(
            {
                "run": run_name(run),
                "when": _when(run.created),
                "dataset": dataset_title(run.dataset),
                "task": run.task or "",
                "network": network_summary(spec),
                "optimiser": OPTIMIZER_TITLES.get(
                    compile_.get("optimizer"), str(compile_.get("optimizer"))
                ),
                "learning rate": finite_or_none(compile_.get("learning_rate")),
                "batch size": train.get("batch_size"),
                "epochs": run.epochs_run,
                f"validation {label}": validation_score(run, metric),
                f"test {label}": test_score(run, metric),
                "status": run.status,
            }
        )
    # The scores early, so they show without scrolling sideways.
    scores = ["validation accuracy", "validation RMSE", "test accuracy", "test RMSE"]
    columns = [
        "run",
        "when",
        "status",
        "dataset",
        "network",
        *scores,
        "epochs",
        "optimiser",
        "learning rate",
        "batch size",
        "task",
    ]
    table = pd.DataFrame(rows, columns=columns)
    empty = [c for c in scores if table[c].isna().all()]
    if len(table):
        table = table.drop(columns=empty)
    table["when"] = pd.to_datetime(table["when"])
    return table
