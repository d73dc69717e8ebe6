"""The live network view: the real weights, each neuron's map, a row's forward pass.

``weights_figure`` draws an unpacked weight snapshot (``nncore.inside.unpack``) as
columns of neurons joined by their connections, coloured by the weight's sign and
thicker the larger it is; ``neuron_maps_figure`` draws, for data with two inputs,
every hidden neuron's output over the input plane and the output's decision
boundary, as TensorFlow Playground does; ``row_figure`` shows one row's forward
pass. They take plain NumPy results and never need TensorFlow, so a screen can
redraw them from a snapshot on every refresh. User-supplied names (features,
classes) go through ``plot_label``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from nncore.core.text import plot_label
from nncore.inside.network import grid_parts, task_of
from nncore.plots.base import HOVER_NUMBER, PALETTE, chart_template
from nncore.plots.network import HIDDEN_COLOUR, INPUT_COLOUR, OUTPUT_COLOUR
from nncore.plots.training import SYMBOLS, _tint
from nncore.runs.boundary import MAX_POINTS

__all__ = [
    "MAPS_CAPTION",
    "NEGATIVE_COLOUR",
    "POSITIVE_COLOUR",
    "WEIGHTS_CAPTION",
    "neuron_maps_figure",
    "prediction_title",
    "row_figure",
    "weights_figure",
]

POSITIVE_COLOUR, NEGATIVE_COLOUR = PALETTE[0], PALETTE[5]
WEIGHTS_CAPTION = (
    "Each line is a weight: blue when it is positive, orange-red when it is "
    "negative, and the thicker the line, the larger the weight compared with the "
    "largest of its layer. Hover over a neuron for its bias, over a line for its "
    "weight."
)
MAPS_CAPTION = (
    "Each small square is one hidden neuron's output over the plane of the two "
    "inputs: blue where it is positive, orange-red where it is negative, white "
    "where it is zero. The large square is the output: the decision boundary, with "
    "the training rows on it."
)
# Connections are drawn in a few traces, one per sign and size bucket, so a large
# view redraws fast: (largest share of the layer's largest |weight|, line width,
# opacity). The last bucket takes every share up to 1.
WEIGHT_BUCKETS = ((0.25, 0.6, 0.35), (0.5, 1.5, 0.55), (0.75, 2.7, 0.75), (1, 4.0, 0.9))
NEURON_SIZE = 18
# A neuron's output on a scale from negative (orange-red) through 0 (white) to
# positive (blue), the sign colours of the weights.
DIVERGING = [[0.0, NEGATIVE_COLOUR], [0.5, "#ffffff"], [1.0, POSITIVE_COLOUR]]


def weights_figure(
    unpacked: list[dict[str, Any]],
    *,
    max_neurons: int = 10,
    feature_names: Sequence[Any] | None = None,
    class_names: Sequence[Any] | None = None,
    activations: Sequence[Any] | None = None,
    title: str | None = None,
) -> go.Figure:
    """Draw the network with its real weights, layer by layer.

    Args:
        unpacked: the network, ``nncore.inside.unpack``'s result.
        max_neurons: most neurons drawn per layer; the rest are counted in a
            "+N more" note. Defaults to 10.
        feature_names: the inputs' names, written beside the inputs and shown on
            hover. Defaults to None ("input 1", …).
        class_names: the classes, written beside the output neurons. Defaults to
            None.
        activations: ``nncore.inside.forward``'s result for one row: the neurons
            are then filled by their output (and labelled with it). Defaults to
            None (neurons in their layer's colour).
        title: the figure's title (already safe text). Defaults to None.

    Returns:
        A ``plotly.graph_objects.Figure``: one line trace per sign and width
        bucket of the weights (named ``"positive weight"``/``"negative
        weight"``; their ``meta`` holds ``sign`` and ``largest_share``), an
        invisible marker trace named ``"weights"`` whose points hover as "from →
        to: weight = …", one marker trace named ``"neurons"`` and two legend
        entries explaining the colours.

    Raises:
        ValueError: when ``activations`` does not fit the network or is not one
            row's.
    """
    values = _row_values(unpacked, activations)
    columns = _columns(unpacked, feature_names, class_names, values)
    shown = [min(c["units"], max(1, int(max_neurons))) for c in columns]
    positions = [_positions(n) for n in shown]
    figure = go.Figure()
    _add_connections(figure, unpacked, columns, positions)
    _add_neurons(figure, columns, positions, values)
    tallest = max(shown)
    top = (tallest - 1) / 2
    _add_notes(figure, columns, positions, top, values)
    last = len(columns) - 1
    figure.update_xaxes(visible=False, range=[-1.2, last + 1.2])
    figure.update_yaxes(visible=False, range=[-top - 2.2, top + 2.0])
    figure.update_layout(
        title=title,
        height=max(360, 34 * tallest + 260),
        margin=dict(l=10, r=10, t=50 if title else 10, b=10),
        template=chart_template(),
        colorway=PALETTE,
        hovermode="closest",
        showlegend=True,
        legend=dict(
            orientation="h",
            yanchor="top",
            y=0,
            x=0,
            title=dict(text="thicker line = larger weight, within its layer:"),
        ),
        uirevision="network",
    )
    return figure


def _row_values(unpacked, activations) -> list[np.ndarray] | None:
    """Each column's outputs for the one row, or None without activations."""
    if activations is None:
        return None
    if len(activations) != len(unpacked) + 1:
        raise ValueError(
            f"activations has {len(activations)} arrays; expected "
            f"{len(unpacked) + 1}: the inputs, then each layer's outputs "
            "(nncore.inside.forward's result for one row)."
        )
    widths = [unpacked[0]["kernel"].shape[0]] + [layer["units"] for layer in unpacked]
    values = []
    for array, width in zip(activations, widths, strict=True):
        row = np.asarray(array, dtype="float64")
        if row.ndim == 2 and row.shape[0] == 1:
            row = row[0]
        if row.shape != (width,):
            raise ValueError(
                f"activations holds an array of shape {np.shape(array)}; expected "
                f"({width},) or (1, {width}): the forward pass of one row."
            )
        values.append(row)
    return values


def _columns(unpacked, feature_names, class_names, values) -> list[dict[str, Any]]:
    """Title, subtitle, neuron names, biases and notes of each column."""
    n_inputs = unpacked[0]["kernel"].shape[0]
    features = list(feature_names) if feature_names is not None else []
    inputs = [
        plot_label(features[i], 20) if i < len(features) else f"input {i + 1}"
        for i in range(n_inputs)
    ]
    columns = [
        {
            "title": "Input",
            "subtitle": f"{n_inputs} input{'s' if n_inputs != 1 else ''}",
            "units": n_inputs,
            "names": inputs,
            "bias": None,
            "activation": None,
            "colour": INPUT_COLOUR,
            "notes": _notes(unpacked[0]["before"]),
            "side": inputs if feature_names is not None else None,
        }
    ]
    for layer in unpacked:
        output = layer["role"] == "output"
        names = [f"{layer['name']} · {i + 1}" for i in range(layer["units"])]
        side = None
        if output:
            side = _output_names(task_of(unpacked), layer["units"], class_names)
            if side is not None:
                names = [f"Output · {name}" for name in side]
        columns.append(
            {
                "title": layer["name"],
                "subtitle": f"{layer['units']} · {layer['activation']}",
                "units": layer["units"],
                "names": names,
                "bias": layer["bias"],
                "activation": layer["activation"],
                "colour": OUTPUT_COLOUR if output else HIDDEN_COLOUR,
                "notes": _notes(layer["after"]),
                "side": side,
            }
        )
    return columns


def _notes(steps) -> list[str]:
    return [
        f"then dropout {step['rate']:.0%}"
        if step["type"] == "dropout"
        else "then batch norm"
        for step in steps
    ]


def _output_names(task: str, units: int, class_names) -> list[str] | None:
    """The output neurons' names beside them: P(class), each class, prediction."""
    names = list(class_names) if class_names is not None else []
    if task == "regression":
        return ["prediction"]
    if task == "binary":
        positive = plot_label(names[1], 20) if len(names) == 2 else "class 1"
        return [f"P({positive})"]
    if len(names) == units:
        return [plot_label(name, 20) for name in names]
    return [f"class {i}" for i in range(units)]


def _positions(count: int) -> np.ndarray:
    """Heights of ``count`` neurons, centred on 0 and one apart."""
    return (count - 1) / 2 - np.arange(count, dtype="float64")


def _rgba(colour: str, alpha: float) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def _add_connections(figure, unpacked, columns, positions) -> None:
    """The connections in one trace per sign and size, and their hover points."""
    segments = {
        (sign, b): ([], []) for sign in (1, -1) for b in range(len(WEIGHT_BUCKETS))
    }
    hover_x, hover_y, hover_text = [], [], []
    limits = np.array([upper for upper, _, _ in WEIGHT_BUCKETS])
    limits[-1] = np.inf
    for gap, layer in enumerate(unpacked):
        left, right = positions[gap], positions[gap + 1]
        kernel = layer["kernel"]
        # A weight that is not finite (a run that diverged) gets no line; its
        # hover point still says "nan".
        sizes = np.abs(kernel[np.isfinite(kernel)])
        largest = float(sizes.max()) if sizes.size else 0.0
        weights = kernel[: len(left), : len(right)]
        share = np.abs(weights) / (largest or 1.0)
        bucket = np.searchsorted(limits, share, side="left")
        sources, targets = np.meshgrid(
            np.arange(len(left)), np.arange(len(right)), indexing="ij"
        )
        y0, y1 = left[sources], right[targets]
        for key, (xs, ys) in segments.items():
            sign, b = key
            chosen = (bucket == b) & ((weights >= 0) if sign > 0 else (weights < 0))
            count = int(chosen.sum())
            if not count:
                continue
            block_x = np.tile([gap, gap + 1, np.nan], count)
            block_y = np.column_stack(
                [y0[chosen], y1[chosen], np.full(count, np.nan)]
            ).ravel()
            xs.append(block_x)
            ys.append(block_y)
        # Each line's hover point sits at its own distance along it (by target),
        # so no two lines share one, and every line has one between its ends.
        along = 0.3 + 0.4 * (targets + 0.5) / len(right)
        hover_x.append((gap + along).ravel())
        hover_y.append((y0 + along * (y1 - y0)).ravel())
        sources_names = columns[gap]["names"]
        target_names = columns[gap + 1]["names"]
        hover_text += [
            f"{sources_names[i]} → {target_names[j]}: weight = {weights[i, j]:.4g}"
            for i, j in zip(sources.ravel(), targets.ravel(), strict=True)
        ]
    for (sign, b), (xs, ys) in segments.items():
        upper, width, alpha = WEIGHT_BUCKETS[b]
        colour = POSITIVE_COLOUR if sign > 0 else NEGATIVE_COLOUR
        figure.add_trace(
            go.Scatter(
                x=np.concatenate(xs) if xs else [],
                y=np.concatenate(ys) if ys else [],
                mode="lines",
                line=dict(color=_rgba(colour, alpha), width=width),
                hoverinfo="skip",
                name="positive weight" if sign > 0 else "negative weight",
                legendgroup="positive" if sign > 0 else "negative",
                showlegend=False,
                meta={"sign": sign, "largest_share": upper},
            )
        )
    figure.add_trace(
        go.Scatter(
            x=np.concatenate(hover_x) if hover_x else [],
            y=np.concatenate(hover_y) if hover_y else [],
            mode="markers",
            marker=dict(size=9, color="rgba(0, 0, 0, 0)"),
            hovertext=hover_text,
            hovertemplate="%{hovertext}<extra></extra>",
            name="weights",
            showlegend=False,
        )
    )
    for sign in (1, -1):
        figure.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                line=dict(
                    color=POSITIVE_COLOUR if sign > 0 else NEGATIVE_COLOUR, width=3
                ),
                name="positive weight" if sign > 0 else "negative weight",
                legendgroup="positive" if sign > 0 else "negative",
                hoverinfo="skip",
            )
        )


