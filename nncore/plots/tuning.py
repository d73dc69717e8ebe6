"""Figures of a hyper-parameter search, drawn from a ``StudySnapshot``.

Four views of a study's trials: the optimisation history (each trial's result and
the best so far), the per-trial learning curves (the objective after every epoch,
the running trial included, pruned trials stopping where they were stopped), the
parallel coordinates of the completed trials' settings and results, and the
importance of each setting (Optuna's fANOVA, computed by ``study_snapshot``).

Built from plain data, so the Tune screen only calls ``st.plotly_chart``. Plotly
only: no Optuna, no TensorFlow, no Streamlit. Colours are Okabe-Ito, as in
``nncore.plots.base``.

Example:
    >>> snapshot = study_snapshot(storage, name, importances=True)
    >>> history_figure(snapshot), curves_figure(snapshot)
"""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

from nncore.core.text import plot_label
from nncore.plots.base import LEGEND_BELOW, PALETTE, base_layout, empty_note
from nncore.spec import DIMENSIONS
from nncore.tune import StudySnapshot

__all__ = [
    "curves_figure",
    "history_figure",
    "importance_figure",
    "parallel_figure",
    "param_title",
]

COMPLETE_COLOUR = PALETTE[0]  # blue
BEST_COLOUR = PALETTE[2]  # bluish green
RUNNING_COLOUR = PALETTE[1]  # orange
PRUNED_COLOUR = "#9a9a9a"
FAILED_COLOUR = PALETTE[5]  # vermillion
HEIGHT = 360


def param_title(name: str) -> str:
    """A setting's name as people know it: ``"learning_rate"`` -> "Learning rate"."""
    return DIMENSIONS[name].title if name in DIMENSIONS else plot_label(name, 30)


def _value_title(snapshot: StudySnapshot) -> str:
    title = snapshot.objective_title
    return title[0].upper() + title[1:]


def _layout(figure: go.Figure, title: str, revision: str) -> go.Figure:
    return base_layout(
        figure,
        plot_label(title, 80),
        HEIGHT,
        # Below the axes: above them it collides with the title in half-width
        # columns.
        legend=LEGEND_BELOW,
        # Keeps the user's zoom while the live charts redraw.
        uirevision=revision,
    )


def _empty(figure: go.Figure, text: str) -> None:
    empty_note(figure, text)
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return plot_label(value, 20)


def _settings(params: dict) -> str:
    return "<br>".join(f"{param_title(k)}: {_format(v)}" for k, v in params.items())


def history_figure(snapshot: StudySnapshot) -> go.Figure:
    """Each finished trial's result by trial number, and the best so far.

    Completed trials are dots, pruned ones grey crosses at the value they had when
    they were stopped (not comparable with finished ones, so they never count as
    the best), failed ones are left out. The best-so-far line is a step line.
    """
    title = _value_title(snapshot)
    figure = go.Figure()
    for state, colour, symbol, label in (
        ("complete", COMPLETE_COLOUR, "circle", "completed trial"),
        ("pruned", PRUNED_COLOUR, "x", "pruned trial (value when stopped)"),
    ):
        rows = [
            r for r in snapshot.rows if r["state"] == state and r["value"] is not None
        ]
        if not rows:
            continue
        figure.add_trace(
            go.Scatter(
                x=[r["trial"] for r in rows],
                y=[r["value"] for r in rows],
                mode="markers",
                name=label,
                marker=dict(color=colour, symbol=symbol, size=9),
                customdata=[_settings(r["params"]) for r in rows],
                hovertemplate=(
                    "Trial %{x}: %{y:,.5~r}<br>%{customdata}<extra>"
                    + state
                    + "</extra>"
                ),
            )
        )
    best_x, best_y, best = [], [], None
    maximize = snapshot.direction == "maximize"
    for row in snapshot.rows:
        if row["state"] != "complete" or row["value"] is None:
            continue
        value = row["value"]
        if best is None or (value > best if maximize else value < best):
            best = value
        best_x.append(row["trial"])
        best_y.append(best)
    if best_x:
        figure.add_trace(
            go.Scatter(
                x=best_x,
                y=best_y,
                mode="lines",
                name="best so far",
                line=dict(color=BEST_COLOUR, width=2.5, shape="hv"),
                hovertemplate="best after trial %{x}: %{y:,.5~r}<extra></extra>",
            )
        )
    if not snapshot.rows or not figure.data:
        _empty(figure, "No finished trial yet: each one adds a point here.")
    else:
        figure.update_xaxes(title="trial", tickformat="d", rangemode="tozero")
        figure.update_yaxes(title=plot_label(title, 40), zeroline=False)
    return _layout(figure, "Optimisation history", f"history-{snapshot.study}")


