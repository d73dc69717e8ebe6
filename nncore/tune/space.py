"""The search space: which settings a search varies and how, and one trial's experiment.

Plain Python (no Optuna or TensorFlow at import): the dimensions, their ranges and
grids, the values a spec has now, and the spec a trial trains (``apply_params``).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from nncore.core.errors import SpecError

log = logging.getLogger(__name__)

METHOD_TITLES = {"tpe": "Smart (TPE)", "random": "Random", "grid": "Grid"}
PRUNER_TITLES = {"median": "Median rule", "hyperband": "Hyperband", "none": "Off"}

MAX_HIDDEN_LAYERS = 10
# Values a grid takes from a range: learning rates one per decade, dropout rates
# every 0.1, unless the range gives its own "step".
DROPOUT_GRID_STEP = 0.1


@dataclass(frozen=True)
class DimensionInfo:
    """What a search dimension is, for people and for validation."""

    title: str
    help: str
    kind: str  # "int", "float" or "text"
    forms: tuple[str, ...]  # of "choices" and "range"
    example: str


DIMENSIONS: dict[str, DimensionInfo] = {
    "hidden_layers": DimensionInfo(
        "Hidden layers",
        "How many hidden layers the network has.",
        "int",
        ("choices", "range"),
        '{"low": 1, "high": 3}',
    ),
    "units": DimensionInfo(
        "Units per layer",
        "Neurons in each hidden layer (every hidden layer gets the same number).",
        "int",
        ("choices",),
        "[16, 64, 128]",
    ),
    "activation": DimensionInfo(
        "Activation",
        "The function each hidden neuron applies to its input.",
        "text",
        ("choices",),
        '["relu", "tanh"]',
    ),
    "dropout_rate": DimensionInfo(
        "Dropout rate",
        "The share of neurons switched off while training, after each hidden "
        "layer (0 means no dropout).",
        "float",
        ("choices", "range"),
        '{"low": 0.0, "high": 0.5}',
    ),
    "learning_rate": DimensionInfo(
        "Learning rate",
        "How big a step the optimiser takes; searched on a log scale.",
        "float",
        ("choices", "range"),
        '{"low": 0.0001, "high": 0.01}',
    ),
    "batch_size": DimensionInfo(
        "Batch size",
        "How many rows the network sees before each change of its weights.",
        "int",
        ("choices",),
        "[16, 32, 64]",
    ),
    "optimizer": DimensionInfo(
        "Optimiser",
        "The rule that changes the weights.",
        "text",
        ("choices",),
        '["adam", "rmsprop"]',
    ),
}
MODEL_DIMENSIONS = ("hidden_layers", "units", "activation", "dropout_rate")

# What an empty space searches: the settings that matter most on tabular data.
DEFAULT_SPACE: dict[str, Any] = {
    "hidden_layers": {"low": 1, "high": 3},
    "units": [16, 64, 128],
    "learning_rate": {"low": 0.0001, "high": 0.01},
    "batch_size": [16, 32, 64],
}


# --- the space ----------------------------------------------------------------------


def _limits(name: str) -> tuple[float, float, str]:
    """The allowed values of a numeric dimension: low, high and how to say it."""
    from nncore.train.compiling import MAX_LEARNING_RATE, MIN_LEARNING_RATE
    from nncore.train.model import MAX_UNITS

    return {
        "hidden_layers": (
            1,
            MAX_HIDDEN_LAYERS,
            f"whole numbers from 1 to {MAX_HIDDEN_LAYERS}",
        ),
        "units": (1, MAX_UNITS, f"whole numbers from 1 to {MAX_UNITS}"),
        "dropout_rate": (0.0, 0.99, "numbers from 0 up to (not including) 1"),
        "learning_rate": (
            MIN_LEARNING_RATE,
            MAX_LEARNING_RATE,
            f"numbers from {MIN_LEARNING_RATE:g} to {MAX_LEARNING_RATE:g}",
        ),
        "batch_size": (1, 8192, "whole numbers from 1 to 8192"),
    }[name]


def _allowed_words(name: str) -> tuple[str, ...]:
    from nncore.train.compiling import OPTIMIZERS
    from nncore.train.model import ACTIVATIONS

    return tuple(ACTIVATIONS) if name == "activation" else tuple(OPTIMIZERS)


def _shown(value: Any) -> str:
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _bad(name: str, value: Any, expected: str) -> SpecError:
    return SpecError(
        f"The 'tune.space.{name}' field {expected}, e.g. {DIMENSIONS[name].example}. "
        f"Got {_shown(value)}."
    )


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _check_value(name: str, value: Any, where: Any) -> Any:
    """One value of a dimension, checked (``where`` is what the message shows)."""
    info = DIMENSIONS[name]
    if info.kind == "text":
        allowed = _allowed_words(name)
        if value not in allowed:
            raise _bad(
                name,
                where,
                "may only hold " + "{" + ", ".join(f"'{a}'" for a in allowed) + "}",
            )
        return value
    low, high, words = _limits(name)
    if info.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad(name, where, f"may only hold {words}")
    elif not _is_number(value):
        raise _bad(name, where, f"may only hold {words}")
    if not low <= value <= high:
        raise _bad(name, where, f"may only hold {words}")
    return value if info.kind == "int" else float(value)


def validate_space(space: Any) -> dict[str, Any]:
    """Check the ``tune.space`` of a spec and return it in its plain form.

    Each named dimension is a list of choices (at least one), a range
    ``{"low": a, "high": b}`` (hidden layers, dropout rate, learning rate; a dropout
    range may add ``"step"`` for the grid) or a single value (fixed at it).

    Raises:
        SpecError: naming the field (``tune.space.units``), the value received and
            what is expected.
    """
    if not isinstance(space, dict):
        raise SpecError(
            "The 'tune.space' field must be an object naming the settings to search, "
            f'e.g. {{"units": [16, 64], "batch_size": [16, 32]}}. Got {_shown(space)}.'
        )
    unknown = sorted(set(space) - set(DIMENSIONS), key=str)
    if unknown:
        raise SpecError(
            f"The 'tune.space' section has an unknown setting '{unknown[0]}'. "
            f"Expected settings: {', '.join(DIMENSIONS)}."
        )
    checked: dict[str, Any] = {}
    for name, value in space.items():
        info = DIMENSIONS[name]
        if isinstance(value, list):
            if not value:
                raise _bad(name, value, "must list at least one value")
            values = [_check_value(name, item, value) for item in value]
            checked[name] = list(dict.fromkeys(values))  # repeats once
        elif isinstance(value, dict):
            if "range" not in info.forms:
                raise _bad(name, value, "must be a list of choices")
            allowed = {"low", "high", "step"} if name == "dropout_rate" else None
            allowed = allowed or {"low", "high"}
            extra = sorted(set(value) - allowed)
            missing = sorted({"low", "high"} - set(value))
            if extra or missing:
                raise _bad(
                    name,
                    value,
                    "must be a range with 'low' and 'high'"
                    + (" (and optionally 'step')" if name == "dropout_rate" else ""),
                )
            low = _check_value(name, value["low"], value)
            high = _check_value(name, value["high"], value)
            if low > high:
                raise _bad(name, value, "must have 'low' at most 'high'")
            if low == high:
                checked[name] = low  # a range of one value is fixed at it
                continue
            checked[name] = {"low": low, "high": high}
            if "step" in value:
                step = value["step"]
                if not _is_number(step) or not 0 < step <= high - low:
                    raise _bad(
                        name,
                        value,
                        "must have a 'step' above 0 and at most 'high' - 'low'",
                    )
                checked[name]["step"] = float(step)
        else:
            checked[name] = _check_value(name, value, value)
    return checked


@dataclass(frozen=True)
class Dimension:
    """One dimension of a resolved search space.

    Attributes:
        name: its key in ``DIMENSIONS``.
        searched: whether trials vary it.
        value: the fixed value (when not searched).
        choices: the values to choose from (a list of choices), else None.
        low, high: the range (a range), else None.
        log: whether the range is searched on a log scale (learning rate).
        step: the grid's step through a float range, or None.
        explicit: whether the space names it (a fixed one follows the experiment
            otherwise).
    """

    name: str
    searched: bool
    value: Any = None
    choices: tuple | None = None
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: float | None = None
    explicit: bool = False

    @property
    def title(self) -> str:
        return DIMENSIONS[self.name].title

    def distribution(self):
        """The Optuna distribution trials sample this dimension from."""
        import optuna

        if self.choices is not None:
            return optuna.distributions.CategoricalDistribution(list(self.choices))
        if DIMENSIONS[self.name].kind == "int":
            return optuna.distributions.IntDistribution(int(self.low), int(self.high))
        return optuna.distributions.FloatDistribution(
            float(self.low), float(self.high), log=self.log
        )

    def grid(self) -> list:
        """The values a grid search tries."""
        if not self.searched:
            return [self.value]
        if self.choices is not None:
            return list(self.choices)
        if DIMENSIONS[self.name].kind == "int":
            return list(range(int(self.low), int(self.high) + 1))
        if self.log:
            decades = math.log10(self.high / self.low)
            count = max(2, round(decades) + 1)
            return [_round(v) for v in np.geomspace(self.low, self.high, count)]
        step = self.step or DROPOUT_GRID_STEP
        count = int(math.floor((self.high - self.low) / step + 1e-9)) + 1
        values = [_round(self.low + i * step) for i in range(count)]
        if self.high - values[-1] > 1e-9:
            values.append(_round(self.high))
        return values

    def describe(self) -> str:
        """In words: ``"1 to 3"``, ``"16, 64 or 128"``, ``"fixed at 8"``."""
        if not self.searched:
            return f"fixed at {_format(self.value)}"
        if self.choices is not None:
            shown = [_format(c) for c in self.choices]
            return ", ".join(shown[:-1]) + " or " + shown[-1]
        scale = " (log scale)" if self.log else ""
        return f"{_format(self.low)} to {_format(self.high)}{scale}"


def _round(value: float) -> float:
    return float(f"{value:.3g}")


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def current_values(spec: dict) -> dict[str, Any]:
    """Each dimension's value in the experiment as it is.

    Hidden layers count the dense layers; units, activation and dropout rate are
    those of the first dense (dropout) layer (dropout rate 0 without one).
    """
    layers = spec["model"]["layers"]
    dense = [layer for layer in layers if layer.get("type") == "dense"]
    dropout = [layer for layer in layers if layer.get("type") == "dropout"]
    return {
        "hidden_layers": len(dense),
        "units": dense[0]["units"] if dense else 32,
        "activation": dense[0].get("activation", "relu") if dense else "relu",
        "dropout_rate": float(dropout[0]["rate"]) if dropout else 0.0,
        "learning_rate": float(spec["compile"]["learning_rate"]),
        "batch_size": int(spec["train"]["batch_size"]),
        "optimizer": spec["compile"]["optimizer"],
    }


def resolve_space(spec: dict) -> dict[str, Dimension]:
    """Every dimension of the spec's search: searched, or fixed at a value.

    An empty ``tune.space`` searches ``DEFAULT_SPACE``.

    Raises:
        SpecError: for a bad space.
    """
    space = validate_space(spec.get("tune", {}).get("space", {}))
    if not space:
        space = copy.deepcopy(DEFAULT_SPACE)
    current = current_values(spec)
    dimensions = {}
    for name in DIMENSIONS:
        value = space.get(name, current[name])
        explicit = name in space
        if isinstance(value, list) and len(value) > 1:
            dimensions[name] = Dimension(
                name, True, choices=tuple(value), explicit=explicit
            )
        elif isinstance(value, dict):
            dimensions[name] = Dimension(
                name,
                True,
                low=value["low"],
                high=value["high"],
                log=name == "learning_rate",
                step=value.get("step"),
                explicit=explicit,
            )
        else:
            fixed = value[0] if isinstance(value, list) else value
            dimensions[name] = Dimension(name, False, value=fixed, explicit=explicit)
    return dimensions


def grid_size(dimensions: dict[str, Dimension]) -> int:
    """How many combinations a grid search of the space has."""
    return math.prod(len(d.grid()) for d in dimensions.values() if d.searched)


def _grid(dimensions: dict[str, Dimension]) -> dict[str, list]:
    return {name: d.grid() for name, d in dimensions.items() if d.searched}


# --- the experiment of one trial --------------------------------------------------


def _blocks(layers: list[dict]) -> tuple[list[dict], list[list[dict]]]:
    """The layers before the first dense one, and each dense layer with the layers
    that follow it up to the next dense one."""
    prefix: list[dict] = []
    blocks: list[list[dict]] = []
    for layer in layers:
        if layer.get("type") == "dense":
            blocks.append([layer])
        elif blocks:
            blocks[-1].append(layer)
        else:
            prefix.append(layer)
    return prefix, blocks


def apply_params(spec: dict, params: dict[str, Any]) -> dict:
    """A copy of ``spec`` with the settings of one trial.

    ``params`` names any of ``DIMENSIONS``; the others stay as they are. When a
    model dimension is given, the hidden layers are rebuilt: each takes the
    experiment's layer at that place (or its last one) as its model, with the given
    units and activation, followed by a dropout layer at the given rate (none for
    0); batch normalisation, initialisers and penalties are kept.

    Raises:
        SpecError: for an unknown setting.
    """
    unknown = sorted(set(params) - set(DIMENSIONS))
    if unknown:
        raise SpecError(
            f"Unknown tuning setting '{unknown[0]}'. Expected settings: "
            f"{', '.join(DIMENSIONS)}."
        )
    new = copy.deepcopy(spec)
    if any(name in params for name in MODEL_DIMENSIONS):
        prefix, blocks = _blocks(new["model"]["layers"])
        count = int(params.get("hidden_layers", len(blocks)))
        if not blocks:
            blocks = [[{"type": "dense", "units": 32, "activation": "relu"}]]
        layers = copy.deepcopy(prefix)
        for index in range(count):
            template = copy.deepcopy(blocks[min(index, len(blocks) - 1)])
            dense, rest = template[0], template[1:]
            if "units" in params:
                dense["units"] = int(params["units"])
            if "activation" in params:
                dense["activation"] = params["activation"]
            if "dropout_rate" in params:
                rate = float(params["dropout_rate"])
                rest = [layer for layer in rest if layer.get("type") != "dropout"]
                if rate > 0:
                    rest.append({"type": "dropout", "rate": rate})
            layers += [dense, *rest]
        new["model"]["layers"] = layers
    if "learning_rate" in params:
        new["compile"]["learning_rate"] = float(params["learning_rate"])
    if "optimizer" in params:
        new["compile"]["optimizer"] = params["optimizer"]
    if "batch_size" in params:
        new["train"]["batch_size"] = int(params["batch_size"])
    return new


def apply_best(spec: dict, best_params: dict[str, Any]) -> dict:
    """The experiment with a search's best settings, validated.

    Example:
        >>> new = apply_best(spec, {"units": 64, "learning_rate": 0.003})
        >>> new["compile"]["learning_rate"]
        0.003

    Raises:
        SpecError: when the settings do not make a valid experiment.
    """
    from nncore.spec.validation import validate_spec

    if not isinstance(best_params, dict) or not best_params:
        raise SpecError(
            "There are no best settings to apply yet: wait for a trial to complete."
        )
    return validate_spec(apply_params(spec, best_params))


def objective_for(task: str) -> tuple[str, str, str]:
    """The objective of a task: ``(name, direction, metric)``.

    ``("val_accuracy", "maximize", "accuracy")`` for classification,
    ``("val_rmse", "minimize", "rmse")`` for regression.
    """
    if task == "regression":
        return "val_rmse", "minimize", "rmse"
    return "val_accuracy", "maximize", "accuracy"


OBJECTIVE_TITLES = {
    "val_accuracy": "validation accuracy",
    "val_rmse": "validation RMSE",
}


def value_text(objective: str, value: float | None) -> str:
    """An objective's value as people read it: ``"0.967"`` accuracy, ``"12.34"``."""
    if value is None:
        return "—"
    return f"{value:.3f}" if objective == "val_accuracy" else f"{value:.4g}"


def _without_test(prepared):
    """The data with its test split emptied: tuning must never see it."""
    empty_x = prepared.X_test[:0]
    empty_y = prepared.y_test[:0]
    return dataclasses.replace(
        prepared, X_test=empty_x, y_test=empty_y, test_index=prepared.test_index[:0]
    )
