"""The experiment spec's schema: every field, its type, bounds or choices, default,
and the example its message gives. One table, read by the validators, the screens'
widgets and the command line.

In the spirit of scikit-learn's parameter constraints: the rules are data, and the
messages are generated from them (``nncore.spec.fields.expected``). A field's
``expected`` is set only where the message says more than its type and bounds.

Fields are named by their path in the spec: ``"train.epochs"``,
``"data.split.val"``; a layer field by its layer type
(``"model.layers.dense.units"``); a search-space dimension by its name
(``"tune.space.units"``).

Example:
    >>> bounds("train.epochs")
    (1, 1000)
    >>> choices("tune.method")
    ('grid', 'random', 'tpe')
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

# --- the vocabulary -----------------------------------------------------------------

SECTIONS = ("data", "model", "compile", "train", "tune")
TASKS = ("auto", "binary", "multiclass", "regression")
SCALINGS = ("standard", "minmax", "none")
# What preparation does with extreme or impossible numbers (nncore.data.outliers).
OUTLIERS = ("keep", "drop", "clip")
# Image datasets (nncore.data.images): the colour mode every picture is converted
# to ("auto": grayscale when every picture is, else rgb), and the bounds of a side.
IMAGE_COLORS = ("auto", "grayscale", "rgb")
MIN_IMAGE_SIDE = 4
MAX_IMAGE_SIDE = 256
LAYER_TYPES = (
    "dense",
    "dropout",
    "batchnorm",
    "conv2d",
    "maxpool2d",
    "avgpool2d",
    "flatten",
    "global_avg_pool",
)
# Image layers: they need an image input (H, W, C), see nncore.spec.stack.
IMAGE_LAYER_TYPES = ("conv2d", "maxpool2d", "avgpool2d", "flatten", "global_avg_pool")
PADDINGS = ("same", "valid")
ACTIVATIONS = (
    "relu",
    "tanh",
    "sigmoid",
    "elu",
    "selu",
    "gelu",
    "swish",
    "leaky_relu",
    "linear",
)
INITIALIZERS = (
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
    "lecun_normal",
)
OUTPUTS = ("auto",)
# The names of nncore.train.compiling's catalogues (titles and help live there).
OPTIMIZER_NAMES = ("adam", "sgd", "rmsprop", "adagrad", "adamw", "nadam")
LOSS_NAMES = (
    "binary_crossentropy",
    "sparse_categorical_crossentropy",
    "mse",
    "mae",
    "huber",
)
METRIC_NAMES = ("accuracy", "auc", "precision", "recall", "mae", "rmse")
CLASS_WEIGHTS = ("none", "balanced")
TUNE_METHODS = ("grid", "random", "tpe")
TUNE_PRUNERS = ("median", "hyperband", "none")

MAX_LAYERS = 20
MAX_UNITS = 4096
# Convolutions a beginner's machine trains in seconds to minutes.
MAX_FILTERS = 256
MAX_KERNEL_SIZE = 11
MAX_STRIDES = 4
MAX_POOL_SIZE = 8
MAX_PENALTY = 1  # of an L1 or L2 weight penalty
MIN_LEARNING_RATE = 1e-6
MAX_LEARNING_RATE = 1.0
MAX_HIDDEN_LAYERS = 10
MAX_SEED = 2**31 - 1

# --- a field ------------------------------------------------------------------------

KINDS = ("integer", "number", "choice", "boolean", "text", "list", "object")
CLOSED = ("both", "left", "right", "neither")


@dataclass(frozen=True)
class Field:
    """What one field of the spec may hold.

    Attributes:
        kind: one of ``KINDS``: ``"integer"`` (a whole number from ``low`` to
            ``high``), ``"number"`` (a finite number between ``low`` and ``high``,
            ``closed`` saying which ends are allowed), ``"choice"`` (one of
            ``choices``), ``"boolean"``, or ``"text"``, ``"list"`` and ``"object"``,
            whose rules their validators state.
        default: the value a spec gets without the field.
        low, high: the bounds (integer and number), written as messages show them;
            ``high`` of a list is the most items it may hold.
        closed: which bounds a number may equal: ``"both"``, ``"left"`` (``low``
            only), ``"right"`` (``high`` only) or ``"neither"``.
        choices: the allowed values (choice), or the allowed items (list).
        nullable: whether ``null`` (None) is allowed too.
        required: (layer fields) the layer must give it; ``default`` is unused.
        example: a good value, quoted by the message (``"e.g. 0.2"``).
        note: a remark the message adds in parentheses.
        noun: what a number is called in the message (``"fraction"``).
        expected: the message's "must be ..." wording, where it is not generated.
        help: why the field is there, for people reading the schema.
    """

    kind: str
    default: Any = None
    low: float | None = None
    high: float | None = None
    closed: str = "both"
    choices: tuple = ()
    nullable: bool = False
    required: bool = False
    example: Any = None
    note: str | None = None
    noun: str = "number"
    expected: str | None = None
    help: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS or self.closed not in CLOSED:
            raise ValueError(
                f"Received: kind={self.kind!r}, closed={self.closed!r}. Expected a "
                f"kind of {KINDS} and closed of {CLOSED}."
            )

    def within(self, value: float) -> bool:
        """Whether a number lies within the bounds (its type is not checked)."""
        low_ok = (
            self.low <= value if self.closed in ("both", "left") else self.low < value
        )
        high_ok = (
            value <= self.high
            if self.closed in ("both", "right")
            else value < self.high
        )
        return low_ok and high_ok


def integer(low: int, high: int, default: Any = None, **options: Any) -> Field:
    """A whole number from ``low`` to ``high``."""
    return Field("integer", default, low=low, high=high, **options)


def number(low: float, high: float, default: Any = None, **options: Any) -> Field:
    """A finite number between ``low`` and ``high`` (both allowed by default)."""
    return Field("number", default, low=low, high=high, **options)


def choice(allowed: tuple[str, ...], default: Any = None, **options: Any) -> Field:
    """One of ``allowed``."""
    return Field("choice", default, choices=tuple(allowed), **options)


def boolean(default: bool, **options: Any) -> Field:
    """``true`` or ``false``."""
    return Field("boolean", default, **options)


# --- the sections -------------------------------------------------------------------

# What a section's message says when the section is not an object (each section's
# own sub-sections, e.g. "data.split", say "must be an object").
SECTION_EXPECTED = {
    "data": "must be an object with the settings",
    "model": "must be an object with 'layers' and 'output'",
    "compile": "must be an object with the optimiser, learning rate, loss and metrics",
    "train": "must be an object",
    "tune": "must be an object",
}

_FRACTION = {"closed": "neither", "noun": "fraction", "example": 0.15}
_PENALTY = {"example": 0.001, "note": "0 switches the penalty off"}

# Every field of every section, in the order the default spec lists them.
SCHEMA: dict[str, Field] = {
    "data.source": Field(
        "text",
        "builtin:breast_cancer",
        expected="must be 'builtin:NAME' or the path of a CSV, TSV, Excel or "
        "Parquet file",
    ),
    "data.target": Field(
        "text",
        "target",
        nullable=True,
        expected="must be a column name (text) or null",
    ),
    "data.task": choice(TASKS, "auto"),
    "data.split.train": number(0, 1, 0.7, **_FRACTION),
    "data.split.val": number(0, 1, 0.15, **_FRACTION),
    "data.split.test": number(0, 1, 0.15, **_FRACTION),
    "data.split.stratify": boolean(True),
    "data.scaling": choice(SCALINGS, "standard"),
    "data.seed": integer(0, MAX_SEED, 42),
    "data.n_samples": integer(
        20,
        100_000,
        400,
        help="Used by the generators only (circle, xor, …, and shapes).",
    ),
    "data.noise": number(0, 2, 0.1, help="Used by the generators only."),
    "data.max_categories": integer(
        2, 1000, 20, help="One-hot encoding keeps at most this many categories."
    ),
    "data.clean_labels": boolean(
        True,
        help="Merge target labels that differ only by case or surrounding spaces.",
    ),
    "data.outliers": choice(
        OUTLIERS,
        "keep",
        help="Extreme or impossible numbers (beyond 5 inter-quartile ranges, or a "
        "zero in an otherwise positive column), judged by the training rows: "
        "'keep' them, 'drop' the training rows that have one (validation and test "
        "rows are kept, so the scores stay honest), or 'clip' the inputs of every "
        "split to the training rows' range.",
    ),
    # Image datasets only (a ZIP, a folder of class folders, builtin:digits_images,
    # builtin:shapes); see nncore.data.images.
    "data.images.size": Field(
        "list",
        "auto",
        nullable=True,
        expected=f"must be 'auto' (the most common size, at most 64×64), a whole "
        f"number of pixels from {MIN_IMAGE_SIDE} to {MAX_IMAGE_SIDE} for square "
        "pictures (e.g. 32), or [height, width] (e.g. [48, 64])",
        help="The size every picture is resized to.",
    ),
    "data.images.color": choice(
        IMAGE_COLORS,
        "auto",
        help="The colour mode every picture is converted to ('auto': grayscale when "
        "every picture is grayscale, else rgb).",
    ),
    "data.augment.flip": boolean(
        False, help="Mirror training pictures left-right at random."
    ),
    "data.augment.rotation": number(
        0, 180, 0, example=15, noun="number of degrees", note="0 switches it off"
    ),
    "data.augment.zoom": number(
        0, 0.9, 0.0, example=0.1, noun="fraction", note="0 switches it off"
    ),
    "data.augment.contrast": number(
        0, 0.9, 0.0, example=0.2, noun="fraction", note="0 switches it off"
    ),
    # builtin:shapes only, with data.n_samples and data.noise (pixel noise).
    "data.shapes.min_size": number(
        0.1, 1, 0.4, example=0.4, noun="fraction of the picture's side"
    ),
    "data.shapes.max_size": number(
        0.1, 1, 0.8, example=0.8, noun="fraction of the picture's side"
    ),
    "data.shapes.jitter": number(
        0,
        0.5,
        0.15,
        example=0.15,
        noun="fraction of the picture's side",
        help="How far a shape's centre may move from the middle of the picture.",
    ),
    "data.shapes.rotation": number(
        0, 180, 45, example=45, noun="number of degrees", note="0: never rotated"
    ),
    "model.layers": Field(
        "list",
        [
            {"type": "dense", "units": 128, "activation": "relu"},
            {"type": "dropout", "rate": 0.2},
            {"type": "dense", "units": 64, "activation": "relu"},
        ],
        high=MAX_LAYERS,
        expected="must be a list of layers",
    ),
    "model.output": choice(
        OUTPUTS, "auto", expected="must be 'auto' (the task decides the output layer)"
    ),
    "compile.optimizer": choice(OPTIMIZER_NAMES, "adam"),
    "compile.learning_rate": number(
        MIN_LEARNING_RATE, MAX_LEARNING_RATE, 0.001, example=0.001
    ),
    "compile.momentum": number(
        0, 1, 0.9, closed="left", example=0.9, help="Used by sgd only."
    ),
    "compile.loss": choice(("auto", *LOSS_NAMES), "auto"),
    "compile.metrics": Field(
        "list",
        ["accuracy"],
        choices=METRIC_NAMES,
        expected='must be a list of metric names, e.g. ["accuracy"]',
    ),
    "train.epochs": integer(1, 1000, 20),
    "train.batch_size": integer(1, 8192, 32),
    "train.early_stopping.enabled": boolean(
        True,
        help="Stop when the validation loss has not improved for `patience` epochs.",
    ),
    "train.early_stopping.patience": integer(1, 100, 5),
    "train.early_stopping.restore_best": boolean(
        True, help="Go back to the weights of the best epoch."
    ),
    "train.save_best": boolean(
        True,
        help="Keep a copy of the model at its best epoch (lowest validation loss).",
    ),
    "train.reduce_lr.enabled": boolean(
        False,
        help="Multiply the learning rate by `factor` after `patience` epochs "
        "without improvement of the validation loss.",
    ),
    "train.reduce_lr.patience": integer(1, 100, 3),
    "train.reduce_lr.factor": number(
        0, 1, 0.5, closed="neither", note="e.g. 0.5 halves the learning rate"
    ),
    "train.seed": integer(0, MAX_SEED, 42),
    "train.class_weight": choice(
        CLASS_WEIGHTS,
        "none",
        help="Classification only: 'balanced' weighs each training row's loss by "
        "n_samples / (n_classes * rows of its class), scikit-learn's "
        "compute_class_weight('balanced'), so a rare class counts as much as a "
        "common one.",
    ),
    # What the Tune screen searches (see nncore.tune.search).
    # Smart search (TPE) by default: its first trials are random anyway, and the
    # Tune screen recommends it.
    "tune.method": choice(TUNE_METHODS, "tpe"),
    "tune.trials": integer(1, 10_000, 20, help="The study's number of trials."),
    "tune.space": Field(
        "object",
        {},
        expected="must be an object naming the settings to search, e.g. "
        '{"units": [16, 64], "batch_size": [16, 32]}',
        help="The search space (empty: a default one); see DIMENSIONS.",
    ),
    "tune.minutes": number(
        0,
        10_080,
        None,
        closed="right",
        nullable=True,
        expected="must be a number of minutes above 0 (at most a week), or null for "
        "no time limit",
    ),
    "tune.pruner": choice(TUNE_PRUNERS, "median"),
    "tune.epochs": integer(
        1, 1000, None, nullable=True, help="Epochs per trial (null: train.epochs)."
    ),
}

# --- the layers ---------------------------------------------------------------------

LAYER_TYPE = choice(LAYER_TYPES, help="What a layer is; it decides its fields.")
# Every field a layer may have besides "type", in the order messages list them.
LAYERS: dict[str, dict[str, Field]] = {
    "dense": {
        "units": integer(1, MAX_UNITS, required=True),
        "activation": choice(ACTIVATIONS, "relu"),
        "kernel_initializer": choice(INITIALIZERS, "glorot_uniform"),
        "l1": number(0, MAX_PENALTY, 0.0, **_PENALTY),
        "l2": number(0, MAX_PENALTY, 0.0, **_PENALTY),
    },
    "dropout": {"rate": number(0, 1, closed="left", required=True, example=0.2)},
    "batchnorm": {},
    "conv2d": {
        "filters": integer(
            1, MAX_FILTERS, 16, help="How many patterns (feature maps) it learns."
        ),
        "kernel_size": integer(
            1, MAX_KERNEL_SIZE, 3, help="The side of the square window, in pixels."
        ),
        "strides": integer(
            1, MAX_STRIDES, 1, help="How many pixels the window moves at each step."
        ),
        "padding": choice(
            PADDINGS,
            "same",
            help="'same' pads the border so the image keeps its size (at stride "
            "1); 'valid' does not pad, so the image shrinks by kernel_size - 1.",
        ),
        "activation": choice(ACTIVATIONS, "relu"),
    },
    "maxpool2d": {
        "pool_size": integer(
            1, MAX_POOL_SIZE, 2, help="Keeps the largest value of each square."
        )
    },
    "avgpool2d": {
        "pool_size": integer(
            1, MAX_POOL_SIZE, 2, help="Keeps the mean value of each square."
        )
    },
    "flatten": {},
    "global_avg_pool": {},
}
# A layer as a message shows it, with its required fields.
LAYER_EXAMPLES = {
    "dense": '{"type": "dense", "units": 32}',
    "dropout": '{"type": "dropout", "rate": 0.2}',
    "conv2d": '{"type": "conv2d", "filters": 16, "kernel_size": 3}',
    "maxpool2d": '{"type": "maxpool2d", "pool_size": 2}',
    "avgpool2d": '{"type": "avgpool2d", "pool_size": 2}',
    "flatten": '{"type": "flatten"}',
    "global_avg_pool": '{"type": "global_avg_pool"}',
}


def layer_defaults(kind: str) -> dict[str, Any]:
    """A layer type's fields with their defaults (None for a required one)."""
    return {
        name: None if spec.required else spec.default
        for name, spec in LAYERS[kind].items()
    }


