"""Evaluating a trained network: how good it is and where it errs.

Everything here is computed once from plain arrays and returned as plain results
(dicts, lists, DataFrames); ``nncore.plots.evaluation`` draws them. Metrics come from
scikit-learn, as in ``nncore.core.metrics``, so the Evaluate screen, the Train screen
and the command line agree on every number. What the network does with new rows
(the try-it form, a table of predictions, permutation importance) is in
``nncore.train.prediction``.

The network is used through a *predict* function: inputs already preprocessed (a
float32 array) -> the network's raw outputs (one column for binary and regression,
one per class for multiclass). ``model_predictor(model)`` makes one from a Keras
model; tests pass any function, e.g. a scikit-learn model's ``predict_proba``.

Example:
    >>> predict = model_predictor(model)
    >>> evaluation = evaluate(predict, prepared, split="val")
    >>> summary = classification_summary(evaluation)
    >>> baseline_sentence(evaluation, summary["metrics"])
    "92 % accuracy; always guessing 'benign' would score 63 %."
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from nncore.core.metrics import (
    CLASSIFICATION_METRICS,
    baseline_metrics,
    regression_metrics,
)
from nncore.core.text import quoted, readable_number, short
from nncore.data.prepare import PreparedData

__all__ = [
    "MAX_CELL_ROWS",
    "SPLITS",
    "Evaluation",
    "Predict",
    "baseline_sentence",
    "cell_rows",
    "class_probabilities",
    "classification_summary",
    "evaluate",
    "evaluation_from_outputs",
    "feature_columns",
    "holdout_fingerprint",
    "largest_errors",
    "model_predictor",
    "pr_curves",
    "predicted_classes",
    "probability_histogram",
    "regression_summary",
    "roc_curves",
]

SPLITS = ("val", "test")
SPLIT_WORDS = {"val": "validation", "test": "test", "train": "training"}
# A confusion-matrix cell lists at most this many rows.
MAX_CELL_ROWS = 500

Predict = Callable[[np.ndarray], np.ndarray]


# --- the network's outputs ---------------------------------------------------------


def model_predictor(model: Any) -> Predict:
    """A predict function for a Keras model: preprocessed inputs -> raw outputs.

    Uses the compiled inference function of ``nncore.train.fastfit`` (many times faster
    than ``model.predict`` on small inputs, which permutation importance calls
    hundreds of times).
    """

    def predict(X: np.ndarray) -> np.ndarray:
        from nncore.train.fastfit import compiled_predict

        return np.asarray(compiled_predict(model, np.asarray(X, dtype="float32")))

    return predict


def class_probabilities(outputs: np.ndarray, task: str) -> np.ndarray:
    """Class probabilities, one column per class, rows adding up to 1."""
    outputs = np.asarray(outputs, dtype="float64")
    if outputs.ndim == 1:
        outputs = outputs[:, None]
    if task == "binary":
        positive = np.clip(outputs[:, -1], 0.0, 1.0)
        return np.column_stack([1.0 - positive, positive])
    total = outputs.sum(axis=1, keepdims=True)
    # float32 softmax outputs add up to 1 only within ~1e-7.
    return outputs / np.where(total > 0, total, 1.0)


@dataclass
class Evaluation:
    """A network's predictions on one split, with what is needed to judge them.

    Attributes:
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        split: ``"val"`` or ``"test"``.
        target: the target column.
        classes: class labels in encoded order (None for regression).
        y_true: true class indices (classification) or values (regression).
        outputs: class probabilities, one column per class (classification), or
            predicted values (regression, one per row).
        rows: positions of the split's rows in ``PreparedData.frame``.
        baseline: the naive predictor's metrics on the same rows.
        majority: the training split's most common class (classification).
        mean: the training split's mean target (regression).
        finite: False when the network's outputs hold NaN or infinity (it
            diverged); the metrics are then None.
    """

    task: str
    split: str
    target: str
    classes: list[str] | None
    y_true: np.ndarray
    outputs: np.ndarray
    rows: np.ndarray
    baseline: dict[str, float | None]
    majority: str | None = None
    mean: float | None = None
    finite: bool = True

    @property
    def n_rows(self) -> int:
        return int(len(self.y_true))

    @property
    def split_words(self) -> str:
        """``"validation"`` or ``"test"``."""
        return SPLIT_WORDS[self.split]


def evaluation_from_outputs(
    prepared: PreparedData, split: str, outputs: np.ndarray
) -> Evaluation:
    """An ``Evaluation`` from the network's raw outputs on one split.

    Args:
        prepared: the data the network was trained on.
        split: ``"val"`` or ``"test"``.
        outputs: what the network returns for ``prepared.X_<split>``.

    Raises:
        ValueError: an unknown split, or outputs that do not fit the split.
    """
    if split not in SPLITS:
        raise ValueError(
            f"The 'split' must be one of {{'val', 'test'}}. Got {split!r}."
        )
    y_true = np.asarray(getattr(prepared, f"y_{split}"))
    outputs = np.asarray(outputs, dtype="float64")
    if outputs.ndim == 1:
        outputs = outputs[:, None]
    if len(outputs) != len(y_true):
        raise ValueError(
            f"Received outputs for {len(outputs)} rows; the {SPLIT_WORDS[split]} "
            f"split has {len(y_true)}. Pass the network's outputs for "
            f"prepared.X_{split}."
        )
    finite = bool(np.all(np.isfinite(outputs)))
    task = prepared.task
    majority = mean = None
    if task == "regression":
        values = outputs[:, 0]
        mean = float(np.mean(prepared.y_train, dtype="float64"))
    else:
        values = class_probabilities(np.nan_to_num(outputs, nan=0.5), task)
        counts = np.bincount(prepared.y_train, minlength=len(prepared.classes))
        # As nncore.core.metrics.baseline_metrics predicts it: a binary tie goes to the
        # second class (its probability 0.5 reaches the threshold).
        if task == "binary":
            majority = prepared.classes[int(counts[1] >= counts[0])]
        else:
            majority = prepared.classes[int(np.argmax(counts))]
    return Evaluation(
        task=task,
        split=split,
        target=prepared.target,
        classes=list(prepared.classes) if prepared.classes else None,
        y_true=y_true,
        outputs=values,
        rows=np.asarray(getattr(prepared, f"{split}_index")),
        baseline=baseline_metrics(prepared, split),
        majority=majority,
        mean=mean,
        finite=finite,
    )


def evaluate(
    predict: Predict, prepared: PreparedData, split: str = "val"
) -> Evaluation:
    """Run the network on one split of the prepared data and keep the results.

    Args:
        predict: preprocessed inputs -> raw outputs (``model_predictor(model)``).
        prepared: the data the network was trained on.
        split: ``"val"`` or ``"test"``. Default: ``"val"``.
    """
    if split not in SPLITS:
        raise ValueError(
            f"The 'split' must be one of {{'val', 'test'}}. Got {split!r}."
        )
    outputs = predict(getattr(prepared, f"X_{split}"))
    return evaluation_from_outputs(prepared, split, outputs)


# --- classification ----------------------------------------------------------------


def _check_threshold(threshold: float) -> float:
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise ValueError(
            f"Received: threshold={threshold!r}. Expected a number between 0 and 1, "
            "e.g. threshold=0.5."
        )
    if not 0.0 <= float(threshold) <= 1.0:
        raise ValueError(
            f"Received: threshold={threshold!r}. Expected a number between 0 and 1, "
            "e.g. threshold=0.5."
        )
    return float(threshold)


def predicted_classes(evaluation: Evaluation, threshold: float = 0.5) -> np.ndarray:
    """The predicted class index of every row.

    Binary: the second class when its probability is at least ``threshold``.
    Multiclass: the most probable class (the threshold is not used).
    """
    threshold = _check_threshold(threshold)
    if evaluation.task == "binary":
        return (evaluation.outputs[:, 1] >= threshold).astype(int)
    return evaluation.outputs.argmax(axis=1).astype(int)


def classification_summary(evaluation: Evaluation, threshold: float = 0.5) -> dict:
    """Accuracy, precision, recall, F1 (per class and averaged), ROC AUC, balanced
    accuracy, PR AUC, confusion.

    Binary precision, recall and F1 are those of the positive (second) class, as
    scikit-learn's ``average="binary"``; multiclass ones are macro averages. Both
    as in ``nncore.core.metrics.classification_metrics`` at the threshold 0.5
    (ROC AUC and PR AUC do not depend on the threshold).

    Args:
        evaluation: a classification ``Evaluation``.
        threshold: the probability of the second class from which a binary row is
            predicted as that class. Default: 0.5.

    Returns:
        ``{"metrics": {accuracy, precision, recall, f1, roc_auc,
        balanced_accuracy, pr_auc},
        "per_class": [{class, precision, recall, f1, support}, ...],
        "averages": {"macro": {...}, "weighted": {...}},
        "confusion": [[count of true i predicted j]], "predicted": array,
        "threshold": float}``. Metrics are None when the network diverged.
    """
    import warnings

    from sklearn.metrics import (
        accuracy_score,
        balanced_accuracy_score,
        confusion_matrix,
        precision_recall_fscore_support,
        roc_auc_score,
    )

    from nncore.core.metrics import classification_metrics

    if evaluation.task == "regression":
        raise ValueError(
            "classification_summary needs a classification evaluation; for "
            "regression use regression_summary."
        )
    threshold = _check_threshold(threshold)
    classes = evaluation.classes
    labels = np.arange(len(classes))
    y_true = evaluation.y_true.astype(int)
    predicted = predicted_classes(evaluation, threshold)
    confusion = confusion_matrix(y_true, predicted, labels=labels).tolist()
    if not evaluation.finite:
        empty = dict.fromkeys(CLASSIFICATION_METRICS)
        return {
            "metrics": empty,
            "per_class": [],
            "averages": {},
            "confusion": confusion,
            "predicted": predicted,
            "threshold": threshold,
        }
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, predicted, labels=labels, zero_division=0
    )
    per_class = [
        {
            "class": classes[i],
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i in labels
    ]
    averages = {}
    for average in ("macro", "weighted"):
        p, r, f, _ = precision_recall_fscore_support(
            y_true, predicted, labels=labels, average=average, zero_division=0
        )
        averages[average] = {"precision": float(p), "recall": float(r), "f1": float(f)}
    present = np.unique(y_true)
    if evaluation.task == "binary":
        main = per_class[1]
        roc_auc = (
            float(roc_auc_score(y_true, evaluation.outputs[:, 1]))
            if len(present) == 2
            else None
        )
    else:
        main = averages["macro"]
        roc_auc = (
            float(
                roc_auc_score(
                    y_true,
                    evaluation.outputs,
                    multi_class="ovr",
                    average="macro",
                    labels=labels,
                )
            )
            if len(present) == len(classes)
            else None
        )
    with warnings.catch_warnings():  # as in classification_metrics
        warnings.filterwarnings("ignore", "y_pred contains classes not in y_true")
        balanced = float(balanced_accuracy_score(y_true, predicted))
    # PR AUC does not depend on the threshold: classification_metrics' own.
    outputs = evaluation.outputs
    pr_auc = classification_metrics(
        y_true, outputs[:, 1:] if evaluation.task == "binary" else outputs
    )["pr_auc"]
    metrics = {
        "accuracy": float(accuracy_score(y_true, predicted)),
        "precision": main["precision"],
        "recall": main["recall"],
        "f1": main["f1"],
        "roc_auc": roc_auc,
        "balanced_accuracy": balanced,
        "pr_auc": pr_auc,
    }
    return {
        "metrics": metrics,
        "per_class": per_class,
        "averages": averages,
        "confusion": confusion,
        "predicted": predicted,
        "threshold": threshold,
    }


def _one_vs_rest(evaluation: Evaluation) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(label, is this class, score for this class) per curve to draw.

    Binary: one curve, for the second (positive) class. Multiclass: one per class
    that has both its own rows and others in the split.
    """
    y_true = evaluation.y_true.astype(int)
    classes = evaluation.classes
    indices = [1] if evaluation.task == "binary" else range(len(classes))
    curves = []
    for i in indices:
        positive = y_true == i
        if positive.all() or not positive.any():
            continue
        curves.append((classes[i], positive, evaluation.outputs[:, i]))
    return curves


