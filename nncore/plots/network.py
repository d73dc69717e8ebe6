"""A picture of the network: layers as columns of neurons, joined by connections.

Wide layers show their first neurons and a "+N more" note; dropout and batch
normalisation have no neurons of their own, so they are written under the column
they act on. User-supplied names (features, classes) go through ``plot_label``.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from nncore.core.text import plot_label
from nncore.plots.base import PALETTE
from nncore.train.model import output_layer

EDGE_COLOUR = "rgba(120, 120, 120, 0.25)"
INPUT_COLOUR, HIDDEN_COLOUR, OUTPUT_COLOUR = PALETTE[2], PALETTE[0], PALETTE[1]
MAX_NAMES = 10


def network_figure(
    layers: list[dict[str, Any]],
    n_inputs: int,
    task: str,
    n_classes: int | None,
    max_neurons: int = 10,
    feature_names: list[str] | None = None,
    class_names: list[str] | None = None,
) -> go.Figure:
    """Draw the input, each dense layer and the output as columns of neurons.

    Args:
        layers: the hidden layers (``model.layers`` of a validated spec).
        n_inputs: the number of input features.
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        n_classes: the number of classes (multiclass), else None.
        max_neurons: most neurons drawn per column; the rest are counted in a
            "+N more" note. Defaults to 10.
        feature_names: input names, written beside the inputs when there are at
            most 10 of them. Defaults to None.
        class_names: class labels, written beside the output neurons. Defaults to
            None.

    Returns:
        A ``plotly.graph_objects.Figure``: one marker trace per column (named after
        the column), one line trace for the connections, and annotations for the
        column titles, notes and names.
    """
    output = output_layer(task, n_classes)
    columns = [_column("Input", f"{n_inputs} inputs", n_inputs, INPUT_COLOUR)]
    for layer in layers:
        if layer["type"] == "dense":
            number = sum(c["dense"] for c in columns) + 1
            columns.append(
                _column(
                    f"Dense {number}",
                    f"{layer['units']} · {layer['activation']}",
                    layer["units"],
                    HIDDEN_COLOUR,
                    dense=True,
                )
            )
        elif layer["type"] == "dropout":
            columns[-1]["notes"].append(f"then dropout {layer['rate']:.0%}")
        else:
            columns[-1]["notes"].append("then batch norm")
    columns.append(
        _column(
            "Output",
            f"{output['units']} · {output['activation']}",
            output["units"],
            OUTPUT_COLOUR,
        )
    )

    shown = [min(c["units"], max_neurons) for c in columns]
    tallest = max(shown)
    figure = go.Figure()
    positions = [_positions(n) for n in shown]
    edges_x: list[float | None] = []
    edges_y: list[float | None] = []
    for x, (left, right) in enumerate(zip(positions, positions[1:], strict=False)):
        for y0 in left:
            for y1 in right:
                edges_x += [x, x + 1, None]
                edges_y += [y0, y1, None]
    figure.add_trace(
        go.Scatter(
            x=edges_x,
            y=edges_y,
            mode="lines",
            line=dict(color=EDGE_COLOUR, width=0.7),
            hoverinfo="skip",
            name="connections",
        )
    )

    labels = _neuron_labels(columns, task, n_inputs, feature_names, class_names)
    top = (tallest - 1) / 2
    bottom = -top
    for x, (column, ys) in enumerate(zip(columns, positions, strict=True)):
        figure.add_trace(
            go.Scatter(
                x=[x] * len(ys),
                y=ys,
                mode="markers",
                marker=dict(
                    size=16, color=column["colour"], line=dict(color="white", width=1)
                ),
                name=column["title"],
                text=[f"{column['title']}, neuron {i + 1}" for i in range(len(ys))],
                hovertemplate="%{text}<extra></extra>",
            )
        )
        figure.add_annotation(
            x=x,
            y=top + 0.7,
            text=f"<b>{column['title']}</b><br>{column['subtitle']}",
            showarrow=False,
            yanchor="bottom",
        )
        below = []
        if column["units"] > len(ys):
            below.append(f"+{column['units'] - len(ys)} more")
        below += column["notes"]
        if below:
            figure.add_annotation(
                x=x,
                y=bottom - 0.7,
                text="<br>".join(below),
                showarrow=False,
                yanchor="top",
                font=dict(color="#555555"),
            )
    for x, side, names in labels:
        for y, name in zip(positions[x], names, strict=False):
            figure.add_annotation(
                x=x,
                y=y,
                text=name,
                showarrow=False,
                xanchor="right" if side == "left" else "left",
                xshift=-14 if side == "left" else 14,
                font=dict(size=11),
            )

    last = len(columns) - 1
    figure.update_xaxes(visible=False, range=[-0.9, last + 0.9])
    figure.update_yaxes(visible=False, range=[bottom - 2.2, top + 2.0])
    figure.update_layout(
        height=max(320, 34 * tallest + 200),
        margin=dict(l=10, r=10, t=10, b=10),
        template="plotly_white",
        showlegend=False,
        hovermode="closest",
    )
    return figure


def _column(
    title: str, subtitle: str, units: int, colour: str, dense: bool = False
) -> dict[str, Any]:
    return {
        "title": title,
        "subtitle": subtitle,
        "units": units,
        "colour": colour,
        "dense": dense,
        "notes": [],
    }


def _positions(count: int) -> list[float]:
    """Heights of ``count`` neurons, centred on 0 and one apart."""
    return [(count - 1) / 2 - i for i in range(count)]


def _neuron_labels(columns, task, n_inputs, feature_names, class_names):
    """(column, side, names) for the inputs and outputs that can be named."""
    labels = []
    if feature_names is not None and n_inputs <= MAX_NAMES:
        labels.append((0, "left", [plot_label(n, 20) for n in feature_names]))
    last = len(columns) - 1
    if class_names:
        if task == "binary" and len(class_names) == 2:
            labels.append((last, "right", [f"P({plot_label(class_names[1], 20)})"]))
        elif task == "multiclass" and len(class_names) <= MAX_NAMES:
            labels.append((last, "right", [plot_label(n, 20) for n in class_names]))
    return labels
