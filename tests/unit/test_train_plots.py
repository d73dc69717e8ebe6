"""Training figures and tables: what a user sees in the curves, boundary and CSV."""

import io
import math

import numpy as np
import pandas as pd
import pytest

from nncore.plots.base import PALETTE
from nncore.plots.training import (
    boundary_figure,
    curves_figure,
    epoch_table,
    finding_label,
    history_csv,
    metric_names,
    metric_title,
)
from nncore.train.doctor import Finding

HISTORY = {
    "loss": [0.9, 0.6, 0.45, 0.4, 0.35],
    "accuracy": [0.5, 0.7, 0.8, 0.85, 0.9],
    "val_loss": [1.0, 0.7, 0.6, 0.65, 0.7],
    "val_accuracy": [0.5, 0.65, 0.7, 0.7, 0.68],
    "learning_rate": [0.001] * 5,
}


def annotations(figure) -> list[str]:
    return [a.text for a in figure.layout.annotations]


def test_metric_names_put_loss_first_and_drop_prefix_and_learning_rate():
    assert metric_names(HISTORY) == ["loss", "accuracy"]
    assert metric_names({"val_mae": [1.0], "mae": [1.0], "val_loss": [2.0]}) == [
        "loss",
        "mae",
    ]
    assert metric_names({}) == []


def test_metric_title_reads_like_the_compile_screen():
    assert metric_title("loss") == "Loss"
    assert metric_title("mae") == "Mean absolute error (MAE)"
    assert metric_title("custom_thing") == "Custom thing"


def test_curves_show_training_and_validation_on_one_axis_from_epoch_1():
    figure = curves_figure(HISTORY, "accuracy")
    assert [t.name for t in figure.data] == ["training", "validation"]
    assert list(figure.data[0].x) == [1, 2, 3, 4, 5]
    assert list(figure.data[1].y) == HISTORY["val_accuracy"]
    assert figure.data[0].line.color == PALETTE[0]
    assert figure.data[1].line.color == PALETTE[1]
    assert figure.layout.title.text == "Accuracy"
    assert figure.layout.xaxis.title.text == "epoch"
    assert figure.layout.yaxis.type == "linear"


def test_curves_mark_the_best_epoch():
    figure = curves_figure(HISTORY, best_epoch=3)
    assert "best: epoch 3" in annotations(figure)
    best = next(a for a in figure.layout.annotations if a.text == "best: epoch 3")
    assert best.x == 3
    assert [s.x0 for s in figure.layout.shapes] == [3]


@pytest.mark.parametrize("best_epoch", [None, 0, 9], ids=["none", "zero", "future"])
def test_curves_leave_out_a_best_epoch_they_cannot_show(best_epoch):
    figure = curves_figure(HISTORY, best_epoch=best_epoch)
    assert not figure.layout.shapes
    assert not annotations(figure)


def test_curves_use_a_log_axis_and_drop_values_it_cannot_draw():
    history = {"loss": [1.0, 0.1, 0.0, 0.01], "val_loss": [1.0, 0.2, 0.1, -1.0]}
    figure = curves_figure(history, log_y=True)
    assert figure.layout.yaxis.type == "log"
    assert list(figure.data[0].y) == [1.0, 0.1, None, 0.01]
    assert list(figure.data[1].y) == [1.0, 0.2, 0.1, None]


def test_nan_and_inf_are_gaps_in_the_line():
    history = {"loss": [0.7, math.nan, 0.5, math.inf], "val_loss": [0.8, 0.7, None]}
    figure = curves_figure(history)
    assert list(figure.data[0].y) == [0.7, None, 0.5, None]
    assert list(figure.data[1].y) == [0.8, 0.7, None]
    assert figure.data[0].connectgaps is False


def test_findings_are_marked_at_their_epoch_with_a_short_label():
    findings = [
        Finding("overfitting", 3, "message", "remedy"),
        {"kind": "plateau", "epoch": 2},
        Finding("divergence", 40, "not reached yet", "remedy"),
    ]
    figure = curves_figure(HISTORY, best_epoch=3, findings=findings)
    texts = annotations(figure)
    assert "overfitting from epoch 3" in texts
    assert "plateau since epoch 2" in texts
    assert not any("diverged" in t for t in texts)
    marks = {a.text: a.x for a in figure.layout.annotations}
    assert marks["plateau since epoch 2"] == 2
    assert sorted(s.x0 for s in figure.layout.shapes) == [2, 3, 3]


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("overfitting", "overfitting from epoch 7"),
        ("underfitting", "underfitting since epoch 7"),
        ("divergence", "diverged at epoch 7"),
        ("oscillation", "oscillating from epoch 7"),
        ("plateau", "plateau since epoch 7"),
    ],
    ids=["overfitting", "underfitting", "divergence", "oscillation", "plateau"],
)
def test_finding_labels(kind, text):
    assert finding_label(Finding(kind, 7, "m", "r")) == text


