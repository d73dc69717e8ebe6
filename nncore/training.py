"""Training a network on prepared data and evaluating it, in one synchronous call.

The background job manager wraps ``train_and_evaluate``; the CLI calls it directly.
Final metrics are computed by scikit-learn from the network's predictions (the same
functions the exported script contains), not by Keras, so every run, every screen
and every script reports the same numbers. TensorFlow is imported inside functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nncore.prepare import PreparedData

__all__ = [
    "TrainResult",
    "baseline_metrics",
    "classification_metrics",
    "metrics_from_outputs",
    "regression_metrics",
    "train_and_evaluate",
]


@dataclass
class TrainResult:
    """What a training run produced.

    Attributes:
        history: Keras' per-epoch logs, name -> list of floats (``loss``,
            ``val_loss``, ``accuracy``, ``val_accuracy``, …).
        epochs_run: epochs actually trained (fewer when early stopping stopped).
        metrics: ``{"val": {...}, "test": {...}}``, metric name -> float or None.
        baseline: the same metrics on the test split for the majority-class
            (classification) or training-mean (regression) predictor.
        model: the trained Keras model (best weights when early stopping restored
            them).
        warnings: things to act on, e.g. metrics that were dropped.
    """

    history: dict[str, list[float]]
    epochs_run: int
    metrics: dict[str, dict[str, float | None]]
    baseline: dict[str, float | None]
    model: Any = None
    warnings: list[str] = field(default_factory=list)


def classification_metrics(y_true, probabilities) -> dict:
    """Accuracy, precision, recall, F1 and ROC AUC from predicted probabilities.

    Binary: ``probabilities`` has one column, the probability of class 1 (the
    positive class). Multiclass: one column per class; precision, recall and F1
    are macro averages and ROC AUC is one-vs-rest, macro-averaged. ROC AUC is
    None when the split lacks a class.
    """
    from sklearn.metrics import (
        accuracy_score,
        f1_score,
        precision_score,
        recall_score,
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
    return {
        "accuracy": float(accuracy_score(y_true, predicted)),
        "precision": float(
            precision_score(y_true, predicted, average=average, zero_division=0)
        ),
        "recall": float(
            recall_score(y_true, predicted, average=average, zero_division=0)
        ),
        "f1": float(f1_score(y_true, predicted, average=average, zero_division=0)),
        "roc_auc": roc_auc,
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


def baseline_metrics(prepared: PreparedData) -> dict[str, float | None]:
    """The test metrics of the predictor that ignores the inputs.

    Classification: every example gets the training split's class frequencies as
    its probabilities, so it is predicted as the majority class. Regression:
    every example is predicted as the training mean.
    """
    n_test = len(prepared.y_test)
    if prepared.task == "regression":
        mean = float(np.mean(prepared.y_train, dtype="float64"))
        return regression_metrics(prepared.y_test, np.full(n_test, mean))
    n_classes = len(prepared.classes)
    shares = np.bincount(prepared.y_train, minlength=n_classes) / len(prepared.y_train)
    if prepared.task == "binary":
        return classification_metrics(prepared.y_test, np.full((n_test, 1), shares[1]))
    return classification_metrics(prepared.y_test, np.tile(shares, (n_test, 1)))


def metrics_from_outputs(y_true, outputs, task: str) -> dict:
    """The task's metrics from the network's raw outputs (all None if they diverged).

    ``outputs`` is what ``model.predict`` returns: one column for binary and
    regression, one per class for multiclass.
    """
    outputs = np.asarray(outputs)
    if not np.all(np.isfinite(outputs)):
        if task == "regression":
            return dict.fromkeys(("r2", "mae", "rmse"))
        return dict.fromkeys(("accuracy", "precision", "recall", "f1", "roc_auc"))
    if task == "regression":
        return regression_metrics(y_true, outputs[:, 0])
    return classification_metrics(y_true, outputs)


def train_and_evaluate(
    spec: dict, prepared: PreparedData, callbacks: list | None = None
) -> TrainResult:
    """Build, compile and train the spec's network, then evaluate it.

    Args:
        spec: a validated experiment spec (``model``, ``compile``, ``train``).
        prepared: the data, prepared with the spec's ``data`` settings.
        callbacks: extra Keras callbacks (progress, stop button). Defaults to None.

    Returns:
        A ``TrainResult``.

    Raises:
        SpecError: when the model or compile settings do not fit the task.
    """
    import keras

    from nncore.compiling import compile_model
    from nncore.model import build_model

    train = spec["train"]
    task = prepared.task
    n_classes = len(prepared.classes) if prepared.classes else None
    model = build_model(
        spec["model"], prepared.n_features, task, n_classes, seed=train["seed"]
    )
    resolved = compile_model(model, spec["compile"], task)
    warnings = list(resolved["notes"])
    stopping = train["early_stopping"]
    all_callbacks = list(callbacks or [])
    if stopping["enabled"]:
        all_callbacks.insert(
            0,
            keras.callbacks.EarlyStopping(
                monitor="val_loss",
                patience=stopping["patience"],
                restore_best_weights=True,
            ),
        )
    # build_model seeded Keras; shuffling draws from that seed too.
    fitted = model.fit(
        prepared.X_train,
        prepared.y_train,
        validation_data=(prepared.X_val, prepared.y_val),
        epochs=train["epochs"],
        batch_size=train["batch_size"],
        callbacks=all_callbacks,
        shuffle=True,
        verbose=0,
    )
    history = {
        name: [float(value) for value in values]
        for name, values in fitted.history.items()
    }
    metrics = {
        split: metrics_from_outputs(
            getattr(prepared, f"y_{split}"),
            model.predict(getattr(prepared, f"X_{split}"), verbose=0),
            task,
        )
        for split in ("val", "test")
    }
    test = metrics["test"]
    if all(value is None for value in test.values()):
        warnings.append(
            "The network's outputs are not numbers: training diverged. Lower the "
            "learning rate, or scale the inputs."
        )
    elif any(value is None for value in test.values()):
        warnings.append(
            "ROC AUC could not be computed because the test split lacks a class; "
            "add rows of the rare classes or give the test split a bigger share."
        )
    return TrainResult(
        history=history,
        epochs_run=len(history.get("loss", [])),
        metrics=metrics,
        baseline=baseline_metrics(prepared),
        model=model,
        warnings=warnings,
    )
