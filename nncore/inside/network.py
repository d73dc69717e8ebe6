"""The network inside: a weight snapshot as neuron layers, and its forward pass.

A snapshot is ``model.get_weights()`` of the ``keras.Sequential`` that
``nncore.train.model.build_model`` builds: per dense layer its kernel
``(inputs, units)`` and bias ``(units,)``, per batch normalisation its scale
(gamma), shift (beta), running mean and running variance, nothing for dropout, the
output layer last. ``unpack`` names those arrays; ``forward`` runs the network in
NumPy exactly as Keras does at inference (dropout off, batch normalisation with its
running statistics), so the live view never needs TensorFlow: it runs on the UI
thread from a snapshot.

Example:

    layers = [{"type": "dense", "units": 4, "activation": "tanh"}]
    network = unpack(layers, 2, "binary", None, model.get_weights())
    outputs = forward(network, X)     # [X, Dense 1's outputs, P(class 1)]
    outputs[-1]                       # equals model.predict(X)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from numbers import Integral
from typing import Any

import numpy as np

from nncore.spec.model import validate_model_spec
from nncore.spec.schema import IMAGE_LAYER_TYPES
from nncore.train.model import output_layer

__all__ = [
    "BATCHNORM_EPSILON",
    "activate",
    "forward",
    "grid_parts",
    "neuron_maps",
    "task_of",
    "unpack",
]

# Keras' BatchNormalization default (the app never changes it).
BATCHNORM_EPSILON = 1e-3
# Keras 3's defaults: leaky_relu's negative_slope, elu's alpha, and the SELU
# constants (those of the SELU paper, as TensorFlow writes them).
LEAKY_SLOPE = 0.2
ELU_ALPHA = 1.0
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
# What the output layer's activation says about the task.
_TASKS = {"sigmoid": "binary", "softmax": "multiclass", "linear": "regression"}


def unpack(
    layers: list[dict[str, Any]],
    n_inputs: int,
    task: str,
    n_classes: int | None,
    weights: Sequence[Any],
) -> list[dict[str, Any]]:
    """Name the arrays of a weight snapshot, one neuron layer per dense layer.

    Args:
        layers: the hidden layers (``model.layers`` of a spec; defaults are filled
            in here).
        n_inputs: the number of input features.
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        n_classes: the number of classes (multiclass), else None.
        weights: the snapshot, ``model.get_weights()`` of the network built from
            these arguments (NumPy arrays or nested lists).

    Returns:
        One dict per dense layer, the output layer last: ``name`` (``"Dense 1"``,
        …, ``"Output"``), ``role`` (``"hidden"`` or ``"output"``), ``units``,
        ``activation``, ``kernel`` (float64, ``(inputs, units)``), ``bias``
        (``(units,)``), ``before`` (the steps between the inputs and this layer:
        only the first dense layer can have any, when the network starts with
        dropout or batch normalisation) and ``after`` (the dropout and batch
        normalisation that follow it, in order). A step is ``{"type":
        "dropout", "rate": r}`` or ``{"type": "batchnorm", "gamma", "beta",
        "mean", "variance", "epsilon"}``.

    Raises:
        ValueError: for a network with convolutions or other image layers, or
            image inputs (the view draws dense networks on tables); when the
            snapshot does not have the arrays, or the shapes, that this network
            needs (or the spec or task is invalid).
    """
    stack = validate_model_spec({"layers": list(layers)})["layers"]
    _refuse_images(stack, n_inputs)
    if isinstance(n_inputs, bool) or not isinstance(n_inputs, Integral) or n_inputs < 1:
        raise ValueError(
            f"Received: n_inputs={n_inputs!r}. Expected a positive integer, e.g. 2."
        )
    n_inputs = int(n_inputs)
    if isinstance(n_classes, Integral) and not isinstance(n_classes, bool):
        n_classes = int(n_classes)  # a NumPy count is as good
    output = output_layer(task, n_classes)
    plan = _plan(stack, n_inputs, output)
    arrays = [np.asarray(w, dtype="float64") for w in weights]
    needed = [(owner, part, shape) for owner, parts in plan for part, shape in parts]
    if len(arrays) != len(needed):
        listing = ", ".join(f"{owner} {part} {shape}" for owner, part, shape in needed)
        raise ValueError(
            f"The weight snapshot has {len(arrays)} arrays; this network needs "
            f"{len(needed)}: {listing}. Take the snapshot with model.get_weights() "
            "of the model built from this spec, task and number of inputs."
        )
    for array, (owner, part, shape) in zip(arrays, needed, strict=True):
        if array.shape != shape:
            raise ValueError(
                f"The weight snapshot does not fit the network: {owner}'s {part} has "
                f"shape {array.shape}; expected {shape}. Take the snapshot with "
                "model.get_weights() of the model built from this spec, task and "
                "number of inputs."
            )
    return _assemble(stack, output, iter(arrays))


def _refuse_images(stack: list[dict[str, Any]], n_inputs: Any) -> None:
    """The view draws neurons of dense layers on table columns: say so for a
    network with convolutions, pooling or Flatten, or one that reads pictures."""
    kinds = {layer["type"] for layer in stack}
    if "conv2d" in kinds:
        raise ValueError(
            "The network view draws dense networks; this one has convolutions: see "
            "its filters and feature maps instead."
        )
    pictures = (
        isinstance(n_inputs, Sequence)
        and not isinstance(n_inputs, str)
        and len(n_inputs) == 3
    )
    if pictures or kinds & set(IMAGE_LAYER_TYPES):
        raise ValueError(
            "The network view draws dense networks on the columns of a table; this "
            "one reads pictures: see what it learns on the Train and Evaluate "
            "screens instead."
        )


def _plan(stack, n_inputs: int, output: dict) -> list[tuple[str, list]]:
    """(layer name, [(array name, shape)]) for every layer that has weights."""
    plan: list[tuple[str, list]] = []
    width, dense, norms = n_inputs, 0, 0
    for layer in stack:
        if layer["type"] == "dense":
            dense += 1
            units = layer["units"]
            plan.append(
                (f"Dense {dense}", [("kernel", (width, units)), ("bias", (units,))])
            )
            width = units
        elif layer["type"] == "batchnorm":
            norms += 1
            parts = ["gamma", "beta", "moving mean", "moving variance"]
            plan.append((f"BatchNorm {norms}", [(p, (width,)) for p in parts]))
    units = output["units"]
    plan.append(("Output", [("kernel", (width, units)), ("bias", (units,))]))
    return plan


def _assemble(stack, output: dict, arrays) -> list[dict[str, Any]]:
    network: list[dict[str, Any]] = []
    pending: list[dict[str, Any]] = []  # steps before the first dense layer
    for layer in [*stack, {"type": "output"}]:
        if layer["type"] in ("dense", "output"):
            is_output = layer["type"] == "output"
            network.append(
                {
                    "name": "Output" if is_output else f"Dense {len(network) + 1}",
                    "role": "output" if is_output else "hidden",
                    "units": output["units"] if is_output else layer["units"],
                    "activation": (
                        output["activation"] if is_output else layer["activation"]
                    ),
                    "kernel": next(arrays),
                    "bias": next(arrays),
                    "before": [] if network else pending,
                    "after": [],
                }
            )
            continue
        if layer["type"] == "dropout":
            step: dict[str, Any] = {"type": "dropout", "rate": float(layer["rate"])}
        else:
            step = {
                "type": "batchnorm",
                "gamma": next(arrays),
                "beta": next(arrays),
                "mean": next(arrays),
                "variance": next(arrays),
                "epsilon": BATCHNORM_EPSILON,
            }
        (network[-1]["after"] if network else pending).append(step)
    return network


def task_of(network: list[dict[str, Any]]) -> str:
    """The task an unpacked network solves, from its output layer's activation."""
    return _TASKS[network[-1]["activation"]]


