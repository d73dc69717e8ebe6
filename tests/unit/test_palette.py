"""Every figure NN Studio draws uses colours that colour-blind viewers can tell apart.

Discrete colours come from the Okabe-Ito palette (``nncore.plots.base.PALETTE``), its
tints (mixed with white) or neutral greys; continuous scales are Viridis or Cividis
(perceptually even and readable with any colour vision) or built from the palette.
Red-green scales such as RdYlGn or Jet are what this guards against.
"""

from __future__ import annotations

import re

import numpy as np
import plotly.colors
import pytest

from nncore.data.prepare import prepare_data
from nncore.data.profile import profile_data
from nncore.data.sources import load_builtin
from nncore.plots import base as plots
from nncore.plots import evaluation as eval_plots
from nncore.plots import training as train_plots
from nncore.plots import tuning as tune_plots
from nncore.plots.base import PALETTE
from nncore.plots.network import network_figure
from nncore.train.doctor import diagnose
from nncore.train.evaluation import (
    classification_summary,
    evaluation_from_outputs,
    pr_curves,
    probability_histogram,
    regression_summary,
    roc_curves,
)
from tests.unit.test_doctor import val_rising
from tests.unit.test_evaluation import fitted, random_outputs, table
from tests.unit.test_train_plots import boundary
from tests.unit.test_tuning import row, snapshot_of

ALLOWED_SCALES = {
    name: [c.lower() for c in getattr(plotly.colors.sequential, name)]
    for name in ("Viridis", "Cividis")
}
# Keys whose value is one colour or a list of colours.
COLOUR_KEYS = {"color", "bgcolor", "bordercolor", "fillcolor", "gridcolor"}


def _rgb(colour: str) -> tuple[float, float, float, float] | None:
    """A colour as (red, green, blue, alpha), or None when it is not one."""
    text = colour.strip().lower()
    if re.fullmatch(r"#[0-9a-f]{6}", text):
        return (*(int(text[i : i + 2], 16) for i in (1, 3, 5)), 1.0)
    found = re.fullmatch(r"rgba?\(([^)]*)\)", text)
    if found:
        parts = [float(p) for p in found.group(1).split(",")]
        return (*parts[:3], parts[3] if len(parts) > 3 else 1.0)
    named = {"white": (255, 255, 255, 1.0), "black": (0, 0, 0, 1.0)}
    return named.get(text)


def _safe(colour: str) -> bool:
    """A palette colour, a tint of one (mixed with white), or a neutral grey."""
    rgb = _rgb(colour)
    if rgb is None:
        return False
    red, green, blue, alpha = rgb
    if alpha == 0 or (abs(red - green) <= 2 and abs(green - blue) <= 2):
        return True  # transparent, white, black or grey
    for base in PALETTE:
        shades = []
        for channel, value in zip(_rgb(base)[:3], (red, green, blue), strict=True):
            if channel == 255:
                if abs(value - 255) > 2:
                    break
                continue
            shades.append((255 - value) / (255 - channel))
        else:
            if shades and max(shades) - min(shades) <= 0.02 and max(shades) <= 1.01:
                return True
    return False


def _scale_ok(scale) -> bool:
    colours = [str(stop[1]).lower() for stop in scale]
    for allowed in ALLOWED_SCALES.values():
        if colours in (allowed, allowed[::-1]):
            return True
    return all(_safe(c) for c in colours)


