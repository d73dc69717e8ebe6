"""train_and_evaluate on tiny data: the CLI's metric keys, scikit-learn's numbers,
the baseline, early stopping and seeds."""

import os

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as sk

from nncore.data.prepare import prepare_data
from nncore.spec import validate_spec
from nncore.train.trainer import train_and_evaluate
from tests.support import prepared_for

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

CLASSIFICATION_KEYS = {
    "accuracy",
    "precision",
    "recall",
    "f1",
    "roc_auc",
    "balanced_accuracy",
    "pr_auc",
}
REGRESSION_KEYS = {"r2", "mae", "rmse"}


def tiny_spec(source, epochs=3, **compile_spec):
    return validate_spec(
        {
            "data": {"source": source},
            "model": {"layers": [{"type": "dense", "units": 8}]},
            "compile": compile_spec,
            "train": {"epochs": epochs, "batch_size": 32},
        }
    )


@pytest.fixture(scope="module")
def runs():
    """One short run per task, shared by the tests that only read results."""
    results = {}
    for source in ("builtin:breast_cancer", "builtin:iris", "builtin:diabetes"):
        spec = tiny_spec(source)
        prepared = prepared_for(spec)
        results[prepared.task] = (spec, prepared, train_and_evaluate(spec, prepared))
    return results


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_result_has_the_cli_metric_keys(runs, task):
    _, _, result = runs[task]
    keys = REGRESSION_KEYS if task == "regression" else CLASSIFICATION_KEYS
    assert set(result.metrics) == {"val", "test"}
    assert set(result.metrics["val"]) == set(result.metrics["test"]) == keys
    assert set(result.baseline) == keys
    assert result.epochs_run == 3 == len(result.history["loss"])
    assert all(type(v) is float for v in result.metrics["test"].values())
    assert all(len(v) == 3 for v in result.history.values())


def test_history_keys_follow_the_metric_names(runs):
    assert sorted(runs["binary"][2].history) == [
        "accuracy",
        "loss",
        "val_accuracy",
        "val_loss",
    ]
    # The default ["accuracy"] is replaced by MAE for regression, with a note.
    result = runs["regression"][2]
    assert sorted(result.history) == ["loss", "mae", "val_loss", "val_mae"]
    assert result.warnings == [
        "Dropped the metric accuracy: Accuracy is a classification metric and "
        "does not apply to regression targets. Watching mae instead, so the curves "
        "still show how well the network learns. What to do: nothing; choose other "
        "metrics on the Compile screen if you like."
    ]


def test_binary_metrics_are_scikit_learns(runs):
    _, prepared, result = runs["binary"]
    probability = result.model.predict(prepared.X_test, verbose=0)[:, 0]
    predicted = (probability >= 0.5).astype(int)
    y = prepared.y_test
    expected = {
        "accuracy": sk.accuracy_score(y, predicted),
        "precision": sk.precision_score(y, predicted, zero_division=0),
        "recall": sk.recall_score(y, predicted, zero_division=0),
        "f1": sk.f1_score(y, predicted, zero_division=0),
        "roc_auc": sk.roc_auc_score(y, probability),
        "balanced_accuracy": sk.balanced_accuracy_score(y, predicted),
        "pr_auc": sk.average_precision_score(y, probability),
    }
    assert result.metrics["test"] == pytest.approx(expected, abs=1e-9)