def _add_neurons(figure, columns, positions, values) -> None:
    """All neurons in one marker trace; filled by their output for a row."""
    xs, ys, hover, fills, labels = [], [], [], [], []
    for index, (column, heights) in enumerate(zip(columns, positions, strict=True)):
        for i, y in enumerate(heights):
            xs.append(index)
            ys.append(float(y))
            lines = [f"<b>{column['names'][i]}</b>"]
            if column["bias"] is not None:
                lines.append(f"bias = {column['bias'][i]:.4g}")
                lines.append(f"activation: {column['activation']}")
            if values is not None:
                value = float(values[index][i])
                lines.append(f"{'value' if index == 0 else 'output'} = {value:.4g}")
                fills.append(value)
                # The output's values are written beside it, with its names.
                named_output = index == len(columns) - 1 and column["side"]
                labels.append("" if named_output else _short(value))
            else:
                fills.append(column["colour"])
            hover.append("<br>".join(lines))
    if values is not None:
        finite = np.abs(np.asarray(fills))[np.isfinite(fills)]
        largest = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
        marker = dict(
            size=NEURON_SIZE,
            color=fills,
            colorscale=DIVERGING,
            cmin=-largest,
            cmax=largest,
            showscale=True,
            colorbar=dict(
                title=dict(text="neuron output", side="right"), len=0.6, thickness=12
            ),
            line=dict(color="#555555", width=1),
        )
    else:
        marker = dict(size=NEURON_SIZE, color=fills, line=dict(color="white", width=1))
    figure.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="markers+text" if values is not None else "markers",
            marker=marker,
            text=labels if values is not None else None,
            textposition="top center",
            textfont=dict(size=10, color="#333333"),
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            name="neurons",
            showlegend=False,
        )
    )


