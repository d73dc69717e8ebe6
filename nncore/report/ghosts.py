"""Ghost runs: a session's earlier runs on the same data, to draw faintly under the
curves of the current one, each named by what it did differently.

Plain Python on the runs' specs and histories (``JobView``, the run store's ``Run``
or ``PastRun``): no TensorFlow. The names reuse the settings as the Runs screen
shows them (``nncore.report.compare.settings_diff``), in the fewest words a legend
can hold:

    "dropout 0.2 (now none)"
    "learning rate 0.01 (now 0.001)"
    "layers 128-64 (now 8)"
    "same settings"

Example:
    >>> ghosts = ghost_runs(view, earlier, "loss")
    >>> figure = curves_figure(view.history, "loss", ghosts=ghosts)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nncore.report.compare import settings_diff
from nncore.train.model import network_summary

__all__ = [
    "GHOST_LIMIT",
    "LABEL_LIMIT",
    "PastRun",
    "ghost_runs",
    "past_run",
    "same_data",
]

# More faint lines than this hide the current run's curves.
GHOST_LIMIT = 5
# Longer names crowd the legend: a longer "what changed" becomes "run N".
LABEL_LIMIT = 40
# What each setting is called in a name (``compare.settings`` keys, lower case).
_WORDS = {
    "Learning rate": "learning rate",
    "Batch size": "batch size",
    "Epochs": "epochs",
    "Momentum": "momentum",
    "Loss": "loss",
    "Class weights": "class weights",
    "Keep the best model": "keep the best",
    "Training seed": "seed",
}


@dataclass(frozen=True)
class PastRun:
    """What a ghost needs of an earlier run: light enough to keep in a session.

    Attributes:
        spec: the experiment it ran.
        history: metric name -> one value per epoch (None or NaN where missing).
        dataset: its data source, e.g. ``"builtin:iris"``; None if unknown.
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``; None if unknown.
        n_train: its training rows; None if unknown.
        feature_names: the network's inputs; None if unknown.
        job_id: its job in the job manager; None if unknown.
        run_id: its run in the run store; None if unknown.
    """

    spec: dict
    history: dict = field(default_factory=dict)
    dataset: str | None = None
    task: str | None = None
    n_train: int | None = None
    feature_names: tuple[str, ...] | None = None
    job_id: str | None = None
    run_id: str | None = None


def past_run(run: Any) -> PastRun:
    """The ``PastRun`` of a ``JobView``, a run store ``Run`` or a ``PastRun``.

    Args:
        run: anything with ``spec`` and ``history``; ``dataset``, ``task``,
            ``n_train`` (or the store's ``rows["train"]``), ``feature_names``,
            ``job_id`` and ``run_id`` are read when it has them.

    Returns:
        A ``PastRun`` holding copies of its spec's reference and history lists.
    """
    if isinstance(run, PastRun):
        return run
    n_train = getattr(run, "n_train", None)
    if n_train is None:
        n_train = (getattr(run, "rows", None) or {}).get("train")
    names = getattr(run, "feature_names", None)
    return PastRun(
        spec=run.spec or {},
        history={name: list(values) for name, values in (run.history or {}).items()},
        dataset=getattr(run, "dataset", None),
        task=getattr(run, "task", None),
        n_train=n_train,
        feature_names=tuple(names) if names is not None else None,
        job_id=getattr(run, "job_id", None),
        run_id=getattr(run, "run_id", None),
    )


def ghost_runs(
    current: Any, earlier: Sequence[Any], metric: str, limit: int = GHOST_LIMIT
) -> list[dict]:
    """The earlier runs to draw faintly under ``current``'s curves of ``metric``.

    Only runs on the same data count: the same data settings (``spec["data"]``:
    source, target, split, scaling, seed, …), source and task, and where both runs
    know them the same number of training rows and inputs; the network and the
    training settings may differ. A run without a recorded value of ``metric`` (on
    the training or the validation rows) is left out, and so is ``current`` itself
    (the same job, or the same run continued in a new job).

    Args:
        current: the run being shown (a ``JobView``, ``Run`` or ``PastRun``).
        earlier: the session's earlier runs, newest first (as
            ``JobManager.jobs_for`` lists them); other data's runs may be among
            them.
        metric: the metric drawn, without ``val_``, e.g. ``"loss"``.
        limit: how many ghosts at most. Default: ``GHOST_LIMIT`` (5).

    Returns:
        Newest first, at most ``limit``: ``{"label": what that run did
        differently, e.g. "dropout 0.2 (now none)", "same settings", or "run 3"
        (its place in ``earlier`` counted from the oldest, 1) when the changes do
        not fit in a legend; "history": its ``metric`` and ``val_`` curves}``.
        Labels are unique: a repeated one ends with its run number.

    Raises:
        ValueError: ``limit`` is not a whole number of at least 0.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValueError(
            f"Received limit={limit!r}. Expected a whole number of at least 0, "
            "e.g. limit=5."
        )
    now = past_run(current)
    ghosts: list[dict] = []
    seen = {now.run_id} - {None}
    for index, run in enumerate(earlier):
        if len(ghosts) >= limit:
            break
        then = past_run(run)
        if (then.job_id is not None and then.job_id == now.job_id) or (
            then.run_id is not None and then.run_id in seen
        ):
            continue
        seen.add(then.run_id)
        curves = _curves(then.history, metric)
        if curves is None or not same_data(then, now):
            continue
        number = len(earlier) - index
        ghosts.append(
            {
                "label": _label(then.spec, now.spec, number),
                "history": curves,
                "_number": number,
            }
        )
    return _unique(ghosts, [g["label"] for g in ghosts])


