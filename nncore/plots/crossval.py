"""The chart of a cross-validation: one bar per fold, the mean and its spread."""

from __future__ import annotations

import plotly.graph_objects as go

from nncore.core.text import readable_number
from nncore.plots.base import PALETTE, base_layout, empty_note
from nncore.train.crossval import CrossValidation

__all__ = ["crossval_figure"]

_TITLES = {"accuracy": "Validation accuracy", "rmse": "Validation RMSE"}


def _label(value: float | None, percent: bool) -> str:
    if value is None:
        return "no score"
    return f"{value:.1f} %" if percent else readable_number(value, digits=4)


def crossval_figure(result: CrossValidation) -> go.Figure:
    """One point per fold with its validation score, the mean as a dashed line and
    the mean ± one standard deviation as a band.

    Accuracy is drawn in percent; RMSE in the target's units. The axis is zoomed
    on the scores (points, not bars, so a zoomed axis does not mislead) so that
    their spread shows. A fold that gave no score (training diverged) has no point
    and is labelled "no score".

    Args:
        result: a ``nncore.train.crossval.CrossValidation``.

    Returns:
        A Plotly figure titled "Validation accuracy in each fold" (or RMSE).
    """
    percent = result.metric == "accuracy"
    scale = 100.0 if percent else 1.0
    unit = " %" if percent else ""
    name = _TITLES.get(result.metric, result.metric)
    figure = go.Figure()
    folds = [f"Fold {i}" for i in range(1, len(result.scores) + 1)]
    values = [None if s is None else s * scale for s in result.scores]
    figure.add_trace(
        go.Scatter(
            x=folds,
            y=values,
            mode="markers+text",
            name="held-out fold",
            marker=dict(color=PALETTE[0], size=14),
            text=[_label(v, percent) for v in values],
            textposition="top center",
            cliponaxis=False,
            customdata=result.fold_rows,
            hovertemplate="%{x}: %{text} on %{customdata} held-out rows<extra></extra>",
            showlegend=False,
        )
    )
    if result.mean is None:
        empty_note(figure, "No fold has a score yet.")
    else:
        mean = result.mean * scale
        spread = 0.0 if result.std is None else result.std * scale
        if spread:
            figure.add_hrect(
                y0=mean - spread,
                y1=mean + spread,
                fillcolor=PALETTE[1],
                opacity=0.18,
                line_width=0,
            )
        figure.add_hline(y=mean, line_dash="dash", line_color=PALETTE[5])
        # The line's meaning goes in the legend: a label on the line would sit on
        # the points.
        label = f"mean {readable_number(mean)}{unit}"
        if result.std is not None:
            label += f", band ± {readable_number(spread, digits=2)}" + (
                " points" if percent else ""
            )
        figure.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                name=label,
                line=dict(color=PALETTE[5], dash="dash"),
            )
        )
        finite = [v for v in values if v is not None]
        low = min(*finite, mean - spread)
        high = max(*finite, mean + spread)
        pad = max((high - low) * 0.35, 1.0 if percent else abs(mean) * 0.02 or 1.0)
        top = high + pad
        figure.update_yaxes(
            range=[low - pad, min(top, 100 + pad / 2) if percent else top]
        )
    figure.update_xaxes(type="category", title="held-out fold")
    figure.update_yaxes(title=name + (" (%)" if percent else ""))
    return base_layout(
        figure,
        f"{name} in each fold",
        height=320,
        top=70,
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
    )
