"""Imbalanced classes: telling them apart, the metrics that suit them, and balanced
class weights that make the network find the rare class."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, balanced_accuracy_score
from sklearn.utils.class_weight import compute_class_weight

from nncore.core.metrics import baseline_metrics, classification_metrics, shown_metrics
from nncore.data.prepare import prepare_data
from nncore.data.profile import is_imbalanced, profile_data
from nncore.spec import validate_spec
from nncore.train.doctor import diagnose
from nncore.train.trainer import class_weights, train_and_evaluate
from tests import files
from tests.support import experiment, prepared_for


@pytest.fixture(scope="module")
def imbalanced():
    """A generated 90/10 table ("rare" is the positive class), prepared."""
    return prepare_data(files.imbalanced_frame(), "outcome")


def spec_with(class_weight: str) -> dict:
    return validate_spec(
        {
            "model": {"layers": [{"type": "dense", "units": 8}]},
            "compile": {"learning_rate": 0.01},
            "train": {
                "epochs": 20,
                "batch_size": 32,
                "class_weight": class_weight,
                "early_stopping": {"enabled": False},
                # The networks after all 20 epochs, not at their lowest validation
                # loss (which class weights do not weigh).
                "save_best": False,
            },
        }
    )


# --- which tables are imbalanced ----------------------------------------------------


def test_a_90_10_table_is_imbalanced_and_its_pitfall_says_what_to_do(imbalanced):
    assert imbalanced.classes == ["common", "rare"]
    assert is_imbalanced(imbalanced)
    profile = profile_data(imbalanced)
    assert profile.imbalance in profile.pitfalls
    assert "Strong class imbalance" in profile.imbalance
    assert "balanced class weights" in profile.imbalance.fix


@pytest.mark.parametrize(
    "source", ["builtin:breast_cancer", "builtin:iris", "builtin:diabetes"]
)
def test_balanced_or_mildly_uneven_classes_and_regression_are_not(source):
    prepared = prepared_for(experiment(source))
    assert not is_imbalanced(prepared)
    assert profile_data(prepared).imbalance is None


# --- the metrics that suit imbalance ------------------------------------------------


def test_balanced_accuracy_and_pr_auc_are_scikit_learns():
    rng = np.random.default_rng(0)
    y = (np.arange(200) % 10 == 0).astype(int)
    probability = np.clip(0.3 * y + rng.uniform(0, 0.7, 200), 0, 1)
    metrics = classification_metrics(y, probability[:, None])
    predicted = (probability >= 0.5).astype(int)
    assert metrics["balanced_accuracy"] == pytest.approx(
        balanced_accuracy_score(y, predicted)
    )
    assert metrics["pr_auc"] == pytest.approx(average_precision_score(y, probability))
    # A split without the rare class: no PR AUC (as no ROC AUC).
    alone = classification_metrics(np.zeros(5, int), np.full((5, 1), 0.7))
    assert alone["pr_auc"] is None and alone["roc_auc"] is None
    assert alone["balanced_accuracy"] == 0.0


def test_the_naive_guess_scores_chance_on_the_metrics_that_suit_imbalance(imbalanced):
    naive = baseline_metrics(imbalanced)
    assert naive["accuracy"] == pytest.approx(0.9, abs=0.01)
    assert naive["balanced_accuracy"] == 0.5
    assert naive["pr_auc"] == pytest.approx(np.mean(imbalanced.y_test))


def test_screens_show_the_metrics_that_suit_imbalance_only_when_it_is_there():
    names = ["pr_auc", "accuracy", "balanced_accuracy", "roc_auc", "f1"]
    assert shown_metrics(names, imbalanced=False) == ["accuracy", "f1", "roc_auc"]
    assert shown_metrics(names, imbalanced=True) == [
        "accuracy",
        "f1",
        "roc_auc",
        "balanced_accuracy",
        "pr_auc",
    ]


# --- balanced class weights ---------------------------------------------------------


def test_balanced_weights_are_scikit_learns(imbalanced):
    weights = class_weights(spec_with("balanced"), imbalanced)
    expected = compute_class_weight(
        "balanced", classes=np.array([0, 1]), y=imbalanced.y_train
    )
    assert weights == pytest.approx(dict(enumerate(expected)))
    assert weights[1] > 4 * weights[0]  # the rare class weighs about 9 times more
    assert class_weights(spec_with("none"), imbalanced) is None
    regression = prepared_for(experiment("builtin:diabetes", class_weight="balanced"))
    assert class_weights(experiment(class_weight="balanced"), regression) is None


def test_class_weights_make_the_network_find_the_rare_class(imbalanced):
    plain = train_and_evaluate(spec_with("none"), imbalanced)
    weighted = train_and_evaluate(spec_with("balanced"), imbalanced)
    before, after = plain.metrics["val"], weighted.metrics["val"]
    # Without weights most rare rows are missed; with them most are found.
    assert before["recall"] < 0.4
    assert after["recall"] >= before["recall"] + 0.3
    assert after["balanced_accuracy"] > before["balanced_accuracy"] + 0.1
    # The training doctor sees the first network ignore the rare class and offers
    # the weights; the second one it leaves alone.
    finding = [
        f
        for f in diagnose(plain.history, task="binary", scores=before)
        if f.kind == "ignored_class"
    ]
    assert finding and finding[0].fixes[0]["changes"] == {
        "train": {"class_weight": "balanced"}
    }
    assert not [
        f
        for f in diagnose(
            weighted.history, task="binary", scores=after, class_weight="balanced"
        )
        if f.kind == "ignored_class"
    ]


def test_runs_that_differ_by_class_weights_say_so():
    from nncore.report.compare import settings_diff

    plain, weighted = spec_with("none"), spec_with("balanced")
    assert settings_diff([plain, weighted], ["A", "B"]) == [
        {"setting": "Class weights", "A": "none", "B": "balanced"}
    ]


def test_the_training_doctor_offers_class_weights_after_a_job(imbalanced, tmp_path):
    from nncore.runs.manager import JobManager
    from nncore.runs.store import RunStore

    manager = JobManager(store=RunStore(tmp_path / "runs"))
    try:
        views = {
            weights: manager.wait(
                manager.submit(spec_with(weights), imbalanced, owner=weights),
                timeout=120,
            )
            for weights in ("none", "balanced")
        }
    finally:
        manager.shutdown()
    plain = [f for f in views["none"].findings if f.kind == "ignored_class"]
    assert plain and plain[0].fixes[0]["label"] == "Use balanced class weights"
    assert not [f for f in views["balanced"].findings if f.kind == "ignored_class"]