def forward(network: list[dict[str, Any]], X: Any) -> list[np.ndarray]:
    """Run the network on ``X`` as Keras does at inference, in NumPy.

    Dropout passes its inputs through unchanged; batch normalisation uses its
    running mean and variance.

    Args:
        network: the result of ``unpack``.
        X: the inputs, ``(n_samples, n_inputs)``; one row may be given as
            ``(n_inputs,)``.

    Returns:
        The inputs (float64, 2-D), then each dense layer's outputs
        ``(n_samples, units)`` after its activation and any batch normalisation
        that follows it; the last array is the network's prediction
        (``model.predict``: probabilities for classification, values for
        regression).

    Raises:
        ValueError: when ``X`` does not have one column per input.
    """
    values = np.asarray(X, dtype="float64")
    if values.ndim == 1:
        values = values[None, :]
    n_inputs = network[0]["kernel"].shape[0]
    if values.ndim != 2 or values.shape[1] != n_inputs:
        raise ValueError(
            f"Received inputs of shape {values.shape}. Expected (n_samples, "
            f"{n_inputs}): one column per input of the network."
        )
    outputs = [values]
    current = values
    for layer in network:
        current = _steps(current, layer["before"])
        current = activate(
            current @ layer["kernel"] + layer["bias"], layer["activation"]
        )
        current = _steps(current, layer["after"])
        outputs.append(current)
    return outputs


def _steps(values: np.ndarray, steps: list[dict[str, Any]]) -> np.ndarray:
    for step in steps:
        if step["type"] == "batchnorm":
            scale = step["gamma"] / np.sqrt(step["variance"] + step["epsilon"])
            values = (values - step["mean"]) * scale + step["beta"]
    return values


