"""Item 8 (issue 18): one extreme prediction cannot flatten the regression charts,
and bars below zero in the column importance are explained."""

from __future__ import annotations

import numpy as np

from nncore.plots.evaluation import (
    predicted_actual_figure,
    residual_histogram_figure,
    residuals_figure,
)
from nncore.train.prediction import importance_note


def _summary(outlier: bool) -> dict:
    rng = np.random.default_rng(1)
    actual = rng.uniform(300, 5000, size=200)
    predicted = actual * rng.normal(1, 0.05, size=200)
    if outlier:
        predicted[7] = actual[7] * 17  # one prediction 17 times its true value
    return {
        "actual": actual.tolist(),
        "predicted": predicted.tolist(),
        "residuals": (actual - predicted).tolist(),
    }


def _annotations(figure) -> list[str]:
    return [a.text for a in figure.layout.annotations]


def test_one_outlier_does_not_flatten_the_predicted_actual_chart():
    summary = _summary(outlier=True)
    extreme = max(summary["predicted"])
    figure = predicted_actual_figure(summary, "price")
    low, high = figure.layout.yaxis.range
    assert high < extreme  # the outlier is outside the view …
    assert high > np.percentile(summary["predicted"], 98)  # … the bulk inside
    assert figure.layout.xaxis.range == figure.layout.yaxis.range
    assert "1 point outside the view, drawn at its edge" in _annotations(figure)
    edge = next(t for t in figure.data if t.name == "outside the view")
    assert list(edge.y) == [high]  # drawn at the edge, its real value in the hover
    assert edge.customdata[0][1] == extreme

    residuals = residuals_figure(summary)
    assert residuals.layout.yaxis.range[0] > min(summary["residuals"])
    assert "1 point outside the view, drawn at its edge" in _annotations(residuals)
    spread = residual_histogram_figure(summary)
    assert "1 point outside the view" in _annotations(spread)


def test_charts_without_outliers_keep_their_full_range():
    summary = _summary(outlier=False)
    figure = predicted_actual_figure(summary, "price")
    assert figure.layout.yaxis.range is None
    assert not _annotations(figure)


def test_a_negative_importance_is_explained():
    importance = [
        {"column": "size", "importance": 0.4, "std": 0.02, "metric": "r2"},
        {"column": "colour", "importance": -0.004, "std": 0.003, "metric": "r2"},
    ]
    note = importance_note(importance)
    assert "'colour'" in note
    assert "shuffling this column helped a little" in note
    assert "carries no signal" in note
    assert importance_note(importance[:1]) is None
