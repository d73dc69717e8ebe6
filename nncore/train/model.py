"""The network: the ``model`` part of the spec (its rules are
``nncore.spec.model``'s, its shapes ``nncore.spec.stack``'s), what it counts, the
presets, and building it.

A model is a stack of hidden layers followed by an output layer that the task
decides. On a table the hidden layers are dense, dropout and batch normalisation;
on images (``n_inputs`` an ``(H, W, C)`` shape) convolutions, pooling, Flatten and
Global average pooling come first. Everything here but ``build_model`` is plain
Python: the Model screen validates, counts parameters and draws the network without
importing TensorFlow.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from nncore.spec.model import validate_model_spec
from nncore.spec.schema import layer_defaults
from nncore.spec.stack import LAYER_TITLES as LAYER_TITLES
from nncore.spec.stack import check_stack, input_shape_of, layer_shapes
from nncore.spec.stack import output_layer as output_layer

PRESETS: dict[str, list[dict[str, Any]]] = {
    "Start simple": [{"type": "dense", "units": 8, "activation": "relu"}],
    "Classic 128-64": [
        {"type": "dense", "units": 128, "activation": "relu"},
        {"type": "dense", "units": 64, "activation": "relu"},
    ],
    "Deeper": [
        {"type": "dense", "units": 64, "activation": "relu"},
        {"type": "dense", "units": 64, "activation": "relu"},
        {"type": "dense", "units": 32, "activation": "relu"},
    ],
    "Wide with dropout": [
        {"type": "dense", "units": 256, "activation": "relu"},
        {"type": "dropout", "rate": 0.3},
        {"type": "dense", "units": 128, "activation": "relu"},
        {"type": "dropout", "rate": 0.3},
    ],
}
PRESET_DESCRIPTIONS = {
    "Start simple": "One small hidden layer of 8 neurons: fast, and hard to overfit.",
    "Classic 128-64": "Two hidden layers of 128 and 64 neurons, a classic "
    "starting point for tabular data.",
    "Deeper": "Three layers (64, 64, 32) that can learn more tangled patterns.",
    "Wide with dropout": "Two wide layers (256, 128), each followed by dropout that "
    "switches off 30% of the neurons while training to fight overfitting.",
}

# Networks for images. Each fits images from 8x8 (digits_images) to 64x64 RGB, and
# stays under the server's parameter limit there (tests/unit/test_cnn_layers.py).
IMAGE_PRESETS: dict[str, list[dict[str, Any]]] = {
    "Small CNN": [
        {"type": "conv2d", "filters": 16, "kernel_size": 3, "activation": "relu"},
        {"type": "maxpool2d", "pool_size": 2},
        {"type": "conv2d", "filters": 32, "kernel_size": 3, "activation": "relu"},
        {"type": "maxpool2d", "pool_size": 2},
        {"type": "flatten"},
        {"type": "dense", "units": 64, "activation": "relu"},
        {"type": "dropout", "rate": 0.3},
    ],
    "LeNet-like": [
        {"type": "conv2d", "filters": 6, "kernel_size": 5, "padding": "same"},
        {"type": "avgpool2d", "pool_size": 2},
        {"type": "conv2d", "filters": 16, "kernel_size": 5, "padding": "same"},
        {"type": "avgpool2d", "pool_size": 2},
        {"type": "flatten"},
        {"type": "dense", "units": 120, "activation": "relu"},
        {"type": "dense", "units": 84, "activation": "relu"},
    ],
    "Just Dense: see why convolutions help": [
        {"type": "flatten"},
        {"type": "dense", "units": 128, "activation": "relu"},
        {"type": "dense", "units": 64, "activation": "relu"},
    ],
}
IMAGE_PRESET_DESCRIPTIONS = {
    "Small CNN": "Two convolutions (16 and 32 filters of 3x3), each followed by "
    "max pooling that halves the image, then a dense layer of 64 neurons with "
    "dropout: a good first network for images.",
    "LeNet-like": "The shape of LeCun's 1998 digit reader: convolutions of 6 and 16 "
    "filters of 5x5, each followed by average pooling, then dense layers of 120 "
    "and 84 neurons. It pads the image's border ('same' padding) so that it fits "
    "images as small as 8x8; the original did not pad its 32x32 images.",
    "Just Dense: see why convolutions help": "Flattens the image into one long row "
    "of pixels and uses dense layers of 128 and 64 neurons, as for a table: no "
    "convolutions, so it cannot tell that neighbouring pixels belong together. "
    "Compare it with a CNN.",
}


def network_summary(spec: Mapping[str, Any]) -> str:
    """The hidden layers of an experiment in short: ``"128-64"``, ``"128-64 +
    dropout"``, ``"conv 16-32 · 64"`` (convolutions' filters, then dense units).

    Pooling, Flatten and Global average pooling have no size of their own and are
    not named. A network without hidden layers is ``"no hidden layer"``.

    Example:
        >>> network_summary({"model": {"layers": IMAGE_PRESETS["Small CNN"]}})
        'conv 16-32 · 64 + dropout'
    """
    stack = [
        layer
        for layer in (spec.get("model") or {}).get("layers") or []
        if isinstance(layer, Mapping)
    ]
    units = [layer.get("units") for layer in stack if layer.get("type") == "dense"]
    filters = [
        layer.get("filters", layer_defaults("conv2d")["filters"])
        for layer in stack
        if layer.get("type") == "conv2d"
    ]
    parts = []
    if filters:
        parts.append("conv " + "-".join(str(f) for f in filters))
    if units:
        parts.append("-".join(str(u) for u in units))
    text = " · ".join(parts) if parts else "no hidden layer"
    kinds = {layer.get("type") for layer in stack}
    if "dropout" in kinds:
        text += " + dropout"
    if "batchnorm" in kinds:
        text += " + batchnorm"
    return text


def network_inputs(prepared: Any) -> int | tuple[int, int, int]:
    """What ``build_model``, ``count_parameters`` and ``network_figure`` take as
    ``n_inputs`` for these prepared data: the image shape ``(H, W, C)`` of images
    (a ``PreparedImages``), else the number of input columns.

    Args:
        prepared: a ``PreparedData`` or ``PreparedImages``.
    """
    image_shape = getattr(prepared, "image_shape", None)
    if image_shape is not None:
        return tuple(int(size) for size in image_shape)
    return int(prepared.n_features)


def count_parameters(
    layers: list[dict[str, Any]],
    n_inputs: int | Sequence[int],
    task: str,
    n_classes: int | None,
) -> list[dict[str, Any]]:
    """Count the weights of each layer, as Keras would, without importing it.

    The rows of ``nncore.spec.stack.layer_shapes`` (which explains the counts and
    refuses a stack that cannot work), then a total row.

    Args:
        layers: the hidden layers (``model.layers`` of a spec).
        n_inputs: the number of input features of a table, or an image's shape
            ``(H, W, C)`` (see ``network_inputs``).
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        n_classes: the number of classes (multiclass), else None.

    Returns:
        One row per layer of the Keras network (for images the ``"Rescaling"``
        layer first), the output layer last but one, then a ``"Total"`` row. Each
        row has ``name``, ``type``, ``units`` (the numbers a layer outputs per
        example: its width, or H·W·C of an image; None in the total row),
        ``shape`` (a tuple; None in the total row), ``output`` (the shape as text,
        ``"14x14x16"``; ``""`` in the total row), ``position`` (the 1-based place
        in ``layers``, None for the rows added), ``parameters`` and ``trainable``.

    Raises:
        SpecError: for a stack that cannot work on these inputs, naming the layer.
    """
    rows = layer_shapes(layers, n_inputs, task, n_classes)
    rows.append(
        {
            "name": "Total",
            "type": "",
            "position": None,
            "shape": None,
            "output": "",
            "units": None,
            "parameters": sum(r["parameters"] for r in rows),
            "trainable": sum(r["trainable"] for r in rows),
        }
    )
    return rows


def _seeded(name: str, seeds: random.Random):
    """The initializer ``name`` with a seed drawn from ``seeds`` (if it takes one)."""
    import keras

    initializer = keras.initializers.get(name)
    config = initializer.get_config()
    if "seed" not in config:
        return initializer
    config["seed"] = seeds.randint(1, int(1e9))
    return type(initializer).from_config(config)


def build_model(
    model_spec: dict[str, Any],
    n_inputs: int | Sequence[int],
    task: str,
    n_classes: int | None,
    seed: int = 42,
    augment: Mapping[str, Any] | None = None,
):
    """Build the network as an uncompiled ``keras.Sequential``.

    Imports Keras (and TensorFlow) on first call. For images the first layer is
    ``Rescaling(1/255)``: the network takes the pixel values as they are stored
    (uint8, 0 to 255; never scale them beforehand) and sees them from 0 to 1.

    Args:
        model_spec: the ``model`` part of a spec (validated here).
        n_inputs: the number of input features of a table, or an image's shape
            ``(H, W, C)`` (see ``network_inputs``).
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        n_classes: the number of classes (multiclass), else None.
        seed: seeds the initial weights, dropout and augmentation. Defaults to 42.
        augment: ``data.augment`` of images (``PreparedImages.augment``): ``flip``,
            ``rotation`` (degrees), ``zoom`` and ``contrast`` (fractions). Each one
            on puts a seeded Keras preprocessing layer right after the input
            (``augmentations_on``), before the rescaling; they change the
            pictures while training only (Keras skips them when predicting).
            Ignored for tables. Defaults to None (no augmentation).

    Returns:
        A ``keras.Sequential`` with an ``Input`` of ``n_inputs`` features, or of
        ``(H, W, C)`` images.

    Raises:
        SpecError: when ``model_spec`` is invalid, or its layers cannot work on
            these inputs (``nncore.spec.stack.check_stack``).
    """
    model_spec = validate_model_spec(model_spec)
    shape = input_shape_of(n_inputs)
    check_stack(model_spec["layers"], shape)
    import keras

    seed_globals(seed)
    # The initial weights' seeds come from a generator of this call's own, in the
    # order Keras would draw them from Python's global one after the line above:
    # other threads (the app's sessions) also draw from the global generator, and
    # would change the weights between the seeding and the layers.
    seeds = random.Random(seed)
    model = keras.Sequential([keras.Input(shape)])
    if len(shape) == 3:
        # Seeded apart, so that the initial weights are the same without them.
        augment_seeds = random.Random(f"augment {seed}")
        for layer in _augmentation_layers(keras, augment, augment_seeds):
            model.add(layer)
        model.add(keras.layers.Rescaling(1.0 / 255, name="rescaling"))
    for layer in model_spec["layers"]:
        model.add(_keras_layer(keras, layer, seeds, seed))
    output = output_layer(task, n_classes)
    model.add(
        keras.layers.Dense(
            output["units"],
            activation=output["activation"],
            kernel_initializer=_seeded("glorot_uniform", seeds),
        )
    )
    return model


# The augmentations of data.augment, in the order their layers are applied.
AUGMENTATIONS = ("flip", "rotation", "zoom", "contrast")


def augmentations_on(augment: Mapping[str, Any] | None) -> list[str]:
    """The augmentations of ``data.augment`` that are on, in the order
    ``build_model`` puts their layers in the network (each layer has that name).

        Example:
            >>> augmentations_on({"flip": True, "rotation": 10, "zoom": 0})
            ['flip', 'rotation']
    """
    augment = augment or {}
    return [name for name in AUGMENTATIONS if augment.get(name)]


def seed_globals(seed: int) -> None:
    """Seed Python's, NumPy's, Keras' and TensorFlow's global generators, as
    ``keras.utils.set_random_seed(seed)`` does, but leave TensorFlow's alone when
    its seed already is ``seed``.

    ``tf.random.set_seed`` empties TensorFlow's kernel cache every time it is
    called, so every traced loop and prediction of every network is instantiated
    again on its next call (TensorFlow's graph optimiser runs anew: about 0.15 s
    a job on 2 cores, more than some trainings). The app seeds every initializer,
    dropout and augmentation layer itself and shuffles with stateless seeded
    operations, so the generators seeded here only back up code that asks for a
    random number without a seed.
    """
    import keras
    import numpy as np

    try:
        from tensorflow.python.eager import context

        tensorflow_seed = context.global_seed()
    except (ImportError, AttributeError):
        tensorflow_seed = None
    if tensorflow_seed != seed:
        keras.utils.set_random_seed(seed)
        return
    random.seed(seed)
    np.random.seed(seed)


def _augmentation_layers(keras, augment, seeds: random.Random) -> list:
    """The seeded Keras preprocessing layers of ``data.augment``: they act on the
    pixels as stored (0 to 255), in training only. Uncovered corners repeat the
    nearest border pixel, as the Data screen's preview fills them with the
    border's colour."""
    layers = []
    for name in augmentations_on(augment):
        value = augment[name]
        if name == "flip":
            layer = keras.layers.RandomFlip(
                "horizontal", seed=seeds.randint(1, int(1e9)), name="flip"
            )
        elif name == "rotation":
            layer = keras.layers.RandomRotation(
                float(value) / 360,
                fill_mode="nearest",
                seed=seeds.randint(1, int(1e9)),
                name="rotation",
            )
        elif name == "zoom":
            layer = keras.layers.RandomZoom(
                (-float(value), float(value)),
                fill_mode="nearest",
                seed=seeds.randint(1, int(1e9)),
                name="zoom",
            )
        else:
            layer = keras.layers.RandomContrast(
                float(value), seed=seeds.randint(1, int(1e9)), name="contrast"
            )
        layers.append(layer)
    return layers