def same_data(one: Any, other: Any) -> bool:
    """Whether two runs trained on the same prepared data (any network).

    Args:
        one, other: ``JobView``, ``Run`` or ``PastRun`` objects.
    """
    one, other = past_run(one), past_run(other)
    if (one.spec or {}).get("data") != (other.spec or {}).get("data"):
        return False
    for name in ("dataset", "task", "n_train", "feature_names"):
        mine, theirs = getattr(one, name), getattr(other, name)
        if mine is not None and theirs is not None and mine != theirs:
            return False
    return True


# --- the curves --------------------------------------------------------------------


def _drawable(values: Any) -> bool:
    """Whether a curve has at least one epoch with a number to draw."""
    for value in values or ():
        try:
            if math.isfinite(float(value)):
                return True
        except (TypeError, ValueError):  # None: an epoch that did not log it
            continue
    return False


def _curves(history: Mapping[str, Any], metric: str) -> dict | None:
    """``metric``'s training and validation curves, or None without an epoch."""
    curves = {
        key: list(history[key])
        for key in (metric, f"val_{metric}")
        if key in history and _drawable(history[key])
    }
    return curves or None


# --- the name ----------------------------------------------------------------------


def _label(then: Mapping[str, Any], now: Mapping[str, Any], number: int) -> str:
    """What ``then`` did differently from ``now``, short enough for a legend."""
    phrases = _changes(then, now)
    if not phrases:
        return "same settings"
    if len(phrases) <= 2 and len(", ".join(phrases)) <= LABEL_LIMIT:
        return ", ".join(phrases)
    first = phrases[0] + (f" +{len(phrases) - 1} more" if len(phrases) > 1 else "")
    return first if len(first) <= LABEL_LIMIT else f"run {number}"


def _changes(then: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    """One short phrase per setting that differs: ``"batch size 16 (now 32)"``."""
    phrases = []
    for row in settings_diff([then, now], names=["then", "now"]):
        setting, old, new = row["setting"], row["then"], row["now"]
        if setting == "Hidden layers":
            phrases.extend(_layer_changes(then, now))
        elif setting == "Optimiser":
            phrases.append(f"{old} (now {new})")
        elif setting == "Early stopping" and "off" not in (old, new):
            phrases.append(f"patience {_patience(then)} (now {_patience(now)})")
        elif setting in ("Early stopping", "Lower the learning rate"):
            phrases.append(f"{setting.lower()} {_on(old)} (now {_on(new)})")
        elif old != "—" and new != "—":  # a setting only one has came with another
            phrases.append(f"{_WORDS.get(setting, setting.lower())} {old} (now {new})")
    return phrases


def _on(shown: str) -> str:
    """``"on (patience 5)"`` -> ``"on"``: the details only when both are on."""
    return shown.split(" (")[0]


def _patience(spec: Mapping[str, Any]) -> Any:
    return ((spec.get("train") or {}).get("early_stopping") or {}).get("patience")


def _layers(spec: Mapping[str, Any], kind: str | None = None) -> list[Mapping]:
    layers = (spec.get("model") or {}).get("layers") or []
    return [
        layer
        for layer in layers
        if isinstance(layer, Mapping) and (kind is None or layer.get("type") == kind)
    ]


def _sizes(spec: Mapping[str, Any]) -> str:
    """The layers' sizes, ``"128-64"`` (``network_summary`` without its extras)."""
    return network_summary(spec).split(" + ")[0]


def _rates(spec: Mapping[str, Any]) -> str:
    rates = [f"{float(layer.get('rate') or 0):g}" for layer in _layers(spec, "dropout")]
    return ", ".join(rates) or "none"


def _activations(spec: Mapping[str, Any]) -> list[str]:
    names = [str(layer.get("activation", "relu")) for layer in _layers(spec, "dense")]
    return list(dict.fromkeys(names))


def _layer_changes(then: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    phrases = []
    if _sizes(then) != _sizes(now):
        old, new = _sizes(then), _sizes(now)
        phrases.append(
            f"{old} (now {new})"
            if old == "no hidden layer"
            else f"layers {old} (now {new})"
        )
    if _rates(then) != _rates(now):
        old = _rates(then)
        phrases.append(
            f"{'no dropout' if old == 'none' else 'dropout ' + old} (now {_rates(now)})"
        )
    norms = [len(_layers(spec, "batchnorm")) for spec in (then, now)]
    if norms[0] != norms[1]:
        phrases.append(
            "batchnorm (now none)" if norms[0] > norms[1] else "no batchnorm (now on)"
        )
    old, new = _activations(then), _activations(now)
    if old != new and old and new:
        phrases.append(f"{'/'.join(old)} (now {'/'.join(new)})")
    if not phrases:
        phrases.append("other layer settings")
    return phrases


def _unique(ghosts: list[dict], labels: list[str]) -> list[dict]:
    """Repeated labels get the run number, so every legend entry is told apart."""
    for ghost, label in zip(ghosts, labels, strict=True):
        number = ghost.pop("_number")
        if labels.count(label) > 1 and not label.startswith("run "):
            ghost["label"] = f"{label} · run {number}"
    return ghosts
