"""Figures of an evaluation and of a comparison of runs, from plain results.

``nncore.train.evaluation`` computes (confusion counts, curves, residuals, importance);
this module only draws, so the Evaluate and Runs screens just call
``st.plotly_chart``. Colours are Okabe-Ito (``nncore.plots.base.PALETTE``); every
user-supplied name (class labels, columns, run names) goes through ``plot_label``.

Example:
    >>> summary = classification_summary(evaluation)
    >>> confusion_figure(summary["confusion"], evaluation.classes)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from nncore.core.metrics import CLASSIFICATION_METRICS
from nncore.core.metrics import METRIC_TITLES as FULL_TITLES
from nncore.core.text import plot_label, readable_number
from nncore.plots.base import (
    AXIS_NUMBER,
    LEGEND_BELOW,
    PALETTE,
    base_layout,
    empty_note,
)
from nncore.plots.base import HOVER_NUMBER as HOVER
from nncore.plots.robust import clip_to_view, edge_points, outside_note, robust_view

__all__ = [
    "confusion_figure",
    "importance_figure",
    "pr_figure",
    "predicted_actual_figure",
    "prediction_figure",
    "probability_figure",
    "reference_figure",
    "residual_histogram_figure",
    "residuals_figure",
    "roc_figure",
    "runs_curves_figure",
    "runs_metrics_figure",
]

BLUE, ORANGE, GREEN, PINK, SKY, VERMILLION = PALETTE[:6]
GREY = "#888888"
# Scores from 0 to 1 that can share one axis.
UNIT_SCORES = CLASSIFICATION_METRICS
# Chart labels are short: the errors by their abbreviations.
METRIC_TITLES = {
    **FULL_TITLES,
    "r2": "R²",
    "mae": "MAE",
    "rmse": "RMSE",
    "loss": "Loss",
}


def _layout(figure: go.Figure, title: str, height: int = 380, **more) -> go.Figure:
    return base_layout(figure, title, height, top=60, **more)


def _colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _dash(i: int) -> str:
    """Solid for the first eight lines; after that the colours repeat, dashed."""
    return ("solid", "dash", "dot")[(i // len(PALETTE)) % 3]


def _labels(classes: Sequence[Any], limit: int = 20) -> list[str]:
    return [plot_label(c, limit) for c in classes]


# --- classification ----------------------------------------------------------------


def confusion_figure(
    confusion: Sequence[Sequence[int]],
    classes: Sequence[Any],
    selected: tuple[int, int] | None = None,
    title: str = "Confusion matrix",
) -> go.Figure:
    """Counts of true (rows) against predicted (columns) classes as a heatmap.

    Colour shows each cell's share of its true class (its row), so rare classes
    read as clearly as common ones; the text gives the count and that share. A
    transparent marker on each cell makes it selectable in Streamlit
    (``on_select``): its ``customdata`` is ``[true index, predicted index]``.

    Args:
        confusion: counts, ``confusion[i][j]`` = rows of class i predicted as j.
        classes: the class labels.
        selected: the ``(true, predicted)`` cell to outline. Default: None.
        title: the figure's title. Default: "Confusion matrix".
    """
    counts = np.asarray(confusion, dtype=float)
    n = len(classes)
    if counts.shape != (n, n):
        raise ValueError(
            f"The confusion matrix must be {n}×{n} for {n} classes. Got shape "
            f"{counts.shape}."
        )
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    labels = _labels(classes)
    text = [
        [f"{int(counts[i, j])}<br>{shares[i, j]:.0%}" for j in range(n)]
        for i in range(n)
    ]
    figure = go.Figure(
        go.Heatmap(
            z=shares,
            x=list(range(n)),
            y=list(range(n)),
            text=text,
            texttemplate="%{text}",
            textfont=dict(size=14 if n <= 6 else 11),
            colorscale=[[0.0, "#ffffff"], [1.0, BLUE]],
            zmin=0,
            zmax=1,
            showscale=False,
            hoverinfo="skip",
            xgap=2,
            ygap=2,
        )
    )
    cells = [(i, j) for i in range(n) for j in range(n)]
    size = max(10, min(70, int(300 / n)))
    figure.add_trace(
        go.Scatter(
            x=[j for _, j in cells],
            y=[i for i, _ in cells],
            mode="markers",
            marker=dict(symbol="square", size=size, color="rgba(0,0,0,0)"),
            selected=dict(marker=dict(color="rgba(0,0,0,0.12)")),
            unselected=dict(marker=dict(opacity=1)),
            customdata=[
                [i, j, labels[i], labels[j], int(counts[i, j])] for i, j in cells
            ],
            hovertemplate=(
                "true %{customdata[2]}, predicted %{customdata[3]}: "
                "%{customdata[4]} rows<br>click to list them<extra></extra>"
            ),
            showlegend=False,
            name="cells",
        )
    )
    if selected is not None:
        i, j = selected
        figure.add_shape(
            type="rect",
            x0=j - 0.5,
            x1=j + 0.5,
            y0=i - 0.5,
            y1=i + 0.5,
            line=dict(color=VERMILLION, width=3),
        )
    ticks = dict(tickmode="array", tickvals=list(range(n)), ticktext=labels)
    figure.update_xaxes(
        title="predicted class", range=[-0.5, n - 0.5], showgrid=False, **ticks
    )
    figure.update_yaxes(
        title="true class",
        range=[n - 0.5, -0.5],  # the first class on top, as in a table
        showgrid=False,
        **ticks,
    )
    return _layout(
        figure,
        title,
        height=max(340, min(620, 60 * n + 160)),
        clickmode="event+select",
        dragmode=False,
    )


def roc_figure(
    curves: Sequence[Mapping[str, Any]], threshold: float | None = None
) -> go.Figure:
    """ROC curves (true positive rate against false positive rate), one per class.

    Args:
        curves: ``nncore.train.evaluation.roc_curves``.
        threshold: for a single (binary) curve, the decision threshold to mark on
            it. Default: None.
    """
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=[0, 1],
            y=[0, 1],
            mode="lines",
            line=dict(color=GREY, dash="dash", width=1),
            name="guessing (AUC 0.5)",
            hoverinfo="skip",
        )
    )
    for i, curve in enumerate(curves):
        label = plot_label(curve["label"], 20)
        name = (
            f"AUC {curve['auc']:.3f}"
            if len(curves) == 1
            else f"{label} (AUC {curve['auc']:.3f})"
        )
        figure.add_trace(
            go.Scatter(
                x=curve["fpr"],
                y=curve["tpr"],
                mode="lines",
                line=dict(color=_colour(i), dash=_dash(i), width=2.5, shape="hv"),
                name=name,
                hovertemplate=(
                    f"{label}: false positives %{{x:.0%}}, true positives "
                    "%{y:.0%}<extra></extra>"
                ),
            )
        )
    if threshold is not None and len(curves) == 1:
        curve = curves[0]
        thresholds = np.asarray(curve["thresholds"])
        reached = np.flatnonzero(thresholds >= threshold)
        k = int(reached[-1]) if reached.size else 0
        figure.add_trace(
            go.Scatter(
                x=[curve["fpr"][k]],
                y=[curve["tpr"][k]],
                mode="markers",
                marker=dict(color=VERMILLION, size=11, symbol="circle"),
                name=f"threshold {threshold:.2f}",
            )
        )
    if not curves:
        empty_note(figure, "Needs rows of every class to draw.")
    figure.update_xaxes(title="false positive rate", range=[-0.01, 1.01])
    figure.update_yaxes(title="true positive rate (recall)", range=[-0.01, 1.02])
    subtitle = " (one class against the rest)" if len(curves) > 1 else ""
    return _layout(
        figure,
        "ROC curve" + subtitle,
        legend=dict(yanchor="bottom", y=0.02, xanchor="right", x=0.98),
    )


def pr_figure(curves: Sequence[Mapping[str, Any]]) -> go.Figure:
    """Precision-recall curves, one per class, with the precision of guessing.

    Args:
        curves: ``nncore.train.evaluation.pr_curves``.
    """
    figure = go.Figure()
    for i, curve in enumerate(curves):
        label = plot_label(curve["label"], 20)
        ap = curve["average_precision"]
        figure.add_trace(
            go.Scatter(
                x=curve["recall"],
                y=curve["precision"],
                mode="lines",
                line=dict(color=_colour(i), dash=_dash(i), width=2.5, shape="vh"),
                name=f"AP {ap:.3f}" if len(curves) == 1 else f"{label} (AP {ap:.3f})",
                hovertemplate=(
                    f"{label}: recall %{{x:.0%}}, precision %{{y:.0%}}<extra></extra>"
                ),
            )
        )
    if len(curves) == 1:
        prevalence = curves[0]["prevalence"]
        figure.add_trace(
            go.Scatter(
                x=[0, 1],
                y=[prevalence, prevalence],
                mode="lines",
                line=dict(color=GREY, dash="dash", width=1),
                name=f"guessing ({prevalence:.0%})",
                hoverinfo="skip",
            )
        )
    if not curves:
        empty_note(figure, "Needs rows of every class to draw.")
    figure.update_xaxes(title="recall", range=[-0.01, 1.01])
    figure.update_yaxes(title="precision", range=[-0.01, 1.02])
    subtitle = " (one class against the rest)" if len(curves) > 1 else ""
    return _layout(
        figure,
        "Precision-recall curve" + subtitle,
        legend=dict(yanchor="bottom", y=0.02, xanchor="left", x=0.02),
    )


def probability_figure(
    histogram: Mapping[str, Any], threshold: float | None = None
) -> go.Figure:
    """Histograms of predicted probabilities (``evaluation.probability_histogram``).

    Args:
        histogram: edges and one series of counts per group.
        threshold: for binary, the decision threshold to mark. Default: None.
    """
    edges = np.asarray(histogram["edges"], dtype=float)
    centres = (edges[:-1] + edges[1:]) / 2
    width = float(edges[1] - edges[0])
    figure = go.Figure()
    colours = (
        [BLUE, ORANGE] if histogram.get("kind") == "positive" else [GREEN, VERMILLION]
    )
    for i, series in enumerate(histogram["series"]):
        figure.add_trace(
            go.Bar(
                x=centres,
                y=series["counts"],
                width=width,
                name=plot_label(series["name"], 30),
                marker_color=colours[i % 2] if len(histogram["series"]) <= 2 else None,
                opacity=0.7,
                hovertemplate="%{x:.2f}: %{y} rows<extra>%{fullData.name}</extra>",
            )
        )
    if threshold is not None:
        figure.add_vline(
            x=threshold,
            line_dash="dash",
            line_color=VERMILLION,
            annotation_text=f"threshold {threshold:.2f}",
            annotation_position="top",
        )
    figure.update_xaxes(
        title=plot_label(histogram.get("x_title", ""), 60), range=[0, 1]
    )
    figure.update_yaxes(title="rows")
    # The legend goes under the axis: the threshold's label takes the top.
    return _layout(
        figure,
        "How sure the network is",
        barmode="overlay",
        bargap=0.05,
        legend=LEGEND_BELOW,
    )


def prediction_figure(probabilities: Mapping[str, float]) -> go.Figure:
    """Horizontal bars of one prediction's class probabilities, the likeliest on top."""
    items = sorted(probabilities.items(), key=lambda item: item[1])
    best = items[-1][0] if items else None
    figure = go.Figure(
        go.Bar(
            x=[p for _, p in items],
            y=[plot_label(label, 30) for label, _ in items],
            orientation="h",
            marker_color=[BLUE if label == best else SKY for label, _ in items],
            text=[f"{p:.0%}" for _, p in items],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:.1%}<extra></extra>",
        )
    )
    figure.update_xaxes(title="probability", range=[0, 1.12], tickformat=".0%")
    figure.update_yaxes(type="category")
    return _layout(
        figure, "Class probabilities", height=max(200, 34 * len(items) + 110)
    )


