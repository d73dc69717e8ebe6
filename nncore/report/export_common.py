"""What an exported script or notebook holds for tables and pictures alike: the
steps' shape, Python literals, the split, the network, compiling, training and the
metrics (``nncore.core.metrics``'s own functions, copied in).

``nncore.report.export`` writes tables' code around these, and
``nncore.report.export_images`` pictures'. No TensorFlow import here.
"""

from __future__ import annotations

import inspect
import json
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nncore.core.text import plural
from nncore.train.compiling import metric_code, optimizer_code

__all__ = [
    "LEARNING",
    "Section",
    "assign",
    "compile_code",
    "evaluate_code",
    "literal",
    "model_code",
    "split_code",
    "train_code",
    "train_explanation",
]

LEARNING = (
    "A network learns by guessing: it predicts the training examples, the loss "
    "measures how wrong the guesses are, and the optimiser nudges every weight a "
    "little in the direction that makes the loss smaller. One pass over the "
    "training data is an epoch; the validation split, never trained on, shows "
    "whether the network is learning patterns or memorising examples."
)


@dataclass
class Section:
    """One step of the exported code: a title, a short explanation (the
    notebook's text) and its code."""

    title: str
    explanation: str
    code: str


def literal(value: Any) -> str:
    """A Python literal for text, lists and dicts of text, numbers."""
    if isinstance(value, str | list | dict) or value is None:
        return json.dumps(value, ensure_ascii=False).replace("null", "None")
    return repr(value)


def assign(name: str, values: list) -> str:
    """``NAME = [...]``, wrapped to lines of at most 88 characters."""
    one_line = f"{name} = {literal(values)}"
    if len(one_line) <= 88:
        return one_line
    lines, line = [], ""
    for item in (literal(v) + "," for v in values):
        if line and len(line) + 1 + len(item) > 84:
            lines.append(line)
            line = item
        else:
            line = f"{line} {item}" if line else item
    lines.append(line)
    return f"{name} = [\n" + "".join(f"    {line}\n" for line in lines) + "]"


def split_code(
    spec, stratified: bool, extra: Sequence[str] = (), noun: str = "rows"
) -> str:
    """The seeded split of ``index`` (and ``y``), as ``nncore.data.prepare`` splits
    (stratified or not); ``extra`` lines follow it (e.g. dropping outliers)."""
    split = spec["data"]["split"]
    test = f"{split['test']!r}"
    val = f"{split['val']!r} / ({split['train']!r} + {split['val']!r})"
    first = f"index, test_size={test}, random_state=DATA_SEED"
    second = f"rest, test_size={val}, random_state=DATA_SEED"
    if stratified:
        first += ", stratify=y"
        second += ", stratify=y[rest]"
        comment = "# Stratified: every split keeps the class proportions."
    else:
        comment = "# A random split."
    return "\n".join(
        [
            comment,
            "index = np.arange(len(y))",
            f"rest, test = train_test_split({first})",
            f"train, val = train_test_split(\n    {second}\n)",
            "train, val, test = np.sort(train), np.sort(val), np.sort(test)",
            *extra,
            f'print(f"{noun}: {{len(train)}} train, {{len(val)}} validation, '
            '{len(test)} test")',
        ]
    )


