"""Reference models: scikit-learn trained on the network's own rows, scored like the
network, said in plain words."""

import dataclasses

import numpy as np
import pytest
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.linear_model import LinearRegression, LogisticRegression

from nncore.core.metrics import classification_metrics, regression_metrics
from nncore.train.reference import (
    REFERENCE_TITLES,
    reference_models,
    reference_sentence,
)
from tests.support import experiment, prepared_for


@pytest.fixture(scope="module")
def cancer():
    return prepared_for(experiment("builtin:breast_cancer"))


@pytest.fixture(scope="module")
def diabetes():
    return prepared_for(experiment("builtin:diabetes"))


def test_classification_references_equal_scikit_learn_by_hand(cancer):
    reference = reference_models(cancer, seed=7)
    assert reference.problems == {}
    by_hand = {
        "logistic_regression": LogisticRegression(max_iter=1000),
        "gradient_boosting": HistGradientBoostingClassifier(random_state=7),
    }
    for name, model in by_hand.items():
        model.fit(cancer.X_train, cancer.y_train)
        for split in ("val", "test"):
            X, y = getattr(cancer, f"X_{split}"), getattr(cancer, f"y_{split}")
            expected = classification_metrics(y, model.predict_proba(X)[:, 1:])
            assert reference.metrics[split][name] == pytest.approx(expected), name
    # Plain trees and lines do well on this table: a bar the network must clear.
    assert reference.metrics["val"]["logistic_regression"]["accuracy"] > 0.9


def test_regression_references_equal_scikit_learn_by_hand(diabetes):
    reference = reference_models(diabetes, seed=3)
    assert set(reference.metrics["test"]) == {"linear_regression", "gradient_boosting"}
    for name, model in {
        "linear_regression": LinearRegression(),
        "gradient_boosting": HistGradientBoostingRegressor(random_state=3),
    }.items():
        model.fit(diabetes.X_train, diabetes.y_train)
        for split in ("val", "test"):
            X, y = getattr(diabetes, f"X_{split}"), getattr(diabetes, f"y_{split}")
            expected = regression_metrics(y, model.predict(X))
            assert reference.metrics[split][name] == pytest.approx(expected), name


def test_multiclass_references_score_every_class():
    iris = prepared_for(experiment("builtin:iris"))
    reference = reference_models(iris)
    model = LogisticRegression(max_iter=1000).fit(iris.X_train, iris.y_train)
    expected = classification_metrics(iris.y_val, model.predict_proba(iris.X_val))
    assert reference.metrics["val"]["logistic_regression"] == pytest.approx(expected)
    assert reference.metrics["val"]["gradient_boosting"]["roc_auc"] is not None


def test_one_class_in_the_training_rows_is_a_sentence_not_an_error(cancer):
    one_class = dataclasses.replace(cancer, y_train=np.zeros_like(cancer.y_train))
    reference = reference_models(one_class)
    assert reference.metrics == {"val": {}, "test": {}}
    assert reference.problems["logistic_regression"] == (
        "Logistic regression could not be trained: the training rows hold only one "
        f"class ('{cancer.classes[0]}'). Add rows of the other classes, or turn on "
        "stratified splitting on the Data screen."
    )
    assert set(reference.problems) == {"logistic_regression", "gradient_boosting"}


def test_a_class_missing_from_the_training_rows_still_gets_its_column():
    iris = prepared_for(experiment("builtin:iris"))
    keep = iris.y_train != 2  # no row of the third class to learn from
    without = dataclasses.replace(
        iris, X_train=iris.X_train[keep], y_train=iris.y_train[keep]
    )
    scores = reference_models(without).metrics["val"]["logistic_regression"]
    assert scores["accuracy"] < 0.75  # the third class is never predicted
    assert scores["roc_auc"] is not None


VAL = {
    "logistic_regression": {"accuracy": 0.94},
    "gradient_boosting": {"accuracy": 0.95},
}


@pytest.mark.parametrize(
    "network, interval, sentence",
    [
        (
            {"accuracy": 0.93},
            None,
            "Your network: 93 % accuracy on the validation rows. Gradient boosting on "
            "the same rows: 95 % (logistic regression: 94 %). For this table a tree "
            "model does better: try more data or a simpler network, or use the tree.",
        ),
        (
            {"accuracy": 0.945},
            None,
            "Your network: 94.5 % accuracy on the validation rows. Gradient boosting "
            "on the same rows: 95.0 % (logistic regression: 94.0 %). Your network "
            "does about as well as a tree model: the simpler model is easier to "
            "explain and to run; keep the network if you need something only it "
            "offers.",
        ),
        (
            {"accuracy": 0.98},
            None,
            "Your network: 98 % accuracy on the validation rows. Gradient boosting on "
            "the same rows: 95 % (logistic regression: 94 %). Your network does "
            "better than the simpler models on these rows: the network earns its "
            "place here.",
        ),
        (
            {"accuracy": 0.98},
            [0.94, 0.99],
            "Your network: 98 % accuracy on the validation rows. Gradient boosting on "
            "the same rows: 95 % (logistic regression: 94 %). Your network does about "
            "as well as a tree model: the simpler model is easier to explain and to "
            "run; keep the network if you need something only it offers.",
        ),
        (
            {"accuracy": None},
            None,
            "Your network has no accuracy on the validation rows. Gradient boosting "
            "on the same rows: 95 % (logistic regression: 94 %). Fix the network's "
            "training first (see the doctor's findings), then compare.",
        ),
    ],
    ids=["worse", "same", "better", "within-its-interval", "diverged"],
)
def test_the_sentence_says_what_follows(network, interval, sentence):
    assert reference_sentence("binary", network, VAL, interval=interval) == sentence


def test_the_regression_sentence_gives_the_error():
    reference = {
        "linear_regression": {"rmse": 51.19},
        "gradient_boosting": {"rmse": 64.6},
    }
    assert reference_sentence(
        "regression", {"rmse": 58.4}, reference, split="test"
    ) == (
        "Your network: RMSE 58.4 on the test rows. Linear regression on the same "
        "rows: 51.19 (gradient boosting: 64.6). For this table a linear model does "
        "better: try more data or a simpler network, or use the linear model."
    )


def test_no_reference_model_is_said_plainly():
    assert reference_sentence("binary", {"accuracy": 0.9}, {}) == (
        "Your network: 90 % accuracy on the validation rows. No reference model "
        "could be trained on these rows, so there is no simpler model to compare "
        "with."
    )


def test_every_reference_model_has_a_title():
    assert set(REFERENCE_TITLES) == {
        "logistic_regression",
        "linear_regression",
        "gradient_boosting",
    }


def test_on_imbalanced_classes_the_verdict_compares_balanced_accuracy():
    # A model that ignores the small class has the higher accuracy here, and the
    # lower balanced accuracy: on imbalanced classes the verdict must not favour it.
    network = {"accuracy": 0.90, "balanced_accuracy": 0.80}
    reference = {
        "logistic_regression": {"accuracy": 0.93, "balanced_accuracy": 0.55},
        "gradient_boosting": {"accuracy": 0.92, "balanced_accuracy": 0.60},
    }
    plain_accuracy = reference_sentence("binary", network, reference)
    assert "a linear model does better" in plain_accuracy
    balanced = reference_sentence("binary", network, reference, imbalanced=True)
    assert balanced.startswith("Your network: 80 % balanced accuracy")
    assert "does better than the simpler models" in balanced