# --- regression --------------------------------------------------------------------


def _finite_pairs(xs, ys) -> tuple[np.ndarray, np.ndarray]:
    x = np.array([np.nan if v is None else v for v in xs], dtype=float)
    y = np.array([np.nan if v is None else v for v in ys], dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    return x[keep], y[keep]


def predicted_actual_figure(summary: Mapping[str, Any], target: str) -> go.Figure:
    """Predicted against actual values, with the line where they would be equal.

    Args:
        summary: ``nncore.train.evaluation.regression_summary``.
        target: the target column, for the axis titles.
    """
    actual, predicted = _finite_pairs(summary["actual"], summary["predicted"])
    name = plot_label(target, 30)
    view = robust_view(actual, predicted)
    x, x_out = clip_to_view(actual, view)
    y, y_out = clip_to_view(predicted, view)
    outside = x_out | y_out
    figure = go.Figure(
        go.Scatter(
            x=x[~outside],
            y=y[~outside],
            mode="markers",
            marker=dict(color=BLUE, size=7, opacity=0.7),
            name="rows",
            hovertemplate=f"actual %{{x:{HOVER}}}, predicted %{{y:{HOVER}}}"
            "<extra></extra>",
        )
    )
    edge_points(figure, (x, y), outside, (actual, predicted), BLUE, "actual")
    if actual.size:
        low = float(min(actual.min(), predicted.min()))
        high = float(max(actual.max(), predicted.max()))
        if view is not None:
            low, high = view
        figure.add_trace(
            go.Scatter(
                x=[low, high],
                y=[low, high],
                mode="lines",
                line=dict(color=VERMILLION, dash="dash"),
                name="perfect prediction",
                hoverinfo="skip",
            )
        )
    figure.update_xaxes(title=f"actual {name}", tickformat=AXIS_NUMBER)
    figure.update_yaxes(
        title=f"predicted {name}",
        scaleanchor="x",
        scaleratio=1,
        tickformat=AXIS_NUMBER,
    )
    if view is not None:
        figure.update_xaxes(range=list(view))
        figure.update_yaxes(range=list(view))
    outside_note(figure, int(outside.sum()))
    return _layout(
        figure,
        "Predicted against actual",
        legend=dict(yanchor="top", y=0.98, xanchor="left", x=0.02),
    )


def residuals_figure(summary: Mapping[str, Any]) -> go.Figure:
    """Residuals (actual - predicted) against the prediction, with the zero line."""
    predicted, residuals = _finite_pairs(summary["predicted"], summary["residuals"])
    x_view, y_view = robust_view(predicted), robust_view(residuals)
    x, x_out = clip_to_view(predicted, x_view)
    y, y_out = clip_to_view(residuals, y_view)
    outside = x_out | y_out
    figure = go.Figure(
        go.Scatter(
            x=x[~outside],
            y=y[~outside],
            mode="markers",
            marker=dict(color=GREEN, size=7, opacity=0.7),
            hovertemplate=f"predicted %{{x:{HOVER}}}, off by %{{y:{HOVER}}}"
            "<extra></extra>",
            showlegend=False,
        )
    )
    edge_points(figure, (x, y), outside, (predicted, residuals), GREEN, "residual")
    figure.add_hline(y=0, line_dash="dash", line_color=VERMILLION)
    figure.update_xaxes(title="predicted value", tickformat=AXIS_NUMBER)
    figure.update_yaxes(title="residual (actual − predicted)", tickformat=AXIS_NUMBER)
    if x_view is not None:
        figure.update_xaxes(range=list(x_view))
    if y_view is not None:
        figure.update_yaxes(range=list(y_view))
    outside_note(figure, int(outside.sum()))
    return _layout(figure, "Residuals against the prediction")


def residual_histogram_figure(summary: Mapping[str, Any], bins: int = 30) -> go.Figure:
    """How the residuals are spread: centred on 0 and narrow is good."""
    _, residuals = _finite_pairs(summary["residuals"], summary["residuals"])
    view = robust_view(residuals)
    _, outside = clip_to_view(residuals, view)
    shown = residuals[~outside]
    counts, edges = np.histogram(shown, bins=bins) if shown.size else ([], np.zeros(2))
    centres = (edges[:-1] + edges[1:]) / 2
    figure = go.Figure(
        go.Bar(
            x=centres,
            y=counts,
            width=np.diff(edges),
            marker_color=GREEN,
            hovertemplate=f"%{{x:{HOVER}}}: %{{y}} rows<extra></extra>",
        )
    )
    figure.add_vline(x=0, line_dash="dash", line_color=VERMILLION)
    figure.update_xaxes(title="residual (actual − predicted)", tickformat=AXIS_NUMBER)
    figure.update_yaxes(title="rows")
    outside_note(figure, int(outside.sum()), drawn=False)
    return _layout(figure, "Spread of the residuals")


# --- which columns matter ------------------------------------------------------------


def importance_figure(
    importance: Sequence[Mapping[str, Any]], limit: int = 20
) -> go.Figure:
    """Permutation importance as horizontal bars, the most important on top.

    Args:
        importance: ``nncore.train.evaluation.permutation_importance``.
        limit: most columns shown. Default: 20.
    """
    items = list(importance)[:limit][::-1]
    metric = importance[0]["metric"] if importance else "accuracy"
    values = [item["importance"] for item in items]
    figure = go.Figure(
        go.Bar(
            x=values,
            y=[plot_label(item["column"], 30) for item in items],
            orientation="h",
            error_x=dict(type="data", array=[item["std"] for item in items]),
            marker_color=[BLUE if v > 0 else GREY for v in values],
            hovertemplate="%{y}: %{x:.3f}<extra></extra>",
        )
    )
    words = "accuracy" if metric == "accuracy" else "R²"
    figure.update_xaxes(title=f"drop in {words} when the column is shuffled")
    figure.update_yaxes(type="category")
    title = "Which columns the network relies on"
    if len(importance) > len(items):
        title += f" (top {len(items)} of {len(importance)})"
    return _layout(figure, title, height=max(260, 26 * len(items) + 120))


# --- comparing runs ----------------------------------------------------------------


def _series(values: Sequence[Any]) -> list[float | None]:
    shown = []
    for value in values:
        number = None if value is None else float(value)
        shown.append(number if number is not None and math.isfinite(number) else None)
    return shown


def runs_curves_figure(
    runs: Sequence[tuple[str, Mapping[str, Any]]], metric: str = "loss"
) -> go.Figure:
    """Several runs' curves of one metric overlaid: validation solid, training dotted.

    Args:
        runs: ``(name, history)`` per run, e.g. ``[("A", run.history), ...]``.
        metric: the Keras metric name (``"loss"``, ``"accuracy"``, ``"mae"``…).
    """
    figure = go.Figure()
    longest = 0
    for i, (name, history) in enumerate(runs):
        label = plot_label(name, 30)
        for key, dash, width, words in (
            (f"val_{metric}", "solid", 2.5, "validation"),
            (metric, "dot", 1.5, "training"),
        ):
            values = history.get(key)
            if not values:
                continue
            longest = max(longest, len(values))
            figure.add_trace(
                go.Scatter(
                    x=list(range(1, len(values) + 1)),
                    y=_series(values),
                    mode="lines",
                    line=dict(color=_colour(i), dash=dash, width=width),
                    name=f"{label} · {words}",
                    legendgroup=label,
                    hovertemplate=(
                        f"{label} {words}, epoch %{{x}}: %{{y:{HOVER}}}<extra></extra>"
                    ),
                )
            )
    if not longest:
        empty_note(figure, f"No recorded epochs of {plot_label(metric, 30)}.")
    figure.update_xaxes(title="epoch", tickformat="d", rangemode="tozero")
    figure.update_yaxes(title=plot_label(METRIC_TITLES.get(metric, metric), 40))
    return _layout(
        figure,
        f"{METRIC_TITLES.get(metric, plot_label(metric, 40))}: the runs side by side",
        # Two legend entries a run: a row of them more per three runs, under the plot.
        height=400 + 24 * math.ceil(len(runs) / 3),
        legend=LEGEND_BELOW,
        hovermode="x unified",
    )


def runs_metrics_figure(
    runs: Sequence[tuple[str, Mapping[str, Any]]],
    metrics: Sequence[str],
    title: str = "Validation scores",
    *,
    intervals: Mapping[str, Mapping[str, Sequence[float]]] | None = None,
) -> go.Figure:
    """The runs' scores as bars, one colour per run.

    Scores between 0 and 1 (accuracy, precision, recall, F1, ROC AUC) share one
    axis, grouped by metric. Others (R², MAE, RMSE, in different units) get a small
    chart each with its own scale; the values are written on the bars.

    Args:
        runs: ``(name, metric name -> value or None)`` per run.
        metrics: the metrics to draw, e.g. ``["accuracy", "f1", "roc_auc"]``.
        title: the figure's title. Default: "Validation scores".
        intervals: run name -> metric -> ``[low, high]``, drawn as error bars
            (95 % bootstrap intervals); runs or metrics without one get none.
            Default: None (no error bars).
    """
    colours = [_colour(i) for i in range(len(runs))]
    return _scores_figure(runs, metrics, colours, title, intervals or {})


def reference_figure(
    models: Sequence[tuple[str, Mapping[str, Any]]],
    metrics: Sequence[str],
    *,
    intervals: Mapping[str, Mapping[str, Sequence[float]]] | None = None,
    title: str = "Your network against the naive guess and the reference models",
) -> go.Figure:
    """The network, the naive guess and the reference models, side by side.

    The first model is the network (blue), the second the naive guess (grey),
    the others (logistic or linear regression, gradient boosting) take the next
    colours of the palette. Laid out like ``runs_metrics_figure``.

    Args:
        models: ``(title, metric name -> value or None)`` per model: the network,
            the naive guess, then the reference models, e.g. ``[("Your network",
            {...}), ("Naive baseline", {...}), ("Gradient boosting", {...})]``.
        metrics: the metrics to draw, e.g. ``["accuracy", "f1", "roc_auc"]``.
        intervals: model title -> metric -> ``[low, high]`` (the network's 95 %
            bootstrap intervals), drawn as error bars. Default: None.
        title: the figure's title. Default: "Your network against the naive guess
            and the reference models".

    Example:
        >>> reference_figure(
        ...     [("Your network", {"accuracy": 0.93}),
        ...      ("Naive baseline", {"accuracy": 0.6})],
        ...     ["accuracy"],
        ...     intervals={"Your network": {"accuracy": [0.89, 0.96]}},
        ... )
    """
    others = [BLUE, GREY, *PALETTE[1:]]
    colours = [others[i] if i < len(others) else GREY for i in range(len(models))]
    return _scores_figure(models, metrics, colours, title, intervals or {})


def _error_bars(
    values: Sequence[float | None], ranges: Sequence[Sequence[float] | None]
) -> dict | None:
    """Plotly's asymmetric ``error_y`` for the values that have a [low, high]."""
    plus, minus, any_bar = [], [], False
    for value, bounds in zip(values, ranges, strict=True):
        low, high = _bounds(bounds)
        if value is None or low is None or high is None:
            plus.append(None)
            minus.append(None)
            continue
        any_bar = True
        plus.append(max(high - value, 0.0))
        minus.append(max(value - low, 0.0))
    if not any_bar:
        return None
    return dict(
        type="data",
        symmetric=False,
        array=plus,
        arrayminus=minus,
        color="#444444",
        thickness=1.5,
        width=4,
    )


def _bounds(bounds: Sequence[float] | None) -> tuple[float | None, float | None]:
    if bounds is None or len(bounds) != 2:
        return None, None
    low, high = _series(bounds)
    return low, high


def _hover_range(bounds: Sequence[float] | None) -> str:
    low, high = _bounds(bounds)
    if low is None or high is None:
        return ""
    low, high = (readable_number(v, digits=4) for v in (low, high))
    return f" (95 % interval {low} to {high})"


# A value that no longer fits its bar at 9 px is left to the hover label rather than
# shrunk until it is unreadable or run into its neighbour's.
SCORE_TEXT = dict(minsize=9, mode="hide")


def _text_places(
    values: Sequence[float | None], tallest: float, barred: bool
) -> str | list[str]:
    """Where each bar's value is written: above the bar, or, when error bars would
    cross it there, inside at its foot (above a bar too short to hold it)."""
    if not barred:
        return "outside"
    return [
        "inside" if v is not None and abs(v) >= 0.15 * tallest else "outside"
        for v in values
    ]


def _scores_figure(
    entries: Sequence[tuple[str, Mapping[str, Any]]],
    metrics: Sequence[str],
    colours: Sequence[str],
    title: str,
    intervals: Mapping[str, Mapping[str, Sequence[float]]],
) -> go.Figure:
    metrics = list(metrics) or ["accuracy"]
    names = [plot_label(name, 20) for name, _ in entries]
    ranges = [intervals.get(name) or {} for name, _ in entries]
    if all(m in UNIT_SCORES for m in metrics):
        figure = go.Figure()
        for i, (_, scores) in enumerate(entries):
            values = _series([scores.get(metric) for metric in metrics])
            bounds = [ranges[i].get(metric) for metric in metrics]
            figure.add_trace(
                go.Bar(
                    x=[METRIC_TITLES.get(m, plot_label(m, 20)) for m in metrics],
                    y=values,
                    name=names[i],
                    marker_color=colours[i],
                    error_y=_error_bars(values, bounds),
                    text=["—" if v is None else f"{v:.3f}" for v in values],
                    # At the bars' feet: labels above narrow bars would touch.
                    textposition=_text_places(values, 1.0, True),
                    insidetextanchor="start",
                    textfont=dict(size=11),
                    cliponaxis=False,
                    customdata=[_hover_range(b) for b in bounds],
                    hovertemplate=(
                        f"{names[i]}, %{{x}}: %{{y:.4f}}%{{customdata}}<extra></extra>"
                    ),
                )
            )
        figure.update_yaxes(range=[0, 1.1], title="score")
        return _layout(
            figure,
            title,
            height=360 + 24 * math.ceil(len(entries) / 4),
            barmode="group",
            legend={**LEGEND_BELOW, "y": -0.12},  # no axis title to clear
            uniformtext=SCORE_TEXT,
        )
    figure = make_subplots(
        rows=1,
        cols=len(metrics),
        subplot_titles=[METRIC_TITLES.get(m, plot_label(m, 20)) for m in metrics],
        horizontal_spacing=0.08,
    )
    for column, metric in enumerate(metrics, start=1):
        values = _series([scores.get(metric) for _, scores in entries])
        bounds = [one.get(metric) for one in ranges]
        error_y = _error_bars(values, bounds)
        if error_y is not None:
            # One trace holds every model: a model without a bar would get a cap.
            error_y["width"] = 0
        tallest = max((abs(v) for v in values if v is not None), default=0.0)
        figure.add_trace(
            go.Bar(
                x=names,
                y=values,
                marker_color=list(colours),
                error_y=error_y,
                text=["—" if v is None else readable_number(v) for v in values],
                textposition=_text_places(values, tallest, True),
                insidetextanchor="start",
                cliponaxis=False,
                showlegend=False,
                customdata=[_hover_range(b) for b in bounds],
                hovertemplate=f"%{{x}}: %{{y:{HOVER}}}%{{customdata}}<extra></extra>",
            ),
            row=1,
            col=column,
        )
    figure.update_xaxes(type="category")
    # Each metric has its own units: the values are on the bars, not on an axis.
    figure.update_yaxes(rangemode="tozero", showticklabels=False)
    figure.update_annotations(font_size=13)
    return _layout(figure, title, height=340, uniformtext=SCORE_TEXT)