def test_no_epochs_yet_says_so():
    figure = curves_figure({})
    assert not figure.data
    assert any("No epochs yet" in t for t in annotations(figure))
    figure = curves_figure({"loss": [], "val_loss": []}, "accuracy")
    assert any("No epochs yet" in t for t in annotations(figure))


def test_a_metric_the_history_lacks_is_named():
    with pytest.raises(ValueError, match=r"no curve for metric='auc'.*'loss'"):
        curves_figure(HISTORY, "auc")
    with pytest.raises(TypeError, match="history must be a dict"):
        curves_figure([0.5, 0.4])


def test_a_history_without_validation_draws_the_training_curve():
    figure = curves_figure({"loss": [0.5, 0.4]})
    assert [t.name for t in figure.data] == ["training"]


def grid(n=4):
    return np.linspace(-2, 2, n).tolist()


def boundary(kind="probability", **changes):
    z = {
        "probability": [[0.1 * (i + j) for j in range(4)] for i in range(3)],
        "class": [[(i + j) % 3 for j in range(4)] for i in range(3)],
        "value": [[float(i * j) for j in range(4)] for i in range(3)],
    }[kind]
    classes = {"probability": ["no", "yes"], "class": ["a", "b", "c"]}.get(kind)
    labels = {
        "probability": [0, 1, 1, 0, 1],
        "class": [0, 1, 2, 2, 1],
        "value": [0.5, 1.5, 2.5, 3.5, 4.5],
    }[kind]
    result = {
        "x": grid(4),
        "y": grid(3),
        "z": z,
        "kind": kind,
        "points": {"x": [0.0, 1.0, -1.0, 0.5, 1.5], "y": [0.0] * 5, "label": labels},
        "feature_names": ["x<1>", "x2"],
        "classes": classes,
        "epoch": 7,
    }
    result.update(changes)
    return result


def test_binary_boundary_is_a_probability_heatmap_with_points_by_class():
    figure = boundary_figure(boundary())
    heatmap, *points = figure.data
    assert heatmap.type == "heatmap"
    assert np.array(heatmap.z).shape == (3, 4)
    assert (heatmap.zmin, heatmap.zmax) == (0, 1)
    assert [p.name for p in points] == ["no", "yes"]
    assert sum(len(p.x) for p in points) == 5
    assert points[1].marker.color == PALETTE[1]
    assert figure.layout.title.text == "Decision boundary after epoch 7"
    assert figure.layout.xaxis.title.text == "x&lt;1&gt;"  # escaped, shown as text
    assert figure.layout.yaxis.scaleanchor == "x"


def test_multiclass_boundary_shows_the_predicted_class_in_discrete_colours():
    figure = boundary_figure(boundary("class"))
    heatmap, *points = figure.data
    assert (heatmap.zmin, heatmap.zmax) == (-0.5, 2.5)
    assert heatmap.showscale is False
    assert [p.name for p in points] == ["a", "b", "c"]
    assert [len(p.x) for p in points] == [1, 2, 2]


def test_regression_boundary_shows_the_predicted_value():
    figure = boundary_figure(boundary("value", classes=None))
    heatmap, points = figure.data
    assert heatmap.colorbar.title.text == "prediction"
    assert len(points.x) == 5
    assert list(points.marker.color) == [0.5, 1.5, 2.5, 3.5, 4.5]
    assert figure.layout.title.text == "Predictions after epoch 7"


def test_a_diverged_boundary_shows_gaps():
    z = [[math.nan] * 4 for _ in range(3)]
    figure = boundary_figure(boundary(z=z))
    assert figure.data[0].z[0][0] is None


def test_a_boundary_that_does_not_fit_its_grid_is_named():
    with pytest.raises(ValueError, match=r"shape \(3, 4\)\)\. Got shape \(4, 3\)"):
        boundary_figure(boundary(z=[[0.5] * 3] * 4))
    with pytest.raises(ValueError, match="boundary\\['kind'\\] must be one of"):
        boundary_figure(boundary(kind="probability") | {"kind": "colour"})


def test_history_csv_round_trips_with_pandas():
    history = {**HISTORY, "loss": [0.9, math.nan, 0.45, 0.4, 0.35]}
    frame = pd.read_csv(io.StringIO(history_csv(history)))
    assert list(frame.columns) == ["epoch", *HISTORY]
    assert frame["epoch"].tolist() == [1, 2, 3, 4, 5]
    assert frame["val_loss"].tolist() == HISTORY["val_loss"]
    assert math.isnan(frame["loss"][1])


def test_history_csv_of_no_epochs_has_the_header_only():
    assert history_csv({}).strip() == "epoch"


def test_epoch_table_is_newest_first_with_readable_columns():
    table = epoch_table(HISTORY)
    assert list(table.columns) == [
        "epoch",
        "training loss",
        "training accuracy",
        "validation loss",
        "validation accuracy",
        "learning rate",
    ]
    assert table["epoch"].tolist() == [5, 4, 3, 2, 1]
    assert table["validation loss"].iloc[0] == 0.7
