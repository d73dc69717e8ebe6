"""Axes that one extreme point cannot flatten.

A regression with one prediction 17 times its true value would otherwise squeeze
every other point into a line. The view is set from robust quantiles (1st to 99th
percentile); a value more than that span beyond it is left out of the view, drawn
at its edge as an open marker and counted in a note on the chart.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from nncore.core.text import plural
from nncore.plots.base import HOVER_NUMBER as HOVER

__all__ = ["clip_to_view", "edge_points", "outside_note", "robust_view"]

# Only a view this much narrower than the full range is worth cutting the axis for.
FLATTENING = 1.5


def robust_view(
    *arrays, low: float = 1.0, high: float = 99.0, reach: float = 1.0
) -> tuple[float, float] | None:
    """The axis range that shows the bulk of the values, or None when the full
    range already does (no value lies far outside the bulk).

    The bulk runs from the ``low`` to the ``high`` percentile; a value more than
    ``reach`` times the bulk's span beyond it is extreme. The view covers every
    other value, with a little room.

    Args:
        arrays: the values on the axis (NaN and infinities are left out).
        low: the lower percentile of the bulk.
        high: the upper percentile of the bulk.
        reach: how far beyond the bulk, in bulk spans, a value may lie.

    Returns:
        ``(start, end)``, or None to leave the axis to Plotly.
    """
    values = np.concatenate([np.asarray(a, dtype="float64").ravel() for a in arrays])
    values = values[np.isfinite(values)]
    if values.size < 10:
        return None
    bottom, top = np.percentile(values, [low, high])
    span = float(top - bottom) or float(abs(top)) or 1.0
    kept = values[(values >= bottom - reach * span) & (values <= top + reach * span)]
    if kept.size == values.size:
        return None
    smallest, largest = float(kept.min()), float(kept.max())
    room = 0.05 * ((largest - smallest) or span)
    start, end = smallest - room, largest + room
    if float(values.max() - values.min()) < FLATTENING * (end - start):
        return None
    return start, end


def clip_to_view(
    values, view: tuple[float, float] | None
) -> tuple[np.ndarray, np.ndarray]:
    """The values moved onto the view's edge when beyond it, and which were moved."""
    x = np.asarray(values, dtype="float64")
    if view is None:
        return x, np.zeros(x.shape, dtype=bool)
    outside = (x < view[0]) | (x > view[1])
    return np.clip(x, *view), outside


def outside_note(figure: go.Figure, count: int, *, drawn: bool = True) -> None:
    """Say on the chart how many points lie outside the view (none: nothing)."""
    if not count:
        return
    text = plural(count, "point") + " outside the view"
    text += ", drawn at its edge" if drawn else ""
    figure.add_annotation(
        text=text,
        x=1,
        y=1.0,
        xref="paper",
        yref="paper",
        xanchor="right",
        yanchor="bottom",
        showarrow=False,
        font=dict(size=11, color="#555555"),
    )


def edge_points(figure, shown, outside, real, colour: str, kind: str) -> None:
    """Draw the points beyond the view at its edge as open markers; their hover
    gives the real values.

    Args:
        figure: the scatter chart.
        shown: the clipped ``(x, y)`` (``clip_to_view``).
        outside: which points lie beyond the view.
        real: the real ``(x, y)``.
        colour: the markers' colour.
        kind: "actual" (predicted against actual) or "residual" (residual against
            the prediction), for the hover's words.
    """
    if not outside.any():
        return
    x_words, y_words = (
        ("actual", "predicted") if kind == "actual" else ("predicted", "off by")
    )
    figure.add_trace(
        go.Scatter(
            x=shown[0][outside],
            y=shown[1][outside],
            mode="markers",
            marker=dict(color=colour, size=9, symbol="circle-open", line_width=2),
            name="outside the view",
            customdata=np.column_stack([real[0][outside], real[1][outside]]),
            hovertemplate=f"{x_words} %{{customdata[0]:{HOVER}}}, {y_words} "
            f"%{{customdata[1]:{HOVER}}} (outside the view)<extra></extra>",
            showlegend=False,
        )
    )