# --- the search space ---------------------------------------------------------------


@dataclass(frozen=True)
class DimensionInfo:
    """What a search dimension is, for people and for validation.

    Attributes:
        title, help: how the Tune screen names and explains it.
        kind: ``"int"``, ``"float"`` or ``"text"``.
        forms: of ``"choices"`` and ``"range"``.
        example: a good value, quoted by messages.
        low, high: the values allowed (int and float).
        choices: the values allowed (text).
        words: how messages say the values allowed, where it is not generated.
    """

    title: str
    help: str
    kind: str
    forms: tuple[str, ...]
    example: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    words: str | None = None


DIMENSIONS: dict[str, DimensionInfo] = {
    "hidden_layers": DimensionInfo(
        "Hidden layers",
        "How many hidden layers the network has.",
        "int",
        ("choices", "range"),
        '{"low": 1, "high": 3}',
        low=1,
        high=MAX_HIDDEN_LAYERS,
    ),
    "units": DimensionInfo(
        "Units per layer",
        "Neurons in each hidden layer (every hidden layer gets the same number).",
        "int",
        ("choices",),
        "[16, 64, 128]",
        low=1,
        high=MAX_UNITS,
    ),
    "activation": DimensionInfo(
        "Activation",
        "The function each hidden neuron applies to its input.",
        "text",
        ("choices",),
        '["relu", "tanh"]',
        choices=ACTIVATIONS,
    ),
    "dropout_rate": DimensionInfo(
        "Dropout rate",
        "The share of neurons switched off while training, after each hidden "
        "layer (0 means no dropout).",
        "float",
        ("choices", "range"),
        '{"low": 0.0, "high": 0.5}',
        low=0.0,
        high=0.99,
        words="numbers from 0 up to (not including) 1",
    ),
    "learning_rate": DimensionInfo(
        "Learning rate",
        "How big a step the optimiser takes; searched on a log scale.",
        "float",
        ("choices", "range"),
        '{"low": 0.0001, "high": 0.01}',
        low=MIN_LEARNING_RATE,
        high=MAX_LEARNING_RATE,
    ),
    "batch_size": DimensionInfo(
        "Batch size",
        "How many rows the network sees before each change of its weights.",
        "int",
        ("choices",),
        "[16, 32, 64]",
        low=1,
        high=8192,
    ),
    "optimizer": DimensionInfo(
        "Optimiser",
        "The rule that changes the weights.",
        "text",
        ("choices",),
        '["adam", "rmsprop"]',
        choices=OPTIMIZER_NAMES,
    ),
    "class_weight": DimensionInfo(
        "Class weights",
        "Whether each class counts as much as the others in the loss (balanced), "
        "however rare it is; classification only.",
        "text",
        ("choices",),
        '["none", "balanced"]',
        choices=CLASS_WEIGHTS,
    ),
}

