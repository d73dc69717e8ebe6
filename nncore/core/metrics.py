"""The final metrics of a network, computed by scikit-learn from its outputs.

Every run, every screen, the command line and the exported script report the same
numbers because they all use these functions (``nncore.report.export`` copies the
source of ``classification_metrics``, ``regression_metrics`` and
``metrics_from_outputs`` into the script, so they use NumPy and scikit-learn only).
scikit-learn is imported inside functions: importing this module is cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from nncore.core.text import readable_number

__all__ = [
    "IMBALANCE_METRICS",
    "CLASSIFICATION_METRICS",
    "LOWER_IS_BETTER",
    "METRIC_TITLES",
    "baseline_metrics",
    "best_epoch",
    "classification_metrics",
    "finite_or_none",
    "format_metric",
    "main_metric",
    "format_with_interval",
    "metrics_from_outputs",
    "regression_metrics",
    "shown_metrics",
]


# What people call each final metric, and which ones are better when lower.
METRIC_TITLES = {
    "accuracy": "Accuracy",
    "precision": "Precision",
    "recall": "Recall",
    "f1": "F1 score",
    "roc_auc": "ROC AUC",
    "balanced_accuracy": "Balanced accuracy",
    "pr_auc": "PR AUC",
    "r2": "R² (explained variance)",
    "mae": "Mean absolute error",
    "rmse": "Root mean squared error",
}
LOWER_IS_BETTER = ("mae", "rmse")
# What classification_metrics returns, in its order (scores from 0 to 1).
CLASSIFICATION_METRICS = (
    "accuracy",
    "precision",
    "recall",
    "f1",
    "roc_auc",
    "balanced_accuracy",
    "pr_auc",
)
# The metrics that suit imbalanced classes: the screens show them only then.
IMBALANCE_METRICS = ("balanced_accuracy", "pr_auc")


def finite_or_none(value: Any) -> float | None:
    """``value`` as a float, or None when it is missing, not a number, NaN or
    infinite (a diverged run's metric, a score not computed)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None


def main_metric(task: str | None, *, imbalanced: bool = False) -> str:
    """The one score a task is judged by: RMSE for regression, accuracy for
    classification, balanced accuracy when the classes are imbalanced (a model that
    ignores the small class can score a high accuracy).

    Runs are compared, folds scored, searches steered and reference models weighed
    by it.
    """
    if task == "regression":
        return "rmse"
    return "balanced_accuracy" if imbalanced else "accuracy"


def format_metric(value: float | None, name: str) -> str:
    """A metric as shown to people: 3 decimals for scores, 4 significant digits
    for errors with thousands separators and no exponent ("1,343,000" rather than
    "1.343e+06"), "—" when missing, never "-0.000"."""
    if value is None:
        return "—"
    if name in LOWER_IS_BETTER:
        text = readable_number(value, digits=4)
    else:
        text = f"{value:.3f}"
    return text.lstrip("-") if text.lstrip("-").strip("0.") == "" else text


def format_with_interval(
    value: float | None, interval: list[float] | None, name: str
) -> str:
    """A metric with its error bar: ``"0.930 (0.891-0.962)"``.

    The bounds are formatted like the value (``format_metric``); a bound below
    zero (R² can be) is joined with " to " so the minus sign cannot be misread:
    ``"0.120 (-0.050 to 0.270)"``. Just ``format_metric(value, name)`` when
    ``interval`` is None (or ``value`` is missing).

    Args:
        value: the metric's value, or None.
        interval: its ``[low, high]`` (``nncore.core.intervals``), or None.
        name: the metric's name, e.g. ``"accuracy"`` or ``"rmse"``.
    """
    text = format_metric(value, name)
    if value is None or interval is None:
        return text
    low, high = (format_metric(bound, name) for bound in interval)
    joint = " to " if low.startswith("-") or high.startswith("-") else "-"
    return f"{text} ({low}{joint}{high})"


def shown_metrics(names, *, imbalanced: bool) -> list[str]:
    """The metrics of ``names`` a screen shows, in ``METRIC_TITLES`` order:
    balanced accuracy and PR AUC only when the classes are imbalanced
    (``nncore.data.profile.is_imbalanced``)."""
    names = set(names)
    return [
        name
        for name in METRIC_TITLES
        if name in names and (imbalanced or name not in IMBALANCE_METRICS)
    ]


def classification_metrics(y_true, probabilities) -> dict:
    """Accuracy, precision, recall, F1, ROC AUC, balanced accuracy and PR AUC from
    predicted probabilities.

    Binary: ``probabilities`` has one column, the probability of class 1 (the
    positive class). Multiclass: one column per class; precision, recall and F1
    are macro averages, ROC AUC and PR AUC (average precision) one-vs-rest,
    macro-averaged. Balanced accuracy is the mean recall of the classes in
    ``y_true``. ROC AUC and PR AUC are None when the split lacks a class.
    """
    import warnings

    from sklearn.metrics import (
        accuracy_score,
        average_precision_score,
        balanced_accuracy_score,
        precision_recall_fscore_support,
        roc_auc_score,
    )

    y_true = np.asarray(y_true).astype(int)
    probabilities = np.asarray(probabilities, dtype="float64")
    if probabilities.ndim == 1:
        probabilities = probabilities[:, None]
    if probabilities.shape[1] == 1:
        positive = probabilities[:, 0]
        predicted = (positive >= 0.5).astype(int)
        average = "binary"
        both = len(np.unique(y_true)) == 2
        roc_auc = float(roc_auc_score(y_true, positive)) if both else None
        pr_auc = float(average_precision_score(y_true, positive)) if both else None
    else:
        predicted = probabilities.argmax(axis=1)
        average = "macro"
        n_classes = probabilities.shape[1]
        # float32 softmax outputs add up to 1 only within ~1e-7.
        scores = probabilities / probabilities.sum(axis=1, keepdims=True)
        every = len(np.unique(y_true)) == n_classes
        roc_auc = (
            float(
                roc_auc_score(
                    y_true,
                    scores,
                    multi_class="ovr",
                    average="macro",
                    labels=np.arange(n_classes),
                )
            )
            if every
            else None
        )
        pr_auc = (
            float(
                average_precision_score(
                    np.eye(n_classes)[y_true], scores, average="macro"
                )
            )
            if every
            else None
        )
    with warnings.catch_warnings():
        # A class predicted but absent from y_true: the mean of the others' recall.
        warnings.filterwarnings("ignore", "y_pred contains classes not in y_true")
        balanced = float(balanced_accuracy_score(y_true, predicted))
    # One call for the three (each of precision_score, recall_score and f1_score
    # would count the classes again).
    precision, recall, f1, _ = precision_recall_fscore_support(
        y_true, predicted, average=average, zero_division=0
    )
    return {
        "accuracy": float(accuracy_score(y_true, predicted)),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "roc_auc": roc_auc,
        "balanced_accuracy": balanced,
        "pr_auc": pr_auc,
    }


def regression_metrics(y_true, predictions) -> dict:
    """R², mean absolute error and root mean squared error of predictions."""
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    y_true = np.asarray(y_true, dtype="float64")
    predictions = np.asarray(predictions, dtype="float64").reshape(len(y_true))
    return {
        "r2": float(r2_score(y_true, predictions)),
        "mae": float(mean_absolute_error(y_true, predictions)),
        "rmse": float(np.sqrt(mean_squared_error(y_true, predictions))),
    }


def baseline_metrics(prepared: Any, split: str = "test") -> dict[str, float | None]:
    """The metrics, on one split, of the predictor that ignores the inputs.

    Classification: every example gets the training split's class frequencies as
    its probabilities, so it is predicted as the majority class. Regression:
    every example is predicted as the training mean. Worked out once per data
    object and split (``nncore.core.memo``): every training, evaluation and
    report on the same data shares them; each call returns its own dict.

    Args:
        prepared: the data (a ``nncore.data.PreparedData``).
        split: ``"test"`` or ``"val"``. Default: ``"test"``.
    """
    from nncore.core.memo import kept

    scores = kept(
        prepared, ("baseline", split), lambda: _baseline_metrics(prepared, split)
    )
    return dict(scores)


def _baseline_metrics(prepared: Any, split: str) -> dict[str, float | None]:
    y_true = getattr(prepared, f"y_{split}")
    n = len(y_true)
    if prepared.task == "regression":
        mean = float(np.mean(prepared.y_train, dtype="float64"))
        return regression_metrics(y_true, np.full(n, mean))
    n_classes = len(prepared.classes)
    shares = np.bincount(prepared.y_train, minlength=n_classes) / len(prepared.y_train)
    if prepared.task == "binary":
        return classification_metrics(y_true, np.full((n, 1), shares[1]))
    return classification_metrics(y_true, np.tile(shares, (n, 1)))


def best_epoch(history: Mapping[str, Any]) -> int | None:
    """The 1-based epoch of the lowest finite validation loss in ``history`` (as
    ``model.fit(...).history`` gives it; None or NaN for a diverged epoch), or
    None when there is none."""
    values = np.asarray(history.get("val_loss") or [], dtype="float64")
    if not np.isfinite(values).any():
        return None
    return int(np.nanargmin(np.where(np.isfinite(values), values, np.nan))) + 1


def metrics_from_outputs(y_true, outputs, task: str) -> dict:
    """The task's metrics from the network's raw outputs (all None if they diverged).

    ``outputs`` is what ``model.predict`` returns: one column for binary and
    regression, one per class for multiclass.
    """
    outputs = np.asarray(outputs)
    if not np.all(np.isfinite(outputs)):
        if task == "regression":
            return dict.fromkeys(("r2", "mae", "rmse"))
        return dict.fromkeys(
            (
                "accuracy",
                "precision",
                "recall",
                "f1",
                "roc_auc",
                "balanced_accuracy",
                "pr_auc",
            )
        )
    if task == "regression":
        return regression_metrics(y_true, outputs[:, 0])
    return classification_metrics(y_true, outputs)