def curves_figure(snapshot: StudySnapshot, highlight: int | None = None) -> go.Figure:
    """The objective after every epoch, one line per trial.

    The running trial is orange and grows as it trains; the best trial is a thick
    green line; pruned trials are grey and end where the pruning rule stopped
    them; other completed trials are thin blue lines.

    Args:
        snapshot: the study.
        highlight: a trial (1-based) to draw on top, thick. Default: the best.
    """
    title = _value_title(snapshot)
    figure = go.Figure()
    best = snapshot.best["trial"] if snapshot.best else None
    highlight = highlight or best
    states = {row["trial"]: row for row in snapshot.rows}
    order = sorted(
        snapshot.curves,
        key=lambda t: (t == highlight, states.get(t, {}).get("state") == "running", t),
    )
    legend_shown: set[str] = set()
    most = 0
    for trial in order:
        values = snapshot.curves[trial]
        row = states.get(trial)
        if row is None or not values:
            continue
        state = row["state"]
        if trial == highlight:
            group, colour, width, dash = f"trial {trial} (best)", BEST_COLOUR, 4, None
            if trial != best:
                group = f"trial {trial}"
        elif state == "running":
            group, colour, width, dash = "running trial", RUNNING_COLOUR, 3, None
        elif state == "pruned":
            group, colour, width, dash = "pruned", PRUNED_COLOUR, 1.5, "dot"
        elif state == "failed":
            group, colour, width, dash = "failed", FAILED_COLOUR, 1.5, "dot"
        else:
            group, colour, width, dash = "completed", COMPLETE_COLOUR, 1.5, None
        most = max(most, len(values))
        figure.add_trace(
            go.Scatter(
                x=list(range(1, len(values) + 1)),
                y=[None if v is None or not math.isfinite(v) else v for v in values],
                mode="lines+markers" if len(values) == 1 else "lines",
                name=group,
                legendgroup=group,
                showlegend=group not in legend_shown,
                line=dict(color=colour, width=width, dash=dash),
                opacity=1.0 if width > 2 else 0.65,
                customdata=[[trial, _settings(row["params"])]] * len(values),
                hovertemplate=(
                    "Trial %{customdata[0]}, epoch %{x}: %{y:,.5~r}<br>"
                    "%{customdata[1]}<extra></extra>"
                ),
            )
        )
        legend_shown.add(group)
    if not figure.data:
        _empty(figure, "No epochs yet: each trial's curve appears as it trains.")
    else:
        figure.update_xaxes(
            title="epoch",
            tickformat="d",
            dtick=1 if most <= 10 else None,
            range=[0.5, max(most, 1) + 0.5],
        )
        figure.update_yaxes(title=plot_label(title, 40), zeroline=False)
    return _layout(figure, "Learning curves of every trial", f"curves-{snapshot.study}")


def _axis(name: str, info: dict, values: list) -> dict:
    """One parallel-coordinates axis: numbers as they are (log10 for a log
    range), choices as their positions with their names as ticks."""
    label = param_title(name)
    if info.get("kind") == "categorical":
        choices = list(info.get("choices") or sorted(set(values), key=str))
        index = {repr(c): i for i, c in enumerate(choices)}
        return dict(
            label=label,
            values=[index.get(repr(v), 0) for v in values],
            tickvals=list(range(len(choices))),
            ticktext=[_format(c) for c in choices],
            range=[0, max(len(choices) - 1, 1)],
        )
    numbers = [float(v) for v in values]
    if info.get("log"):
        logs = [math.log10(v) for v in numbers]
        low = math.floor(min(logs + [math.log10(info.get("low") or min(numbers))]))
        high = math.ceil(max(logs + [math.log10(info.get("high") or max(numbers))]))
        ticks = list(range(low, high + 1))
        return dict(
            label=label + " (log)",
            values=logs,
            tickvals=ticks,
            ticktext=[f"{10.0**t:g}" for t in ticks],
            range=[low, high],
        )
    axis = dict(label=label, values=numbers)
    if info.get("low") is not None and info.get("high") is not None:
        low, high = float(info["low"]), float(info["high"])
        if high > low:
            axis["range"] = [low, high]
        if info.get("kind") == "int" and high - low <= 10:
            axis["tickvals"] = list(range(int(low), int(high) + 1))
    return axis


def parallel_figure(snapshot: StudySnapshot) -> go.Figure | None:
    """Parallel coordinates of the completed trials: one axis per setting and one
    for the result, each trial a line coloured by its result.

    Returns:
        The figure, or None before the first completed trial.
    """
    rows = [
        r for r in snapshot.rows if r["state"] == "complete" and r["value"] is not None
    ]
    names = [n for n in snapshot.params if all(n in r["params"] for r in rows)]
    if not rows or not names:
        return None
    title = _value_title(snapshot)
    dimensions = [
        _axis(
            name,
            snapshot.distributions.get(name, {}),
            [r["params"][name] for r in rows],
        )
        for name in names
    ]
    values = [r["value"] for r in rows]
    dimensions.append(dict(label=plot_label(title, 30), values=values))
    maximize = snapshot.direction == "maximize"
    figure = go.Figure(
        go.Parcoords(
            dimensions=dimensions,
            line=dict(
                color=values,
                colorscale="Viridis",
                reversescale=not maximize,
                showscale=True,
                colorbar=dict(title=dict(text=plot_label(title, 20))),
            ),
            labelside="top",
        )
    )
    _layout(figure, "Settings and results of the completed trials", "parallel")
    figure.update_layout(margin=dict(l=70, r=40, t=100, b=30))
    return figure


def importance_figure(snapshot: StudySnapshot) -> go.Figure | None:
    """How much each setting changed the result (fANOVA), as horizontal bars.

    Returns:
        The figure, or None when the importances are unknown (see
        ``snapshot.importance_note``).
    """
    if not snapshot.importances:
        return None
    items = sorted(snapshot.importances.items(), key=lambda item: item[1])
    figure = go.Figure(
        go.Bar(
            x=[value for _, value in items],
            y=[param_title(name) for name, _ in items],
            orientation="h",
            marker_color=COMPLETE_COLOUR,
            text=[f"{value:.0%}" for _, value in items],
            textposition="auto",
            hovertemplate="%{y}: %{x:.0%} of the variation<extra></extra>",
        )
    )
    figure.update_xaxes(title="share of the result's variation", tickformat=".0%")
    return _layout(figure, "Which settings matter", f"importance-{snapshot.study}")