# --- the defaults -------------------------------------------------------------------


def _defaults() -> dict[str, Any]:
    spec: dict[str, Any] = {section: {} for section in SECTIONS}
    for path, spec_field in SCHEMA.items():
        *parents, name = path.split(".")
        place = spec
        for parent in parents:
            place = place.setdefault(parent, {})
        place[name] = copy.deepcopy(spec_field.default)
    return spec


DEFAULT_SPEC: dict[str, Any] = _defaults()


def default_spec() -> dict[str, Any]:
    """Return a fresh copy of the default experiment spec."""
    return copy.deepcopy(DEFAULT_SPEC)


def section_defaults(path: str) -> dict[str, Any]:
    """The default of a section or sub-section, e.g. ``"train.early_stopping"``."""
    place = DEFAULT_SPEC
    for name in path.split("."):
        place = place[name]
    return place


# --- the accessors ------------------------------------------------------------------


def field(path: str) -> Field | DimensionInfo:
    """The schema of one field: ``"train.epochs"``, ``"model.layers.dense.units"``,
    ``"tune.space.units"``.

    Raises:
        KeyError: for a path the schema does not have.
    """
    if path in SCHEMA:
        return SCHEMA[path]
    if path == "model.layers.type":
        return LAYER_TYPE
    head, _, name = path.rpartition(".")
    if head.startswith("model.layers."):
        return LAYERS[head.removeprefix("model.layers.")][name]
    if head == "tune.space":
        return DIMENSIONS[name]
    raise KeyError(f"The spec schema has no field {path!r}.")


def bounds(path: str) -> tuple[Any, Any]:
    """The lowest and highest value a numeric field allows: ints for whole numbers,
    floats for numbers (an open end is the bound it may not reach).

    Example:
        >>> bounds("model.layers.dense.l1")
        (0.0, 1.0)
    """
    spec_field = field(path)
    if spec_field.low is None or spec_field.high is None:
        raise KeyError(f"The spec field {path!r} has no bounds.")
    if spec_field.kind in ("integer", "int"):
        return int(spec_field.low), int(spec_field.high)
    return float(spec_field.low), float(spec_field.high)


def choices(path: str) -> tuple[str, ...]:
    """The values a choice field (or a list's items, or a text dimension) allows.

    Example:
        >>> choices("tune.pruner")
        ('median', 'hyperband', 'none')
    """
    allowed = field(path).choices
    if not allowed:
        raise KeyError(f"The spec field {path!r} has no choices.")
    return allowed