def model_code(spec, prepared) -> str:
    """The network as ``nncore.train.model.build_model`` builds it: for pictures
    the augmentation layers (training only) and the rescaling first."""
    from nncore.train.model import output_layer

    n_classes = len(prepared.classes) if prepared.classes else None
    pictures = getattr(prepared, "image_shape", None) is not None
    lines = ["keras.utils.set_random_seed(TRAIN_SEED)"]
    if pictures:
        lines += [
            "model = keras.Sequential([keras.Input(X_train.shape[1:])])",
            *_augmentation_code(getattr(prepared, "augment", None)),
            "# The pixels go in as stored, 0 to 255; the network sees them 0 to 1.",
            "model.add(keras.layers.Rescaling(1 / 255))",
        ]
    else:
        lines.append("model = keras.Sequential([keras.Input((X_train.shape[1],))])")
    for layer in spec["model"]["layers"]:
        if layer["type"] in _IMAGE_LAYERS:
            lines.append(_image_layer_code(layer))
        elif layer["type"] == "dense":
            arguments = [
                str(layer["units"]),
                f"activation={literal(layer['activation'])}",
                f"kernel_initializer={literal(layer['kernel_initializer'])}",
            ]
            if layer["l1"] > 0 or layer["l2"] > 0:
                arguments.append(
                    "kernel_regularizer=keras.regularizers.L1L2("
                    f"l1={layer['l1']!r}, l2={layer['l2']!r})"
                )
            lines.append(_dense(arguments))
        elif layer["type"] == "dropout":
            lines.append(
                f"model.add(keras.layers.Dropout({layer['rate']!r}, seed=TRAIN_SEED))"
            )
        else:
            lines.append("model.add(keras.layers.BatchNormalization())")
    output = output_layer(prepared.task, n_classes)
    lines += textwrap.wrap(
        f"Output: {output['explanation']}",
        86,
        initial_indent="# ",
        subsequent_indent="# ",
    )
    lines.append(
        f"model.add(keras.layers.Dense({output['units']}, "
        f"activation={literal(output['activation'])}))"
    )
    lines.append("model.summary()")
    return "\n".join(lines)


# The Keras layer of each image layer type of the spec.
_IMAGE_LAYERS = {
    "conv2d": "Conv2D",
    "maxpool2d": "MaxPooling2D",
    "avgpool2d": "AveragePooling2D",
    "flatten": "Flatten",
    "global_avg_pool": "GlobalAveragePooling2D",
}


def _image_layer_code(layer: dict) -> str:
    name = _IMAGE_LAYERS[layer["type"]]
    if layer["type"] == "conv2d":
        arguments = [
            str(layer["filters"]),
            str(layer["kernel_size"]),
            f"strides={layer['strides']}",
            f"padding={literal(layer['padding'])}",
            f"activation={literal(layer['activation'])}",
        ]
    elif layer["type"] in ("maxpool2d", "avgpool2d"):
        arguments = [str(layer["pool_size"])]
    else:
        arguments = []
    return f"model.add(keras.layers.{name}({', '.join(arguments)}))"


def _augmentation_code(augment: dict | None) -> list[str]:
    """The seeded augmentation layers of ``data.augment``, as ``build_model``
    puts them right after the input: they change the training pictures only."""
    from nncore.train.model import augmentations_on

    names = augmentations_on(augment)
    if not names:
        return []
    lines = [
        "# Augmentation: each training picture is changed at random at every epoch",
        "# (Keras skips these layers when predicting).",
    ]
    for name in names:
        value = augment[name]
        if name == "flip":
            call = 'RandomFlip("horizontal", seed=TRAIN_SEED)'
        elif name == "rotation":
            call = (
                f'RandomRotation({float(value)!r} / 360, fill_mode="nearest", '
                "seed=TRAIN_SEED)"
            )
        elif name == "zoom":
            call = (
                f"RandomZoom(({-float(value)!r}, {float(value)!r}), "
                'fill_mode="nearest", seed=TRAIN_SEED)'
            )
        else:
            call = f"RandomContrast({float(value)!r}, seed=TRAIN_SEED)"
        one_line = f"model.add(keras.layers.{call})"
        lines.append(
            one_line
            if len(one_line) <= 88
            else f"model.add(\n    keras.layers.{call}\n)"
        )
    return lines


def _dense(arguments: list[str]) -> str:
    one_line = f"model.add(keras.layers.Dense({', '.join(arguments)}))"
    if len(one_line) <= 88:
        return one_line
    inner = "".join(f"        {argument},\n" for argument in arguments)
    return f"model.add(\n    keras.layers.Dense(\n{inner}    )\n)"


def compile_code(resolved: dict, task: str) -> str:
    metrics = ", ".join(metric_code(m, task) for m in resolved["metrics"])
    return (
        "model.compile(\n"
        f"    optimizer={optimizer_code(resolved)},\n"
        f"    loss={literal(resolved['loss'])},\n"
        f"    metrics=[{metrics}],\n"
        ")"
    )


def _balanced(spec, task: str) -> bool:
    """Whether the training uses balanced class weights (never for regression)."""
    return task != "regression" and spec["train"]["class_weight"] == "balanced"


