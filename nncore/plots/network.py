"""A picture of the network: layers as columns of neurons, joined by connections.

Wide layers show their first neurons and a "+N more" note; dropout and batch
normalisation have no neurons of their own, so they are written under the column
they act on. An image network starts with boxes: the input image, then each
convolution and pooling as a box labelled with what it does and its output shape
(``Conv 16 · 3x3`` / ``→ 28x28x16``), as tall as the image is high at that point;
Flatten or Global average pooling turns the image into a column of neurons, and the
dense columns follow as for a table. User-supplied names (features, classes) go
through ``plot_label``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from nncore.core.text import plot_label
from nncore.plots.base import PALETTE, chart_template
from nncore.spec.stack import input_shape_of, layer_shapes, output_layer

EDGE_COLOUR = "rgba(120, 120, 120, 0.25)"
FLOW_COLOUR = "rgba(120, 120, 120, 0.5)"
INPUT_COLOUR, HIDDEN_COLOUR, OUTPUT_COLOUR = PALETTE[2], PALETTE[0], PALETTE[1]
RESHAPE_COLOUR = PALETTE[4]  # pooling, Flatten and Global average pooling
MAX_NAMES = 10
BOX_WIDTH = 0.5  # of an image box, in columns
MIN_BOX_HEIGHT = 0.6  # of the smallest image's box, in neuron spacings


def network_figure(
    layers: list[dict[str, Any]],
    n_inputs: int | Sequence[int],
    task: str,
    n_classes: int | None,
    max_neurons: int = 10,
    feature_names: list[str] | None = None,
    class_names: list[str] | None = None,
) -> go.Figure:
    """Draw the input, each layer and the output: images as boxes, the rest as
    columns of neurons.

    Args:
        layers: the hidden layers (``model.layers`` of a validated spec).
        n_inputs: the number of input features, or an image's ``(H, W, C)``.
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        n_classes: the number of classes (multiclass), else None.
        max_neurons: most neurons drawn per column; the rest are counted in a
            "+N more" note. The input image's box is as tall as this many neurons.
            Defaults to 10.
        feature_names: input names, written beside the inputs when there are at
            most 10 of them (tables only). Defaults to None.
        class_names: class labels, written beside the output neurons. Defaults to
            None.

    Returns:
        A ``plotly.graph_objects.Figure``: one marker trace per column of neurons
        and one filled box trace per image box (each named after its layer:
        ``"Input"``, ``"Conv2D 1"``, ``"Dense 1"``, ``"Output"``), one line trace
        for the connections between columns of neurons, one (``"flow"``) for the
        arrows out of the boxes, and annotations for the titles, notes and names.

    Raises:
        SpecError: for a stack that cannot work on these inputs
            (``nncore.spec.stack.check_stack``).
    """
    shape = input_shape_of(n_inputs)
    rows = layer_shapes(layers, shape, task, n_classes)
    output = output_layer(task, n_classes)
    if len(shape) == 3:
        columns = [_input_box(shape)]
        hidden_rows = rows[1:-1]  # after the rescaling
    else:
        columns = [_column("Input", f"{shape[0]} inputs", shape[0], INPUT_COLOUR)]
        hidden_rows = rows[:-1]
    for layer, row in zip(layers, hidden_rows, strict=True):
        _add_layer(columns, layer, row, shape)
    columns.append(
        _column(
            "Output",
            f"{output['units']} · {output['activation']}",
            output["units"],
            OUTPUT_COLOUR,
        )
    )
    return _draw(columns, task, n_inputs, max_neurons, feature_names, class_names)


def _add_layer(
    columns: list[dict], layer: dict, row: dict, input_shape: tuple[int, ...]
) -> None:
    """Append the column or box of one hidden layer, or a note under the last."""
    kind = layer["type"]
    arrow = f"→ {row['output']}"
    if kind == "dense":
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
    elif kind == "dropout":
        columns[-1]["notes"].append(f"then dropout {layer['rate']:.0%}")
    elif kind == "batchnorm":
        columns[-1]["notes"].append("then batch norm")
    elif kind == "conv2d":
        size = layer.get("kernel_size", 3)
        what = (
            f"{row['name']}: {layer.get('filters', 16)} filters of {size}x{size}, "
            f"stride {layer.get('strides', 1)}, '{layer.get('padding', 'same')}' "
            f"padding, {layer.get('activation', 'relu')} → {row['output']}, "
            f"{row['parameters']:,} parameters"
        )
        title = f"Conv {layer.get('filters', 16)} · {size}x{size}"
        columns.append(_box(row, title, arrow, HIDDEN_COLOUR, what, input_shape))
    elif kind in ("maxpool2d", "avgpool2d"):
        size = layer.get("pool_size", 2)
        title = f"{'Max' if kind == 'maxpool2d' else 'Avg'}Pool {size}x{size}"
        what = (
            f"{row['name']}: keeps the {'largest' if kind == 'maxpool2d' else 'mean'}"
            f" value of each {size}x{size} square → {row['output']}"
        )
        columns.append(_box(row, title, arrow, RESHAPE_COLOUR, what, input_shape))
    else:
        title = "Flatten" if kind == "flatten" else "Global avg pool"
        column = _column(title, arrow, row["units"], RESHAPE_COLOUR)
        column["name"] = row["name"]
        columns.append(column)


def _draw(columns, task, n_inputs, max_neurons, feature_names, class_names):
    """The figure of the columns (neurons) and boxes (images)."""
    heights = [_height(c, max_neurons) for c in columns]
    tallest = max(heights)
    top = (tallest - 1) / 2
    bottom = -top
    positions = [
        _positions(min(c["units"], max_neurons)) if c["box"] is None else []
        for c in columns
    ]
    figure = go.Figure()
    figure.add_trace(_connections(columns, positions))
    if any(c["box"] is not None for c in columns):
        figure.add_trace(_flow(columns, positions, heights))
    for x, (column, ys) in enumerate(zip(columns, positions, strict=True)):
        if column["box"] is None:
            figure.add_trace(
                go.Scatter(
                    x=[x] * len(ys),
                    y=ys,
                    mode="markers",
                    marker=dict(
                        size=16,
                        color=column["colour"],
                        line=dict(color="white", width=1),
                    ),
                    name=column["name"],
                    text=[f"{column['name']}, neuron {i + 1}" for i in range(len(ys))],
                    hovertemplate="%{text}<extra></extra>",
                )
            )
        else:
            figure.add_trace(_box_trace(x, column, heights[x]))
        figure.add_annotation(
            x=x,
            y=top + 0.7,
            text=f"<b>{column['title']}</b><br>{column['subtitle']}",
            showarrow=False,
            yanchor="bottom",
            font=dict(size=11) if column["box"] is not None else None,
        )
        below = []
        if column["box"] is None and column["units"] > len(ys):
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
    labels = _neuron_labels(columns, task, n_inputs, feature_names, class_names)
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
        template=chart_template(),
        showlegend=False,
        hovermode="closest",
    )
    return figure


def _height(column: dict, max_neurons: int) -> float:
    """How tall a column is, counted in neurons: a box as its image is high (the
    input's box as tall as a full column of neurons)."""
    if column["box"] is None:
        return min(column["units"], max_neurons)
    return 1 + max(MIN_BOX_HEIGHT, (max_neurons - 1) * column["box"])


def _connections(columns: list[dict], positions: list[list[float]]) -> go.Scatter:
    """Every neuron joined to every neuron of the next column of neurons."""
    edges_x: list[float | None] = []
    edges_y: list[float | None] = []
    for x in range(len(columns) - 1):
        for y0 in positions[x]:
            for y1 in positions[x + 1]:
                edges_x += [x, x + 1, None]
                edges_y += [y0, y1, None]
    return go.Scatter(
        x=edges_x,
        y=edges_y,
        mode="lines",
        line=dict(color=EDGE_COLOUR, width=0.7),
        hoverinfo="skip",
        name="connections",
    )


def _flow(columns, positions, heights) -> go.Scatter:
    """Arrows out of each box: to the next box, or fanned out to the neurons of
    the column that follows it."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for x in range(len(columns) - 1):
        if columns[x]["box"] is None:
            continue
        start = x + BOX_WIDTH / 2
        if columns[x + 1]["box"] is not None:
            xs += [start, x + 1 - BOX_WIDTH / 2, None]
            ys += [0, 0, None]
            continue
        half = (heights[x] - 1) / 2
        for y in positions[x + 1]:
            xs += [start, x + 1, None]
            ys += [max(-half, min(half, y)), y, None]
    return go.Scatter(
        x=xs,
        y=ys,
        mode="lines",
        line=dict(color=FLOW_COLOUR, width=1),
        hoverinfo="skip",
        name="flow",
    )


def _box_trace(x: int, column: dict, height: float) -> go.Scatter:
    """An image as a filled box, hovering what its layer does."""
    half_w, half_h = BOX_WIDTH / 2, (height - 1) / 2
    return go.Scatter(
        x=[x - half_w, x + half_w, x + half_w, x - half_w, x - half_w],
        y=[-half_h, -half_h, half_h, half_h, -half_h],
        mode="lines",
        fill="toself",
        fillcolor=column["colour"],
        opacity=0.8,
        line=dict(color="white", width=1),
        name=column["name"],
        hoveron="fills",
        text=column["hover"],
        hoverinfo="text",
    )


def _input_box(shape: tuple[int, ...]) -> dict[str, Any]:
    height, width, channels = shape
    colours = {1: " (grayscale)", 3: " (RGB)"}.get(channels, "")
    column = _column("Input", f"{height}x{width}x{channels} image", 0, INPUT_COLOUR)
    column["box"] = 1.0
    column["hover"] = (
        f"Input: {height}x{width} pixels, {channels} channel"
        f"{'s' if channels > 1 else ''}{colours}; the pixel values (0 to 255) are "
        "scaled to 0 to 1 first"
    )
    column["notes"].append("pixels ÷ 255")
    return column


def _box(row, title, subtitle, colour, hover, input_shape) -> dict[str, Any]:
    """A column drawn as a box as tall as its image is high (relative to the
    input's)."""
    column = _column(title, subtitle, row["units"], colour)
    column["name"] = row["name"]
    column["box"] = row["shape"][0] / input_shape[0]
    column["hover"] = hover
    return column


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
        "name": title,  # the trace's name
        "box": None,  # an image's height relative to the input's; None: neurons
        "hover": "",
    }


def _positions(count: int) -> list[float]:
    """Heights of ``count`` neurons, centred on 0 and one apart."""
    return [(count - 1) / 2 - i for i in range(count)]


def _neuron_labels(columns, task, n_inputs, feature_names, class_names):
    """(column, side, names) for the inputs and outputs that can be named."""
    labels = []
    if (
        feature_names is not None
        and columns[0]["box"] is None
        and columns[0]["units"] <= MAX_NAMES
    ):
        labels.append((0, "left", [plot_label(n, 20) for n in feature_names]))
    last = len(columns) - 1
    if class_names:
        if task == "binary" and len(class_names) == 2:
            labels.append((last, "right", [f"P({plot_label(class_names[1], 20)})"]))
        elif task == "multiclass" and len(class_names) <= MAX_NAMES:
            labels.append((last, "right", [plot_label(n, 20) for n in class_names]))
    return labels
