"""The training doctor: reads a training history and says what went wrong.

Pure functions over a Keras-style history (metric name -> list of per-epoch floats,
e.g. ``loss``, ``val_loss``, ``accuracy``, ``val_accuracy``; values may be NaN or
inf). Each detector returns a ``Finding`` or ``None``; ``diagnose`` runs them all and
works on a partial history too, so the Train screen can call it after every epoch.
Each finding carries one-click fixes: small patches of the experiment spec that
``apply_fix`` applies to a copy of the spec (``nncore.train.doctor_fixes``). Given the
experiment's spec, a finding offers only fixes that change something in it.

Standard library and NumPy only: no TensorFlow, no Streamlit.

Example:
    >>> findings = diagnose(result.history, baseline=result.baseline)
    >>> spec = apply_fix(spec, findings[0].fixes[0])
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nncore.core.text import readable_number
from nncore.train.doctor_fixes import (
    FIXES,
    MAX_UNITS,
    advice,
    apply_fix,
)

__all__ = [
    "FIXES",
    "KINDS",
    "MAX_UNITS",
    "Finding",
    "apply_fix",
    "diagnose",
    "divergence",
    "ignored_class",
    "oscillation",
    "overfitting",
    "plateau",
    "underfitting",
]

KINDS = (
    "overfitting",
    "underfitting",
    "divergence",
    "oscillation",
    "plateau",
    "ignored_class",
)
TASKS = ("binary", "multiclass", "regression")

# Fewer epochs than this are mostly the warm-up of any network: nothing but a
# non-finite loss is reported on them.
MIN_EPOCHS = 5

# Overfitting, first sign: the validation loss has risen for at least this many
# epochs after its lowest point (Keras' early-stopping patience is of this order)...
OVERFIT_PATIENCE = 3
# ...by at least 10% (mean of the last 3 epochs over the lowest value), which is well
# above the epoch-to-epoch noise of a validation loss on a few hundred rows...
OVERFIT_MIN_RISE = 0.10
# ...while the training loss fell by at least 1% over the same stretch (if it did
# not, the network is not memorising; something else is wrong).
OVERFIT_TRAIN_FALL = 0.01
# Overfitting, second sign: the relative gap (val_loss - loss) / val_loss widened by
# at least 0.25 over at least 5 epochs, ends at 0.3 or more (training loss at most
# 70% of the validation loss), and over that stretch the validation loss improved
# (relatively) less than a quarter as much as the training loss: the training loss
# keeps falling but new data hardly gains. Healthy curves improve in proportion.
GAP_WINDOW = 5
GAP_GROWTH = 0.25
GAP_MIN_END = 0.30
GAP_VAL_SHARE = 0.25
# The gap counts as still narrow within this distance of its smallest value; the
# last such epoch is where the widening starts.
GAP_NARROW = 0.05

# Underfitting, first sign: training accuracy at most 3 points above the naive
# (majority-class) baseline after MIN_EPOCHS epochs: the network learned nothing the
# class counts do not already tell.
UNDERFIT_ACCURACY_MARGIN = 0.03
# Underfitting, second sign: the training loss improved by less than 1% over at
# least 5 epochs while it is still at 75% or more of the first epoch's loss.
UNDERFIT_FLAT_TOLERANCE = 0.01
UNDERFIT_FLAT_WINDOW = 5
UNDERFIT_HIGH_FRACTION = 0.75

# Divergence: a loss more than 3x its lowest value so far is not noise, and the jump
# must be at least 10% of the first epoch's loss so tiny losses (1e-5 -> 4e-5) that
# triple from rounding do not count.
DIVERGENCE_SPIKE = 3.0
DIVERGENCE_MIN_JUMP = 0.10

# Oscillation: at least 4 swings in a row of 10% or more of the loss, each in the
# opposite direction to the one before (3 reversals). Healthy noise is a few percent
# and rarely alternates four times at that size.
OSCILLATION_AMPLITUDE = 0.10
OSCILLATION_REVERSALS = 3
# ...and each swing at least 1% of the first epoch's loss and at least 0.0001: a
# loss around 0.00001 that doubles and halves has fitted the data, it does not
# oscillate.
OSCILLATION_FIRST_SHARE = 0.01
OSCILLATION_FLOOR = 1e-4

# Plateau: no improvement of more than 1% over the best value so far for 10 epochs,
# twice the default early-stopping patience of 5.
PLATEAU_TOLERANCE = 0.01
PLATEAU_EPOCHS = 10

# Ignored class: the validation balanced accuracy (the mean of the classes' recall)
# at least 0.15 below the accuracy. With equal classes the two are equal; a gap this
# wide needs imbalanced classes and a network that misses most rows of the rare
# ones (on 90/10 rows, always guessing the big class: 0.9 against 0.5).
IGNORED_CLASS_GAP = 0.15
# What else to try when the scaling fix is in place already.
_OUTLIERS = (
    "check the Data screen for outliers: a few extreme values still produce huge "
    "gradients after standardising"
)
_MORE_RARE = (
    "collect more rows of the rare class, and lower the decision threshold on the "
    "Evaluate screen to find more of it."
)

# The class-weight setting of the spec (nncore.spec.schema.CLASS_WEIGHTS).
CLASS_WEIGHTS = ("none", "balanced")


@dataclass
class Finding:
    """One problem the doctor found in a training history.

    Attributes:
        kind: one of ``KINDS``, e.g. ``"overfitting"``.
        epoch: the 1-based epoch where the problem starts (or was detected).
        message: what happened, at which epoch, what it means and why it matters.
        remedy: what to do about it, in words.
        fixes: one-click fixes, each ``{"label", "action", "changes"}``; pass one to
            ``apply_fix``.
    """

    kind: str
    epoch: int
    message: str
    remedy: str
    fixes: list[dict[str, Any]] = field(default_factory=list)


def _fixes(*names: str) -> list[dict[str, Any]]:
    return [copy.deepcopy(FIXES[name]) for name in names]


def _number(value: float) -> str:
    return readable_number(value, digits=4)


# --- reading a history -------------------------------------------------------------


def _column(history: Mapping[str, Any], key: str) -> np.ndarray | None:
    """The whole series as floats (NaN for None), or None when absent or empty."""
    if key not in history:
        return None
    values = history[key]
    if isinstance(values, str) or not hasattr(values, "__len__"):
        raise TypeError(
            f"history['{key}'] must be a list of per-epoch numbers. "
            f"Got {type(values).__name__}."
        )
    try:
        series = np.array(
            [np.nan if value is None else value for value in values], dtype=float
        )
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"history['{key}'] must hold numbers only, e.g. [0.69, 0.52, 0.41]. "
            f"Got {list(values)[:5]!r}."
        ) from error
    if series.ndim != 1:
        raise ValueError(
            f"history['{key}'] must be a flat list of numbers, one per epoch. "
            f"Got an array of shape {series.shape}."
        )
    return series if series.size else None


def _finite(history: Mapping[str, Any], *keys: str) -> list[np.ndarray] | None:
    """The named series cut to a common length and to their finite beginning.

    Epochs from the first NaN/inf on belong to the divergence detector; the others
    judge the part of training that still had numbers. None when a key is missing.
    """
    _check_history(history)
    columns = [_column(history, key) for key in keys]
    if any(column is None for column in columns):
        return None
    length = min(column.size for column in columns)
    for column in columns:
        bad = np.flatnonzero(~np.isfinite(column[:length]))
        if bad.size:
            length = int(bad[0])
    return [column[:length] for column in columns]


def _check_history(history: Any) -> None:
    if not isinstance(history, Mapping):
        raise TypeError(
            "history must be a dict of metric name -> list of per-epoch numbers, "
            "e.g. {'loss': [0.69, 0.52], 'val_loss': [0.7, 0.6]} "
            f"(TrainResult.history). Got {type(history).__name__}."
        )


# --- detectors -------------------------------------------------------------------


def overfitting(
    history: Mapping[str, Any],
    patience: int = OVERFIT_PATIENCE,
    *,
    spec: Mapping[str, Any] | None = None,
) -> Finding | None:
    """Validation loss rising, or a widening train/validation gap, while loss falls.

    Args:
        history: Keras-style history with ``loss`` and ``val_loss``.
        patience: how many epochs the validation loss must have risen after its
            lowest point. Defaults to 3.
        spec: the experiment spec the history comes from. Fixes it has in place
            already are left out, and the remedy says what else to try. Defaults
            to None (unknown: every fix is offered).

    Returns:
        A finding at the epoch where the validation loss was lowest (or where the
        gap started to widen), or None.
    """
    if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
        raise ValueError(
            f"Received: patience={patience!r}. Expected a positive whole number of "
            "epochs, e.g. patience=3."
        )
    series = _finite(history, "loss", "val_loss")
    if series is None:
        return None
    loss, val_loss = series
    n_epochs = loss.size
    if n_epochs < MIN_EPOCHS:
        return None
    remedy, fixes = advice(
        spec,
        ("add_dropout", "enable_early_stopping", "fewer_units"),
        "Add Dropout layers, turn on early stopping so training ends at the best "
        "epoch, or use fewer units so the network cannot memorise the training rows.",
        otherwise="collect more training rows: more examples are the surest cure "
        "for memorising",
    )

    best = int(np.argmin(val_loss))
    recent = val_loss[-3:].mean()
    if (
        n_epochs - 1 - best >= patience
        and val_loss[best] > 0
        and recent >= val_loss[best] * (1 + OVERFIT_MIN_RISE)
        and loss[-3:].mean() <= loss[best] * (1 - OVERFIT_TRAIN_FALL)
    ):
        rising = n_epochs - 1 - best
        message = (
            f"Overfitting from epoch {best + 1}: the validation loss was lowest there "
            f"({_number(val_loss[best])}) and has risen for {rising} epochs since "
            f"(now {_number(val_loss[-1])}) while the training loss kept falling "
            f"({_number(loss[best])} -> {_number(loss[-1])}). The network is "
            "memorising the training rows instead of learning patterns that carry "
            "over to new data, so every further epoch makes it worse on unseen data; "
            f"the weights of epoch {best + 1} generalise best."
        )
        return Finding("overfitting", best + 1, message, remedy, fixes)

    if np.any(val_loss <= 0) or np.any(loss <= 0):
        return None
    gap = (val_loss - loss) / val_loss
    start = int(np.flatnonzero(gap <= gap.min() + GAP_NARROW)[-1])
    end_gap = gap[-3:].mean()
    train_gain = (loss[start] - loss[-1]) / loss[start]
    val_gain = (val_loss[start] - val_loss[start:].min()) / val_loss[start]
    if (
        n_epochs - 1 - start >= GAP_WINDOW
        and end_gap - gap.min() >= GAP_GROWTH
        and end_gap >= GAP_MIN_END
        and train_gain >= OVERFIT_TRAIN_FALL
        and val_gain <= GAP_VAL_SHARE * train_gain
    ):
        message = (
            f"Overfitting from epoch {start + 1}: since then the training loss fell "
            f"from {_number(loss[start])} to {_number(loss[-1])} but the validation "
            f"loss only went from {_number(val_loss[start])} to "
            f"{_number(val_loss[-1])}, so the gap between them "
            f"keeps widening (training loss is now {1 - end_gap:.0%} of the "
            "validation loss). The extra epochs only fit the training rows better; "
            "they do not help on new data and soon start to hurt."
        )
        return Finding("overfitting", start + 1, message, remedy, fixes)
    return None


def underfitting(
    history: Mapping[str, Any],
    baseline: Mapping[str, Any] | float | None = None,
    task: str | None = None,
    *,
    spec: Mapping[str, Any] | None = None,
) -> Finding | None:
    """Training accuracy no better than the naive baseline, or a flat, high loss.

    Args:
        history: Keras-style history with ``loss`` (and ``accuracy`` for the
            baseline comparison).
        baseline: the naive predictor's metrics, e.g. ``TrainResult.baseline``
            (``{"accuracy": 0.63, ...}``), or its accuracy as a number. Defaults to
            None (only the flat-loss check runs).
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``; accuracy is not
            compared for regression. Defaults to None (unknown).
        spec: the experiment spec the history comes from. Fixes it has in place
            already are left out, and the remedy says what else to try. Defaults
            to None (unknown: every fix is offered).

    Returns:
        A finding at the epoch from which training stalled, or None.
    """
    _check_choice("task", task, TASKS, none=True)
    remedy, fixes = advice(
        spec,
        ("more_units", "train_longer", "higher_learning_rate"),
        "Give the network more capacity (more units or layers), train for more "
        "epochs, or raise the learning rate so it can get past the starting point.",
        otherwise="add layers, or check on the Data screen that the input columns "
        "carry information about the target",
    )

    baseline_accuracy = _baseline_accuracy(baseline)
    series = _finite(history, "accuracy")
    if baseline_accuracy is not None and task != "regression" and series is not None:
        (accuracy,) = series
        if accuracy.size >= MIN_EPOCHS:
            near = accuracy <= baseline_accuracy + UNDERFIT_ACCURACY_MARGIN
            if near[-1]:
                above = np.flatnonzero(~near)
                start = int(above[-1]) + 1 if above.size else 0
                start = max(start, MIN_EPOCHS - 1)
                if start < accuracy.size:
                    message = (
                        f"Underfitting since epoch {start + 1}: the training accuracy "
                        f"is {_number(accuracy[-1])}, within "
                        f"{UNDERFIT_ACCURACY_MARGIN * 100:.0f} points of the naive "
                        f"baseline's {_number(baseline_accuracy)} (always predicting "
                        "the most common class). The network has not learned "
                        "anything the class counts do not already tell, even on the "
                        "rows it trains on."
                    )
                    return Finding("underfitting", start + 1, message, remedy, fixes)

    series = _finite(history, "loss")
    if series is None:
        return None
    (loss,) = series
    if loss.size < MIN_EPOCHS or loss[0] <= 0:
        return None
    # The first epoch from which the loss never again improves by more than the
    # tolerance: the start of the flat stretch.
    later_best = np.minimum.accumulate(loss[::-1])[::-1]
    flat = loss - later_best <= UNDERFIT_FLAT_TOLERANCE * np.abs(loss)
    moving = np.flatnonzero(~flat)
    start = int(moving[-1]) + 1 if moving.size else 0
    if (
        loss.size - 1 - start >= UNDERFIT_FLAT_WINDOW
        and loss[start:].min() >= UNDERFIT_HIGH_FRACTION * loss[0]
    ):
        message = (
            f"Underfitting since epoch {start + 1}: the training loss has stayed "
            f"near {_number(loss[-1])} for {loss.size - 1 - start} epochs, still "
            f"{loss[-1] / loss[0]:.0%} of the first epoch's {_number(loss[0])}. The "
            "network stopped learning while it is still poor on its own training "
            "rows, so it is too small, too slow or not trained long enough to fit "
            "the data."
        )
        return Finding("underfitting", start + 1, message, remedy, fixes)
    return None


def _baseline_accuracy(baseline: Any) -> float | None:
    if baseline is None:
        return None
    value = baseline.get("accuracy") if isinstance(baseline, Mapping) else baseline
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(
            "baseline must be the naive predictor's metrics, e.g. "
            "{'accuracy': 0.63} (TrainResult.baseline), or its accuracy as a "
            f"number. Got {value!r}."
        )
    return float(value) if math.isfinite(value) else None


def _check_choice(name: str, value: Any, allowed: tuple, *, none: bool) -> None:
    if value not in allowed and not (none and value is None):
        words = "{" + ", ".join(f"'{a}'" for a in allowed) + "}"
        raise ValueError(
            f"{name} must be one of {words}{' or None' if none else ''}. Got {value!r}."
        )


def divergence(
    history: Mapping[str, Any], *, spec: Mapping[str, Any] | None = None
) -> Finding | None:
    """A NaN/inf loss, or a training loss far above its lowest value so far.

    A non-finite loss is reported however short the history: it is never noise.

    Args:
        history: Keras-style history with ``loss`` (and ``val_loss``).
        spec: the experiment spec the history comes from. Fixes it has in place
            already are left out, and the remedy says what else to try. Defaults
            to None (unknown: every fix is offered).

    Returns:
        A finding at the first epoch with a non-finite or spiking loss, or None.
    """
    _check_history(history)
    remedy, fixes = advice(
        spec,
        ("halve_learning_rate", "scale_data"),
        "Halve the learning rate so each step stays small, and scale the inputs "
        "(standardise them) so no feature produces huge gradients.",
        otherwise=_OUTLIERS,
    )
    first_bad = None
    for key in ("loss", "val_loss"):
        column = _column(history, key)
        if column is None:
            continue
        bad = np.flatnonzero(~np.isfinite(column))
        if bad.size and (first_bad is None or bad[0] < first_bad[0]):
            first_bad = (int(bad[0]), key, column[bad[0]])
    if first_bad is not None:
        index, key, value = first_bad
        name = "training loss" if key == "loss" else "validation loss"
        message = (
            f"Training diverged at epoch {index + 1}: the {name} became "
            f"{_number(value)}. The weights blew up to values a computer cannot "
            "hold, so the model after this point predicts nothing useful and further "
            "epochs cannot repair it."
        )
        return Finding("divergence", index + 1, message, remedy, fixes)

    series = _finite(history, "loss")
    if series is None:
        return None
    (loss,) = series
    if loss.size < MIN_EPOCHS:
        return None
    lowest = np.minimum.accumulate(loss)
    for index in range(1, loss.size):
        previous = lowest[index - 1]
        if (
            previous > 0
            and loss[index] > DIVERGENCE_SPIKE * previous
            and loss[index] - previous >= DIVERGENCE_MIN_JUMP * abs(loss[0])
        ):
            message = (
                f"Training diverged at epoch {index + 1}: the training loss jumped "
                f"to {_number(loss[index])}, {loss[index] / previous:.1f} times its "
                f"lowest value so far ({_number(previous)}). The steps are so large "
                "that they overshoot the minimum and undo what the network had "
                "learned."
            )
            return Finding("divergence", index + 1, message, remedy, fixes)
    return None


def oscillation(
    history: Mapping[str, Any], *, spec: Mapping[str, Any] | None = None
) -> Finding | None:
    """The training loss swinging up and down strongly from epoch to epoch.

    A swing counts when it is large for the loss at that point (10% or more) and
    not tiny in absolute terms: at least 1% of the first epoch's loss and at least
    0.0001, so a loss that wobbles around 0.00001 (the data is fitted) is not
    oscillating.

    Args:
        history: Keras-style history with ``loss``.
        spec: the experiment spec the history comes from. Fixes it has in place
            already are left out, and the remedy says what else to try. Defaults
            to None (unknown: every fix is offered).

    Returns:
        A finding at the first epoch of the first run of alternating large swings,
        or None.
    """
    series = _finite(history, "loss")
    if series is None:
        return None
    (loss,) = series
    if loss.size < MIN_EPOCHS or np.any(loss <= 0):
        return None
    steps = np.diff(loss)
    floor = max(OSCILLATION_FLOOR, OSCILLATION_FIRST_SHARE * loss[0])
    large = (np.abs(steps) >= OSCILLATION_AMPLITUDE * loss[:-1]) & (
        np.abs(steps) >= floor
    )
    # Runs of large swings, each the opposite way to the one before: (start, length).
    runs: list[list[int]] = []
    for index in range(steps.size):
        if not large[index]:
            continue
        alternates = (
            index > 0
            and large[index - 1]
            and np.sign(steps[index]) != np.sign(steps[index - 1])
        )
        if alternates:
            runs[-1][1] += 1
        else:
            runs.append([index, 1])
    for start, swings in runs:
        if swings - 1 >= OSCILLATION_REVERSALS:
            epoch = start + 2  # the epoch whose loss made the first large swing
            message = (
                f"The training loss oscillates from epoch {epoch}: it went up and "
                f"down by {OSCILLATION_AMPLITUDE:.0%} or more {swings} times in a "
                "row. Each step jumps over the minimum and lands on the other side, "
                "so training wastes epochs bouncing instead of settling, and the "
                "final weights depend on where the bounce stopped."
            )
            remedy, fixes = advice(
                spec,
                ("halve_learning_rate", "scale_data"),
                "Halve the learning rate so the steps are small enough to settle, "
                "and scale the inputs (standardise them) to even out the gradients.",
                otherwise="use a larger batch size so each step averages more rows; "
                "a few outliers (see the Data screen) can also make the loss jump",
            )
            return Finding("oscillation", epoch, message, remedy, fixes)
    return None


def plateau(
    history: Mapping[str, Any], *, spec: Mapping[str, Any] | None = None
) -> Finding | None:
    """No improvement of the validation loss (or the loss) for a long stretch.

    Args:
        history: Keras-style history with ``val_loss`` (or ``loss``).
        spec: the experiment spec the history comes from. Fixes it has in place
            already are left out, and the remedy says what else to try. Defaults
            to None (unknown: every fix is offered).

    Returns:
        A finding at the epoch of the last real improvement, or None.
    """
    _check_history(history)
    key = "val_loss" if _column(history, "val_loss") is not None else "loss"
    series = _finite(history, key)
    if series is None:
        return None
    (values,) = series
    if values.size < MIN_EPOCHS:
        return None
    best, last_improvement = values[0], 0
    for index in range(1, values.size):
        if values[index] < best - PLATEAU_TOLERANCE * abs(best):
            best, last_improvement = values[index], index
    stalled = values.size - 1 - last_improvement
    if stalled < PLATEAU_EPOCHS:
        return None
    name = "validation loss" if key == "val_loss" else "training loss"
    message = (
        f"Plateau since epoch {last_improvement + 1}: the {name} has not improved by "
        f"more than {PLATEAU_TOLERANCE:.0%} for {stalled} epochs (best "
        f"{_number(best)}). The current learning rate no longer makes progress, so "
        "further epochs at this rate only cost time."
    )
    remedy, fixes = advice(
        spec,
        ("reduce_learning_rate", "stop_early"),
        "Reduce the learning rate so smaller steps can find a lower point, or stop "
        "training at the best epoch.",
        otherwise="collect more training rows: the validation loss may be as low "
        "as this network gets on this data",
        alternatives=("add_dropout", "fewer_units"),
    )
    return Finding("plateau", last_improvement + 1, message, remedy, fixes)


def ignored_class(
    history: Mapping[str, Any],
    scores: Mapping[str, Any] | None = None,
    *,
    class_weight: str = "none",
) -> Finding | None:
    """A classifier that gets the common class right and misses the rare one(s):
    its balanced accuracy far below its accuracy.

    Args:
        history: Keras-style history with ``loss``; the finding is at its last epoch.
        scores: the network's validation metrics after training, with
            ``accuracy`` and ``balanced_accuracy`` (``TrainResult.metrics["val"]``).
            Defaults to None (nothing to judge).
        class_weight: the experiment's ``train.class_weight``. Balanced class
            weights, the fix, are offered unless in place already. Defaults to
            ``"none"``.
    """
    _check_choice("class_weight", class_weight, CLASS_WEIGHTS, none=False)
    _check_history(history)
    loss = _column(history, "loss")
    scores = scores if isinstance(scores, Mapping) else {}
    accuracy, balanced = scores.get("accuracy"), scores.get("balanced_accuracy")
    finite = all(
        isinstance(v, int | float) and math.isfinite(v) for v in (accuracy, balanced)
    )
    if loss is None or not finite or accuracy - balanced < IGNORED_CLASS_GAP:
        return None
    message = (
        f"After epoch {loss.size} the network ignores the rare class: its balanced "
        f"accuracy (the average share of each class it finds) is {balanced:.2f} on "
        f"the validation rows, while its accuracy is {accuracy:.2f}. It scores well "
        "by mostly predicting the common class, so it misses most rows of the rare "
        "class, which is often the one that matters."
    )
    remedy = (
        "Train with balanced class weights, so that each class counts as much as "
        "the others in the loss, and judge the network by balanced accuracy and PR "
        "AUC rather than accuracy."
    )
    fixes = _fixes("balanced_class_weights")
    if class_weight == "balanced":  # the fix is in place already
        remedy, fixes = "The class weights are balanced already: " + _MORE_RARE, []
    return Finding("ignored_class", loss.size, message, remedy, fixes)


def diagnose(
    history: Mapping[str, Any],
    baseline: Mapping[str, Any] | float | None = None,
    task: str | None = None,
    *,
    scores: Mapping[str, Any] | None = None,
    class_weight: str = "none",
    spec: Mapping[str, Any] | None = None,
) -> list[Finding]:
    """Run every detector on a (possibly partial) history.

    A plateau is left out when overfitting, underfitting or divergence already
    explains it, and oscillation when the loss diverged: one cause, one finding.

    Args:
        history: Keras-style history, metric name -> per-epoch floats.
        baseline: the naive predictor's metrics (``TrainResult.baseline``) or its
            accuracy. Defaults to None.
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``. Defaults to None.
        scores: the network's validation metrics once training ended (see
            ``ignored_class``). Defaults to None.
        class_weight: the experiment's ``train.class_weight``. With balanced
            weights Keras weighs the training accuracy by class, so the naive
            guess scores its balanced accuracy. Defaults to ``"none"``.
        spec: the experiment spec the history comes from. A fix it has in place
            already (standard scaling, early stopping with patience 5, ...) is
            never offered: the finding's remedy says so and what else to try.
            Defaults to None (unknown: every fix is offered).

    Returns:
        The findings, in the order of ``KINDS``; empty for a healthy history.

    Raises:
        TypeError: when ``history`` is not a dict of lists.
        ValueError: when a series holds something other than numbers, or ``task``
            is unknown.
    """
    _check_history(history)
    _check_choice("task", task, TASKS, none=True)
    if class_weight == "balanced":
        weighted = isinstance(baseline, Mapping) and "balanced_accuracy" in baseline
        baseline = {"accuracy": baseline["balanced_accuracy"]} if weighted else None
    found = {
        "overfitting": overfitting(history, spec=spec),
        "underfitting": underfitting(history, baseline=baseline, task=task, spec=spec),
        "divergence": divergence(history, spec=spec),
        "oscillation": None,
        "plateau": None,
    }
    if found["divergence"] is None:
        found["oscillation"] = oscillation(history, spec=spec)
    if not any(found.values()):
        found["plateau"] = plateau(history, spec=spec)
    found["ignored_class"] = (
        None
        if task == "regression"
        else ignored_class(history, scores, class_weight=class_weight)
    )
    return [found[kind] for kind in KINDS if found[kind] is not None]