def roc_curves(evaluation: Evaluation) -> list[dict]:
    """ROC curves, one-vs-rest (binary: one curve, for the second class).

    Returns:
        One dict per class: ``label``, ``fpr``, ``tpr``, ``thresholds`` (lists) and
        ``auc``. Classes missing from the split have no curve.
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    if not evaluation.finite:
        return []
    curves = []
    for label, positive, score in _one_vs_rest(evaluation):
        fpr, tpr, thresholds = roc_curve(positive, score)
        curves.append(
            {
                "label": label,
                "fpr": fpr.tolist(),
                "tpr": tpr.tolist(),
                "thresholds": np.clip(thresholds, 0.0, 1.0).tolist(),
                "auc": float(roc_auc_score(positive, score)),
            }
        )
    return curves


def pr_curves(evaluation: Evaluation) -> list[dict]:
    """Precision-recall curves, one-vs-rest (binary: one, for the second class).

    Returns:
        One dict per class: ``label``, ``precision``, ``recall`` (lists),
        ``average_precision`` and ``prevalence`` (the share of rows of that class:
        the precision of guessing at random).
    """
    from sklearn.metrics import average_precision_score, precision_recall_curve

    if not evaluation.finite:
        return []
    curves = []
    for label, positive, score in _one_vs_rest(evaluation):
        precision, recall, _ = precision_recall_curve(positive, score)
        curves.append(
            {
                "label": label,
                "precision": precision.tolist(),
                "recall": recall.tolist(),
                "average_precision": float(average_precision_score(positive, score)),
                "prevalence": float(positive.mean()),
            }
        )
    return curves


def probability_histogram(evaluation: Evaluation, bins: int = 20) -> dict:
    """How sure the network is, as histograms over 0..1.

    Binary: the probability of the second class, one histogram per true class
    (well separated humps mean a confident, right network). Multiclass: the
    probability of the predicted class, for right and for wrong predictions.

    Returns:
        ``{"edges": [bins + 1 floats], "series": [{"name", "counts"}], "x_title",
        "kind": "positive" | "confidence"}``.
    """
    edges = np.linspace(0.0, 1.0, bins + 1)
    series = []
    if evaluation.task == "binary":
        score = evaluation.outputs[:, 1]
        for i, label in enumerate(evaluation.classes):
            counts, _ = np.histogram(score[evaluation.y_true == i], bins=edges)
            series.append({"name": f"true: {label}", "counts": counts.tolist()})
        x_title = f"probability of '{short(evaluation.classes[1], 30)}'"
        kind = "positive"
    else:
        predicted = evaluation.outputs.argmax(axis=1)
        confidence = evaluation.outputs.max(axis=1)
        right = predicted == evaluation.y_true
        for name, mask in (("right", right), ("wrong", ~right)):
            counts, _ = np.histogram(confidence[mask], bins=edges)
            series.append({"name": name, "counts": counts.tolist()})
        x_title = "probability of the predicted class"
        kind = "confidence"
    return {"edges": edges.tolist(), "series": series, "x_title": x_title, "kind": kind}


# --- regression --------------------------------------------------------------------


def regression_summary(evaluation: Evaluation) -> dict:
    """R², MAE and RMSE, with the predictions and residuals to draw.

    Returns:
        ``{"metrics": {r2, mae, rmse}, "actual": [...], "predicted": [...],
        "residuals": [...]}``; residual = actual - predicted. Metrics are None
        when the network diverged.
    """
    if evaluation.task != "regression":
        raise ValueError(
            "regression_summary needs a regression evaluation; for classification "
            "use classification_summary."
        )
    actual = evaluation.y_true.astype("float64")
    predicted = evaluation.outputs.astype("float64")
    if evaluation.finite:
        metrics = regression_metrics(actual, predicted)
    else:
        metrics = dict.fromkeys(("r2", "mae", "rmse"))
    residuals = actual - predicted
    return {
        "metrics": metrics,
        "actual": actual.tolist(),
        "predicted": [v if math.isfinite(v) else None for v in predicted.tolist()],
        "residuals": [v if math.isfinite(v) else None for v in residuals.tolist()],
    }


# --- in words ----------------------------------------------------------------------


def _percent(value: float) -> str:
    return f"{value * 100:.0f} %"


def _number(value: float) -> str:
    return readable_number(value)


def baseline_sentence(evaluation: Evaluation, metrics: Mapping[str, Any]) -> str:
    """The network against the naive predictor, in plain words.

    Classification: ``"92 % accuracy; always guessing 'benign' would score
    63 %."``. Regression: the mean absolute error beside that of always guessing
    the training mean, and how much of the variation R² says is explained.
    A network that does no better than the naive guess is told so.
    """
    if not evaluation.finite:
        return (
            "The network's outputs are not numbers (its training diverged), so it "
            "cannot be scored. Lower the learning rate and train again."
        )
    baseline = evaluation.baseline
    if evaluation.task == "regression":
        mae, naive, r2 = metrics.get("mae"), baseline.get("mae"), metrics.get("r2")
        sentence = (
            f"Off by {_number(mae)} on average (mean absolute error); always "
            f"guessing the mean, {_number(evaluation.mean)}, would be off by "
            f"{_number(naive)}."
        )
        if r2 is not None and r2 > 0:
            sentence += f" R² {r2:.2f}: it explains {_percent(r2)} of the variation."
        elif r2 is not None:
            sentence += (
                f" R² {r2:.2f}: no better than guessing the mean. The network has "
                "not learnt how the inputs relate to the target yet."
            )
        return sentence
    accuracy, naive = metrics.get("accuracy"), baseline.get("accuracy")
    sentence = (
        f"{_percent(accuracy)} accuracy; always guessing "
        f"{quoted(evaluation.majority, 30)} would score {_percent(naive)}."
    )
    if accuracy is not None and naive is not None and accuracy <= naive:
        sentence += (
            " The network does no better than ignoring its inputs: train longer, or "
            "give it more capacity (Model screen)."
        )
    return sentence


# --- which rows ----------------------------------------------------------------------


def feature_columns(prepared: PreparedData) -> list[str]:
    """The columns the network reads, in the table's order (none for pictures)."""
    if prepared.frame is None:
        return []
    used = set(prepared.numeric_columns) | set(prepared.categorical_columns)
    return [c for c in prepared.frame.columns if c in used]