def colour_problems(figure) -> list[str]:
    """Every colour and colour scale in ``figure`` that is not colour-blind-safe."""
    found = figure.to_plotly_json()
    problems: list[str] = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                where = f"{path}.{key}"
                if key == "template":
                    continue  # Plotly's defaults; what the figure uses is checked
                if key == "colorscale" and isinstance(value, list | tuple):
                    if not _scale_ok(value):
                        problems.append(f"{where}: scale {value[:3]}…")
                elif key in COLOUR_KEYS or key == "colorway":
                    values = value if isinstance(value, list | tuple) else [value]
                    for item in values:
                        if isinstance(item, str) and not _safe(item):
                            problems.append(f"{where}: {item}")
                else:
                    walk(value, where)
        elif isinstance(node, list | tuple):
            for i, item in enumerate(node):
                walk(item, f"{path}[{i}]")

    walk(found, "figure")
    layout = found.get("layout", {})
    for i, trace in enumerate(found.get("data", [])):
        # A trace without colours of its own takes the layout's colorway, or else
        # the template's default colours, which are not colour-blind-safe.
        own = any(
            trace.get(part, {}).get("color") is not None for part in ("marker", "line")
        ) or trace.get("type") in ("heatmap", "parcoords")
        if not own and "colorway" not in layout:
            problems.append(f"figure.data[{i}] ({trace.get('type')}): no colours")
        # A colour scale it needs must be its own, not the template's.
        numeric = [
            trace.get(part, {}).get("color")
            for part in ("marker", "line")
            if isinstance(trace.get(part, {}).get("color"), list | tuple)
            and any(isinstance(v, int | float) for v in trace[part]["color"])
        ]
        scaled = trace.get("type") == "heatmap" or numeric
        has_scale = "colorscale" in trace or any(
            "colorscale" in trace.get(part, {}) for part in ("marker", "line")
        )
        if scaled and not has_scale:
            problems.append(f"figure.data[{i}] ({trace.get('type')}): default scale")
    return problems


def test_the_checker_rejects_red_green_and_accepts_the_palette():
    import plotly.graph_objects as go

    red_green = go.Figure(
        go.Heatmap(z=[[0, 1]], colorscale="RdYlGn"),
        layout=dict(colorway=PALETTE),
    )
    assert colour_problems(red_green)
    default = go.Figure(go.Scatter(x=[1], y=[1]))
    assert colour_problems(default) == ["figure.data[0] (scatter): no colours"]
    assert colour_problems(go.Figure(go.Bar(x=[1], y=[1], marker_color="#ff0000")))
    tinted = train_plots._tint(PALETTE[3], 0.45)
    fine = go.Figure(
        go.Scatter(x=[1], y=[1], marker=dict(color=[tinted, "#888888", PALETTE[6]]))
    )
    assert colour_problems(fine) == []


def _data_figures():
    classes = prepare_data(load_builtin("iris"), "target")
    numbers = prepare_data(load_builtin("diabetes"), "target")
    two_d = prepare_data(load_builtin("circle", n_samples=200), "target")
    class_profile = profile_data(classes)
    number_profile = profile_data(numbers)
    return {
        "class balance": plots.class_balance_figure(class_profile),
        "histograms": plots.histograms_figure(class_profile),
        "relation": plots.relation_figure(number_profile),
        "target": plots.target_figure(number_profile),
        "scatter, classes": plots.scatter_figure(
            two_d.frame, *two_d.numeric_columns, two_d.target, two_d.task
        ),
        "scatter, numbers": plots.scatter_figure(
            numbers.frame, "age", "bmi", numbers.target, "regression"
        ),
    }


def _training_figures():
    history = val_rising()
    history["accuracy"] = list(np.linspace(0.5, 0.9, len(history["loss"])))
    history["val_accuracy"] = list(np.linspace(0.5, 0.8, len(history["loss"])))
    findings = diagnose(history)
    return {
        "curves": train_plots.curves_figure(
            history, "loss", best_epoch=13, findings=findings
        ),
        "curves, accuracy": train_plots.curves_figure(history, "accuracy"),
        "boundary, binary": train_plots.boundary_figure(boundary()),
        "boundary, multiclass": train_plots.boundary_figure(boundary("class")),
        "boundary, regression": train_plots.boundary_figure(
            boundary("value", classes=None)
        ),
    }


