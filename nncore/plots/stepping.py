"""Figures of one training step (``nncore.train.stepping.StepRecord``).

In the order the step runs: the batch (a table), the forward pass (the inputs and
every layer's outputs as heatmaps, one row per example), the predictions against
the answers with the loss, the backward pass (every weight's gradient) and the
update (every weight's change). Networks that can be stepped have at most 200
weights, so every number is written in its cell; hovering shows it in full.
Weights are drawn per layer, as a dense layer holds them: one row per input, one
column per neuron, its biases as the last row. User-supplied names go through
``plot_label``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from nncore.core.text import plot_label, readable_number
from nncore.plots.base import HOVER_NUMBER, PALETTE, base_layout
from nncore.train.compiling import LOSSES, OPTIMIZERS
from nncore.train.stepping import StepRecord

__all__ = [
    "MAX_EXAMPLES",
    "batch_table",
    "forward_figure",
    "gradients_figure",
    "predictions_figure",
    "update_figure",
]

# Examples of a batch drawn in the forward pass (the rest are counted in the title):
# a row of numbers per example stays readable up to about this many.
MAX_EXAMPLES = 16
# Input columns drawn in the forward pass; the weights figures draw them all.
MAX_INPUTS = 12
# Negative blue, zero white, positive vermillion (Okabe-Ito, colour-blind safe).
DIVERGING = [[0.0, PALETTE[0]], [0.5, "#ffffff"], [1.0, PALETTE[5]]]
RIGHT, WRONG = PALETTE[2], PALETTE[5]
CELL_PX = 24


def _short(value: float) -> str:
    """A cell's number: three significant digits, e.g. "0.123", "-1.5e-05"."""
    return f"{value:.3g}"


def _unique(labels: list[str]) -> list[str]:
    """``labels`` with repeats numbered, so every heatmap row has its own name."""
    seen: dict[str, int] = {}
    result = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        result.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return result


def _class_name(record: StepRecord, index: int) -> str:
    if record.classes is None or not 0 <= index < len(record.classes):
        return str(index)
    return str(record.classes[index])


def _output_labels(record: StepRecord) -> list[str]:
    """The output neurons' names: what each one predicts."""
    if record.task == "regression":
        return ["prediction"]
    if record.task == "binary":
        return [f"P({plot_label(_class_name(record, 1), 15)})"]
    return [
        f"P({plot_label(_class_name(record, i), 15)})"
        for i in range(record.predictions.shape[1])
    ]


def _neuron_labels(record: StepRecord) -> list[list[str]]:
    """Each layer's output columns, named; dropout and batch normalisation keep
    the names of the neurons they act on."""
    previous = _unique([plot_label(name, 20) for name in record.feature_names])
    labels = []
    last = len(record.layer_names) - 1
    for index, (name, output) in enumerate(
        zip(record.layer_names, record.layer_outputs, strict=True)
    ):
        width = output.shape[1]
        if index == last:
            current = _output_labels(record)
        elif name.startswith(("Dropout", "BatchNorm")) and len(previous) == width:
            current = previous
        else:
            current = [f"{name} n{j + 1}" for j in range(width)]
        labels.append(current)
        previous = current
    return labels


def _input_labels(record: StepRecord) -> list[list[str]]:
    """Each layer's input rows, named (the features for the first layer)."""
    features = _unique([plot_label(name, 20) for name in record.feature_names])
    outputs = _neuron_labels(record)
    return [features, *outputs[:-1]]


def batch_table(record: StepRecord) -> pd.DataFrame:
    """The batch as a table: one row per example, its inputs and its answer.

    Args:
        record: a step's record.

    Returns:
        A DataFrame with the example's training-row number, every input column
        (scaled, as the network sees it) and ``answer`` (the class label, or the
        number to predict).
    """
    frame = pd.DataFrame(
        record.inputs, columns=_unique([str(n) for n in record.feature_names])
    )
    frame.insert(0, "training row", record.rows.astype(int))
    if record.task == "regression":
        frame["answer"] = record.answers.astype(float)
    else:
        frame["answer"] = [_class_name(record, int(a)) for a in record.answers]
    return frame