def cell_rows(
    evaluation: Evaluation,
    prepared: PreparedData,
    true_class: int,
    predicted_class: int,
    threshold: float = 0.5,
    limit: int = MAX_CELL_ROWS,
) -> pd.DataFrame:
    """The rows in one confusion-matrix cell, most confident first.

    Args:
        evaluation: a classification ``Evaluation``.
        prepared: its data (for the original column values).
        true_class, predicted_class: class indices of the cell.
        threshold: as for ``classification_summary``. Default: 0.5.
        limit: most rows returned. Default: 500.

    Returns:
        ``true <target>``, ``predicted <target>`` and ``confidence`` (probability
        of the predicted class), then the original feature values of those rows;
        indexed by row number in the data (from 1).
    """
    predicted = predicted_classes(evaluation, threshold)
    mask = (evaluation.y_true == true_class) & (predicted == predicted_class)
    positions = evaluation.rows[mask]
    confidence = evaluation.outputs[mask, predicted_class]
    order = np.argsort(-confidence, kind="stable")[:limit]
    features = prepared.frame.iloc[positions[order]][feature_columns(prepared)]
    classes = evaluation.classes
    target = short(evaluation.target, 30)
    outcome = {
        f"true {target}": [classes[true_class]] * len(order),
        f"predicted {target}": [classes[predicted_class]] * len(order),
        "confidence": confidence[order],
    }
    return _beside(outcome, features, positions[order])


