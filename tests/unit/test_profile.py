"""The data profile, its pitfall warnings, and the figures drawn from it."""

import numpy as np
import pandas as pd
import pytest

from nncore.data.prepare import prepare_data
from nncore.data.profile import profile_data
from nncore.data.sources import load_builtin
from nncore.plots import base as plots
from tests import files


def profile_of(frame, target, **options):
    prepared = prepare_data(frame, target, **options)
    return prepared, profile_data(prepared)


def test_builtin_datasets_have_no_pitfalls():
    for name in ("iris", "wine", "breast_cancer", "diabetes", "circle", "plane"):
        _, profile = profile_of(load_builtin(name), "target")
        assert profile.pitfalls == [], name


def test_class_counts_and_majority_baseline():
    _, profile = profile_of(load_builtin("breast_cancer"), "target")
    assert profile.class_counts == {"benign": 357, "malignant": 212}
    assert profile.baseline["label"] == "benign"
    assert profile.baseline["accuracy"] == pytest.approx(357 / 569)


def test_regression_baseline_is_the_mean():
    frame = load_builtin("diabetes")
    _, profile = profile_of(frame, "target")
    assert profile.baseline["value"] == pytest.approx(frame["target"].mean())
    assert profile.class_counts is None
    assert profile.target_histogram[0].sum() == len(frame)


def test_relation_ranks_the_informative_feature_first():
    rng = np.random.default_rng(0)
    signal = rng.normal(size=500)
    frame = pd.DataFrame(
        {
            "noise": rng.normal(size=500),
            "signal": signal,
            "y": signal + rng.normal(0, 0.5, 500),
        }
    )
    _, profile = profile_of(frame, "y")
    assert list(profile.relation)[0] == "signal"
    assert profile.relation["signal"] > 0.8
    assert abs(profile.relation["noise"]) < 0.2


def test_scale_pitfall_only_when_scaling_is_off():
    frame = load_builtin("breast_cancer")
    _, off = profile_of(frame, "target", scaling="none")
    _, on = profile_of(frame, "target", scaling="standard")
    assert any(
        "very different scales" in p and "choose standard or min-max" in p
        for p in off.pitfalls
    )
    assert not any("very different scales" in p for p in on.pitfalls)


def test_imbalance_pitfall_names_the_majority_accuracy():
    frame = files.simple_frame(400)
    frame["label"] = np.where(np.arange(400) < 360, "ok", "fraud")
    _, profile = profile_of(frame, "label")
    message = next(p for p in profile.pitfalls if "class imbalance" in p)
    assert "Always guessing 'ok' already scores 90% accuracy" in message


def test_leakage_pitfall_for_a_feature_that_gives_the_answer_away():
    frame = files.simple_frame(300)
    frame["outcome_code"] = (
        np.where(frame["label"] == "yes", 1.0, 0.0) + 0.01 * np.arange(300) % 0.5
    )
    _, profile = profile_of(frame, "label")
    message = next(p for p in profile.pitfalls if "leakage" in p)
    assert "'outcome_code' alone predicts the target almost perfectly" in message


def test_too_few_rows_per_class_pitfall():
    frame = files.simple_frame(200)
    frame.loc[:7, "label"] = "rare"
    _, profile = profile_of(frame, "label")
    assert any(
        "Too few rows per class" in p and "'rare' has 8 rows" in p
        for p in profile.pitfalls
    )


def test_id_like_column_pitfall():
    frame = files.simple_frame(100)
    frame.insert(0, "customer_id", range(1000, 1100))
    _, profile = profile_of(frame, "label")
    assert any("ID-like column 'customer_id' has" in p for p in profile.pitfalls)


def test_more_inputs_than_rows_pitfall():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        rng.normal(size=(40, 2000)), columns=[f"c{i}" for i in range(2000)]
    )
    frame["y"] = [0, 1] * 20
    prepared, profile = profile_of(frame, "y")
    assert prepared.n_features == 2000
    assert any("more inputs (2000) than training rows" in p for p in profile.pitfalls)


def test_column_table_roles():
    frame = files.simple_frame(50)
    frame["id"] = range(50)
    _, profile = profile_of(frame, "label")
    roles = dict(zip(profile.columns["column"], profile.columns["role"], strict=True))
    assert roles == {
        "x1": "numeric",
        "x2": "numeric",
        "colour": "categorical",
        "label": "target",
        "id": "dropped",
    }


def test_class_balance_figure_has_one_bar_per_class():
    _, profile = profile_of(load_builtin("iris"), "target")
    figure = plots.class_balance_figure(profile)
    assert list(figure.data[0].x) == ["setosa", "versicolor", "virginica"]
    assert list(figure.data[0].y) == [50, 50, 50]


def test_histograms_relation_and_scatter_figures():
    prepared, profile = profile_of(load_builtin("xor"), "target")
    histograms = plots.histograms_figure(profile)
    assert len(histograms.data) == 2
    assert sum(histograms.data[0].y) == 400
    relation = plots.relation_figure(profile)
    assert set(relation.data[0].y) == {"x1", "x2"}
    scatter = plots.scatter_figure(prepared.frame, "x1", "x2", "target", prepared.task)
    assert [trace.name for trace in scatter.data] == ["0", "1"]
    assert sum(len(trace.x) for trace in scatter.data) == 400


def test_figures_show_html_in_names_as_text():
    frame = files.simple_frame(60)
    frame = frame.rename(
        columns={"x1": "<b>bold</b>", "x2": "<a href='javascript:x'>y</a>"}
    )
    frame["label"] = np.where(frame["label"] == "yes", "<i>yes</i>", "no")
    _, profile = profile_of(frame, "label")
    balance = plots.class_balance_figure(profile)
    assert "&lt;i&gt;yes&lt;/i&gt;" in list(balance.data[0].x)
    labels = " ".join(plots.relation_figure(profile).data[0].y)
    assert "<b>" not in labels and "&lt;b&gt;bold&lt;/b&gt;" in labels


def test_merged_messy_labels_are_counted_and_related_as_one_class():
    frame = pd.DataFrame(
        {
            "x": np.tile([1.0, 1.1, 1.2, 5.0], 50),
            "noise": np.random.default_rng(0).normal(size=200),
            "y": ["yes", " yes", "Yes", "no"] * 50,
        }
    )
    _, profile = profile_of(frame, "y")
    assert profile.class_counts == {"no": 50, "yes": 150}
    assert profile.relation["x"] == pytest.approx(-1.0, abs=0.01)
    assert any("'x' alone predicts the target" in p for p in profile.pitfalls)
