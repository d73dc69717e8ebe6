"""The network: the ``model`` part of the spec (its rules are
``nncore.spec.model``'s), what it counts, and building it.

A model is a stack of hidden layers (dense, dropout, batch normalisation) followed by
an output layer that the task decides. Everything here but ``build_model`` is plain
Python: the Model screen validates, counts parameters and draws the network without
importing TensorFlow.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from nncore.spec.model import validate_model_spec

LAYER_TITLES = {"dense": "Dense", "dropout": "Dropout", "batchnorm": "BatchNorm"}

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


def network_summary(spec: Mapping[str, Any]) -> str:
    """The hidden layers of an experiment in short: ``"128-64"``, ``"128-64 +
    dropout"``, ``"conv 16-32 · 64"`` (convolutions' filters, then dense units).

    A network without hidden layers is ``"no hidden layer"``.
    """
    stack = [
        layer
        for layer in (spec.get("model") or {}).get("layers") or []
        if isinstance(layer, Mapping)
    ]
    units = [layer.get("units") for layer in stack if layer.get("type") == "dense"]
    filters = [layer.get("filters") for layer in stack if layer.get("type") == "conv2d"]
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


def count_parameters(
    layers: list[dict[str, Any]], n_inputs: int, task: str, n_classes: int | None
) -> list[dict[str, Any]]:
    """Count the weights of each layer, as Keras would, without importing it.

    A dense layer has ``inputs × units`` weights plus ``units`` biases; batch
    normalisation has 4 numbers per input (scale and shift are learnt, the running
    mean and variance are not); dropout has none.

    Args:
        layers: the hidden layers (``model.layers`` of a spec).
        n_inputs: the number of input features.
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        n_classes: the number of classes (multiclass), else None.

    Returns:
        One row per layer, the output layer last but one, then a total row. Each
        row has ``name``, ``type``, ``units`` (the layer's output width; None in the
        total row), ``parameters`` and ``trainable``.
    """
    rows = []
    width = n_inputs
    seen: dict[str, int] = {}
    for layer in layers:
        kind = layer["type"]
        seen[kind] = seen.get(kind, 0) + 1
        name = f"{LAYER_TITLES[kind]} {seen[kind]}"
        if kind == "dense":
            parameters = width * layer["units"] + layer["units"]
            trainable = parameters
            width = layer["units"]
        elif kind == "batchnorm":
            parameters, trainable = 4 * width, 2 * width
        else:
            parameters = trainable = 0
        rows.append(_row(name, LAYER_TITLES[kind], width, parameters, trainable))
    output = output_layer(task, n_classes)
    parameters = width * output["units"] + output["units"]
    rows.append(_row("Output", "Dense", output["units"], parameters, parameters))
    rows.append(
        _row(
            "Total",
            "",
            None,
            sum(r["parameters"] for r in rows),
            sum(r["trainable"] for r in rows),
        )
    )
    return rows


def _row(name, kind, units, parameters, trainable) -> dict[str, Any]:
    return {
        "name": name,
        "type": kind,
        "units": units,
        "parameters": parameters,
        "trainable": trainable,
    }


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
    n_inputs: int,
    task: str,
    n_classes: int | None,
    seed: int = 42,
):
    """Build the network as an uncompiled ``keras.Sequential``.

    Imports Keras (and TensorFlow) on first call.

    Args:
        model_spec: the ``model`` part of a spec (validated here).
        n_inputs: the number of input features.
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        n_classes: the number of classes (multiclass), else None.
        seed: seeds the initial weights and dropout. Defaults to 42.

    Returns:
        A ``keras.Sequential`` with an ``Input`` of ``n_inputs`` features.

    Raises:
        SpecError: when ``model_spec`` is invalid.
    """
    model_spec = validate_model_spec(model_spec)
    import keras

    keras.utils.set_random_seed(seed)
    # The initial weights' seeds come from a generator of this call's own, in the
    # order Keras would draw them from Python's global one after the line above:
    # other threads (the app's sessions) also draw from the global generator, and
    # would change the weights between the seeding and the layers.
    seeds = random.Random(seed)
    model = keras.Sequential([keras.Input((n_inputs,))])
    for layer in model_spec["layers"]:
        if layer["type"] == "dense":
            penalty = layer["l1"] > 0 or layer["l2"] > 0
            model.add(
                keras.layers.Dense(
                    layer["units"],
                    activation=layer["activation"],
                    kernel_initializer=_seeded(layer["kernel_initializer"], seeds),
                    kernel_regularizer=(
                        keras.regularizers.L1L2(l1=layer["l1"], l2=layer["l2"])
                        if penalty
                        else None
                    ),
                )
            )
        elif layer["type"] == "dropout":
            model.add(keras.layers.Dropout(layer["rate"], seed=seed))
        else:
            model.add(keras.layers.BatchNormalization())
    output = output_layer(task, n_classes)
    model.add(
        keras.layers.Dense(
            output["units"],
            activation=output["activation"],
            kernel_initializer=_seeded("glorot_uniform", seeds),
        )
    )
    return model


def trainable_parameters(model: dict, prepared) -> int:
    """Trainable parameters of the spec's network on the prepared data (no Keras).

    Args:
        model: the ``model`` section of a validated spec.
        prepared: the ``PreparedData`` it trains on.
    """
    n_classes = len(prepared.classes) if prepared.classes else None
    rows = count_parameters(
        model["layers"], prepared.n_features, prepared.task, n_classes
    )
    return int(rows[-1]["trainable"])