def _heatmap(z, x, y, *, hover: str, customdata=None) -> go.Heatmap:
    z = np.asarray(z, dtype=float)
    top = float(np.nanmax(np.abs(z))) if z.size else 0.0
    return go.Heatmap(
        z=z,
        x=x,
        y=y,
        text=[[_short(v) for v in row] for row in z],
        texttemplate="%{text}",
        colorscale=DIVERGING,
        zmid=0,
        zmin=-top if top else -1,
        zmax=top if top else 1,
        showscale=False,
        customdata=customdata,
        hovertemplate=hover + "<extra></extra>",
        xgap=1,
        ygap=1,
    )


def _title(record: StepRecord, what: str) -> str:
    return (
        f"{what} (epoch {record.epoch}, batch {record.batch} of "
        f"{record.batches_per_epoch})"
    )


def forward_figure(record: StepRecord) -> go.Figure:
    """The forward pass: the batch's inputs and each layer's outputs, side by side.

    One heatmap per stage, one row per example of the batch (the first
    ``MAX_EXAMPLES``), one column per input or neuron, each cell with its number;
    the last stage is the output layer: the predictions.

    Args:
        record: a step's record.

    Returns:
        A figure with one heatmap trace per stage (inputs first), each named after
        it (``"Inputs"``, ``"Dense 1"``, …, ``"Output"``).
    """
    shown = min(len(record.inputs), MAX_EXAMPLES)
    examples = [f"example {i + 1}" for i in range(shown)]
    n_inputs = record.inputs.shape[1]
    stages = [
        (
            "Inputs" if n_inputs <= MAX_INPUTS else f"Inputs (first {MAX_INPUTS})",
            record.inputs[:shown, :MAX_INPUTS],
            _input_labels(record)[0][:MAX_INPUTS],
        )
    ]
    for name, output, labels in zip(
        record.layer_names, record.layer_outputs, _neuron_labels(record), strict=True
    ):
        stages.append((name, output[:shown], labels))
    widths = [max(2, values.shape[1]) for _, values, _ in stages]
    figure = make_subplots(
        rows=1,
        cols=len(stages),
        subplot_titles=[title for title, _, _ in stages],
        column_widths=widths,
        horizontal_spacing=min(0.04, 0.3 / len(stages)),
        shared_yaxes=True,
    )
    for column, (title, values, labels) in enumerate(stages, start=1):
        trace = _heatmap(
            values,
            labels,
            examples,
            hover=f"%{{y}}, %{{x}}: %{{z:{HOVER_NUMBER}}}",
        )
        trace.name = title
        figure.add_trace(trace, row=1, col=column)
    figure.update_yaxes(autorange="reversed", type="category")
    figure.update_xaxes(type="category", tickangle=-45)
    title = _title(record, "Forward pass")
    if len(record.inputs) > shown:
        title += f", the first {shown} of its {len(record.inputs)} examples"
    return base_layout(figure, title, height=max(260, 150 + CELL_PX * shown), top=70)


def _right_probability(record: StepRecord) -> tuple[np.ndarray, np.ndarray]:
    """The probability each example gives its right answer, and the predicted
    class."""
    answers = record.answers.astype(int)
    if record.task == "binary":
        second = record.predictions[:, 0]
        probability = np.where(answers == 1, second, 1 - second)
        predicted = (second >= 0.5).astype(int)
    else:
        rows = np.arange(len(answers))
        probability = record.predictions[rows, answers]
        predicted = record.predictions.argmax(axis=1)
    return probability, predicted