def _short(value: float) -> str:
    """A neuron's value in a few characters: ``0.53``, ``-2.1``, ``1.2e+03``."""
    if abs(value) < 0.005:
        return "0"
    return f"{value:.2f}" if abs(value) < 100 else f"{value:.3g}"


def _add_notes(figure, columns, positions, top, values) -> None:
    """Column titles above, "+N more" and dropout/batch norm notes below, and the
    names beside the inputs and outputs."""
    last = len(columns) - 1
    for x, (column, heights) in enumerate(zip(columns, positions, strict=True)):
        figure.add_annotation(
            x=x,
            y=top + 0.7,
            text=f"<b>{column['title']}</b><br>{column['subtitle']}",
            showarrow=False,
            yanchor="bottom",
        )
        below = []
        if column["units"] > len(heights):
            below.append(f"+{column['units'] - len(heights)} more")
        below += column["notes"]
        if below:
            figure.add_annotation(
                x=x,
                y=-top - 0.7,
                text="<br>".join(below),
                showarrow=False,
                yanchor="top",
                font=dict(color="#555555"),
            )
        if column["side"] is None:
            continue
        left = x == 0
        for i, y in enumerate(heights[: len(column["side"])]):
            text = column["side"][i]
            if values is not None and x == last:
                text += f" = {_short(values[x][i])}"
            figure.add_annotation(
                x=x,
                y=float(y),
                text=text,
                showarrow=False,
                xanchor="right" if left else "left",
                xshift=-14 if left else 14,
                font=dict(size=11),
            )


