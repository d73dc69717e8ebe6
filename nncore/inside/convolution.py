"""An image network inside: a weight snapshot as its layers, and its forward pass
in NumPy, so the Train screen shows the first layer's filters and an image's
feature maps from the job's snapshots without TensorFlow.

A snapshot is ``model.get_weights()`` of the ``keras.Sequential`` that
``nncore.train.model.build_model`` builds for an image shape ``(H, W, C)``: the
rescaling layer (pixel values 0-255 to 0-1) has no weights; per convolution its
kernel ``(k, k, input channels, filters)`` and bias ``(filters,)``; per dense layer
its kernel ``(inputs, units)`` and bias; per batch normalisation its scale, shift,
running mean and running variance (one per channel, or per input of a flat
layer); then the output layer. ``forward`` computes what Keras computes at
inference: a convolution as TensorFlow's (``"same"`` padding puts the odd pixel of
padding after the image), pooling with strides equal to its window and no padding,
dropout off, batch normalisation with its running statistics.

Example:

    network = unpack(layers, (8, 8, 1), "multiclass", 10, model.get_weights())
    outputs = forward(network, images)   # [images, Rescaling, Conv2D 1, ...]
    outputs[-1]                          # equals model.predict(images)
    feature_maps(network, images[0])     # the convolutions' and poolings' maps
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nncore.inside.network import BATCHNORM_EPSILON, activate
from nncore.spec.model import validate_model_spec
from nncore.spec.schema import IMAGE_LAYER_TYPES
from nncore.spec.stack import input_shape_of, layer_shapes, output_layer

__all__ = [
    "MAP_LAYERS",
    "dense_only",
    "feature_maps",
    "first_filters",
    "forward",
    "is_convolutional",
    "unpack",
]

# The layers whose outputs are images: their feature maps are what the screens show.
MAP_LAYERS = ("conv2d", "maxpool2d", "avgpool2d")
RESCALE = 1.0 / 255


def is_convolutional(layers: Sequence[dict[str, Any]]) -> bool:
    """Whether a stack works on the image itself (a convolution or pooling), not
    only on its flattened pixels."""
    return any(layer.get("type") in MAP_LAYERS for layer in layers)


def dense_only(layers: Sequence[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """The hidden layers after a first Flatten, when that is the stack's only image
    layer ("Just Dense" on images): a table network on the flattened pixels, which
    ``nncore.inside.network.unpack`` takes with ``H·W·C`` inputs. None for any
    other stack."""
    if not layers or layers[0].get("type") != "flatten":
        return None
    rest = list(layers[1:])
    if any(layer.get("type") in IMAGE_LAYER_TYPES for layer in rest):
        return None
    return rest


def unpack(
    layers: list[dict[str, Any]],
    input_shape: int | Sequence[int],
    task: str,
    n_classes: int | None,
    weights: Sequence[Any],
) -> list[dict[str, Any]]:
    """Name the arrays of an image network's weight snapshot, layer by layer.

    Args:
        layers: the hidden layers (``model.layers`` of a spec; defaults filled in).
        input_shape: the image shape ``(H, W, C)`` (``network_inputs(prepared)``).
        task: ``"binary"`` or ``"multiclass"`` (``"regression"`` works too).
        n_classes: the number of classes (multiclass), else None.
        weights: the snapshot, ``model.get_weights()`` of the network built from
            these arguments (NumPy arrays or nested lists).

    Returns:
        One dict per layer of the Keras network, in order: ``"Rescaling"`` first,
        one per hidden layer, ``"Output"`` last. Each has ``name`` (as the Model
        screen names it: ``"Conv2D 1"``, ``"MaxPool 1"``, ``"Dense 2"``),
        ``type`` (the spec's type; ``"rescaling"`` and ``"output"`` for the rows
        added), ``shape`` (its output shape without the batch) and what it needs:
        ``kernel`` and ``bias`` (float64), ``strides``, ``padding`` and
        ``activation`` for a convolution; ``kernel``, ``bias`` and ``activation``
        for a dense layer; ``pool_size``; ``gamma``, ``beta``, ``mean``,
        ``variance`` and ``epsilon`` for batch normalisation; ``rate`` for dropout.

    Raises:
        ValueError: the input is not an image, the stack cannot work on it
            (a ``SpecError``, which is a ValueError), or the snapshot does not
            have the arrays this network needs.
    """
    shape = input_shape_of(input_shape)
    if len(shape) != 3:
        raise ValueError(
            f"Received: input_shape={input_shape!r}. Expected an image shape (H, W, "
            "C) such as (28, 28, 1); a table network is nncore.inside.network's."
        )
    stack = validate_model_spec({"layers": list(layers)})["layers"]
    rows = layer_shapes(stack, shape, task, n_classes)
    output = output_layer(task, n_classes)
    arrays = [np.asarray(w, dtype="float64") for w in weights]
    needed = _needed(stack, rows, output)
    if len(arrays) != len(needed):
        listing = ", ".join(f"{owner} {part} {size}" for owner, part, size in needed)
        raise ValueError(
            f"The weight snapshot has {len(arrays)} arrays; this network needs "
            f"{len(needed)}: {listing}. Take the snapshot with model.get_weights() "
            "of the model built from this spec, task and image shape."
        )
    for array, (owner, part, size) in zip(arrays, needed, strict=True):
        if array.shape != size:
            raise ValueError(
                f"The weight snapshot does not fit the network: {owner}'s {part} has "
                f"shape {array.shape}; expected {size}. Take the snapshot with "
                "model.get_weights() of the model built from this spec, task and "
                "image shape."
            )
    return _assemble(stack, rows, output, iter(arrays))


def _needed(stack, rows, output) -> list[tuple[str, str, tuple[int, ...]]]:
    """(layer name, array name, shape) of every array the snapshot must have."""
    needed = []
    before = rows[0]["shape"]  # the rescaled image
    for layer, row in zip(stack, rows[1:], strict=False):
        kind, name = layer["type"], row["name"]
        if kind == "conv2d":
            k = layer["kernel_size"]
            needed.append((name, "kernel", (k, k, before[-1], layer["filters"])))
            needed.append((name, "bias", (layer["filters"],)))
        elif kind == "dense":
            needed.append((name, "kernel", (before[0], layer["units"])))
            needed.append((name, "bias", (layer["units"],)))
        elif kind == "batchnorm":
            for part in ("gamma", "beta", "moving mean", "moving variance"):
                needed.append((name, part, (before[-1],)))
        before = row["shape"]
    units = output["units"]
    needed += [("Output", "kernel", (before[0], units)), ("Output", "bias", (units,))]
    return needed


def _assemble(stack, rows, output, arrays) -> list[dict[str, Any]]:
    network: list[dict[str, Any]] = [
        {"name": rows[0]["name"], "type": "rescaling", "shape": rows[0]["shape"]}
    ]
    for layer, row in zip(stack, rows[1:], strict=False):
        kind = layer["type"]
        step: dict[str, Any] = {
            "name": row["name"],
            "type": kind,
            "shape": row["shape"],
        }
        if kind == "conv2d":
            step |= {
                "kernel": next(arrays),
                "bias": next(arrays),
                "strides": int(layer["strides"]),
                "padding": layer["padding"],
                "activation": layer["activation"],
            }
        elif kind == "dense":
            step |= {
                "kernel": next(arrays),
                "bias": next(arrays),
                "activation": layer["activation"],
            }
        elif kind == "batchnorm":
            step |= {
                "gamma": next(arrays),
                "beta": next(arrays),
                "mean": next(arrays),
                "variance": next(arrays),
                "epsilon": BATCHNORM_EPSILON,
            }
        elif kind in ("maxpool2d", "avgpool2d"):
            step["pool_size"] = int(layer["pool_size"])
        elif kind == "dropout":
            step["rate"] = float(layer["rate"])
        network.append(step)
    network.append(
        {
            "name": "Output",
            "type": "output",
            "shape": (output["units"],),
            "kernel": next(arrays),
            "bias": next(arrays),
            "activation": output["activation"],
        }
    )
    return network


def first_filters(network: list[dict[str, Any]]) -> np.ndarray | None:
    """The first convolution's kernel, ``(k, k, input channels, filters)``: the
    patterns it looks for in the picture. None without a convolution."""
    for step in network:
        if step["type"] == "conv2d":
            return step["kernel"]
    return None


def forward(network: list[dict[str, Any]], images: Any) -> list[np.ndarray]:
    """Run the network on pictures as Keras does at inference, in NumPy.

    Args:
        network: the result of ``unpack``.
        images: pictures as stored (pixel values 0-255, uint8 or float),
            ``(n, H, W, C)``; one picture may be given as ``(H, W, C)``.

    Returns:
        The pictures (float64, 4-D), then each layer's outputs in the order of
        ``network`` (``(n, h, w, c)`` while they are images, ``(n, units)`` once
        flat); the last is the network's prediction (``model.predict``).

    Raises:
        ValueError: when the pictures do not have the network's shape.
    """
    values = np.asarray(images, dtype="float64")
    if values.ndim == 3:
        values = values[None]
    expected = tuple(network[0]["shape"])
    if values.ndim != 4 or values.shape[1:] != expected:
        raise ValueError(
            f"Received pictures of shape {values.shape}. Expected (n, "
            f"{', '.join(str(s) for s in expected)}): the image shape the network "
            "was built for."
        )
    outputs = [values]
    for step in network:
        values = _layer(step, values)
        outputs.append(values)
    return outputs


def feature_maps(network: list[dict[str, Any]], image: Any) -> list[dict[str, Any]]:
    """One picture's feature maps: what each convolution and pooling outputs.

    Args:
        network: the result of ``unpack``.
        image: one picture as stored, ``(H, W, C)``.

    Returns:
        One dict per convolution and pooling layer, in order: ``name``, ``type``
        and ``maps``, float64 ``(h, w, channels)`` (channel ``k`` is feature map
        ``k``; after a convolution's activation).
    """
    outputs = forward(network, image)[2:]  # skip the pictures and the rescaling
    return [
        {"name": step["name"], "type": step["type"], "maps": values[0]}
        for step, values in zip(network[1:], outputs, strict=True)
        if step["type"] in MAP_LAYERS
    ]


def _layer(step: dict[str, Any], values: np.ndarray) -> np.ndarray:
    kind = step["type"]
    if kind == "rescaling":
        return values * RESCALE
    if kind == "conv2d":
        convolved = _convolve(values, step["kernel"], step["strides"], step["padding"])
        return activate(convolved + step["bias"], step["activation"])
    if kind in ("dense", "output"):
        return activate(values @ step["kernel"] + step["bias"], step["activation"])
    if kind in ("maxpool2d", "avgpool2d"):
        return _pool(values, step["pool_size"], kind == "maxpool2d")
    if kind == "flatten":
        return values.reshape(len(values), -1)
    if kind == "global_avg_pool":
        return values.mean(axis=(1, 2))
    if kind == "batchnorm":
        scale = step["gamma"] / np.sqrt(step["variance"] + step["epsilon"])
        return (values - step["mean"]) * scale + step["beta"]
    return values  # dropout: off at inference


def _convolve(
    values: np.ndarray, kernel: np.ndarray, strides: int, padding: str
) -> np.ndarray:
    """A 2-D convolution (cross-correlation, as Keras) of ``(n, H, W, C)``."""
    size = kernel.shape[0]
    if padding == "same":
        values = np.pad(
            values,
            [
                (0, 0),
                _same(values.shape[1], size, strides),
                _same(values.shape[2], size, strides),
                (0, 0),
            ],
        )
    windows = np.lib.stride_tricks.sliding_window_view(values, (size, size), (1, 2))
    windows = windows[:, ::strides, ::strides]  # (n, h, w, C, k, k)
    return np.einsum("nhwcij,ijcf->nhwf", windows, kernel, optimize=True)


def _same(side: int, size: int, strides: int) -> tuple[int, int]:
    """TensorFlow's "same" padding of one side: the odd pixel goes after."""
    out = -(-side // strides)
    total = max((out - 1) * strides + size - side, 0)
    return total // 2, total - total // 2


def _pool(values: np.ndarray, size: int, largest: bool) -> np.ndarray:
    n, height, width, channels = values.shape
    h, w = height // size, width // size
    blocks = values[:, : h * size, : w * size].reshape(n, h, size, w, size, channels)
    return blocks.max(axis=(2, 4)) if largest else blocks.mean(axis=(2, 4))