def activate(values: np.ndarray, activation: str) -> np.ndarray:
    """Apply a Keras activation by its name, with Keras 3's default arguments.

    Raises:
        ValueError: for an activation the app does not offer.
    """
    if activation == "linear":
        return values
    if activation == "relu":
        return np.maximum(values, 0.0)
    if activation == "leaky_relu":
        return np.where(values >= 0, values, LEAKY_SLOPE * values)
    if activation == "tanh":
        return np.tanh(values)
    if activation == "sigmoid":
        return _sigmoid(values)
    if activation == "swish":
        return values * _sigmoid(values)
    if activation == "elu":
        return np.where(values > 0, values, ELU_ALPHA * np.expm1(np.minimum(values, 0)))
    if activation == "selu":
        negative = SELU_ALPHA * np.expm1(np.minimum(values, 0))
        return SELU_SCALE * np.where(values > 0, values, negative)
    if activation == "gelu":
        # Keras 3's gelu is exact (approximate=False): x · Φ(x).
        from scipy.special import erf

        return 0.5 * values * (1.0 + erf(values / math.sqrt(2.0)))
    if activation == "softmax":
        shifted = np.exp(values - values.max(axis=-1, keepdims=True))
        return shifted / shifted.sum(axis=-1, keepdims=True)
    raise ValueError(
        f"Received: activation={activation!r}. Expected one of relu, tanh, sigmoid, "
        "elu, selu, gelu, swish, leaky_relu, linear or softmax."
    )


def _sigmoid(values: np.ndarray) -> np.ndarray:
    # Written with exp of a non-positive number only, so it never overflows.
    positive = np.exp(-np.abs(values))
    return np.where(values >= 0, 1.0 / (1.0 + positive), positive / (1.0 + positive))


def neuron_maps(network: list[dict[str, Any]], grid: Any) -> list[np.ndarray]:
    """Every neuron's output over the plane of a two-input network's inputs.

    Args:
        network: the result of ``unpack`` for a network with two inputs.
        grid: the plane: a ``nncore.runs.boundary.BoundaryGrid``, or a mapping or
            object with ``points`` (``(len(xs) * len(ys), 2)``, in the order
            ``np.meshgrid(xs, ys)`` ravels them), ``xs`` and ``ys``; or a boundary
            dict (``x`` and ``y``).

    Returns:
        One array per dense layer, the output layer last, of shape
        ``(units, len(ys), len(xs))``: ``maps[k][i, r, c]`` is neuron ``i``'s
        output at ``(xs[c], ys[r])`` (after its activation and any batch
        normalisation that follows). The output layer's map is the prediction:
        the probability of each class (one map, of the positive class, for
        binary) or the value.

    Raises:
        ValueError: when the network does not have exactly two inputs, or the
            grid's points do not match its ``xs`` and ``ys``.
    """
    points, xs, ys = grid_parts(grid)
    if network[0]["kernel"].shape[0] != 2:
        raise ValueError(
            f"Neuron maps need a network with 2 inputs; this one has "
            f"{network[0]['kernel'].shape[0]}. Pick a row instead (forward)."
        )
    outputs = forward(network, points)[1:]
    shape = (len(ys), len(xs))
    return [values.T.reshape(values.shape[1], *shape) for values in outputs]


def grid_parts(grid: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(points, xs, ys)`` of a grid given as ``neuron_maps`` accepts it.

    Raises:
        ValueError: when the grid has no ``xs``/``ys`` (or ``x``/``y``), or its
            points do not match them.
    """

    def part(*names):
        for name in names:
            if isinstance(grid, Mapping) and name in grid:
                return grid[name]
            if not isinstance(grid, Mapping) and hasattr(grid, name):
                return getattr(grid, name)
        return None

    xs, ys = part("xs", "x"), part("ys", "y")
    if xs is None or ys is None:
        raise ValueError(
            "The grid needs its xs and ys (a BoundaryGrid, or a dict with 'points', "
            f"'xs' and 'ys'). Got {type(grid).__name__}."
        )
    xs = np.asarray(xs, dtype="float64").reshape(-1)
    ys = np.asarray(ys, dtype="float64").reshape(-1)
    points = part("points")
    if points is None or isinstance(points, Mapping):  # a boundary dict's rows
        gx, gy = np.meshgrid(xs, ys)
        points = np.column_stack([gx.ravel(), gy.ravel()])
    points = np.asarray(points, dtype="float64")
    if points.shape != (len(xs) * len(ys), 2):
        raise ValueError(
            f"The grid's points have shape {points.shape}; expected "
            f"({len(xs) * len(ys)}, 2): one row per (x, y) of its xs and ys."
        )
    return points, xs, ys
