"""Figures of a run's layer health: how each layer's weights, gradients and outputs
spread over the epochs, how large its gradients are, and how many of its ReLU
neurons never switch on.

Built from the plain log (``nncore.train.health.HealthLog.to_plain()``, as stored
with the run), so a screen only calls ``st.plotly_chart``. NumPy and Plotly only: no
TensorFlow, no Streamlit. Font sizes are left to the base layout, which presenter
mode raises for a projector. Epoch 0 is the network before training.

Example:
    >>> figure = health_figure(log.to_plain(), "gradients", epoch=12)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from nncore.core.text import plot_label
from nncore.plots.base import HOVER_NUMBER, PALETTE, base_layout, empty_note
from nncore.train.layer_doctor import DEAD_SHARE

__all__ = [
    "WHATS",
    "dead_share_figure",
    "gradient_size_figure",
    "health_figure",
]

# What ``health_figure`` can show, and its title.
WHATS = ("weights", "gradients", "activations")
_TITLES = {
    "weights": "Weights of each layer",
    "gradients": "Gradients of each layer",
    "activations": "Outputs of each layer (on training rows)",
}
# Panels side by side before a new row starts.
COLUMNS = 3
PANEL_HEIGHT = 240
# The bands: Okabe-Ito blue (#0072B2), light for 5-95 %, darker for 25-75 %.
BAND_COLOUR = PALETTE[0]
OUTER_FILL = "rgba(0, 114, 178, 0.15)"
INNER_FILL = "rgba(0, 114, 178, 0.35)"
# The epoch the network view shows (the time machine): a neutral grey, as on the
# training curves.
SHOWN_COLOUR = "#555555"
NO_RECORDS = "Layer health appears once training starts."


def _records(log: Any) -> list[Mapping[str, Any]]:
    plain = log.to_plain() if hasattr(log, "to_plain") else log
    records = plain.get("records") if isinstance(plain, Mapping) else None
    if not isinstance(records, list) or not all(
        isinstance(record, Mapping) and "epoch" in record and "layers" in record
        for record in records
    ):
        raise ValueError(
            "log must be a health log as HealthLog.to_plain() returns it, a dict "
            f"with a 'records' list. Got {type(plain).__name__}."
        )
    return records


def _layer_names(records: list[Mapping[str, Any]]) -> list[str]:
    """The layers of the network, as its last probe names them."""
    return [layer["name"] for layer in records[-1]["layers"]] if records else []


def _series(records, name: str, pick) -> list[float | None]:
    """One value per record for layer ``name`` (None where it has none)."""
    values = []
    for record in records:
        layer = next((lay for lay in record["layers"] if lay["name"] == name), None)
        value = None if layer is None else pick(layer)
        finite = isinstance(value, int | float) and math.isfinite(value)
        values.append(float(value) if finite else None)
    return values


def _mark_epoch(figure: go.Figure, epoch: int | None, **where) -> None:
    if epoch is not None:
        figure.add_vline(
            x=epoch, line_color=SHOWN_COLOUR, line_width=3, opacity=0.6, **where
        )


def _empty(figure: go.Figure, title: str) -> go.Figure:
    empty_note(figure, NO_RECORDS)
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return base_layout(figure, title)


def health_figure(
    log: Mapping[str, Any], what: str = "weights", *, epoch: int | None = None
) -> go.Figure:
    """Quantile bands over the epochs, one small panel per dense layer.

    Each panel shows, for one layer, the middle 90 % of its values (5-95 %, light
    band), the middle half (25-75 %, darker band) and the median (line), from the
    probes of the run (``nncore.train.health.probe``).

    Args:
        log: the run's health log, ``HealthLog.to_plain()`` (a ``HealthLog`` too).
        what: ``"weights"`` (the kernel), ``"gradients"`` (of the loss with respect
            to the kernel) or ``"activations"`` (the layer's outputs). Defaults to
            ``"weights"``.
        epoch: an epoch to mark with a grey line in every panel (the epoch the
            network view shows), or None. Defaults to None.

    Returns:
        The figure; with no probes yet, empty axes that say so.

    Raises:
        ValueError: when ``what`` is unknown or ``log`` is not a health log.
    """
    if what not in WHATS:
        raise ValueError(
            f"The 'what' argument must be one of {{{', '.join(map(repr, WHATS))}}}. "
            f"Got {what!r}."
        )
    records = _records(log)
    title = _TITLES[what] + (f" (marked: epoch {epoch})" if epoch is not None else "")
    names = _layer_names(records)
    if not names:
        return _empty(go.Figure(), title)
    last = {layer["name"]: layer for layer in records[-1]["layers"]}
    columns = min(len(names), COLUMNS)
    rows = math.ceil(len(names) / columns)
    figure = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=[_panel_title(last[name]) for name in names],
        horizontal_spacing=0.08,
        vertical_spacing=min(0.18, 0.6 / rows),
    )
    epochs = [record["epoch"] for record in records]
    for index, name in enumerate(names):
        where = dict(row=index // columns + 1, col=index % columns + 1)
        quantiles = [
            _series(
                records, name, lambda layer, q=q: (layer.get(what) or [None] * 5)[q]
            )
            for q in range(5)
        ]
        _add_bands(figure, epochs, quantiles, first=index == 0, where=where)
        lowest = index + columns >= len(names)  # no panel under this one
        figure.update_xaxes(title="epoch" if lowest else None, **where)
        _mark_epoch(figure, epoch, **where)
    figure.update_xaxes(tickformat="d", rangemode="tozero")
    figure.update_yaxes(exponentformat="e", zeroline=True)
    return base_layout(
        figure,
        title,
        height=PANEL_HEIGHT * rows + 110,
        top=90,
        legend=dict(orientation="h", yanchor="bottom", y=1.06, xanchor="right", x=1),
        uirevision=f"health-{what}",
    )


def _panel_title(layer: Mapping[str, Any]) -> str:
    units = layer.get("units")
    neurons = f"{units} neuron{'s' if units != 1 else ''}"
    return plot_label(f"{layer['name']} · {layer.get('activation')} · {neurons}", 40)


def _add_bands(figure, epochs, quantiles, *, first: bool, where: dict) -> None:
    """The 5-95 % band, the 25-75 % band and the median line of one panel."""
    low, lower, median, upper, high = quantiles
    mode = "lines+markers" if len(epochs) == 1 else "lines"

    def edge(values, percent, band=None, colour=None):
        figure.add_trace(
            go.Scatter(
                x=epochs,
                y=values,
                mode="lines",
                line=dict(width=0, color=BAND_COLOUR),
                fill="tonexty" if band else None,
                fillcolor=colour,
                name=band or f"{percent} %",
                legendgroup=band or f"{percent} %",
                showlegend=first and band is not None,
                connectgaps=False,
                hovertemplate=f"epoch %{{x}}: {percent} % of the values below "
                f"%{{y:{HOVER_NUMBER}}}<extra></extra>",
            ),
            **where,
        )

    # "tonexty" fills down to the trace added just before, in the same panel.
    edge(high, 95)
    edge(low, 5, "middle 90 % of the values", OUTER_FILL)
    edge(upper, 75)
    edge(lower, 25, "middle half of the values", INNER_FILL)
    figure.add_trace(
        go.Scatter(
            x=epochs,
            y=median,
            mode=mode,
            line=dict(color=BAND_COLOUR, width=2.5),
            name="median",
            legendgroup="median",
            showlegend=first,
            connectgaps=False,
            hovertemplate=f"epoch %{{x}}: median %{{y:{HOVER_NUMBER}}}<extra></extra>",
        ),
        **where,
    )


def dead_share_figure(log: Mapping[str, Any], *, epoch: int | None = None) -> go.Figure:
    """The share of each ReLU layer's neurons that output 0 on every probe row
    (dead ReLU), over the epochs, one line per ReLU layer.

    A dashed line marks the share above which the training doctor warns.

    Args:
        log: the run's health log, ``HealthLog.to_plain()`` (a ``HealthLog`` too).
        epoch: an epoch to mark with a grey line, or None. Defaults to None.

    Returns:
        The figure; with no probes or no ReLU layer, empty axes that say so.

    Raises:
        ValueError: when ``log`` is not a health log.
    """
    records = _records(log)
    title = "Dead ReLU neurons: share of each layer that never switches on"
    figure = go.Figure()
    if not records:
        return _empty(figure, title)
    relu = [
        layer["name"]
        for layer in records[-1]["layers"]
        if layer.get("dead_share") is not None or layer.get("activation") == "relu"
    ]
    if not relu:
        empty_note(figure, "No ReLU layer: none of its neurons can die.")
        figure.update_xaxes(visible=False)
        figure.update_yaxes(visible=False)
        return base_layout(figure, title)
    epochs = [record["epoch"] for record in records]
    for index, name in enumerate(relu):
        shares = _series(records, name, lambda layer: layer.get("dead_share"))
        figure.add_trace(
            go.Scatter(
                x=epochs,
                y=[None if share is None else 100 * share for share in shares],
                mode="lines+markers" if len(epochs) <= 40 else "lines",
                name=plot_label(name),
                line=dict(color=PALETTE[index % len(PALETTE)], width=2.5),
                connectgaps=False,
                hovertemplate=f"{plot_label(name)}, epoch %{{x}}: %{{y:.0f}} % dead"
                "<extra></extra>",
            )
        )
    figure.add_hline(
        y=100 * DEAD_SHARE,
        line_dash="dash",
        line_color=PALETTE[5],
        annotation_text="the doctor warns above this",
        annotation_position="top left",
    )
    _mark_epoch(figure, epoch)
    figure.update_xaxes(title="epoch", tickformat="d", rangemode="tozero")
    figure.update_yaxes(title="neurons that never switch on (%)", range=[0, 102])
    return base_layout(
        figure,
        title,
        top=70,
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
        uirevision="health-dead",
    )


def gradient_size_figure(
    log: Mapping[str, Any], *, epoch: int | None = None
) -> go.Figure:
    """How large each layer's gradients are (root mean square per weight) over the
    epochs, one line per layer, on a logarithmic axis.

    Lines far apart show vanishing gradients (the first layer's far below the
    output layer's); lines that climb by powers of ten show exploding ones.

    Args:
        log: the run's health log, ``HealthLog.to_plain()`` (a ``HealthLog`` too).
        epoch: an epoch to mark with a grey line, or None. Defaults to None.

    Returns:
        The figure; with no probes yet, empty axes that say so.

    Raises:
        ValueError: when ``log`` is not a health log.
    """
    records = _records(log)
    title = "Gradient size of each layer (log scale)"
    figure = go.Figure()
    names = _layer_names(records)
    if not names:
        return _empty(figure, title)
    epochs = [record["epoch"] for record in records]
    for index, name in enumerate(names):
        sizes = _series(records, name, lambda layer: layer.get("gradient_rms"))
        figure.add_trace(
            go.Scatter(
                x=epochs,
                # A gradient of exactly 0 (a dead layer) has no place on a log axis.
                y=[size if size is not None and size > 0 else None for size in sizes],
                mode="lines+markers" if len(epochs) <= 40 else "lines",
                name=plot_label(name),
                line=dict(color=PALETTE[index % len(PALETTE)], width=2.5),
                connectgaps=False,
                hovertemplate=f"{plot_label(name)}, epoch %{{x}}: "
                f"%{{y:{HOVER_NUMBER}}} per weight<extra></extra>",
            )
        )
    _mark_epoch(figure, epoch)
    figure.update_xaxes(title="epoch", tickformat="d", rangemode="tozero")
    figure.update_yaxes(
        title="gradient size per weight", type="log", exponentformat="power", dtick=1
    )
    return base_layout(
        figure,
        title,
        top=70,
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
        uirevision="health-gradient-size",
    )