def row_figure(
    unpacked: list[dict[str, Any]],
    activations: Sequence[Any],
    *,
    feature_names: Sequence[Any] | None,
    class_names: Sequence[Any] | None,
    task: str,
    max_neurons: int = 10,
) -> go.Figure:
    """One row's forward pass: every neuron filled by its output, the prediction
    in the title.

    Args:
        unpacked: the network, ``nncore.inside.unpack``'s result.
        activations: ``nncore.inside.forward``'s result for the row.
        feature_names: the inputs' names (None for "input 1", …).
        class_names: the classes (None for regression).
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        max_neurons: most neurons drawn per layer. Defaults to 10.

    Returns:
        ``weights_figure``'s figure with ``activations``, titled with the
        prediction ("Prediction: setosa (93 %)", "Prediction: 152.3").

    Raises:
        ValueError: when ``activations`` does not fit the network.
    """
    values = _row_values(unpacked, activations)
    return weights_figure(
        unpacked,
        max_neurons=max_neurons,
        feature_names=feature_names,
        class_names=class_names,
        activations=values,
        title=prediction_title(values[-1], class_names, task),
    )


def prediction_title(output: Any, class_names: Sequence[Any] | None, task: str) -> str:
    """The prediction of one row's output neurons, in words (safe for Plotly).

    Args:
        output: the output layer's values for the row.
        class_names: the classes (None for regression or unnamed classes).
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
    """
    output = np.asarray(output, dtype="float64").reshape(-1)
    names = [plot_label(n, 25) for n in class_names] if class_names else []
    if not np.isfinite(output).all():
        return "Prediction: none (the network's output is not a number)"
    if task == "regression":
        return f"Prediction: {output[0]:.4g}"
    if task == "binary":
        first, second = names if len(names) == 2 else ("class 0", "class 1")
        chosen = second if output[0] >= 0.5 else first
        return f"Prediction: {chosen} (P({second}) = {output[0]:.2f})"
    best = int(output.argmax())
    name = names[best] if len(names) == len(output) else f"class {best}"
    return f"Prediction: {name} ({output[best]:.0%})"


