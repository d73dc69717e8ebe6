"""Figures and tables of a training run: live curves, decision boundary, history.

Built from plain data (a Keras-style history, the job's boundary dict, the doctor's
findings), so the Train screen only calls ``st.plotly_chart``. NumPy, pandas and
Plotly only: no TensorFlow, no Streamlit. Colours are Okabe-Ito (``PALETTE``), as
in ``nncore.plots.base``; every user-supplied name goes through ``plot_label``.

Example:
    >>> figure = curves_figure(view.history, "loss", best_epoch=view.best_epoch,
    ...                        findings=view.findings)
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from nncore.core.metrics import METRIC_TITLES
from nncore.core.text import plot_label
from nncore.plots.base import HOVER_NUMBER, PALETTE, base_layout, empty_note
from nncore.train.compiling import METRICS

__all__ = [
    "boundary_figure",
    "curves_figure",
    "epoch_table",
    "finding_label",
    "history_csv",
    "metric_names",
    "metric_title",
]

TRAIN_COLOUR = PALETTE[0]  # blue
VAL_COLOUR = PALETTE[1]  # orange
BEST_COLOUR = PALETTE[2]  # bluish green
# The epoch the network view shows (the time machine): a neutral grey.
SHOWN_COLOUR = "#555555"
FINDING_COLOUR = PALETTE[5]  # vermillion
# Above this many epochs the curves drop their per-epoch markers.
MARKERS_UP_TO = 40
# Keras logs the learning rate when a callback changes it: not a curve to compare.
NOT_METRICS = ("learning_rate", "lr")
# Metrics that fall as the network learns (their curves start high, end low).
FALLING = ("loss", "mae", "rmse", "mse")
SYMBOLS = ["circle", "x", "diamond", "square", "triangle-up", "cross"]
# Earlier runs ("ghosts") are faint, thin and dashed, one pattern each, so the
# current run's curves stay in front and the ghosts are told apart in the legend.
GHOST_OPACITY = 0.4
GHOST_DASHES = ["dot", "dash", "dashdot", "longdash", "longdashdot"]
GHOST_ROW_PX = 26

_FINDING_WORDS = {
    "overfitting": "overfitting from epoch {}",
    "underfitting": "underfitting since epoch {}",
    "divergence": "diverged at epoch {}",
    "oscillation": "oscillating from epoch {}",
    "plateau": "plateau since epoch {}",
    "ignored_class": "rare class ignored (epoch {})",
    "dead_relu": "dead ReLU neurons from epoch {}",
    "vanishing_gradients": "vanishing gradients from epoch {}",
    "exploding_gradients": "exploding gradients from epoch {}",
}
_TITLES = {
    **METRIC_TITLES,
    "r2": "R²",
    "mse": "Mean squared error (MSE)",
    "loss": "Loss",
    "learning_rate": "Learning rate",
    **{name: choice.title for name, choice in METRICS.items()},
}


# --- reading a history -------------------------------------------------------------


def _check_history(history: Any) -> None:
    if not isinstance(history, Mapping):
        raise TypeError(
            "history must be a dict of metric name -> list of per-epoch numbers, "
            "e.g. {'loss': [0.69, 0.52], 'val_loss': [0.7, 0.6]}. "
            f"Got {type(history).__name__}."
        )


def _series(history: Mapping[str, Any], key: str) -> np.ndarray:
    """One history entry as floats, None turned into NaN; empty when absent."""
    values = history.get(key)
    if values is None:
        return np.empty(0)
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _n_epochs(history: Mapping[str, Any]) -> int:
    return max((len(values) for values in history.values()), default=0)


def _gaps(values: np.ndarray, log_y: bool = False) -> list[float | None]:
    """Values for Plotly with NaN/inf (and, on a log axis, values <= 0) as None.

    Plotly breaks a line at None, so a diverged epoch shows as a gap, not a spike.
    """
    shown = []
    for value in values.tolist():
        drawable = math.isfinite(value) and (value > 0 or not log_y)
        shown.append(value if drawable else None)
    return shown


def metric_names(history: Mapping[str, Any]) -> list[str]:
    """The metrics a history holds curves for: ``loss`` first, then the others.

    Each metric appears once, without the ``val_`` prefix; the learning rate (which
    Keras logs when a callback changes it) is left out.

    Example:
        >>> metric_names({"accuracy": [], "loss": [], "val_loss": [],
        ...               "val_accuracy": [], "learning_rate": []})
        ['loss', 'accuracy']
    """
    _check_history(history)
    names: list[str] = []
    for key in history:
        name = key[4:] if key.startswith("val_") else key
        if name not in names and name not in NOT_METRICS:
            names.append(name)
    if "loss" in names:
        names.remove("loss")
        names.insert(0, "loss")
    return names


def metric_title(name: str) -> str:
    """The name people read for a Keras metric: ``"mae"`` -> ``"Mean absolute …"``."""
    if name.startswith("val_"):
        title = metric_title(name[4:])
        keep = title[1:2].isupper()  # an abbreviation: "AUC", "ROC AUC"
        return "Validation " + (title if keep else title[:1].lower() + title[1:])
    return _TITLES.get(name, name.replace("_", " ").capitalize())


def finding_label(finding: Any) -> str:
    """A short label for a doctor's finding, e.g. ``"overfitting from epoch 12"``."""
    kind, epoch = _finding_parts(finding)
    return _FINDING_WORDS.get(kind, kind + " at epoch {}").format(epoch)