def largest_errors(
    evaluation: Evaluation, prepared: PreparedData, n: int = 20
) -> pd.DataFrame:
    """The ``n`` rows the regression network is most wrong about, worst first."""
    actual = evaluation.y_true.astype("float64")
    predicted = evaluation.outputs.astype("float64")
    error = np.abs(actual - predicted)
    order = np.argsort(-np.nan_to_num(error, nan=np.inf), kind="stable")[:n]
    positions = evaluation.rows[order]
    features = prepared.frame.iloc[positions][feature_columns(prepared)]
    target = short(evaluation.target, 30)
    outcome = {
        f"true {target}": actual[order],
        f"predicted {target}": predicted[order],
        "error": (actual - predicted)[order],
    }
    return _beside(outcome, features, positions)


def _beside(
    outcome: dict[str, Any], features: pd.DataFrame, positions: np.ndarray
) -> pd.DataFrame:
    """The outcome columns first (seen without scrolling), then the row's values.

    An outcome name that a feature already has gets `` (model)`` appended.
    """
    table = pd.DataFrame(index=range(len(features)))
    for name, values in outcome.items():
        free = name
        while free in features.columns or free in table.columns:
            free = f"{free} (model)"
        table[free] = values
    table = pd.concat([table, features.reset_index(drop=True)], axis=1)
    table.index = pd.Index(positions + 1, name="row")
    return table


# --- the same test set ---------------------------------------------------------------


def holdout_fingerprint(prepared: PreparedData) -> str:
    """A short fingerprint of the test rows and the target.

    The same data, target, split and seed give the same fingerprint in any
    process, so looks at one test set can be counted across runs and sessions.
    """
    digest = hashlib.sha256()
    digest.update(str(prepared.target).encode("utf-8", "replace"))
    digest.update(prepared.task.encode())
    if prepared.frame is None:  # pictures: their pixels and classes
        digest.update(np.ascontiguousarray(prepared.X_test).tobytes())
        digest.update(np.asarray(prepared.y_test, dtype=np.int64).tobytes())
        return digest.hexdigest()[:16]
    rows = prepared.frame.iloc[prepared.test_index]
    digest.update(pd.util.hash_pandas_object(rows, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]
