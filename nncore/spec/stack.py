"""The layer stack on real inputs: what each layer outputs, how many weights it has,
and the stacks that cannot work.

Plain Python, as Keras computes it, so the Model screen shows every layer's output
shape and parameter count, and refuses a stack that cannot work, without importing
TensorFlow. The input is a table of ``n`` columns (``n`` or ``(n,)``) or an image
``(H, W, C)``; an image network starts with a rescaling layer (pixel values 0-255
to 0-1, no weights), which ``nncore.train.model.build_model`` adds too.

Example:
    >>> rows = layer_shapes(
    ...     [{"type": "conv2d", "filters": 8}, {"type": "flatten"}],
    ...     (8, 8, 1), "multiclass", 10)
    >>> [(row["name"], row["output"], row["parameters"]) for row in rows]
    [('Rescaling', '8x8x1', 0), ('Conv2D 1', '8x8x8', 80), ('Flatten 1', '512', 0), \
('Output', '10', 5130)]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from numbers import Integral
from typing import Any

from nncore.core.errors import SpecError
from nncore.spec.schema import IMAGE_LAYER_TYPES, layer_defaults

LAYER_TITLES = {
    "dense": "Dense",
    "dropout": "Dropout",
    "batchnorm": "BatchNorm",
    "conv2d": "Conv2D",
    "maxpool2d": "MaxPool",
    "avgpool2d": "AvgPool",
    "flatten": "Flatten",
    "global_avg_pool": "GlobalAvgPool",
}
RESCALING = "Rescaling"  # the name of an image network's first layer
_FLATTENERS = ("flatten", "global_avg_pool")
_FLAT_FIX = "add a Flatten or Global average pooling layer"


def output_layer(task: str, n_classes: int | None) -> dict[str, Any]:
    """The output layer the task needs, and why, in one plain sentence.

    Args:
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        n_classes: the number of classes (used for multiclass; None otherwise).

    Returns:
        ``{"units": int, "activation": str, "explanation": str}``.

    Raises:
        ValueError: for an unknown task, or multiclass without at least 2 classes.
    """
    if task == "binary":
        return {
            "units": 1,
            "activation": "sigmoid",
            "explanation": "One neuron with a sigmoid activation gives the "
            "probability (from 0 to 1) that an example belongs to the second class.",
        }
    if task == "multiclass":
        if isinstance(n_classes, bool) or not isinstance(n_classes, int):
            raise ValueError(
                f"Received: n_classes={n_classes!r}. Multiclass needs the number of "
                "classes, e.g. n_classes=3."
            )
        if n_classes < 2:
            raise ValueError(
                f"Received: n_classes={n_classes}. Multiclass needs at least 2 classes."
            )
        return {
            "units": n_classes,
            "activation": "softmax",
            "explanation": f"{n_classes} neurons with a softmax activation give one "
            "probability per class, and the probabilities add up to 1.",
        }
    if task == "regression":
        return {
            "units": 1,
            "activation": "linear",
            "explanation": "One neuron with a linear activation (no squashing) "
            "predicts the number itself.",
        }
    raise ValueError(
        f"Received: task={task!r}. Expected 'binary', 'multiclass' or 'regression'."
    )


def input_shape_of(n_inputs: int | Sequence[int]) -> tuple[int, ...]:
    """The input as a shape: ``(n,)`` for a table of ``n`` columns, ``(H, W, C)``
    for an image.

    Args:
        n_inputs: the number of input columns (an int, or ``(n,)``), or an image's
            ``(H, W, C)`` (a tuple or list, e.g. ``PreparedImages.image_shape``).

    Raises:
        ValueError: for anything else (a bool, a non-positive size, a shape of 2 or
            4 numbers).

    Example:
        >>> input_shape_of(30), input_shape_of([28, 28, 1])
        ((30,), (28, 28, 1))
    """
    sizes = (n_inputs,) if isinstance(n_inputs, Integral) else n_inputs
    if (
        isinstance(sizes, Sequence)
        and not isinstance(sizes, str)
        and len(sizes) in (1, 3)
        and all(isinstance(s, Integral) and not isinstance(s, bool) for s in sizes)
        and all(s >= 1 for s in sizes)
    ):
        return tuple(int(s) for s in sizes)
    raise ValueError(
        f"Received: n_inputs={n_inputs!r}. Expected the number of input columns (a "
        "positive int such as 30) or an image shape (H, W, C) such as (28, 28, 1)."
    )


def shape_text(shape: Sequence[int]) -> str:
    """A shape as the screens write it: ``"28x28x16"`` for an image, ``"64"``."""
    return "x".join(str(size) for size in shape)


def layer_shapes(
    layers: list[dict[str, Any]],
    input_shape: int | Sequence[int],
    task: str,
    n_classes: int | None,
) -> list[dict[str, Any]]:
    """Each layer's output shape and weights, as Keras would count them.

    A dense layer has ``inputs × units`` weights plus ``units`` biases; a
    convolution ``kernel_size² × input channels × filters`` weights plus
    ``filters`` biases; batch normalisation 4 numbers per channel (scale and shift
    are learnt, the running mean and variance are not); the other layers none.
    Pooling uses Keras' defaults: strides equal to ``pool_size``, no padding.

    Args:
        layers: the hidden layers (``model.layers`` of a validated spec; missing
            optional fields take their defaults).
        input_shape: the number of input columns, or an image's ``(H, W, C)``
            (see ``input_shape_of``).
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        n_classes: the number of classes (multiclass), else None.

    Returns:
        One row per layer of the Keras network: for images first the
        ``"Rescaling"`` layer, then one per hidden layer, then ``"Output"``. Each
        row has ``name`` (``"Conv2D 1"``), ``type`` (``"Conv2D"``), ``position``
        (the layer's 1-based place in ``layers``; None for the rows added),
        ``shape`` (the output shape without the batch, a tuple), ``output`` (it as
        text, ``"28x28x16"``), ``units`` (the numbers it outputs per example:
        the width of a flat output, H·W·C of an image), ``parameters`` and
        ``trainable``.

    Raises:
        SpecError: for a stack that cannot work (see ``check_stack``).
        ValueError: for an ``input_shape``, task or class count that is wrong.
    """
    shape = input_shape_of(input_shape)
    output = output_layer(task, n_classes)
    rows = _walk(layers, shape)
    width = rows[-1]["shape"][0] if rows else shape[0]
    parameters = width * output["units"] + output["units"]
    rows.append(
        _row("Output", "Dense", None, (output["units"],), parameters, parameters)
    )
    return rows


def check_stack(layers: list[dict[str, Any]], input_shape: int | Sequence[int]) -> None:
    """Refuse a stack of layers that cannot work on these inputs.

    The message names the layer (its 1-based place and name, as the Model screen
    numbers them) and how to fix it: a convolution or pooling on a table, or after
    the image was flattened; a pooling, or a convolution with ``"valid"`` padding,
    on an image smaller than its window; a Dense layer, or the output layer, given
    an image (a Flatten or Global average pooling layer must come first); two
    flattens.

    Args:
        layers: the hidden layers (``model.layers`` of a validated spec).
        input_shape: the number of input columns, or an image's ``(H, W, C)``.

    Raises:
        SpecError: for a stack that cannot work.
        ValueError: for an ``input_shape`` that is wrong.

    Example:
        >>> check_stack([{"type": "dense", "units": 8}], (28, 28, 1))
        Traceback (most recent call last):
        ...
        nncore.core.errors.SpecError: Layer 1 (Dense 1) gets a 28x28x1 image, but \
a Dense layer needs a flat list of numbers: add a Flatten or Global average pooling \
layer before it.
    """
    _walk(layers, input_shape_of(input_shape))


def _walk(layers: list[dict[str, Any]], shape: tuple[int, ...]) -> list[dict]:
    """The rows of the hidden layers (and the rescaling of an image), checked."""
    columns = shape[0] if len(shape) == 1 else None  # of a table
    rows = [] if columns else [_row(RESCALING, RESCALING, None, shape, 0, 0)]
    seen: dict[str, int] = {}
    flattened_by = ""  # the layer that made an image flat, for messages
    for index, given in enumerate(layers):
        kind = given["type"]
        layer = {**layer_defaults(kind), **given}
        seen[kind] = seen.get(kind, 0) + 1
        name = f"{LAYER_TITLES[kind]} {seen[kind]}"
        where = f"Layer {index + 1} ({name})"
        if kind in IMAGE_LAYER_TYPES:
            _check_image_layer(kind, where, shape, columns, flattened_by)
        parameters = trainable = 0
        if kind == "dense":
            if len(shape) == 3:
                raise SpecError(
                    f"{where} gets a {shape_text(shape)} image, but a Dense layer "
                    f"needs a flat list of numbers: {_FLAT_FIX} before it."
                )
            parameters = trainable = shape[0] * layer["units"] + layer["units"]
            shape = (layer["units"],)
        elif kind == "batchnorm":
            parameters, trainable = 4 * shape[-1], 2 * shape[-1]
        elif kind == "conv2d":
            parameters = trainable = _conv_weights(layer, shape)
            shape = _conv_shape(layer, shape, where)
        elif kind in ("maxpool2d", "avgpool2d"):
            shape = _pool_shape(layer["pool_size"], shape, where)
        elif kind in _FLATTENERS:
            shape = (math.prod(shape),) if kind == "flatten" else (shape[-1],)
            flattened_by = f"layer {index + 1} ({name})"
        rows.append(
            _row(name, LAYER_TITLES[kind], index + 1, shape, parameters, trainable)
        )
    if len(shape) == 3:
        last = rows[-1]
        after = "the input" if last["position"] is None else f"{last['name']}"
        raise SpecError(
            f"The output layer would get a {shape_text(shape)} image from {after}, "
            f"but it needs a flat list of numbers: {_FLAT_FIX} at the end of the "
            "hidden layers."
        )
    return rows


def _check_image_layer(
    kind: str,
    where: str,
    shape: tuple[int, ...],
    columns: int | None,
    flattened_by: str,
) -> None:
    """Refuse an image layer on a table, or after the image was made flat."""
    if columns:
        raise SpecError(
            f"{where}: {kind} needs images; your data are a table of {columns} "
            "columns. Remove this layer, or choose an image dataset."
        )
    if len(shape) == 1 and kind == "flatten":
        raise SpecError(
            f"{where}: the data are already flat after {flattened_by}; remove this "
            "Flatten."
        )
    if len(shape) == 1:
        raise SpecError(
            f"{where} gets flat data (a list of {shape[0]} numbers) after "
            f"{flattened_by}, but {kind} needs an image: move it before that layer "
            "or remove it."
        )


def _conv_weights(layer: Mapping[str, Any], shape: tuple[int, ...]) -> int:
    kernel = layer["kernel_size"]
    return kernel * kernel * shape[-1] * layer["filters"] + layer["filters"]


def _conv_shape(
    layer: Mapping[str, Any], shape: tuple[int, ...], where: str
) -> tuple[int, int, int]:
    kernel, strides = layer["kernel_size"], layer["strides"]
    height, width, _ = shape
    if layer["padding"] == "same":
        return (-(-height // strides), -(-width // strides), layer["filters"])
    if min(height, width) < kernel:
        raise SpecError(
            f"{where}: the image is {height}x{width} here, smaller than its "
            f"{kernel}x{kernel} kernel with 'valid' padding; use padding 'same' or a "
            f"kernel_size of at most {min(height, width)}."
        )
    return (
        (height - kernel) // strides + 1,
        (width - kernel) // strides + 1,
        layer["filters"],
    )


def _pool_shape(
    pool_size: int, shape: tuple[int, ...], where: str
) -> tuple[int, int, int]:
    height, width, channels = shape
    smallest = min(height, width)
    if smallest == 1 and pool_size > 1:
        raise SpecError(
            f"{where}: the image is {height}x{width} here, too small to pool; "
            "remove this pooling (or an earlier one)."
        )
    if smallest < pool_size:
        raise SpecError(
            f"{where}: the image is {height}x{width} here, too small for a "
            f"{pool_size}x{pool_size} pool; use a pool_size of at most {smallest} or "
            "remove this pooling."
        )
    return (height // pool_size, width // pool_size, channels)


def _row(name, kind, position, shape, parameters, trainable) -> dict[str, Any]:
    return {
        "name": name,
        "type": kind,
        "position": position,
        "shape": tuple(shape),
        "output": shape_text(shape),
        "units": math.prod(shape),
        "parameters": parameters,
        "trainable": trainable,
    }