def _finding_parts(finding: Any) -> tuple[str, int]:
    if isinstance(finding, Mapping):
        return str(finding["kind"]), int(finding["epoch"])
    return str(finding.kind), int(finding.epoch)


# --- the curves --------------------------------------------------------------------


def curves_figure(
    history: Mapping[str, Any],
    metric: str = "loss",
    *,
    log_y: bool = False,
    best_epoch: int | None = None,
    findings: Iterable[Any] = (),
    title: str | None = None,
    ghosts: Sequence[Mapping[str, Any]] | None = None,
    shown_epoch: int | None = None,
) -> go.Figure:
    """Training and validation curves of one metric, on the same axes.

    The x axis counts epochs from 1. NaN and infinite values (a diverged epoch) are
    gaps in the line. The best epoch gets a dashed line labelled "best: epoch N";
    each finding of the training doctor a dotted line labelled with what happened
    from that epoch ("overfitting from epoch 12").

    Ghosts (earlier runs, ``nncore.report.ghosts.ghost_runs``) are drawn under the
    current curves as thin, faint lines in the same two colours, one dash pattern
    per run; each has one legend entry, its label, which hides or shows both its
    lines. The x axis then spans the longest run, and the legend moves under the
    plot, where it has room for them.

    Args:
        history: Keras-style history, e.g. ``{"loss": [...], "val_loss": [...]}``.
        metric: the metric to draw, without ``val_``. Defaults to ``"loss"``.
        log_y: a logarithmic y axis (values <= 0 become gaps). Defaults to False.
        best_epoch: the 1-based epoch to mark as best, or None. Defaults to None.
        findings: ``nncore.train.doctor.Finding`` objects (or dicts with ``kind`` and
            ``epoch``) to mark. Defaults to none.
        title: the figure's title. Defaults to the metric's name.
        ghosts: earlier runs to compare with, each ``{"label": "dropout 0.2",
            "history": {...}}``; a ghost without a curve of ``metric`` is left
            out. Defaults to None (none).
        shown_epoch: the epoch the network view shows (its time machine), marked
            with a solid grey line ("shown: epoch N"; 0 is the start). Defaults
            to None (not marked).

    Returns:
        The figure; with no epochs yet (and no ghosts), empty axes that say so.

    Raises:
        TypeError: when ``history`` is not a dict.
        ValueError: when the history has epochs but no curve for ``metric``.
    """
    _check_history(history)
    n_epochs = _n_epochs(history)
    train = _series(history, metric)
    val = _series(history, f"val_{metric}")
    if n_epochs and not train.size and not val.size:
        raise ValueError(
            f"The history has no curve for metric={metric!r}. Expected one of "
            f"{metric_names(history)}."
        )
    name = metric_title(metric)
    figure = go.Figure()
    n_ghosts, longest = _add_ghosts(figure, ghosts or (), metric, log_y)
    markers = "lines+markers" if n_epochs <= MARKERS_UP_TO else "lines"
    for values, label, colour in (
        (train, "training", TRAIN_COLOUR),
        (val, "validation", VAL_COLOUR),
    ):
        if not values.size:
            continue
        figure.add_trace(
            go.Scatter(
                x=list(range(1, values.size + 1)),
                y=_gaps(values, log_y),
                mode=markers,
                name=label,
                line=dict(color=colour, width=2.5),
                marker=dict(size=5),
                connectgaps=False,
                hovertemplate=f"{label}, epoch %{{x}}: %{{y:{HOVER_NUMBER}}}"
                "<extra></extra>",
            )
        )
    if not n_epochs:
        empty_note(figure, "No epochs yet: the curves appear after the first epoch.")
    shown = max(n_epochs, longest)
    if best_epoch is not None and 1 <= best_epoch <= n_epochs:
        figure.add_vline(
            x=best_epoch,
            line_dash="dash",
            line_color=BEST_COLOUR,
            line_width=2,
            annotation_text=f"best: epoch {best_epoch}",
            annotation_position="top left",
            annotation_font_color=BEST_COLOUR,
        )
    if shown_epoch is not None and 0 <= shown_epoch <= n_epochs:
        figure.add_vline(
            x=max(shown_epoch, 0.5),
            line_color=SHOWN_COLOUR,
            line_width=3,
            opacity=0.6,
            annotation_text="shown: start"
            if shown_epoch == 0
            else f"shown: epoch {shown_epoch}",
            annotation_position="bottom right",
            annotation_font_color=SHOWN_COLOUR,
        )
    _mark_findings(figure, findings, n_epochs, falling=metric in FALLING)
    figure.update_xaxes(
        title="epoch",
        range=[0.5, max(shown, 1) + 0.5],
        tickformat="d",
        # Whole epochs only: without dtick, 3 epochs get ticks at 1, 1.5, 2, ...
        dtick=1 if shown <= 10 else None,
        visible=bool(shown),
    )
    figure.update_yaxes(
        title=plot_label(name, 40),
        type="log" if log_y else "linear",
        zeroline=False,
        visible=bool(shown),
    )
    legend = dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1)
    if n_ghosts:  # a row of its own for every two runs, under the epoch axis
        legend = dict(orientation="h", yanchor="top", y=-0.18, xanchor="left", x=0)
    base_layout(
        figure,
        plot_label(title, 80) if title is not None else plot_label(name, 80),
        380 + GHOST_ROW_PX * (1 + n_ghosts // 2) if n_ghosts else 380,
        top=70 if not n_ghosts else 50,
        legend=legend,
        hovermode="x unified",
        # Keeps the user's zoom while the live curves redraw.
        uirevision=f"curves-{metric}-{log_y}",
    )
    return figure


def _add_ghosts(
    figure: go.Figure, ghosts: Iterable[Mapping[str, Any]], metric: str, log_y: bool
) -> tuple[int, int]:
    """Draw each ghost's two curves, faint.

    Returns:
        ``(ghosts drawn, the longest one's epochs)``.
    """
    drawn_ghosts = longest = 0
    for i, ghost in enumerate(ghosts):
        history = ghost.get("history") or {}
        label = plot_label(ghost.get("label") or f"run {i + 1}", 60)
        drawn = False
        for key, words, colour in (
            (metric, "training", TRAIN_COLOUR),
            (f"val_{metric}", "validation", VAL_COLOUR),
        ):
            values = _series(history, key)
            if not values.size:
                continue
            longest = max(longest, values.size)
            figure.add_trace(
                go.Scatter(
                    x=list(range(1, values.size + 1)),
                    y=_gaps(values, log_y),
                    mode="lines",
                    name=label,
                    legendgroup=f"ghost-{i}",
                    # One entry per run, after the current run's two.
                    showlegend=not drawn,
                    legendrank=1001 + i,
                    opacity=GHOST_OPACITY,
                    line=dict(
                        color=colour,
                        width=1.5,
                        dash=GHOST_DASHES[i % len(GHOST_DASHES)],
                    ),
                    connectgaps=False,
                    hovertemplate=f"{label} ({words}), epoch %{{x}}: "
                    f"%{{y:{HOVER_NUMBER}}}<extra></extra>",
                )
            )
            drawn = True
        drawn_ghosts += drawn
    return drawn_ghosts, longest


def _mark_findings(
    figure: go.Figure, findings: Iterable[Any], n_epochs: int, falling: bool
) -> None:
    shown = [f for f in findings if 1 <= _finding_parts(f)[1] <= n_epochs]
    for i, finding in enumerate(shown):
        _, epoch = _finding_parts(finding)
        figure.add_vline(
            x=epoch, line_dash="dot", line_color=FINDING_COLOUR, line_width=1.5
        )
        # Where the curves are not: near the top (below the best-epoch label) for a
        # falling curve such as the loss, near the bottom for a rising one; on the
        # side of the line with more room.
        figure.add_annotation(
            x=epoch,
            y=0.9 - 0.09 * i if falling else 0.04 + 0.09 * i,
            xref="x",
            yref="paper",
            text=finding_label(finding),
            showarrow=False,
            xanchor="left" if epoch <= n_epochs / 2 else "right",
            xshift=4 if epoch <= n_epochs / 2 else -4,
            font=dict(color=FINDING_COLOUR, size=12),
            bgcolor="rgba(255,255,255,0.8)",
        )


# --- the decision boundary ---------------------------------------------------------


def _tint(colour: str, share: float) -> str:
    """``colour`` mixed with white: ``share`` 0 is white, 1 the colour itself."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    mixed = (round(255 - (255 - c) * share) for c in (red, green, blue))
    return "#{:02x}{:02x}{:02x}".format(*mixed)


def _grid(values: Any, shape: tuple[int, int]) -> list[list[float | None]]:
    z = np.asarray(values, dtype=float)
    if z.shape != shape:
        raise ValueError(
            "boundary['z'] must have one row per y value and one column per x value "
            f"(shape {shape}). Got shape {z.shape}."
        )
    return [[v if math.isfinite(v) else None for v in row] for row in z.tolist()]


def boundary_figure(boundary: Mapping[str, Any]) -> go.Figure:
    """The network's predictions over the plane of two features, with the data.

    Binary classification: the probability of the positive class on a scale from
    the first class's colour through white (0.5, the boundary) to the second's.
    Multiclass: the predicted class in its colour. Regression: the predicted value.
    The training points lie on top, coloured by their label.

    Args:
        boundary: the job's boundary dict: ``x``, ``y`` (grid values), ``z``
            (``z[i][j]`` is the prediction at ``(x[j], y[i])``), ``kind``
            (``"probability"``, ``"class"`` or ``"value"``), ``points`` (``x``,
            ``y``, ``label``), ``feature_names``, ``classes`` and ``epoch``.

    Returns:
        The figure, with equal scales on both axes.

    Raises:
        ValueError: when ``kind`` is unknown or ``z`` does not fit the grid.
    """
    kind = boundary.get("kind")
    if kind not in ("probability", "class", "value"):
        raise ValueError(
            "boundary['kind'] must be one of {'probability', 'class', 'value'}. "
            f"Got {kind!r}."
        )
    xs = [float(v) for v in boundary["x"]]
    ys = [float(v) for v in boundary["y"]]
    z = _grid(boundary["z"], (len(ys), len(xs)))
    points = boundary.get("points") or {"x": [], "y": [], "label": []}
    names = list(boundary.get("feature_names") or ["feature 1", "feature 2"])
    classes = boundary.get("classes")
    figure = go.Figure()
    if kind == "value":
        _value_layers(figure, xs, ys, z, points)
    else:
        n_classes = len(classes) if classes else _count_classes(z, points, kind)
        labels = (
            [str(c) for c in classes] if classes else [str(i) for i in range(n_classes)]
        )
        _class_layers(figure, xs, ys, z, points, kind, labels)
    epoch = boundary.get("epoch")
    what = "Predictions" if kind == "value" else "Decision boundary"
    title = what if epoch is None else f"{what} after epoch {epoch}"
    figure.update_xaxes(
        title=plot_label(names[0]),
        range=[xs[0], xs[-1]] if xs else None,
        constrain="domain",
        showgrid=False,
        zeroline=False,
    )
    figure.update_yaxes(
        title=plot_label(names[1]),
        range=[ys[0], ys[-1]] if ys else None,
        scaleanchor="x",
        scaleratio=1,
        constrain="domain",
        showgrid=False,
        zeroline=False,
    )
    base_layout(
        figure,
        title,
        460,
        legend=dict(
            title="training rows", orientation="h", yanchor="top", y=-0.15, x=0
        ),
        uirevision="boundary",
    )
    return figure


def _count_classes(z, points, kind: str) -> int:
    labels = [v for v in points.get("label", []) if v is not None]
    top = max((int(v) for v in labels), default=0)
    if kind == "class":
        top = max(top, *(int(v) for row in z for v in row if v is not None))
    return max(top + 1, 2)


def _class_layers(figure, xs, ys, z, points, kind: str, labels: list[str]) -> None:
    if kind == "probability":
        first = labels[0] if labels else "0"
        second = labels[1] if len(labels) > 1 else "1"
        figure.add_trace(
            go.Heatmap(
                x=xs,
                y=ys,
                z=z,
                zmin=0,
                zmax=1,
                colorscale=[
                    [0.0, _tint(PALETTE[0], 0.75)],
                    [0.5, "#ffffff"],
                    [1.0, _tint(PALETTE[1], 0.75)],
                ],
                colorbar=dict(
                    title=dict(text=f"P({plot_label(second, 15)})", side="right"),
                    len=0.8,
                    thickness=12,
                ),
                hovertemplate=f"P({plot_label(second, 15)}) = %{{z:.2f}}"
                "<extra></extra>",
                name=f"probability of {plot_label(second)} vs {plot_label(first)}",
            )
        )
    else:
        n = len(labels)
        scale = []
        for i in range(n):
            colour = _tint(PALETTE[i % len(PALETTE)], 0.45)
            scale += [[i / n, colour], [(i + 1) / n, colour]]
        figure.add_trace(
            go.Heatmap(
                x=xs,
                y=ys,
                z=z,
                zmin=-0.5,
                zmax=n - 0.5,
                colorscale=scale,
                showscale=False,
                hovertemplate="predicted class %{z}<extra></extra>",
                name="predicted class",
            )
        )
    label = np.asarray(points.get("label", []), dtype=float)
    px = np.asarray(points.get("x", []), dtype=float)
    py = np.asarray(points.get("y", []), dtype=float)
    for i, name in enumerate(labels):
        chosen = label == i
        figure.add_trace(
            go.Scatter(
                x=px[chosen].tolist(),
                y=py[chosen].tolist(),
                mode="markers",
                name=plot_label(name, 20),
                marker=dict(
                    color=PALETTE[i % len(PALETTE)],
                    symbol=SYMBOLS[i % len(SYMBOLS)],
                    size=7,
                    line=dict(color="#ffffff", width=1),
                ),
                hovertemplate=f"{plot_label(name, 20)}: (%{{x:.2f}}, %{{y:.2f}})"
                "<extra></extra>",
            )
        )


def _value_layers(figure, xs, ys, z, points) -> None:
    label = [float(v) for v in points.get("label", [])]
    finite = [v for row in z for v in row if v is not None] + [
        v for v in label if math.isfinite(v)
    ]
    low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    figure.add_trace(
        go.Heatmap(
            x=xs,
            y=ys,
            z=z,
            zmin=low,
            zmax=high,
            colorscale="Cividis",
            opacity=0.85,
            colorbar=dict(
                title=dict(text="prediction", side="right"), len=0.8, thickness=12
            ),
            hovertemplate=f"prediction %{{z:{HOVER_NUMBER}}}<extra></extra>",
            name="prediction",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=[float(v) for v in points.get("x", [])],
            y=[float(v) for v in points.get("y", [])],
            mode="markers",
            name="target value",
            marker=dict(
                color=label,
                colorscale="Cividis",
                cmin=low,
                cmax=high,
                size=7,
                line=dict(color="#ffffff", width=1),
            ),
            hovertemplate=(
                "(%{x:.2f}, %{y:.2f}): "
                f"%{{marker.color:{HOVER_NUMBER}}}<extra></extra>"
            ),
        )
    )


# --- tables ------------------------------------------------------------------------


def _frame(history: Mapping[str, Any]) -> pd.DataFrame:
    _check_history(history)
    n_epochs = _n_epochs(history)
    columns: dict[str, Sequence[float]] = {"epoch": list(range(1, n_epochs + 1))}
    for key in history:
        values = _series(history, key)
        padded = np.full(n_epochs, np.nan)
        padded[: values.size] = values
        columns[key] = padded
    return pd.DataFrame(columns)


def history_csv(history: Mapping[str, Any]) -> str:
    """The history as CSV: an ``epoch`` column (from 1), then one per history key.

    A missing or NaN value is an empty cell, which pandas reads back as NaN.
    """
    buffer = io.StringIO()
    _frame(history).to_csv(buffer, index=False)
    return buffer.getvalue()


def epoch_table(history: Mapping[str, Any]) -> pd.DataFrame:
    """One row per epoch, the newest first, with columns people can read.

    ``loss`` becomes "training loss", ``val_accuracy`` "validation accuracy".
    """
    frame = _frame(history)
    names = {}
    for key in frame.columns[1:]:
        if key.startswith("val_"):
            names[key] = f"validation {_column_name(key[4:])}"
        elif key in NOT_METRICS:
            names[key] = "learning rate"
        else:
            names[key] = f"training {_column_name(key)}"
    return frame.rename(columns=names).iloc[::-1].reset_index(drop=True)


def _column_name(metric: str) -> str:
    title = metric_title(metric)
    # "Mean absolute error (MAE)" is too long for a column: keep the short form.
    return metric if "(" in title else title.lower()
