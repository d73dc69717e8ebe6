"""The search space: which settings a search varies and how, and one trial's experiment.

Plain Python (no Optuna or TensorFlow at import): the dimensions, their ranges and
grids, the values a spec has now, and the spec a trial trains (``apply_params``).
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from nncore.core.errors import SpecError
from nncore.core.text import readable_number
from nncore.spec.schema import DIMENSIONS
from nncore.spec.space import validate_space

log = logging.getLogger(__name__)

METHOD_TITLES = {"tpe": "Smart (TPE)", "random": "Random", "grid": "Grid"}
PRUNER_TITLES = {"median": "Median rule", "hyperband": "Hyperband", "none": "Off"}

# Values a grid takes from a range: learning rates one per decade, dropout rates
# every 0.1, unless the range gives its own "step".
DROPOUT_GRID_STEP = 0.1

MODEL_DIMENSIONS = ("hidden_layers", "units", "activation", "dropout_rate")

# What an empty space searches: the settings that matter most on tabular data.
DEFAULT_SPACE: dict[str, Any] = {
    "hidden_layers": {"low": 1, "high": 3},
    "units": [16, 64, 128],
    "learning_rate": {"low": 0.0001, "high": 0.01},
    "batch_size": [16, 32, 64],
}


# --- the space ----------------------------------------------------------------------


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
            return [round_digits(v) for v in np.geomspace(self.low, self.high, count)]
        step = self.step or DROPOUT_GRID_STEP
        count = int(math.floor((self.high - self.low) / step + 1e-9)) + 1
        values = [round_digits(self.low + i * step) for i in range(count)]
        if self.high - values[-1] > 1e-9:
            values.append(round_digits(self.high))
        return values

    def describe(self) -> str:
        """In words: ``"1 to 3"``, ``"16, 64 or 128"``, ``"fixed at 8"``."""
        if not self.searched:
            return f"fixed at {format_value(self.value)}"
        if self.choices is not None:
            shown = [format_value(c) for c in self.choices]
            return ", ".join(shown[:-1]) + " or " + shown[-1]
        scale = " (log scale)" if self.log else ""
        return f"{format_value(self.low)} to {format_value(self.high)}{scale}"


def round_digits(value: float) -> float:
    """``value`` with the digits that matter (3 significant): 0.00314, not
    0.0031415926."""
    return float(f"{value:.3g}")


def format_value(value: Any) -> str:
    """A setting's value as people read it: ``0.001``, ``64``, ``relu``."""
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
        "class_weight": spec["train"].get("class_weight", "none"),
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


def grid_values(dimensions: dict[str, Dimension]) -> dict[str, list]:
    """The values a grid search tries, per searched dimension."""
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
    if "class_weight" in params:
        new["train"]["class_weight"] = params["class_weight"]
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
    from nncore.core.metrics import LOWER_IS_BETTER, main_metric

    metric = main_metric(task)
    direction = "minimize" if metric in LOWER_IS_BETTER else "maximize"
    return f"val_{metric}", direction, metric


OBJECTIVE_TITLES = {
    "val_accuracy": "validation accuracy",
    "val_rmse": "validation RMSE",
}


def value_text(objective: str, value: float | None) -> str:
    """An objective's value as people read it: ``"0.967"`` accuracy, ``"12.34"``."""
    if value is None:
        return "—"
    if objective == "val_accuracy":
        return f"{value:.3f}"
    return readable_number(value, digits=4)


def without_test(prepared):
    """The data with its test split emptied: tuning must never see it."""
    empty_x = prepared.X_test[:0]
    empty_y = prepared.y_test[:0]
    return dataclasses.replace(
        prepared, X_test=empty_x, y_test=empty_y, test_index=prepared.test_index[:0]
    )