def test_multiclass_metrics_are_macro_averages(runs):
    _, prepared, result = runs["multiclass"]
    probabilities = result.model.predict(prepared.X_val, verbose=0).astype("float64")
    predicted = probabilities.argmax(axis=1)
    y = prepared.y_val
    expected = {
        "accuracy": sk.accuracy_score(y, predicted),
        "precision": sk.precision_score(y, predicted, average="macro", zero_division=0),
        "recall": sk.recall_score(y, predicted, average="macro", zero_division=0),
        "f1": sk.f1_score(y, predicted, average="macro", zero_division=0),
        "roc_auc": sk.roc_auc_score(
            y,
            probabilities / probabilities.sum(axis=1, keepdims=True),
            multi_class="ovr",
        ),
        "balanced_accuracy": sk.balanced_accuracy_score(y, predicted),
        # Macro one-vs-rest average precision.
        "pr_auc": np.mean(
            [
                sk.average_precision_score(
                    y == k, probabilities[:, k] / probabilities.sum(axis=1)
                )
                for k in range(probabilities.shape[1])
            ]
        ),
    }
    assert result.metrics["val"] == pytest.approx(expected, abs=1e-9)


def test_regression_metrics_are_scikit_learns(runs):
    _, prepared, result = runs["regression"]
    predicted = result.model.predict(prepared.X_test, verbose=0)[:, 0]
    y = prepared.y_test
    assert result.metrics["test"] == pytest.approx(
        {
            "r2": sk.r2_score(y, predicted),
            "mae": sk.mean_absolute_error(y, predicted),
            "rmse": np.sqrt(sk.mean_squared_error(y, predicted)),
        },
        rel=1e-6,
    )


def test_baselines(runs):
    _, prepared, result = runs["binary"]
    majority = np.bincount(prepared.y_train).argmax()
    assert result.baseline["accuracy"] == pytest.approx(
        np.mean(prepared.y_test == majority)
    )
    assert result.baseline["roc_auc"] == 0.5
    _, prepared, result = runs["multiclass"]
    majority = np.bincount(prepared.y_train).argmax()
    assert result.baseline["accuracy"] == pytest.approx(
        np.mean(prepared.y_test == majority)
    )
    _, prepared, result = runs["regression"]
    mean = prepared.y_train.astype("float64").mean()
    assert result.baseline["rmse"] == pytest.approx(
        np.sqrt(np.mean((prepared.y_test - mean) ** 2)), rel=1e-6
    )
    assert result.baseline["r2"] <= 0


def test_same_seed_gives_the_same_metrics(runs):
    spec, prepared, first = runs["multiclass"]
    again = train_and_evaluate(spec, prepared)
    assert again.metrics == first.metrics
    assert again.history == first.history


def test_early_stopping_stops_when_validation_loss_rises():
    # Random labels: the network can only memorise, so the validation loss rises
    # after a few epochs and early stopping ends training long before 60 epochs.
    rng = np.random.default_rng(0)
    columns = [f"x{i}" for i in range(10)]
    frame = pd.DataFrame(rng.normal(size=(200, 10)), columns=columns)
    frame["y"] = rng.integers(0, 2, 200)
    prepared = prepare_data(frame, "y")
    spec = tiny_spec("builtin:iris", epochs=60, learning_rate=0.05)
    spec["model"]["layers"] = [{"type": "dense", "units": 64}]
    spec["train"]["early_stopping"] = {
        "enabled": True,
        "patience": 2,
        "restore_best": True,
    }
    seen = []
    import keras

    class Epochs(keras.callbacks.Callback):  # a hook, as the job manager adds
        def on_epoch_end(self, epoch, logs=None):
            seen.append(epoch)

    result = train_and_evaluate(spec, prepared, callbacks=[Epochs()])
    assert result.epochs_run < 20
    assert seen == list(range(result.epochs_run))
    # The best epoch's weights were restored: the final validation loss is the
    # smallest one seen.
    best = min(result.history["val_loss"])
    assert result.history["val_loss"].index(best) == result.epochs_run - 3


def test_loss_that_does_not_fit_the_task_fails_before_training(runs):
    spec, prepared, _ = runs["regression"]
    spec = {**spec, "compile": {**spec["compile"], "loss": "binary_crossentropy"}}
    from nncore.core.errors import SpecError

    with pytest.raises(SpecError, match=r"cannot train this regression task"):
        train_and_evaluate(spec, prepared)
