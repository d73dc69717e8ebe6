"""Plotly figures built from plain results (profiles, prepared data).

Every user-supplied name goes through ``plot_label`` so Plotly shows it as text.
The palette is Okabe-Ito, which colour-blind viewers can tell apart.
"""

from __future__ import annotations

import functools
import json
import pkgutil

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from nncore.core.bins import is_whole, nice_step
from nncore.core.text import plot_label
from nncore.data.profile import DataOverview, DataProfile

PALETTE = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
]
MAX_POINTS = 5000
# Plotly (d3) number formats with thousands separators and no exponent: "1,343,000"
# rather than "1.343e+6". HOVER keeps more digits than an axis tick needs.
AXIS_NUMBER = ",~r"
HOVER_NUMBER = ",.5~r"
# The trace types NN Studio draws (tests/unit/test_chart_template.py checks every
# figure's), and the planes of Plotly's white template that no chart has.
TEMPLATE_TRACES = ("bar", "heatmap", "image", "parcoords", "scatter")
OTHER_PLANES = ("geo", "polar", "scene", "ternary")


@functools.cache
def chart_template() -> go.layout.Template | str:
    """Plotly's "plotly_white" template, cut to the trace types and the planes NN
    Studio's charts have (the name "plotly_white" where Plotly's files are not
    found). Made once; a figure that is given it keeps a copy, so the one made is
    never changed.

    The whole template sets defaults for 24 trace types and for maps, polar, 3-D
    and ternary plots. Plotly checks and copies all of it for every figure: about
    7 ms a figure, and the first figure of a process (the Data screen's first
    chart after a server starts) imports the checks of every trace type: 40 ms on
    an idle machine, several times that while the server is busy. Cut, the charts
    look the same, a figure takes 4 ms, and the template sent to the browser is a
    third of its size.
    """
    try:
        text = pkgutil.get_data("plotly", "package_data/templates/plotly_white.json")
        full = json.loads(text)
    except (OSError, TypeError, ValueError):  # another Plotly's files
        return "plotly_white"
    layout = {k: v for k, v in full.get("layout", {}).items() if k not in OTHER_PLANES}
    data = {k: v for k, v in full.get("data", {}).items() if k in TEMPLATE_TRACES}
    return go.layout.Template(layout=layout, data=data)


def whole_number_axis(figure: go.Figure, edges, **where) -> None:
    """Ticks on whole numbers for a histogram of whole numbers (``edges`` halfway
    between them, as ``nncore.core.bins.histogram`` makes them): a year column is
    ticked 2005, 2010, never 2007.5. ``where`` picks the subplot (row, col)."""
    edges = np.asarray(edges, dtype="float64")
    if edges.size < 2 or not is_whole(edges + 0.5):
        return
    span = float(edges[-1] - edges[0])
    figure.update_xaxes(
        tick0=0, dtick=max(1.0, nice_step(span, parts=6)), tickformat="d", **where
    )


# A horizontal legend under the plot, for charts whose legend can wrap: above the
# plot it grows into the title once it takes two rows (half-width columns, several
# runs). Pass it as ``legend=LEGEND_BELOW``.
LEGEND_BELOW = dict(orientation="h", yanchor="top", y=-0.22, xanchor="left", x=0)


def base_layout(
    figure: go.Figure, title: str, height: int = 360, top: int = 50, **more
) -> go.Figure:
    """The look every NN Studio chart shares: white template, the colour-blind-safe
    palette, narrow side margins; ``top`` leaves room for the title (and a legend
    above the plot), ``more`` goes to ``update_layout``."""
    figure.update_layout(
        title=title,
        height=height,
        margin=dict(l=10, r=10, t=top, b=10),
        template=chart_template(),
        colorway=PALETTE,
        **more,
    )
    return figure


def empty_note(figure: go.Figure, text: str) -> None:
    """Write ``text`` in the middle of a figure that has nothing to show yet."""
    figure.add_annotation(
        text=text,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font=dict(size=14, color="#666666"),
    )


def class_balance_figure(profile: DataProfile | DataOverview) -> go.Figure:
    """Bar chart of rows per class, with the majority share in the title."""
    counts = profile.class_counts or {}
    labels = [plot_label(c) for c in counts]
    total = sum(counts.values()) or 1
    figure = go.Figure(
        go.Bar(
            x=labels,
            y=list(counts.values()),
            marker_color=[PALETTE[i % len(PALETTE)] for i in range(len(counts))],
            text=[f"{n / total:.0%}" for n in counts.values()],
            textposition="outside",
            hovertemplate="%{x}: %{y} rows<extra></extra>",
        )
    )
    figure.update_xaxes(type="category", title="class")
    figure.update_yaxes(title="rows")
    return base_layout(figure, "Class balance")