def _keras_layer(keras, layer: dict[str, Any], seeds: random.Random, seed: int):
    """The Keras layer of one validated hidden layer."""
    kind = layer["type"]
    if kind == "dense":
        penalty = layer["l1"] > 0 or layer["l2"] > 0
        return keras.layers.Dense(
            layer["units"],
            activation=layer["activation"],
            kernel_initializer=_seeded(layer["kernel_initializer"], seeds),
            kernel_regularizer=(
                keras.regularizers.L1L2(l1=layer["l1"], l2=layer["l2"])
                if penalty
                else None
            ),
        )
    if kind == "conv2d":
        return keras.layers.Conv2D(
            layer["filters"],
            layer["kernel_size"],
            strides=layer["strides"],
            padding=layer["padding"],
            activation=layer["activation"],
            kernel_initializer=_seeded("glorot_uniform", seeds),
        )
    if kind == "dropout":
        return keras.layers.Dropout(layer["rate"], seed=seed)
    if kind == "batchnorm":
        return keras.layers.BatchNormalization()
    if kind == "maxpool2d":
        return keras.layers.MaxPooling2D(layer["pool_size"])
    if kind == "avgpool2d":
        return keras.layers.AveragePooling2D(layer["pool_size"])
    if kind == "flatten":
        return keras.layers.Flatten()
    if kind == "global_avg_pool":
        return keras.layers.GlobalAveragePooling2D()
    raise ValueError(f"Received: layer type {kind!r}. It has no Keras layer here.")


def trainable_parameters(model: dict, prepared) -> int:
    """Trainable parameters of the spec's network on the prepared data (no Keras).

    Args:
        model: the ``model`` section of a validated spec.
        prepared: the ``PreparedData`` (or ``PreparedImages``) it trains on.
    """
    n_classes = len(prepared.classes) if prepared.classes else None
    rows = count_parameters(
        model["layers"], network_inputs(prepared), prepared.task, n_classes
    )
    return int(rows[-1]["trainable"])
