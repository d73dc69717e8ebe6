"""The compile section: validation, what fits each task, and compiling a model."""

import os

import pytest

from nncore.core.errors import SpecError
from nncore.spec import (
    LOSS_NAMES,
    METRIC_NAMES,
    OPTIMIZER_NAMES,
    validate_compile_spec,
    validate_spec,
)
from nncore.train.compiling import (
    LOSSES,
    METRICS,
    OPTIMIZERS,
    compile_model,
    losses_for,
    metrics_for,
    resolve_compile,
    unavailable_losses,
)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def test_defaults_are_filled_in():
    assert validate_compile_spec({}) == {
        "optimizer": "adam",
        "learning_rate": 0.001,
        "momentum": 0.9,
        "loss": "auto",
        "metrics": ["accuracy"],
    }
    settings = validate_compile_spec({"learning_rate": 1, "metrics": ["auc", "auc"]})
    assert settings["learning_rate"] == 1.0 and settings["metrics"] == ["auc"]
    assert validate_spec({})["compile"]["momentum"] == 0.9


BAD = [
    ({"optimizer": "adamm"}, r"The 'compile.optimizer' field must be one of \{'adam'"),
    ({"optimizer": "adamm"}, r"Got 'adamm'\.$"),
    ({"learning_rate": 0}, r"'compile.learning_rate' field must be a number from "),
    ({"learning_rate": 2.0}, r"from 1e-06 to 1.0, e.g. 0.001. Got 2.0"),
    ({"learning_rate": "fast"}, r"learning_rate.*Got 'fast'"),
    ({"learning_rate": True}, r"learning_rate.*Got true"),
    ({"momentum": 1.0}, r"'compile.momentum' field must be a number from 0 up to"),
    ({"loss": "crossentropy"}, r"'compile.loss' field must be one of \{'auto', "),
    ({"metrics": "accuracy"}, r"'compile.metrics' field must be a list of metric"),
    ({"metrics": ["acc"]}, r"may only hold names from \{'accuracy'.*Got 'acc'"),
    ({"lr": 0.1}, r"unknown field 'lr'. Expected fields: learning_rate, loss"),
    ([], r"The 'compile' field must be an object"),
]


@pytest.mark.parametrize(
    ("compile_spec", "message"),
    BAD,
    ids=[
        "optimizer",
        "optimizer-got",
        "rate-zero",
        "rate-big",
        "rate-text",
        "rate-bool",
        "momentum",
        "loss",
        "metrics-text",
        "metric-name",
        "unknown",
        "not-object",
    ],
)
def test_bad_fields_are_named(compile_spec, message):
    with pytest.raises(SpecError, match=message):
        validate_compile_spec(compile_spec)


def test_the_catalogues_describe_the_names_the_spec_allows():
    assert tuple(OPTIMIZERS) == OPTIMIZER_NAMES
    assert tuple(LOSSES) == LOSS_NAMES
    assert tuple(METRICS) == METRIC_NAMES


def test_whole_spec_validation_checks_compile():
    with pytest.raises(SpecError, match=r"'compile.optimizer' field.*Got 'adamm'"):
        validate_spec({"compile": {"optimizer": "adamm"}})


@pytest.mark.parametrize(
    ("task", "loss", "metrics"),
    [
        ("binary", "binary_crossentropy", ["accuracy"]),
        ("multiclass", "sparse_categorical_crossentropy", ["accuracy"]),
        ("regression", "mse", ["mae"]),
    ],
    ids=["binary", "multiclass", "regression"],
)
def test_auto_loss_and_default_metrics(task, loss, metrics):
    resolved = resolve_compile({}, task)
    assert resolved["loss"] == loss
    assert resolved["metrics"] == metrics