def histograms_figure(profile: DataProfile, columns: int = 3) -> go.Figure:
    """One small histogram per numeric feature (at most 12)."""
    names = list(profile.histograms)
    rows = max(1, int(np.ceil(len(names) / columns)))
    figure = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=[plot_label(n, 28) for n in names] or ["no numeric features"],
        horizontal_spacing=0.06,
        vertical_spacing=min(0.12, 0.5 / rows),
    )
    for i, name in enumerate(names):
        counts, edges = profile.histograms[name]
        centres = (edges[:-1] + edges[1:]) / 2
        figure.add_trace(
            go.Bar(
                x=centres,
                y=counts,
                width=np.diff(edges),
                marker_color=PALETTE[0],
                name=plot_label(name),
                showlegend=False,
                hovertemplate=f"%{{x:{HOVER_NUMBER}}}: %{{y}} rows<extra></extra>",
            ),
            row=i // columns + 1,
            col=i % columns + 1,
        )
        whole_number_axis(figure, edges, row=i // columns + 1, col=i % columns + 1)
    figure.update_annotations(font_size=12)
    return base_layout(figure, "Feature distributions", height=max(260, 200 * rows))


def relation_figure(profile: DataProfile | DataOverview, limit: int = 20) -> go.Figure:
    """Horizontal bars: how strongly each feature relates to the target."""
    items = list(profile.relation.items())[:limit][::-1]
    values = [v for _, v in items]
    figure = go.Figure(
        go.Bar(
            x=values,
            y=[plot_label(name, 30) for name, _ in items],
            orientation="h",
            marker_color=[PALETTE[0] if v >= 0 else PALETTE[5] for v in values],
            hovertemplate="%{y}: %{x:.2f}<extra></extra>",
        )
    )
    figure.update_xaxes(title=profile.relation_kind, range=[min(0, *values, -0.05), 1])
    figure.update_yaxes(type="category")
    shown = len(items)
    total = len(profile.relation)
    title = "Relation of each feature with the target"
    if total > shown:
        title += f" (strongest {shown} of {total})"
    return base_layout(
        figure,
        title,
        height=max(260, 26 * len(items) + 110),
    )


def scatter_figure(
    frame: pd.DataFrame, x: str, y: str, target: str, task: str
) -> go.Figure:
    """2-D scatter of two features, coloured by class or by the target value."""
    if len(frame) > MAX_POINTS:
        frame = frame.sample(MAX_POINTS, random_state=0)
    figure = go.Figure()
    if task == "regression":
        figure.add_trace(
            go.Scatter(
                x=frame[x],
                y=frame[y],
                mode="markers",
                marker=dict(
                    color=frame[target],
                    colorscale="Cividis",
                    showscale=True,
                    colorbar=dict(title=plot_label(target, 15)),
                    size=7,
                ),
                hovertemplate=(
                    f"(%{{x:{HOVER_NUMBER}}}, %{{y:{HOVER_NUMBER}}}): "
                    f"%{{marker.color:{HOVER_NUMBER}}}<extra></extra>"
                ),
            )
        )
    else:
        labels = frame[target].astype(str)
        symbols = ["circle", "x", "diamond", "square", "triangle-up", "cross"]
        for i, label in enumerate(sorted(labels.unique())):
            part = frame[labels == label]
            figure.add_trace(
                go.Scatter(
                    x=part[x],
                    y=part[y],
                    mode="markers",
                    name=plot_label(label, 20),
                    marker=dict(
                        color=PALETTE[i % len(PALETTE)],
                        symbol=symbols[i % len(symbols)],
                        size=7,
                        opacity=0.8,
                    ),
                )
            )
    figure.update_xaxes(title=plot_label(x), constrain="domain")
    figure.update_yaxes(title=plot_label(y), scaleanchor="x", scaleratio=1)
    return base_layout(figure, "The data in two dimensions", height=440)


def target_figure(profile: DataProfile | DataOverview) -> go.Figure:
    """Histogram of a regression target, with the mean (the naive baseline) marked."""
    counts, edges = profile.target_histogram
    centres = (edges[:-1] + edges[1:]) / 2
    figure = go.Figure(
        go.Bar(
            x=centres,
            y=counts,
            width=np.diff(edges),
            marker_color=PALETTE[2],
            hovertemplate=f"%{{x:{HOVER_NUMBER}}}: %{{y}} rows<extra></extra>",
        )
    )
    whole_number_axis(figure, edges)
    figure.add_vline(
        x=profile.baseline["value"],
        line_dash="dash",
        annotation_text="mean",
        line_color=PALETTE[5],
    )
    figure.update_xaxes(title="target value")
    figure.update_yaxes(title="rows")
    return base_layout(figure, "Target distribution")