def predictions_figure(record: StepRecord) -> go.Figure:
    """The predictions against the answers, with the batch's loss in the title.

    Classification: one bar per example, the probability the network gives to
    the right answer, in two traces: green where its most probable class is the
    answer, vermillion where not. Regression: each example's answer and
    prediction, joined by a line (the miss).

    Args:
        record: a step's record.

    Returns:
        A figure; its title carries the loss (``"… loss 0.693 (Binary
        cross-entropy)"``).
    """
    examples = [f"example {i + 1}" for i in range(len(record.answers))]
    figure = go.Figure()
    if record.task == "regression":
        predicted = record.predictions[:, 0].astype(float)
        answers = record.answers.astype(float)
        # One line per example from its answer to its prediction (the miss); None
        # breaks the line between examples.
        figure.add_trace(
            go.Scatter(
                x=[name for name in examples for _ in range(3)],
                y=[
                    v
                    for pair in zip(answers, predicted, strict=True)
                    for v in (*pair, None)
                ],
                mode="lines",
                line=dict(color="#999999", width=1),
                name="miss",
                showlegend=False,
                hoverinfo="skip",
            )
        )
        figure.add_trace(
            go.Scatter(
                x=examples,
                y=answers,
                mode="markers",
                name="answer",
                marker=dict(color=PALETTE[0], size=9),
                hovertemplate=f"%{{x}}: answer %{{y:{HOVER_NUMBER}}}<extra></extra>",
            )
        )
        figure.add_trace(
            go.Scatter(
                x=examples,
                y=predicted,
                mode="markers",
                name="prediction",
                marker=dict(color=PALETTE[1], size=9, symbol="diamond"),
                hovertemplate=f"%{{x}}: prediction %{{y:{HOVER_NUMBER}}}"
                "<extra></extra>",
            )
        )
        figure.update_yaxes(title="value")
    else:
        probability, predicted = _right_probability(record)
        answers = record.answers.astype(int)
        right = predicted == answers
        names = [
            [
                plot_label(_class_name(record, a), 20),
                plot_label(_class_name(record, p), 20),
            ]
            for a, p in zip(answers, predicted, strict=True)
        ]
        for wanted, name, colour in (
            (True, "predicted the right class", RIGHT),
            (False, "predicted a wrong class", WRONG),
        ):
            chosen = np.flatnonzero(right == wanted)
            figure.add_trace(
                go.Bar(
                    x=[examples[i] for i in chosen],
                    y=probability[chosen],
                    name=name,
                    marker_color=colour,
                    text=[_short(p) for p in probability[chosen]],
                    textposition="outside",
                    customdata=[names[i] for i in chosen],
                    hovertemplate="%{x}: answer %{customdata[0]}, predicted "
                    "%{customdata[1]}<br>probability of the answer %{y:.3f}"
                    "<extra></extra>",
                )
            )
        figure.update_yaxes(title="probability of the right answer", range=[0, 1.1])
        if record.task == "binary":
            figure.add_hline(y=0.5, line_dash="dot", line_color="#999999")
    figure.update_xaxes(
        type="category", categoryorder="array", categoryarray=examples, tickangle=-45
    )
    choice = LOSSES.get(record.loss_function)
    loss = choice.title if choice else plot_label(record.loss_function)
    title = (
        f"Predictions vs answers: loss {readable_number(record.loss, digits=4)} "
        f"({loss})"
    )
    # Bar labels that do not fit are hidden rather than shrunk (hover has them).
    return base_layout(
        figure,
        title,
        height=340,
        top=60,
        showlegend=True,
        uniformtext=dict(minsize=10, mode="hide"),
    )


def _weight_panels(record: StepRecord) -> list[dict]:
    """Each layer with trainable weights as one panel: its arrays stacked into a
    matrix (weights' rows, then biases) with the row and column names."""
    inputs = dict(zip(record.layer_names, _input_labels(record), strict=True))
    outputs = dict(zip(record.layer_names, _neuron_labels(record), strict=True))
    panels: dict[str, dict] = {}
    for index, step in enumerate(record.weights):
        panel = panels.setdefault(
            step.layer,
            {"layer": step.layer, "rows": [], "parts": [], "columns": None},
        )
        if step.before.ndim == 2:
            rows = inputs[step.layer][: step.before.shape[0]]
            rows += [f"input {i + 1}" for i in range(len(rows), step.before.shape[0])]
        else:
            rows = ["bias" if step.kind == "biases" else step.kind]
        columns = outputs[step.layer]
        if len(columns) != step.before.shape[-1]:
            columns = [f"n{j + 1}" for j in range(step.before.shape[-1])]
        panel["columns"] = columns
        panel["rows"] += rows
        panel["parts"].append((index, step))
    return list(panels.values())