def _evaluation_figures():
    binary = prepare_data(table(), "label")
    multiclass = prepare_data(table(classes=3), "label")
    frame = table().drop(columns=["label"])
    frame["value"] = 3 * frame["signal"] + 0.1 * frame["noise"] + 10
    regression = prepare_data(frame, "value")
    found = {}
    for name, prepared in (("binary", binary), ("multiclass", multiclass)):
        evaluation = evaluation_from_outputs(prepared, "val", random_outputs(prepared))
        summary = classification_summary(evaluation, 0.5)
        found[f"confusion, {name}"] = eval_plots.confusion_figure(
            summary["confusion"], evaluation.classes, selected=(0, 1)
        )
        found[f"roc, {name}"] = eval_plots.roc_figure(roc_curves(evaluation), 0.5)
        found[f"pr, {name}"] = eval_plots.pr_figure(pr_curves(evaluation))
        found[f"probabilities, {name}"] = eval_plots.probability_figure(
            probability_histogram(evaluation), 0.5
        )
    found["prediction"] = eval_plots.prediction_figure({"a": 0.7, "b": 0.2, "c": 0.1})
    evaluation = evaluation_from_outputs(
        regression, "val", fitted(regression)(regression.X_val)
    )
    summary = regression_summary(evaluation)
    found["predicted vs actual"] = eval_plots.predicted_actual_figure(summary, "value")
    found["residuals"] = eval_plots.residuals_figure(summary)
    found["residual histogram"] = eval_plots.residual_histogram_figure(summary)
    found["importance"] = eval_plots.importance_figure(
        [
            {"column": "signal", "importance": 0.4, "std": 0.1, "metric": "accuracy"},
            {"column": "noise", "importance": -0.01, "std": 0.01, "metric": "accuracy"},
        ]
    )
    histories = [
        (name, {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}) for name in "ABCDEFGHIJ"
    ]
    found["runs curves"] = eval_plots.runs_curves_figure(histories, "loss")
    found["runs scores"] = eval_plots.runs_metrics_figure(
        [(name, {"accuracy": 0.9, "f1": 0.8}) for name in "ABCDEFGHIJ"],
        ["accuracy", "f1"],
    )
    found["reference models"] = eval_plots.reference_figure(
        [
            ("Your network", {"accuracy": 0.9}),
            ("Naive baseline", {"accuracy": 0.6}),
            ("Logistic regression", {"accuracy": 0.92}),
            ("Gradient boosting", {"accuracy": 0.95}),
        ],
        ["accuracy"],
        intervals={"Your network": {"accuracy": [0.85, 0.95]}},
    )
    found["runs scores, units"] = eval_plots.runs_metrics_figure(
        [("A", {"r2": 0.5, "rmse": 40.0}), ("B", {"r2": 0.6, "rmse": 35.0})],
        ["r2", "rmse"],
    )
    return found


def _tuning_figures():
    rows = [
        row(1, "complete", 0.6, units=4, rate=0.001),
        row(2, "pruned", 0.3, units=8, rate=0.1),
        row(3, "complete", 0.9, units=8, rate=0.01),
        row(4, "running", None, units=4, rate=0.03),
        row(5, "failed", None, units=8, rate=0.3),
    ]
    curves = {1: [0.4, 0.6], 2: [0.3], 3: [0.7, 0.9], 4: [0.5], 5: [0.1]}
    snapshot = snapshot_of(rows, curves, {"units": 0.7, "learning_rate": 0.3})
    snapshot.best = {"trial": 3, "value": 0.9, "params": rows[2]["params"]}
    return {
        "tune history": tune_plots.history_figure(snapshot),
        "tune curves": tune_plots.curves_figure(snapshot),
        "tune parallel": tune_plots.parallel_figure(snapshot),
        "tune importance": tune_plots.importance_figure(snapshot),
    }


def _network_figures():
    layers = [
        {"type": "dense", "units": 8, "activation": "relu"},
        {"type": "dropout", "rate": 0.2},
        {"type": "batchnorm"},
    ]
    return {
        f"network, {task}": network_figure(layers, 4, task, classes)
        for task, classes in (("binary", 2), ("multiclass", 3), ("regression", None))
    }


FIGURES = {
    "data": _data_figures,
    "training": _training_figures,
    "evaluation": _evaluation_figures,
    "tuning": _tuning_figures,
    "network": _network_figures,
}


@pytest.mark.parametrize("builder", FIGURES.values(), ids=list(FIGURES))
def test_every_figure_is_colour_blind_safe(builder):
    figures = builder()
    assert figures
    problems = {
        name: found
        for name, figure in figures.items()
        if (found := colour_problems(figure))
    }
    assert not problems, problems


def test_the_palette_is_okabe_ito():
    assert PALETTE == [
        "#0072B2",
        "#E69F00",
        "#009E73",
        "#CC79A7",
        "#56B4E9",
        "#D55E00",
        "#F0E442",
        "#000000",
    ]