def neuron_maps_figure(
    unpacked: list[dict[str, Any]],
    grid: Any,
    maps: Sequence[np.ndarray],
    *,
    points: Mapping[str, Any] | None = None,
    class_names: Sequence[Any] | None = None,
    max_neurons: int = 8,
    title: str | None = None,
) -> go.Figure:
    """Every hidden neuron's output over the input plane, and the output's map.

    As in TensorFlow Playground: one small heatmap per hidden neuron, a column per
    layer (its first ``max_neurons`` neurons), on one colour scale centred on 0;
    then the output neuron's map, which is the decision boundary (probability of
    the positive class for binary, the predicted class for multiclass, the value
    for regression), with the training rows on it.

    Args:
        unpacked: the network, ``nncore.inside.unpack``'s result (two inputs).
        grid: the plane the maps cover (what ``nncore.inside.neuron_maps``
            accepts: a ``BoundaryGrid``, or ``points``, ``xs``, ``ys``).
        maps: ``nncore.inside.neuron_maps``'s result on that grid.
        points: the training rows, ``{"x": [...], "y": [...], "label": [...]}``
            (a boundary dict's ``points``). Defaults to None (no rows).
        class_names: the classes, for the legend. Defaults to None (the grid's,
            when it knows them, else "class 0", …).
        max_neurons: most maps drawn per hidden layer; the rest are counted in a
            "+N more" note. Defaults to 8.
        title: the figure's title (already safe text). Defaults to None.

    Returns:
        A figure with one heatmap per drawn hidden neuron (named ``"Dense 1 ·
        3"``, all on one colour scale with ``zmin == -zmax``), one for the output
        (named ``"output"``) and the training rows as marker traces on the output
        map.

    Raises:
        ValueError: when ``maps`` does not fit the network or the grid.
    """
    _, xs, ys = grid_parts(grid)
    maps = _checked_maps(unpacked, maps, (len(ys), len(xs)))
    hidden = unpacked[:-1]
    limit = max(1, int(max_neurons))
    shown = [min(layer["units"], limit) for layer in hidden]
    rows = max(shown, default=1)
    span = min(rows, 2)  # the output's map is larger: two rows high when it can be
    # The figure is built as one dict of plain data and validated once: Plotly's
    # subplot helpers validate every update and took ~0.3 s for 30 small maps.
    columns, heights = _domains(len(hidden), rows, span)
    traces: list[dict[str, Any]] = []
    layout: dict[str, Any] = {"annotations": []}
    drawn = [m[:n] for m, n in zip(maps, shown, strict=False)]
    finite = [np.abs(m[np.isfinite(m)]).max() for m in drawn if np.isfinite(m).any()]
    largest = float(max(finite, default=0.0)) or 1.0
    for c, (layer, block) in enumerate(zip(hidden, drawn, strict=True)):
        for r, z in enumerate(block):
            name = f"{layer['name']} · {r + 1}"
            axes = _cell(layout, xs, ys, columns[c], heights[r], name)
            traces.append(
                {
                    "type": "heatmap",
                    "x": xs,
                    "y": ys,
                    "z": z,
                    "colorscale": DIVERGING,
                    "zmin": -largest,
                    "zmax": largest,
                    # One colour bar stands for all the hidden neurons' maps.
                    "showscale": not traces,
                    "colorbar": dict(
                        title=dict(text="neuron output", side="right"),
                        len=0.45,
                        y=1,
                        yanchor="top",
                        thickness=12,
                    ),
                    "name": name,
                    "hovertemplate": f"{name} at (%{{x:.2f}}, %{{y:.2f}}): "
                    "%{z:.3f}<extra></extra>",
                    **axes,
                }
            )
        if layer["units"] > len(block):
            layout["annotations"].append(
                {
                    "x": 0.5,
                    "y": 0,
                    "xref": f"{axes['xaxis']} domain",
                    "yref": f"{axes['yaxis']} domain",
                    "text": f"+{layer['units'] - len(block)} more",
                    "showarrow": False,
                    "yanchor": "top",
                    "font": {"color": "#555555"},
                }
            )
    output_rows = (heights[span - 1][0], heights[0][1])
    axes = _cell(layout, xs, ys, columns[-1], output_rows, "<b>Output</b>")
    output_traces = _output_layers(
        task_of(unpacked), maps[-1], xs, ys, points, _class_names(grid, class_names)
    )
    traces += [{**trace, **axes} for trace in output_traces]
    layout.update(
        title=title,
        height=max(340, 100 * rows + 130),
        margin=dict(l=10, r=10, t=60 if title else 30, b=30),
        template=chart_template(),
        colorway=PALETTE,
        legend=dict(
            title="training rows", orientation="h", yanchor="top", y=-0.02, x=0
        ),
        uirevision="neuron maps",
    )
    return go.Figure(data=traces, layout=layout)


