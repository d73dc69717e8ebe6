"""Hyper-parameter search: grid, random and smart (TPE) search with pruning, on Optuna.

The ``tune`` section of an experiment says what to search:

    {"method": "tpe", "trials": 20, "minutes": null, "pruner": "median",
     "epochs": null,
     "space": {"hidden_layers": {"low": 1, "high": 3},
               "units": [16, 64, 128],
               "learning_rate": {"low": 0.0001, "high": 0.01},
               "batch_size": [16, 32]}}

Each dimension of ``DIMENSIONS`` is searched when the space names it (a list of
choices, or a ``{"low", "high"}`` range) and otherwise stays as the experiment has
it. An empty space searches ``DEFAULT_SPACE``. Every trial trains the experiment
with its settings on the training split and is scored on the validation split
(validation accuracy for classification, validation RMSE for regression); the test
split is never used: trials get the data without it.

A search is an Optuna study kept in a storage: by default a journal file in the
runs folder (``<runs folder>/studies.log``), which survives a restart and which
several processes on one machine share safely; any Optuna storage URL
(``sqlite:///…``, ``postgresql://…``, ``mysql://…``) works too, which is how several
machines tune one study. ``trials`` is the number of trials the *study* should have
in all, whoever runs them, so N workers started with the same experiment and study
name stop together after ``trials`` trials, and a stopped study resumes with the
trials that are left.

Example:

    search = Search(spec, prepared)      # creates the study
    result = search.run()                # trains the trials; or, in the background:
    manager.submit_task("tune", search.work, spec, prepared, owner="me")
    new_spec = apply_best(spec, result["best_params"])

Optuna and TensorFlow are imported inside functions: importing this module is cheap.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import itertools
import json
import logging
import math
import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nncore.core.errors import DataError, SpecError

__all__ = [
    "DEFAULT_SPACE",
    "DIMENSIONS",
    "METHOD_TITLES",
    "OBJECTIVE_TITLES",
    "PRUNER_TITLES",
    "CostEstimate",
    "Dimension",
    "Search",
    "Speed",
    "StudySnapshot",
    "apply_best",
    "apply_params",
    "current_values",
    "default_storage",
    "duration_text",
    "epochs_per_trial",
    "estimate_cost",
    "grid_size",
    "list_studies",
    "measure_speed",
    "objective_for",
    "open_storage",
    "pruning_callback",
    "resolve_space",
    "shown_storage",
    "speed_work",
    "study_meta",
    "study_snapshot",
    "trials_csv",
    "trials_planned",
    "trials_table",
    "validate_space",
    "value_text",
]

log = logging.getLogger(__name__)

METHOD_TITLES = {"tpe": "Smart (TPE)", "random": "Random", "grid": "Grid"}
PRUNER_TITLES = {"median": "Median rule", "hyperband": "Hyperband", "none": "Off"}
# The default storage: an Optuna journal file in the runs folder.
JOURNAL_NAME = "studies.log"
# A study made by NN Studio carries its settings in this study user attribute.
META_KEY = "nnstudio"
META_VERSION = 1
MAX_HIDDEN_LAYERS = 10
# Values a grid takes from a range: learning rates one per decade, dropout rates
# every 0.1, unless the range gives its own "step".
DROPOUT_GRID_STEP = 0.1
# Trials the median rule lets finish before it prunes anything.
PRUNE_STARTUP_TRIALS = 3
# A grid bigger than this gets a warning and a suggestion.
LARGE_GRID = 100
# A search estimated to take longer than this gets a warning and a suggestion.
LONG_SEARCH_S = 30 * 60
# Seconds between live updates of the running trial.
PUBLISH_SECONDS = 0.25
# A search stops when this many trials in a row failed with an error (not by
# diverging, which is a result).
MAX_FAILURES_IN_A_ROW = 3
# A search stops when its sampler proposed only settings already tried this many
# times in a row (a small space of choices is then nearly exhausted).
MAX_REPEATS_IN_A_ROW = 25

# This process, as it marks the trials it runs (to tell trials left running by a
# process that died from those of a live one).
_HOST = socket.gethostname()
_WORKER = f"{_HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


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


# --- storages and studies ---------------------------------------------------------

_storages: dict[str, Any] = {}
_storages_lock = threading.Lock()


def default_storage(folder: str | os.PathLike | None = None) -> str:
    """The default storage: the journal file ``studies.log`` in the runs folder.

    Args:
        folder: the runs folder. Default: the run store's (``$NNSTUDIO_RUNS_DIR``
            or ``./nnstudio-runs``).
    """
    if folder is None:
        from nncore.runs.store import DEFAULT_RUNS_DIR, RUNS_DIR_ENV

        folder = os.environ.get(RUNS_DIR_ENV) or DEFAULT_RUNS_DIR
    return str(Path(folder).expanduser().absolute() / JOURNAL_NAME)


def _is_url(storage: str) -> bool:
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", storage) is not None


def shown_storage(storage: str) -> str:
    """The storage as it may be shown: a URL's password is hidden."""
    if not _is_url(storage):
        return storage
    return re.sub(r"(://[^:/@]+:)[^@/]*@", r"\1***@", storage)