def train_explanation(spec, task: str) -> str:
    if not _balanced(spec, task):
        return LEARNING
    return (
        f"{LEARNING} Balanced class weights multiply each training row's loss by "
        "the weight of its class, so a rare class counts as much as a common one "
        "and the network cannot score well by ignoring it."
    )


def _class_weight_code() -> str:
    return (
        "# Balanced class weights: each training row's loss is multiplied by its\n"
        "# class's weight, n_samples / (n_classes * rows of the class), so a rare\n"
        "# class counts as much as a common one. Validation is not weighted.\n"
        "from sklearn.utils.class_weight import compute_class_weight\n\n"
        "present = np.unique(y_train)\n"
        'weights = compute_class_weight("balanced", classes=present, y=y_train)\n'
        "class_weight = {int(c): float(w) for c, w in zip(present, weights)}\n"
        'print("class weights:", class_weight)\n'
    )


# "Keep the best model": scored at the best epoch, as NN Studio does.
_BEST = 'model = keras.models.load_model("best.keras")  # the best epoch\n'


def train_code(spec, task: str) -> str:
    train = spec["train"]
    balanced = _balanced(spec, task)
    stopping = train["early_stopping"]
    reduce_lr = train["reduce_lr"]
    entries = []
    if stopping["enabled"]:
        restore = stopping["restore_best"]
        entries.append(
            "    # Stop when the validation loss has not improved for "
            f"{plural(stopping['patience'], 'epoch')}"
            + (
                ",\n    # and keep the weights of the best epoch.\n"
                if restore
                else ".\n"
            )
            + "    keras.callbacks.EarlyStopping(\n"
            f'        monitor="val_loss", patience={stopping["patience"]}, '
            f"restore_best_weights={restore}\n"
            "    ),\n"
        )
    if reduce_lr["enabled"]:
        entries.append(
            "    # Multiply the learning rate by "
            f"{reduce_lr['factor']} after {plural(reduce_lr['patience'], 'epoch')} "
            "without improvement.\n"
            "    keras.callbacks.ReduceLROnPlateau(\n"
            f'        monitor="val_loss", factor={reduce_lr["factor"]}, '
            f"patience={reduce_lr['patience']}\n"
            "    ),\n"
        )
    if train["save_best"]:
        entries.append(
            "    # Save the model of the epoch with the lowest validation loss.\n"
            "    keras.callbacks.ModelCheckpoint(\n"
            '        "best.keras", monitor="val_loss", save_best_only=True\n'
            "    ),\n"
        )
    callbacks = (
        "callbacks = [\n" + "".join(entries) + "]" if entries else "callbacks = []"
    )
    return (
        (_class_weight_code() if balanced else "") + f"{callbacks}\n"
        "history = model.fit(\n"
        "    X_train,\n"
        "    y_train,\n"
        "    validation_data=(X_val, y_val),\n"
        f"    epochs={train['epochs']},\n"
        f"    batch_size={train['batch_size']},\n"
        "    callbacks=callbacks,\n"
        + ("    class_weight=class_weight,\n" if balanced else "")
        + "    shuffle=True,\n"
        "    verbose=2,\n"
        ")\n"
        + (_BEST if train["save_best"] else "")
        + 'epochs_run = len(history.history["loss"])'
    )


def evaluate_code(prepared) -> str:
    from nncore.core import metrics

    functions = [
        inspect.getsource(metrics.classification_metrics),
        inspect.getsource(metrics.regression_metrics),
        inspect.getsource(metrics.metrics_from_outputs),
    ]
    run = (
        "metrics = {\n"
        '    "val": metrics_from_outputs(y_val, model.predict(X_val, verbose=0), '
        "TASK),\n"
        '    "test": metrics_from_outputs(y_test, model.predict(X_test, verbose=0), '
        "TASK),\n"
        "}\n"
        'for name, value in metrics["test"].items():\n'
        '    shown = "n/a" if value is None else f"{value:.4f}"\n'
        '    print(f"test {name}: {shown}")\n'
        'print(json.dumps({"task": TASK, "metrics": metrics, "epochs_run": '
        "epochs_run}))"
    )
    return "\n\n\n".join([*(f.rstrip() for f in functions), run])