def _domains(n_hidden: int, rows: int, span: int):
    """The paper coordinates of each column (hidden layers, then the output, which
    is ``span`` times as wide) and of each row: lists of ``(start, end)``."""
    weights = [1] * n_hidden + [span]
    gap = 0.03
    unit = (1 - gap * n_hidden) / sum(weights)
    columns, start = [], 0.0
    for weight in weights:
        columns.append((start, min(1.0, start + unit * weight)))
        start += unit * weight + gap
    space = min(0.06, 0.3 / rows)
    height = (1 - space * (rows - 1)) / rows
    tops = [1 - r * (height + space) for r in range(rows)]
    return columns, [(max(0.0, top - height), top) for top in tops]


def _cell(layout: dict, xs, ys, across, down, title: str) -> dict[str, str]:
    """Add the axes of one map to ``layout`` with its title; return the trace's
    ``xaxis``/``yaxis`` references."""
    number = len([key for key in layout if key.startswith("xaxis")]) + 1
    suffix = "" if number == 1 else str(number)
    # No ticks or grid, a thin frame (a neuron that is 0 everywhere is a white
    # square), and equal scales on both axes, as on the decision boundary.
    bare = dict(
        showticklabels=False,
        ticks="",
        showgrid=False,
        zeroline=False,
        showline=True,
        mirror=True,
        linecolor="#cccccc",
        constrain="domain",
    )
    layout[f"xaxis{suffix}"] = dict(
        domain=list(across), range=[xs[0], xs[-1]], anchor=f"y{suffix}", **bare
    )
    layout[f"yaxis{suffix}"] = dict(
        domain=list(down),
        range=[ys[0], ys[-1]],
        anchor=f"x{suffix}",
        scaleanchor=f"x{suffix}",
        **bare,
    )
    layout["annotations"].append(
        {
            "x": 0.5,
            "y": 1,
            "xref": f"x{suffix} domain",
            "yref": f"y{suffix} domain",
            "text": title,
            "showarrow": False,
            "yanchor": "bottom",
            "font": {"size": 11},
        }
    )
    return {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}