def _stack(panel: dict, field: str) -> np.ndarray:
    return np.vstack(
        [np.atleast_2d(getattr(step, field)) for _, step in panel["parts"]]
    ).astype(float)


def _weights_figure(
    record: StepRecord, field: str, title: str, hover: str, with_details: bool
) -> go.Figure:
    panels = _weight_panels(record)
    figure = make_subplots(
        rows=1,
        cols=len(panels),
        subplot_titles=[plot_label(panel["layer"]) for panel in panels],
        column_widths=[max(2, len(panel["columns"])) for panel in panels],
        horizontal_spacing=min(0.08, 0.4 / len(panels)),
    )
    for column, panel in enumerate(panels, start=1):
        customdata = None
        if with_details:
            customdata = np.dstack(
                [_stack(panel, name) for name in ("before", "gradient", "after")]
            )
        trace = _heatmap(
            _stack(panel, field),
            panel["columns"],
            _unique(panel["rows"]),
            hover=hover,
            customdata=customdata,
        )
        trace.name = panel["layer"]
        figure.add_trace(trace, row=1, col=column)
    figure.update_yaxes(autorange="reversed", type="category")
    figure.update_xaxes(type="category", tickangle=-45)
    tallest = max(len(panel["rows"]) for panel in panels)
    return base_layout(figure, title, height=max(260, 150 + CELL_PX * tallest), top=70)


def gradients_figure(record: StepRecord) -> go.Figure:
    """The backward pass: the gradient of the loss for every weight, as colours.

    One heatmap per layer (rows: its inputs, then its biases; columns: its
    neurons), the number in each cell: positive (vermillion) means raising the
    weight would raise the loss, negative (blue) that it would lower it.

    Args:
        record: a step's record.

    Returns:
        A figure with one heatmap trace per layer with weights, named after it.
    """
    return _weights_figure(
        record,
        "gradient",
        _title(record, "Backward pass: the gradient of each weight"),
        f"%{{y}} → %{{x}}<br>gradient %{{z:{HOVER_NUMBER}}}",
        with_details=False,
    )


def update_figure(record: StepRecord) -> go.Figure:
    """The update: how much every weight changed in this step (after − before).

    Laid out like ``gradients_figure``; hovering a cell shows the weight before,
    its gradient, the change and the weight after. The title says the rule
    (``update_rule``): for SGD without momentum the change is −learning rate ×
    gradient.

    Args:
        record: a step's record.

    Returns:
        A figure with one heatmap trace per layer with weights, named after it;
        each trace's ``customdata`` holds [before, gradient, after] per cell.
    """
    rate = f"{record.learning_rate:g}"
    if record.optimizer == "sgd" and not record.momentum:
        rule = f"change = −{rate} × gradient"
    elif record.optimizer == "sgd":
        rule = f"change = −{rate} × gradient + {record.momentum:g} × the last change"
    else:
        choice = OPTIMIZERS.get(record.optimizer)
        rule = f"{choice.title if choice else plot_label(record.optimizer)}'s step"
    return _weights_figure(
        record,
        "change",
        _title(record, f"Update: {rule}"),
        f"%{{y}} → %{{x}}<br>before %{{customdata[0]:{HOVER_NUMBER}}}"
        f"<br>gradient %{{customdata[1]:{HOVER_NUMBER}}}"
        f"<br>change %{{z:{HOVER_NUMBER}}}"
        f"<br>after %{{customdata[2]:{HOVER_NUMBER}}}",
        with_details=True,
    )