def test_regression_drops_classification_metrics_with_a_note():
    resolved = resolve_compile({"metrics": ["accuracy", "rmse"]}, "regression")
    assert resolved["metrics"] == ["mae", "rmse"]
    assert resolved["notes"] == [
        "Dropped the metric accuracy: Accuracy is a classification metric and "
        "does not apply to regression targets. Watching mae, rmse instead, so the "
        "curves still show how well the network learns. What to do: nothing; "
        "choose other metrics on the Compile screen if you like."
    ]
    assert resolve_compile({"metrics": ["mae"]}, "binary")["metrics"] == ["accuracy"]
    assert resolve_compile({"metrics": []}, "binary") == {
        "optimizer": "adam",
        "learning_rate": 0.001,
        "momentum": 0.9,
        "loss": "binary_crossentropy",
        "metrics": [],
        "notes": [],
    }


def test_multiclass_keeps_only_the_metrics_keras_can_watch():
    resolved = resolve_compile({"metrics": ["auc", "precision"]}, "multiclass")
    assert resolved["metrics"] == ["accuracy"]
    assert "binary tasks only" in resolved["notes"][0]
    assert "macro-averaged precision, recall and ROC AUC" in resolved["notes"][0]


IMPOSSIBLE = [
    (
        "regression",
        "binary_crossentropy",
        r"'binary_crossentropy' cannot train this "
        r"regression task\. Binary cross-entropy compares class probabilities",
    ),
    (
        "binary",
        "mse",
        r"Mean squared error \(MSE\) measures distances between "
        r"numbers and is for regression; a binary classifier has one sigmoid output",
    ),
    ("multiclass", "huber", r"Huber measures distances.*Use Sparse categorical"),
    (
        "multiclass",
        "binary_crossentropy",
        r"Binary cross-entropy does not fit "
        r"multiclass classification, whose network has one softmax output per class",
    ),
    (
        "binary",
        "sparse_categorical_crossentropy",
        r"does not fit binary "
        r"classification, whose network has one sigmoid output.*Use Binary cross",
    ),
]


@pytest.mark.parametrize(
    ("task", "loss", "message"),
    IMPOSSIBLE,
    ids=["bce-regression", "mse-binary", "huber-multi", "bce-multi", "scce-binary"],
)
def test_losses_that_cannot_work_are_explained(task, loss, message):
    with pytest.raises(SpecError, match=message):
        resolve_compile({"loss": loss}, task)
    assert loss in unavailable_losses(task)
    assert loss not in losses_for(task)


def test_unknown_task():
    with pytest.raises(SpecError, match=r"task must be one of .*Got 'clustering'"):
        resolve_compile({}, "clustering")


def test_options_per_task_and_catalogues_have_help_and_docs():
    assert losses_for("regression") == ["mse", "mae", "huber"]
    assert metrics_for("regression") == ["mae", "rmse"]
    assert metrics_for("binary") == ["accuracy", "auc", "precision", "recall"]
    assert metrics_for("multiclass") == ["accuracy"]
    for catalogue in (OPTIMIZERS, LOSSES, METRICS):
        for choice in catalogue.values():
            assert choice.help.endswith(".")
            assert choice.docs.startswith("https://keras.io/api/")
    assert OPTIMIZERS["adam"].docs == "https://keras.io/api/optimizers/adam/"


def test_compile_model_names_the_metrics():
    import keras
    import numpy as np

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, "sigmoid")])
    resolved = compile_model(
        model,
        {
            "optimizer": "sgd",
            "learning_rate": 0.05,
            "momentum": 0.5,
            "metrics": ["accuracy", "auc", "precision", "recall"],
        },
        "binary",
    )
    assert resolved["loss"] == "binary_crossentropy"
    assert type(model.optimizer).__name__ == "SGD"
    assert float(model.optimizer.momentum) == 0.5
    X = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    y = (X[:, 0] > 0).astype("int64")
    history = model.fit(X, y, validation_data=(X, y), epochs=1, verbose=0).history
    assert sorted(history) == sorted(
        f"{prefix}{name}"
        for prefix in ("", "val_")
        for name in ("loss", "accuracy", "auc", "precision", "recall")
    )
    regression = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    compile_model(
        regression, {"loss": "huber", "metrics": ["rmse", "mae"]}, "regression"
    )
    logs = regression.fit(X, y.astype("float32"), epochs=1, verbose=0).history
    assert sorted(logs) == ["loss", "mae", "rmse"]