def _checked_maps(unpacked, maps, shape) -> list[np.ndarray]:
    if len(maps) != len(unpacked):
        raise ValueError(
            f"maps has {len(maps)} arrays; expected {len(unpacked)}, one per dense "
            "layer and the output (nncore.inside.neuron_maps' result)."
        )
    checked = []
    for layer, block in zip(unpacked, maps, strict=True):
        block = np.asarray(block, dtype="float64")
        if block.shape != (layer["units"], *shape):
            raise ValueError(
                f"The maps of {layer['name']} have shape {block.shape}; expected "
                f"{(layer['units'], *shape)}: one map per neuron over the grid."
            )
        checked.append(np.where(np.isfinite(block), block, np.nan))
    return checked


def _class_names(grid, class_names) -> list[str] | None:
    if class_names is None:
        if isinstance(grid, Mapping):
            class_names = grid.get("classes")
        else:
            class_names = getattr(getattr(grid, "prepared", None), "classes", None)
    return [plot_label(name, 20) for name in class_names] if class_names else None


def _output_layers(task, output, xs, ys, points, names):
    """The output's map and the training rows on it, as trace dicts."""
    points = points or {}
    px = np.asarray(points.get("x", []), dtype="float64")[:MAX_POINTS]
    py = np.asarray(points.get("y", []), dtype="float64")[:MAX_POINTS]
    labels = np.asarray(points.get("label", []), dtype="float64")[:MAX_POINTS]
    if task == "regression":
        z = output[0]
        finite = np.concatenate([z[np.isfinite(z)], labels[np.isfinite(labels)]])
        low, high = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
        hover = f"prediction %{{z:{HOVER_NUMBER}}}<extra></extra>"
        scale = dict(
            colorscale="Cividis",
            zmin=float(low),
            zmax=float(high),
            colorbar=dict(title=dict(text="prediction", side="right"), len=0.45),
        )
    elif task == "binary":
        z = output[0]
        first, second = names if names and len(names) == 2 else ("class 0", "class 1")
        names = [first, second]
        hover = f"P({second}) = %{{z:.2f}}<extra></extra>"
        scale = dict(
            colorscale=[
                [0.0, _tint(PALETTE[0], 0.75)],
                [0.5, "#ffffff"],
                [1.0, _tint(PALETTE[1], 0.75)],
            ],
            zmin=0,
            zmax=1,
            colorbar=dict(title=dict(text=f"P({second})", side="right"), len=0.45),
        )
    else:
        count = output.shape[0]
        z = np.where(
            np.isfinite(output).all(axis=0),
            np.nan_to_num(output).argmax(axis=0),
            np.nan,
        )
        if not names or len(names) != count:
            names = [f"class {i}" for i in range(count)]
        hover = "predicted class %{z}<extra></extra>"
        steps = []
        for i in range(count):
            colour = _tint(PALETTE[i % len(PALETTE)], 0.45)
            steps += [[i / count, colour], [(i + 1) / count, colour]]
        scale = dict(colorscale=steps, zmin=-0.5, zmax=count - 0.5, showscale=False)
    scale.setdefault("colorbar", {}).update(y=0, yanchor="bottom", thickness=12)
    traces = [
        {
            "type": "heatmap",
            "x": xs,
            "y": ys,
            "z": z,
            **scale,
            "name": "output",
            "hovertemplate": hover,
        }
    ]
    marker = dict(size=6, line=dict(color="#ffffff", width=1))
    if task == "regression":
        traces.append(
            {
                "type": "scatter",
                "x": px,
                "y": py,
                "mode": "markers",
                "name": "target value",
                "marker": dict(
                    color=labels,
                    colorscale=scale["colorscale"],
                    cmin=scale["zmin"],
                    cmax=scale["zmax"],
                    **marker,
                ),
                "hovertemplate": "(%{x:.2f}, %{y:.2f}): "
                f"%{{marker.color:{HOVER_NUMBER}}}<extra></extra>",
            }
        )
        return traces
    for i, name in enumerate(names):
        chosen = labels == i
        traces.append(
            {
                "type": "scatter",
                "x": px[chosen],
                "y": py[chosen],
                "mode": "markers",
                "name": name,
                "marker": dict(
                    color=PALETTE[i % len(PALETTE)],
                    symbol=SYMBOLS[i % len(SYMBOLS)],
                    **marker,
                ),
                "hovertemplate": f"{name}: (%{{x:.2f}}, %{{y:.2f}})<extra></extra>",
            }
        )
    return traces