def open_storage(storage: str | None = None, create: bool = True):
    """The Optuna storage for a URL or a journal file path (one object per storage).

    Args:
        storage: an Optuna RDB URL (``sqlite:///studies.db``,
            ``postgresql://user:password@host/db``, ``mysql+pymysql://…``) or the
            path of a journal file. Default: ``default_storage()``.
        create: whether a journal file that does not exist may be created.
            Default: True.

    Raises:
        DataError: the storage cannot be opened; the message says what to do.
    """
    import optuna
    from optuna.storages import JournalStorage, RDBStorage
    from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock

    storage = (storage or default_storage()).strip()
    with _storages_lock:
        if storage in _storages:
            return _storages[storage]
        try:
            if _is_url(storage):
                opened = RDBStorage(storage)
            else:
                path = Path(storage).expanduser()
                if not create and not path.is_file():
                    raise DataError(
                        f"There is no study storage at '{storage}'. Give the path of "
                        "a journal file (e.g. nnstudio-runs/studies.log) or an Optuna "
                        "storage URL such as sqlite:///studies.db or "
                        "postgresql://user:password@host/database."
                    )
                path.parent.mkdir(parents=True, exist_ok=True)
                opened = JournalStorage(
                    JournalFileBackend(
                        str(path), lock_obj=JournalFileOpenLock(str(path))
                    )
                )
        except DataError:
            raise
        except (ImportError, ModuleNotFoundError) as error:
            raise DataError(
                f"The storage '{shown_storage(storage)}' needs a database driver that "
                f"is not installed ({error}). Install it (e.g. pip install psycopg2-"
                "binary for PostgreSQL, pymysql for MySQL) and try again."
            ) from error
        except (OSError, ValueError, optuna.exceptions.StorageInternalError) as error:
            raise DataError(
                f"Could not open the study storage '{shown_storage(storage)}' "
                f"({_first_line(error)}). Expected an Optuna storage URL such as "
                "sqlite:///studies.db or postgresql://user:password@host/database, "
                "or the path of a journal file."
            ) from error
        except Exception as error:  # SQLAlchemy's errors: bad URL, server down
            raise DataError(
                f"Could not open the study storage '{shown_storage(storage)}' "
                f"({type(error).__name__}: {_first_line(error)}). Check the URL, "
                "that the database server is running and that you may use it."
            ) from error
        _storages[storage] = opened
        return opened


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _quiet_optuna() -> None:
    """Optuna logs every trial at INFO level; the search reports its own progress."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)


def list_studies(storage: str | None = None) -> list[dict]:
    """The studies in a storage, newest first: name, trials, best value, start.

    Raises:
        DataError: the storage cannot be opened or read.
    """
    import optuna

    opened = open_storage(storage, create=False)
    try:
        summaries = optuna.get_all_study_summaries(opened, include_best_trial=False)
    except Exception as error:
        raise DataError(
            f"Could not read the studies in '{shown_storage(storage or '')}' "
            f"({_first_line(error)})."
        ) from error
    studies = []
    for summary in summaries:
        meta = summary.user_attrs.get(META_KEY) or {}
        studies.append(
            {
                "name": summary.study_name,
                "trials": summary.n_trials,
                "started": summary.datetime_start,
                "objective": meta.get("objective"),
                "nnstudio": bool(meta),
            }
        )
    oldest = datetime.datetime.min
    studies.sort(key=lambda s: s["started"] or oldest, reverse=True)
    return studies


def new_study_name(spec: dict) -> str:
    """A fresh study name: the dataset, the date and time, and a short suffix."""
    source = spec["data"]["source"]
    name = source.split(":", 1)[1] if source.startswith("builtin:") else source
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(name).stem).strip("-") or "study"
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return f"{name}-{stamp}-{uuid.uuid4().hex[:4]}"


def _fingerprint(meta: dict) -> dict:
    """What workers of one study must agree on (the budget may differ)."""
    spec = copy.deepcopy(meta["spec"])
    spec["tune"] = {
        key: value
        for key, value in spec["tune"].items()
        if key not in ("trials", "minutes")
    }
    # Machines may keep the data file in different folders: compare its name.
    source = spec["data"]["source"]
    if not source.startswith("builtin:"):
        spec["data"]["source"] = Path(source).name
    return {"spec": spec, "objective": meta["objective"], "epochs": meta["epochs"]}


# --- measuring the speed and estimating the cost ----------------------------------


@dataclass(frozen=True)
class Speed:
    """How fast this machine trains the experiment's network on its data.

    Attributes:
        seconds_per_step: seconds for one batch (one optimiser step).
        setup_seconds: seconds to build, compile and start a network (each trial
            pays it once).
        n_train: the training rows it was measured on.
        batch_size: the batch size it was measured with.
    """

    seconds_per_step: float
    setup_seconds: float
    n_train: int
    batch_size: int

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def measure_speed(spec: dict, prepared, epochs: int = 3) -> Speed:
    """Train the experiment's network for a few epochs and time it.

    Args:
        spec: a validated experiment spec.
        prepared: its data.
        epochs: epochs to time (the first one, which includes the network's
            compilation, is counted as setup). Default: 3.
    """
    import keras  # noqa: F401  (imported before the clock starts)

    from nncore.train.trainer import Trainer

    spec = copy.deepcopy(spec)
    spec["train"]["early_stopping"]["enabled"] = False
    spec["train"]["reduce_lr"]["enabled"] = False
    spec["train"]["save_best"] = False
    started = time.perf_counter()
    trainer = Trainer(spec, _without_test(prepared))
    trainer.fit(1)
    first = time.perf_counter() - started
    started = time.perf_counter()
    trainer.fit(1 + max(1, epochs - 1))
    rest = time.perf_counter() - started
    per_epoch = rest / max(1, epochs - 1)
    steps = trainer.steps_per_epoch
    return Speed(
        seconds_per_step=per_epoch / steps,
        setup_seconds=max(first - per_epoch, 0.0),
        n_train=len(prepared.y_train),
        batch_size=spec["train"]["batch_size"],
    )


def speed_work(spec: dict, prepared) -> Callable:
    """A ``work(context)`` for ``JobManager.submit_task`` that measures the speed."""

    def work(context) -> dict:
        context.publish(message="Measuring the training speed")
        return measure_speed(spec, prepared).to_dict()

    return work


@dataclass(frozen=True)
class CostEstimate:
    """What a search will cost, before it starts.

    Attributes:
        trials: trials it will run (a grid's size caps it).
        epochs: epochs per trial.
        seconds: the estimated time without pruning or early stopping.
        text: the estimate in one sentence.
        grid_size: the grid's combinations (grid search), else None.
        warning: what to reconsider (a large or long grid), else None.
        suggestion: the method to switch to, when there is a warning, else None.
    """

    trials: int
    epochs: int
    seconds: float | None
    text: str
    grid_size: int | None = None
    warning: str | None = None
    suggestion: str | None = None


def duration_text(seconds: float) -> str:
    """A duration in words: ``"40 seconds"``, ``"11 minutes"``, ``"2 h 10 min"``."""
    if seconds < 90:
        return f"{max(1, round(seconds))} seconds"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} minutes"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def trials_planned(spec: dict) -> int:
    """Trials the spec's search will run: ``tune.trials``, at most the grid's size."""
    tune = spec["tune"]
    if tune["method"] == "grid":
        return min(int(tune["trials"]), grid_size(resolve_space(spec)))
    return int(tune["trials"])


def epochs_per_trial(spec: dict) -> int:
    """Epochs each trial trains: ``tune.epochs``, or the experiment's epochs."""
    return int(spec["tune"].get("epochs") or spec["train"]["epochs"])


def estimate_cost(spec: dict, n_train: int, speed: Speed | dict | None) -> CostEstimate:
    """The time a search will take at the measured speed, and a warning if large.

    Each trial costs the setup plus its epochs; an epoch costs one step per batch,
    averaged over the batch sizes searched. Pruning and early stopping only make
    it shorter.

    Args:
        spec: a validated experiment spec (its ``tune`` section).
        n_train: training rows.
        speed: ``measure_speed``'s result (or its dict), or None when not measured.

    Example:
        "48 trials × 20 epochs ≈ 11 minutes at the measured speed"
    """
    if isinstance(speed, dict):
        speed = Speed(**speed)
    tune = spec["tune"]
    dimensions = resolve_space(spec)
    size = grid_size(dimensions) if tune["method"] == "grid" else None
    trials = trials_planned(spec)
    epochs = epochs_per_trial(spec)
    head = f"{trials} trial{'s' * (trials != 1)} × {epochs} epoch{'s' * (epochs != 1)}"
    seconds = None
    if speed is None:
        text = f"{head}; the time is estimated once the speed is measured."
    else:
        batch = dimensions["batch_size"]
        sizes = batch.grid() if batch.searched else [batch.value]
        steps = sum(-(-n_train // max(1, min(int(b), n_train))) for b in sizes) / len(
            sizes
        )
        per_trial = speed.setup_seconds + epochs * steps * speed.seconds_per_step
        seconds = trials * per_trial
        text = f"{head} ≈ {duration_text(seconds)} at the measured speed"
        minutes = tune.get("minutes")
        if minutes and seconds > minutes * 60:
            fit = max(1, int(minutes * 60 // max(per_trial, 1e-9)))
            text += (
                f"; the {minutes:g}-minute budget ends it after about {fit} "
                f"trial{'s' * (fit != 1)}"
            )
        if tune["method"] != "grid" and tune.get("pruner", "median") != "none":
            text += " (pruning stops unpromising trials early, so usually less)"
        text += "."
    warning = suggestion = None
    if size is not None:
        long = seconds is not None and seconds > LONG_SEARCH_S
        if size > LARGE_GRID or long:
            warning = (
                f"The grid has {size:,} combinations"
                + (
                    f" and trying them takes ≈ {duration_text(seconds)}"
                    if seconds is not None
                    else ""
                )
                + ". Random search, or Smart search that learns from each trial and "
                "stops unpromising ones early, usually finds settings as good in "
                "20 to 50 trials. Switch the method, or search fewer values."
            )
            suggestion = "tpe"
        elif trials < size:
            warning = (
                f"Only {trials} of the grid's {size} combinations will be tried (in a "
                "random order). Raise the number of trials to try them all."
            )
    return CostEstimate(trials, epochs, seconds, text, size, warning, suggestion)


# --- pruning ----------------------------------------------------------------------


def pruning_callback(
    trial,
    monitor: str,
    prune: bool = True,
    on_epoch: Callable[[int, float], None] | None = None,
):
    """A Keras callback that reports each epoch to an Optuna trial and prunes it.

    The equivalent of ``optuna_integration.KerasPruningCallback``: after each epoch
    it reports ``logs[monitor]`` as the trial's intermediate value; when the
    study's pruner says the trial is unpromising, it stops training
    (``model.stop_training``) and sets ``pruned_epoch``; the caller then raises
    ``optuna.TrialPruned`` (training ends cleanly, and the history is kept).

    Args:
        trial: an ``optuna.Trial``.
        monitor: the log to report, e.g. ``"val_accuracy"``.
        prune: whether to ask the pruner; False only reports. Default: True.
        on_epoch: called with ``(epoch, value)`` after each epoch. Default: None.
    """
    import keras

    class TrialPruning(keras.callbacks.Callback):
        # Only reporting may run several epochs per compiled call; pruning must
        # see every epoch end to stop at the right one.
        chunk_safe = not prune

        def __init__(self):
            super().__init__()
            self.pruned_epoch: int | None = None
            self.values: list[float] = []

        def on_epoch_end(self, epoch, logs=None):
            value = (logs or {}).get(monitor)
            if value is None:
                return
            value = float(value)
            self.values.append(value)
            if math.isfinite(value):
                trial.report(value, epoch + 1)
            if on_epoch is not None:
                on_epoch(epoch, value)
            last = epoch + 1 >= self.params.get("epochs", math.inf)
            if (
                prune
                and not last
                and self.pruned_epoch is None
                and trial.should_prune()
            ):
                self.pruned_epoch = epoch + 1
                self.model.stop_training = True

    return TrialPruning()


def _pruner(name: str, epochs: int):
    import optuna

    if name == "median":
        return optuna.pruners.MedianPruner(
            n_startup_trials=PRUNE_STARTUP_TRIALS,
            n_warmup_steps=max(1, min(5, epochs // 3)),
        )
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(
            min_resource=max(1, epochs // 10), max_resource=epochs, reduction_factor=3
        )
    return optuna.pruners.NopPruner()


def _sampler(method: str, grid: dict[str, list], seed: int, trials: int):
    """The method's sampler, reseeded per trial number.

    Per-trial seeds make a search reproducible and keep workers that share a study
    (and the experiment's seed) from proposing the same settings.
    """
    import optuna

    if method == "grid":

        class Grid(optuna.samplers.GridSampler):
            # Skipped trials (over the budget, or interrupted) do not use up their
            # grid point: a later trial tries it.
            def _get_unvisited_grid_ids(self, study):
                visited = set()
                for t in study._storage.get_all_trials(study._study_id, deepcopy=False):
                    if (
                        "grid_id" in t.system_attrs
                        and not t.user_attrs.get("skipped")
                        and (t.state.is_finished() or t.state.name == "RUNNING")
                    ):
                        visited.add(t.system_attrs["grid_id"])
                unvisited = set(range(self._n_min_trials)) - visited
                return list(unvisited)

        return Grid(grid, seed=seed)
    if method == "random":
        base, kwargs = optuna.samplers.RandomSampler, {}
    else:
        base = optuna.samplers.TPESampler
        kwargs = {"n_startup_trials": max(3, min(10, trials // 4))}

    class Seeded(base):
        def before_trial(self, study, trial):
            state = seed + trial.number
            if hasattr(self, "_rng"):
                self._rng.rng.seed(state % 2**32)
            inner = getattr(self, "_random_sampler", None)
            if inner is not None and hasattr(inner, "_rng"):
                inner._rng.rng.seed((state * 7919 + 1) % 2**32)
            super().before_trial(study, trial)

    return Seeded(seed=seed, **kwargs)


def _suggest(trial, name: str, dimension: Dimension):
    if dimension.choices is not None:
        return trial.suggest_categorical(name, list(dimension.choices))
    if DIMENSIONS[name].kind == "int":
        return trial.suggest_int(name, int(dimension.low), int(dimension.high))
    value = trial.suggest_float(
        name, float(dimension.low), float(dimension.high), log=dimension.log
    )
    # Trained and shown with the digits that matter: 0.00314, not 0.0031415926.
    return _round(value) if dimension.log else round(value, 2)


class _TrialFailed(Exception):
    """A trial that could not train (its reason is in the trial's "error")."""


class _Skipped(Exception):
    """A trial over the study's budget: it does not count and is not shown."""


# --- the search -------------------------------------------------------------------


class Search:
    """One hyper-parameter search of an experiment: an Optuna study and its trials.

    Creating it creates the study in the storage, or joins the study of that name
    (another worker's, or one to resume) after checking it tunes the same
    experiment. ``run`` trains trials until the study has ``trials`` of them, the
    minutes are spent, or ``should_stop`` says so (the running trial finishes).
    ``work`` is ``run`` as a job for ``JobManager.submit_task``.

    Args:
        spec: a validated experiment spec; its ``tune`` section says what to search.
        prepared: the data prepared with the spec's ``data`` settings; the test split
            is never used.
        storage: an Optuna storage URL or journal file path. Default:
            ``default_storage()``.
        study_name: the study to create or join. Default: a new name.
        trials: the study's number of trials in all. Default: ``tune.trials``.
        minutes: stop starting trials after this many minutes (None: no limit).
            Default: ``tune.minutes``.

    Raises:
        SpecError: a bad ``tune`` section, nothing to search, or a study of that
            name that tunes another experiment.
        DataError: the storage cannot be opened.
        LimitError: the search is over one of the server's limits
            (``nncore.core.limits``): more trials than ``NNSTUDIO_MAX_TRIALS``, trials
            of more rows × epochs than ``NNSTUDIO_MAX_ROWS_EPOCHS``, or a largest
            network of more parameters than ``NNSTUDIO_MAX_PARAMS``.
    """

    def __init__(
        self,
        spec: dict,
        prepared,
        storage: str | None = None,
        study_name: str | None = None,
        trials: int | None = None,
        minutes: float | None = None,
    ):
        from nncore.spec.validation import validate_tune_spec

        _quiet_optuna()
        self.spec = copy.deepcopy(spec)
        self.spec["tune"] = validate_tune_spec(self.spec["tune"])
        tune = self.spec["tune"]
        if trials is not None:
            tune["trials"] = trials
        if minutes is not None:
            tune["minutes"] = minutes or None
        self.spec["tune"] = validate_tune_spec(tune)
        tune = self.spec["tune"]
        self.prepared = _without_test(prepared)
        self.task = prepared.task
        self.dimensions = resolve_space(self.spec)
        if not any(d.searched for d in self.dimensions.values()):
            raise SpecError(
                "The 'tune.space' field searches nothing: every setting has one "
                'value. Give at least one a list or a range, e.g. "units": '
                "[16, 64, 128]."
            )
        self.method = tune["method"]
        self.pruner = tune["pruner"]
        self.epochs = epochs_per_trial(self.spec)
        self.budget = trials_planned(self.spec)
        self.minutes = tune["minutes"]
        self._check_limits()
        self.objective, self.direction, self.metric = objective_for(self.task)
        self.storage = (storage or default_storage()).strip()
        self.study_name = study_name or new_study_name(self.spec)
        self._storage = open_storage(self.storage)
        self.study = self._open_study()
        self._fail_stale()

    # -- opening --

    def _check_limits(self) -> None:
        """Refuse a search over the server's resource limits before it starts."""
        from nncore.core import limits
        from nncore.train.model import validate_model_spec

        limits.check_trials(self.budget)
        limits.check_rows_epochs(
            len(self.prepared.y_train), self.epochs, per_trial=True
        )
        # The network with the most layers and units searched is the largest.
        largest = {
            name: max(self.dimensions[name].grid())
            for name in ("hidden_layers", "units")
            if self.dimensions[name].searched
        }
        model = validate_model_spec(apply_params(self.spec, largest)["model"])
        what = "The largest network of this search" if largest else "This network"
        limits.check_parameters(limits.trainable_parameters(model, self.prepared), what)

    def _meta(self) -> dict:
        return {
            "version": META_VERSION,
            "spec": self.spec,
            "objective": self.objective,
            "direction": self.direction,
            "metric": self.metric,
            "task": self.task,
            "epochs": self.epochs,
            "method": self.method,
        }

    def _open_study(self):
        import optuna

        sampler = _sampler(
            self.method, _grid(self.dimensions), self.spec["train"]["seed"], self.budget
        )
        pruner = _pruner(self.pruner, self.epochs)
        try:
            study = optuna.create_study(
                storage=self._storage,
                study_name=self.study_name,
                direction=self.direction,
                sampler=sampler,
                pruner=pruner,
            )
            study.set_user_attr(META_KEY, self._meta())
            return study
        except optuna.exceptions.DuplicatedStudyError:
            pass
        except DataError:
            raise
        except Exception as error:
            raise DataError(
                f"Could not create the study '{self.study_name}' in "
                f"'{shown_storage(self.storage)}' ({_first_line(error)})."
            ) from error
        study = optuna.load_study(
            study_name=self.study_name,
            storage=self._storage,
            sampler=sampler,
            pruner=pruner,
        )
        meta = _wait_for_meta(study)
        if meta is None:
            raise SpecError(
                f"The study '{self.study_name}' was not made by NN Studio: choose "
                "another study name."
            )
        mine = _fingerprint(self._meta())
        theirs = _fingerprint(meta)
        if mine != theirs:
            raise SpecError(
                f"The study '{self.study_name}' tunes a different experiment "
                f"({_difference(theirs, mine)}). Use the same experiment file as the "
                "study's other workers, or another study name."
            )
        return study

    def _fail_stale(self) -> None:
        """Trials left running by a process of this machine that has ended are
        marked skipped: they do not count, and a later trial tries their settings."""
        from optuna.trial import TrialState

        for trial in self.study.get_trials(
            deepcopy=False, states=(TrialState.RUNNING,)
        ):
            worker = trial.user_attrs.get("worker") or ""
            if worker and _worker_is_gone(worker):
                storage = self.study._storage
                try:
                    storage.set_trial_user_attr(
                        trial._trial_id,
                        "skipped",
                        "interrupted: the process running it ended",
                    )
                    storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
                except Exception as error:  # another worker just ended it
                    log.info("could not mark trial %s: %s", trial.number, error)

    @classmethod
    def resume(
        cls,
        storage: str | None,
        study_name: str,
        prepared,
        trials: int | None = None,
        minutes: float | None = None,
    ) -> Search:
        """Join an existing study with the experiment it was made with.

        Raises:
            DataError: no such study, or it was not made by NN Studio.
        """
        meta = study_meta(storage, study_name)
        return cls(meta["spec"], prepared, storage, study_name, trials, minutes)

    # -- running --

    def _counted(self, trials, below: int | None = None) -> int:
        from optuna.trial import TrialState

        return sum(
            1
            for t in trials
            if t.state != TrialState.WAITING
            and not t.user_attrs.get("skipped")
            and (below is None or t.number < below)
        )

    def _finished(self) -> int:
        return sum(
            1
            for t in self.study.get_trials(deepcopy=False)
            if t.state.is_finished() and not t.user_attrs.get("skipped")
        )

    def _repeat_of(self, params: dict[str, Any], number: int) -> int | None:
        """The earlier trial (1-based) with these settings, if any."""
        for t in self.study.get_trials(deepcopy=False):
            if (
                t.number < number
                and not t.user_attrs.get("skipped")
                and t.user_attrs.get("params") == params
            ):
                return t.number + 1
        return None

    def _discrete(self) -> bool:
        """Whether every searched dimension is a list of choices or whole numbers."""
        return not any(
            d.searched and d.choices is None and DIMENSIONS[d.name].kind == "float"
            for d in self.dimensions.values()
        )

    def _tried(self, waiting: bool = False) -> set[str]:
        """The settings of the trials so far (and of queued ones), as JSON."""
        from optuna.trial import TrialState

        tried = set()
        for t in self.study.get_trials(deepcopy=False):
            if t.state == TrialState.WAITING:
                if waiting:
                    fixed = t.system_attrs.get("fixed_params") or {}
                    tried.add(json.dumps(self._complete(fixed), sort_keys=True))
            elif not t.user_attrs.get("skipped") and t.user_attrs.get("params"):
                tried.add(json.dumps(t.user_attrs["params"], sort_keys=True))
        return tried

    def _complete(self, searched: dict[str, Any]) -> dict[str, Any]:
        """Searched values plus the explicitly fixed ones: a trial's settings."""
        params = {}
        for name, dimension in self.dimensions.items():
            if dimension.searched:
                params[name] = searched.get(name)
            elif dimension.explicit:
                params[name] = dimension.value
        return params

    def _exhausted(self) -> bool:
        """Whether every combination of a space of choices has been tried."""
        return self._discrete() and len(self._tried()) >= grid_size(self.dimensions)

    def _enqueue_untried(self, number: int) -> None:
        """Queue untried settings for the next trial (spaces of choices only).

        Smart search proposes a repeat when it believes it knows the best: it then
        tries a neighbour of the best trial (one setting changed); random search
        tries any untried combination.
        """
        if not self._discrete():
            return
        tried = self._tried(waiting=True)
        grid = _grid(self.dimensions)
        names = list(grid)
        untried = []
        for values in itertools.product(*grid.values()):
            searched = dict(zip(names, values, strict=True))
            if json.dumps(self._complete(searched), sort_keys=True) not in tried:
                untried.append(searched)
        if not untried:
            return
        if self.method == "tpe":
            near = [
                point
                for point in untried
                if any(
                    sum(point[n] != good.get(n) for n in names) == 1
                    for good in self._leaders()
                )
            ]
            untried = near or untried
        rng = np.random.default_rng(self.spec["train"]["seed"] + number)
        choice = untried[int(rng.integers(len(untried)))]
        self.study.enqueue_trial(choice, skip_if_exists=True)

    def trial_spec(self, params: dict[str, Any]) -> dict:
        """The experiment one trial trains: its settings, ``epochs`` epochs, and the
        objective's metric among the metrics."""
        from nncore.spec.validation import validate_spec

        spec = apply_params(self.spec, params)
        spec["train"]["epochs"] = self.epochs
        spec["train"]["save_best"] = False  # the best epoch's copy is not needed
        metrics = spec["compile"]["metrics"]
        if self.metric not in metrics:
            spec["compile"]["metrics"] = [self.metric, *metrics]
        return validate_spec(spec)

    def _suggest(self, trial) -> dict[str, Any]:
        params = {}
        for name, dimension in self.dimensions.items():
            if dimension.searched:
                params[name] = _suggest(trial, name, dimension)
            elif dimension.explicit:
                params[name] = dimension.value
        return params

    def _objective(self, trial, progress: Callable[..., None]) -> float:
        import optuna

        from nncore.train.trainer import Trainer, metrics_from_outputs

        position = self._counted(self.study.get_trials(deepcopy=False), trial.number)
        if position >= self.budget:
            trial.set_user_attr("skipped", "over the study's number of trials")
            raise _Skipped()
        trial.set_user_attr("worker", _WORKER)
        params = self._suggest(trial)
        repeat = self._repeat_of(params, trial.number)
        if repeat is not None:
            # The same settings train the same way (same seed): not again. In a
            # space of choices the next trial tries untried settings instead.
            trial.set_user_attr("skipped", f"repeats trial {repeat}")
            self._enqueue_untried(trial.number)
            raise _Skipped()
        trial.set_user_attr("params", params)
        started = time.monotonic()
        state = {"epochs": 0, "last": 0.0}

        def on_epoch(epoch: int, value: float) -> None:
            state["epochs"] = epoch + 1
            now = time.monotonic()
            if now - state["last"] >= PUBLISH_SECONDS:
                state["last"] = now
                progress(position, trial.number, epoch + 1, value)

        progress(position, trial.number, 0, None)
        pruning = self.pruner != "none"
        try:
            trainer = Trainer(self.trial_spec(params), self.prepared)
            callback = pruning_callback(
                trial, self.objective, prune=pruning, on_epoch=on_epoch
            )
            ending = trainer.fit(self.epochs, [callback])
        except (DataError, SpecError) as error:
            trial.set_user_attr("error", str(error))
            raise _TrialFailed(str(error)) from error
        except Exception as error:  # e.g. out of memory: this trial only
            log.warning("trial %s failed", trial.number, exc_info=True)
            message = f"{type(error).__name__}: {_first_line(error)}"
            trial.set_user_attr("error", message)
            raise _TrialFailed(message) from error
        finally:
            trial.set_user_attr("seconds", round(time.monotonic() - started, 3))
            trial.set_user_attr("epochs", state["epochs"])
        trial.set_user_attr("epochs", trainer.epochs_done)
        if callback.pruned_epoch is not None:
            trial.set_user_attr("pruned_at", callback.pruned_epoch)
            raise optuna.TrialPruned(f"pruned after epoch {callback.pruned_epoch}")
        if ending == "nan":
            message = (
                f"The loss became NaN at epoch {trainer.epochs_done}: the learning "
                "rate is too high for these settings."
            )
            trial.set_user_attr("error", message)
            trial.set_user_attr("diverged", True)
            raise _TrialFailed(message)
        outputs = trainer.predict(self.prepared.X_val)
        value = metrics_from_outputs(self.prepared.y_val, outputs, self.task)[
            self.metric
        ]
        if value is None or not math.isfinite(value):
            message = "The network's outputs are not numbers: training diverged."
            trial.set_user_attr("error", message)
            trial.set_user_attr("diverged", True)
            raise _TrialFailed(message)
        return float(value)

    def run(
        self,
        should_stop: Callable[[], bool] | None = None,
        progress: Callable[..., None] | None = None,
    ) -> dict:
        """Train trials until the budget is reached; return the summary.

        Args:
            should_stop: asked before each trial; True ends the search (the running
                trial always finishes). Default: never.
            progress: called with plain keyword fields (``message``, ``running``,
                ``done``, ``budget``, ``best``, ``eta_s``, ``finished``, …) as the
                search goes, e.g. ``TaskContext.publish``. Default: None.

        Returns:
            ``summary()`` plus ``reason``: ``"budget"``, ``"time"``, ``"stopped"``,
            ``"exhausted"`` (every combination was tried) or ``"failures"``.
        """
        should_stop = should_stop or (lambda: False)
        publish = progress or (lambda **fields: None)
        started = time.monotonic()
        deadline = started + self.minutes * 60 if self.minutes else None
        durations: list[float] = []
        failures = repeats = 0
        lines: list[str] = []
        reason = "budget"
        title = OBJECTIVE_TITLES[self.objective]

        def best_text() -> str:
            best = self._best()
            if best is None:
                return ""
            value = value_text(self.objective, best["value"])
            return f" · best {title} {value} (trial {best['trial']})"

        def on_progress(position, number, epoch, value):
            done = position
            eta = None
            if durations:
                eta = sum(durations) / len(durations) * max(self.budget - done, 0)
            stopping = should_stop()
            text = (
                f"Trial {position + 1} of {self.budget} · epoch {epoch} of "
                f"{self.epochs}"
            )
            if stopping:
                text += " · stopping after this trial"
            elif value is not None:
                text += f" · {title} {value_text(self.objective, value)}"
            text += best_text()
            publish(
                message=text,
                running={
                    "trial": number + 1,
                    "position": position + 1,
                    "epoch": epoch,
                    "epochs": self.epochs,
                },
                done=self._finished(),
                budget=self.budget,
                eta_s=eta,
                stopping=stopping,
            )

        publish(**self._fields(), message=f"Starting: {self.budget} trials planned")
        while True:
            if should_stop():
                reason = "stopped"
                break
            if deadline is not None and time.monotonic() >= deadline:
                reason = "time"
                break
            if self._counted(self.study.get_trials(deepcopy=False)) >= self.budget:
                break
            if self.method != "grid" and self._exhausted():
                reason = "exhausted"
                break
            before = time.monotonic()
            trial = self._one_trial(on_progress)
            if trial is None:
                break
            skipped = trial.user_attrs.get("skipped", "")
            if skipped.startswith("repeats"):
                repeats += 1
                if repeats >= MAX_REPEATS_IN_A_ROW or self._exhausted():
                    reason = "exhausted"
                    break
                continue
            if skipped:
                break  # the budget is reached: other workers took the last trials
            repeats = 0
            durations.append(time.monotonic() - before)
            line = self._line(trial)
            lines.append(line)
            # Diverging settings are a result; errors that repeat are a problem.
            broken = trial.state.name == "FAIL" and not trial.user_attrs.get("diverged")
            failures = failures + 1 if broken else 0
            publish(**self._fields(), finished=list(lines), running=None)
            if failures >= MAX_FAILURES_IN_A_ROW:
                reason = "failures"
                break
        summary = self.summary()
        summary["reason"] = reason
        summary["seconds"] = round(time.monotonic() - started, 3)
        publish(
            **self._fields(),
            finished=list(lines),
            running=None,
            stopping=False,
            message=self._final_message(reason, summary),
        )
        if reason == "failures":
            summary["warnings"] = [
                f"The search stopped: {MAX_FAILURES_IN_A_ROW} trials in a row failed "
                f"({self._last_error()}). Fix the experiment (Train it once to see "
                "why) and resume the study."
            ]
        return summary

    def _one_trial(self, on_progress):
        """Run one trial (Optuna records its state); return it, or None."""
        ended = []
        self.study.optimize(
            lambda trial: self._objective(trial, on_progress),
            n_trials=1,
            catch=(_TrialFailed, _Skipped),
            callbacks=[lambda study, trial: ended.append(trial)],
            gc_after_trial=False,
        )
        return ended[-1] if ended else None

    def work(self, context) -> dict:
        """``run`` as a job of ``JobManager.submit_task``: Stop ends the search
        after the running trial."""
        return self.run(
            should_stop=lambda: context.stop_requested, progress=context.publish
        )

    # -- results --

    def _best(self) -> dict | None:
        from optuna.trial import TrialState

        trials = [
            t
            for t in self.study.get_trials(
                deepcopy=False, states=(TrialState.COMPLETE,)
            )
            if t.value is not None and not t.user_attrs.get("skipped")
        ]
        if not trials:
            return None
        pick = max if self.direction == "maximize" else min
        best = pick(trials, key=lambda t: (t.value, -t.number))
        return {
            "trial": best.number + 1,
            "value": float(best.value),
            "params": dict(best.user_attrs.get("params") or best.params),
        }

    def _leaders(self, count: int = 3) -> list[dict]:
        """The settings of the best few complete trials."""
        from optuna.trial import TrialState

        trials = [
            t
            for t in self.study.get_trials(
                deepcopy=False, states=(TrialState.COMPLETE,)
            )
            if t.value is not None and t.user_attrs.get("params")
        ]
        sign = -1 if self.direction == "maximize" else 1
        trials.sort(key=lambda t: (sign * t.value, t.number))
        return [t.user_attrs["params"] for t in trials[:count]]

    def _last_error(self) -> str:
        for trial in reversed(self.study.get_trials(deepcopy=False)):
            if trial.user_attrs.get("error"):
                return trial.user_attrs["error"]
        return "no reason recorded"

    def _fields(self) -> dict:
        return {
            "study": self.study_name,
            "storage": self.storage,
            "objective": self.objective,
            "direction": self.direction,
            "method": self.method,
            "budget": self.budget,
            "done": self._finished(),
            "best": self._best(),
        }

    def _line(self, trial) -> str:
        """One line about a finished trial, for the command line."""
        state = {"COMPLETE": "complete", "PRUNED": "pruned", "FAIL": "failed"}.get(
            trial.state.name, trial.state.name.lower()
        )
        params = trial.user_attrs.get("params") or trial.params
        shown = " ".join(f"{k}={_format(v)}" for k, v in params.items())
        value = (
            f" {self.objective}={trial.value:.4g}" if trial.value is not None else ""
        )
        epochs = trial.user_attrs.get("epochs", 0)
        seconds = trial.user_attrs.get("seconds", 0.0)
        error = (
            f" ({trial.user_attrs['error']})" if trial.user_attrs.get("error") else ""
        )
        return (
            f"trial {trial.number + 1} {state}{value} epochs={epochs} "
            f"({seconds:.1f} s) {shown}{error}"
        )

    def _final_message(self, reason: str, summary: dict) -> str:
        done = summary["trials"]
        pruned = summary["pruned"]
        if reason == "exhausted":
            head = "Finished: every combination has been tried"
        elif reason == "time":
            head = f"Finished: the {self.minutes:g}-minute budget is spent"
        else:
            head = {
                "budget": "Finished",
                "stopped": "Stopped by you",
                "failures": "Stopped: trials keep failing",
            }[reason]
        text = f"{head} · {done} trial{'s' * (done != 1)} ({pruned} pruned)"
        if summary["best_value"] is not None:
            text += (
                f" · best {OBJECTIVE_TITLES[self.objective]} "
                f"{value_text(self.objective, summary['best_value'])} "
                f"(trial {summary['best_trial']})"
            )
        return text

    def summary(self) -> dict:
        """The study's result, as the ``tune`` command prints it.

        Returns:
            ``objective``, ``direction``, ``best_value``, ``best_params`` (the best
            trial's settings, for ``apply_best``), ``best_trial`` (1-based),
            ``trials`` (finished trials, pruned and failed included), ``pruned``,
            ``failed``, ``epochs_total`` (epochs trained by the finished trials),
            ``study``, ``storage``, ``method``.
        """
        snapshot = study_snapshot(self.storage, self.study_name)
        best = snapshot.best
        return {
            "objective": self.objective,
            "direction": self.direction,
            "best_value": None if best is None else best["value"],
            "best_params": None if best is None else best["params"],
            "best_trial": None if best is None else best["trial"],
            "trials": snapshot.n_complete + snapshot.n_pruned + snapshot.n_failed,
            "pruned": snapshot.n_pruned,
            "failed": snapshot.n_failed,
            "epochs_total": sum(
                row["epochs"] for row in snapshot.rows if row["state"] != "running"
            ),
            "study": self.study_name,
            "storage": shown_storage(self.storage),
            "method": self.method,
        }


def _worker_is_gone(worker: str) -> bool:
    """Whether the process of this machine that ran a trial has ended (a trial of
    another machine cannot be checked, and is left as it is)."""
    from nncore.runs.store import process_is_gone

    return process_is_gone(worker, _WORKER, elsewhere=False)
    return False


def _wait_for_meta(study, seconds: float = 10.0) -> dict | None:
    """The study's NN Studio settings; a worker that created it a moment ago may
    still be writing them."""
    deadline = time.monotonic() + seconds
    while True:
        meta = study.user_attrs.get(META_KEY)
        if meta is not None or time.monotonic() >= deadline:
            return meta
        if study.trials:  # a study with trials and no settings is not ours
            return None
        time.sleep(0.2)


def _difference(theirs: dict, mine: dict) -> str:
    """The first field in which two fingerprints differ, in words."""
    for path, (a, b) in _diff(theirs, mine, ""):
        return f"its {path} is {_shown(a)}, yours is {_shown(b)}"
    return "its settings differ"


def _diff(a: Any, b: Any, path: str):
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            inner = f"{path}.{key}" if path else str(key)
            yield from _diff(a.get(key), b.get(key), inner)
    elif a != b:
        yield path.removeprefix("spec."), (a, b)


def study_meta(storage: str | None, study_name: str) -> dict:
    """The NN Studio settings of a study: the experiment it tunes and its objective.

    Raises:
        DataError: no study of that name, or one not made by NN Studio.
    """
    import optuna

    opened = open_storage(storage, create=False)
    try:
        study = optuna.load_study(study_name=study_name, storage=opened)
    except KeyError as error:
        raise DataError(
            f"There is no study '{study_name}' in '{shown_storage(storage or '')}'. "
            "Check the name (the list shows the studies there)."
        ) from error
    meta = study.user_attrs.get(META_KEY)
    if not meta:
        raise DataError(
            f"The study '{study_name}' was not made by NN Studio, so it cannot be "
            "resumed here (it can still be watched)."
        )
    return meta


# --- what a study holds, for tables and charts ------------------------------------


@dataclass
class StudySnapshot:
    """A study's trials as plain data, for the trials table and the charts.

    Attributes:
        study: the study's name.
        storage: its storage (password hidden).
        objective: e.g. ``"val_accuracy"``; ``"value"`` for a study not made by
            NN Studio.
        objective_title: e.g. ``"validation accuracy"``.
        direction: ``"maximize"`` or ``"minimize"``.
        method: the search method, or None.
        budget: the study's planned trials, or None.
        rows: one dict per trial (skipped trials left out), in trial order:
            ``trial`` (1-based), ``state`` (``"complete"``, ``"pruned"``,
            ``"failed"``, ``"running"``), ``value``, ``epochs``, ``seconds``,
            ``params`` (name -> value) and ``note``.
        curves: trial (1-based) -> the objective after each epoch (None where not
            reported).
        params: the names of the parameters trials varied, in ``DIMENSIONS`` order.
        distributions: parameter -> ``{"kind": "int"|"float"|"categorical",
            "log": bool, "choices": [...]}``.
        best: ``{"trial", "value", "params"}`` of the best complete trial, or None.
        n_complete, n_pruned, n_failed, n_running: trials in each state.
        epochs_total: epochs trained by all the trials.
        spec: the experiment the study tunes (None when not made by NN Studio).
        importances: parameter -> importance (adds up to 1), or None.
        importance_note: why there are no importances, or None.
    """

    study: str
    storage: str
    objective: str
    objective_title: str
    direction: str
    method: str | None
    budget: int | None
    rows: list[dict] = field(default_factory=list)
    curves: dict[int, list[float | None]] = field(default_factory=dict)
    params: list[str] = field(default_factory=list)
    distributions: dict[str, dict] = field(default_factory=dict)
    best: dict | None = None
    n_complete: int = 0
    n_pruned: int = 0
    n_failed: int = 0
    n_running: int = 0
    epochs_total: int = 0
    spec: dict | None = None
    importances: dict[str, float] | None = None
    importance_note: str | None = None

    @property
    def finished(self) -> int:
        return self.n_complete + self.n_pruned + self.n_failed


_STATES = {"COMPLETE": "complete", "PRUNED": "pruned", "FAIL": "failed"}
_importance_cache: dict[tuple, tuple[dict | None, str | None]] = {}
_importance_lock = threading.Lock()


def study_snapshot(
    storage: str | None, study_name: str, importances: bool = False
) -> StudySnapshot:
    """Read a study's trials as plain data (any Optuna study, NN Studio's or not).

    Args:
        storage: the storage URL or journal file. Default: ``default_storage()``.
        study_name: the study.
        importances: also compute each parameter's importance (Optuna's fANOVA;
            needs two complete trials). Default: False.

    Raises:
        DataError: the storage or the study cannot be read.
    """
    import optuna

    storage = storage or default_storage()
    opened = open_storage(storage, create=False)
    try:
        study = optuna.load_study(study_name=study_name, storage=opened)
        trials = study.get_trials(deepcopy=False)
        meta = study.user_attrs.get(META_KEY) or {}
        direction = study.direction.name.lower()
    except KeyError as error:
        raise DataError(
            f"There is no study '{study_name}' in '{shown_storage(storage)}'."
        ) from error
    except (ValueError, RuntimeError) as error:  # a multi-objective study
        raise DataError(
            f"The study '{study_name}' cannot be shown here ({_first_line(error)}): "
            "only single-objective studies are supported."
        ) from error
    objective = meta.get("objective", "value")
    snapshot = StudySnapshot(
        study=study_name,
        storage=shown_storage(storage),
        objective=objective,
        objective_title=OBJECTIVE_TITLES.get(objective, "objective value"),
        direction=direction,
        method=meta.get("method"),
        budget=None,
        spec=meta.get("spec"),
    )
    if snapshot.spec is not None:
        try:
            snapshot.budget = trials_planned(snapshot.spec)
        except (SpecError, KeyError, TypeError):
            snapshot.budget = None
    seen: dict[str, Any] = {}
    for trial in trials:
        if trial.user_attrs.get("skipped") or trial.state.name == "WAITING":
            continue
        state = _STATES.get(trial.state.name, "running")
        params = dict(trial.user_attrs.get("params") or trial.params)
        for name, distribution in trial.distributions.items():
            seen.setdefault(name, distribution)
        number = trial.number + 1
        curve_steps = trial.intermediate_values
        epochs = trial.user_attrs.get("epochs")
        if epochs is None:
            epochs = max(curve_steps) if curve_steps else 0
        if curve_steps:
            last = max(curve_steps)
            snapshot.curves[number] = [
                _finite(curve_steps.get(step)) for step in range(1, last + 1)
            ]
        seconds = trial.user_attrs.get("seconds")
        if seconds is None and trial.datetime_start is not None:
            end = trial.datetime_complete or datetime.datetime.now()
            seconds = (end - trial.datetime_start).total_seconds()
        note = trial.user_attrs.get("error") or ""
        if state == "pruned" and trial.user_attrs.get("pruned_at"):
            note = f"stopped after epoch {trial.user_attrs['pruned_at']}"
        snapshot.rows.append(
            {
                "trial": number,
                "state": state,
                "value": _finite(trial.value) if state != "failed" else None,
                "epochs": int(epochs),
                "seconds": None if seconds is None else round(float(seconds), 2),
                "params": params,
                "note": note,
            }
        )
        snapshot.epochs_total += int(epochs)
        count = f"n_{state}"
        setattr(snapshot, count, getattr(snapshot, count) + 1)
    order = {name: i for i, name in enumerate(DIMENSIONS)}
    snapshot.params = sorted(seen, key=lambda n: (order.get(n, len(order)), n))
    snapshot.distributions = {
        name: _distribution_info(seen[name]) for name in snapshot.params
    }
    complete = [
        r for r in snapshot.rows if r["state"] == "complete" and r["value"] is not None
    ]
    if complete:
        pick = max if direction == "maximize" else min
        best = pick(complete, key=lambda r: (r["value"], -r["trial"]))
        snapshot.best = {
            "trial": best["trial"],
            "value": best["value"],
            "params": best["params"],
        }
    if importances:
        snapshot.importances, snapshot.importance_note = _importances(
            study, storage, study_name, len(complete)
        )
    return snapshot


def _finite(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _distribution_info(distribution) -> dict:
    import optuna

    if isinstance(distribution, optuna.distributions.CategoricalDistribution):
        return {
            "kind": "categorical",
            "log": False,
            "choices": list(distribution.choices),
        }
    kind = (
        "int"
        if isinstance(distribution, optuna.distributions.IntDistribution)
        else "float"
    )
    return {
        "kind": kind,
        "log": bool(distribution.log),
        "low": distribution.low,
        "high": distribution.high,
    }


def _importances(study, storage: str, name: str, complete: int):
    """Each parameter's importance (fANOVA), computed once per number of complete
    trials; or None and the reason."""
    import optuna

    if complete < 2:
        return None, "Parameter importance needs at least 2 completed trials."
    key = (storage, name, complete)
    with _importance_lock:
        if key in _importance_cache:
            return _importance_cache[key]
    try:
        values = optuna.importance.get_param_importances(study)
        result = (
            {k: float(v) for k, v in values.items()} or None,
            None if values else "No parameter varied among the completed trials.",
        )
    except (ValueError, RuntimeError, ZeroDivisionError) as error:
        result = (
            None,
            "Parameter importance cannot be computed yet "
            f"({_first_line(error)}); it needs completed trials whose settings and "
            "results differ.",
        )
    if result[0] is not None and not all(math.isfinite(v) for v in result[0].values()):
        result = (
            None,
            "Parameter importance cannot be computed: the results are equal.",
        )
    with _importance_lock:
        _importance_cache[key] = result
    return result


# --- the trials table as CSV ------------------------------------------------------


def trials_table(snapshot: StudySnapshot):
    """The trials as a table people read: one row per trial, titled columns.

    Columns: Trial, State, the objective (e.g. "Validation accuracy"), Epochs,
    Seconds, one per parameter (its title), Note.
    """
    import pandas as pd

    value_title = snapshot.objective_title[0].upper() + snapshot.objective_title[1:]
    records = []
    for row in snapshot.rows:
        record = {
            "Trial": row["trial"],
            "State": row["state"],
            value_title: row["value"],
            "Epochs": row["epochs"],
            "Seconds": row["seconds"],
        }
        for name in snapshot.params:
            title = DIMENSIONS[name].title if name in DIMENSIONS else name
            record[title] = row["params"].get(name)
        record["Note"] = row["note"]
        records.append(record)
    columns = ["Trial", "State", value_title, "Epochs", "Seconds"]
    columns += [
        DIMENSIONS[n].title if n in DIMENSIONS else n for n in snapshot.params
    ] + ["Note"]
    frame = pd.DataFrame.from_records(records, columns=columns)
    for column in (value_title, "Seconds"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


def trials_csv(snapshot: StudySnapshot) -> bytes:
    """The trials table as UTF-8 CSV, safe to open in a spreadsheet.

    A text cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab) gets a
    leading apostrophe unless it is a number, so no cell runs as a formula.
    """
    from nncore.train.evaluation import csv_bytes

    return csv_bytes(trials_table(snapshot))
