"""The experiment spec: one plain, JSON-serialisable dict for a whole experiment.

The app edits it, the CLI runs it, and exporters turn it into code. Top-level keys
are fixed (``data``, ``model``, ``compile``, ``train``, ``tune``); fields inside may
grow. This module owns the defaults and the validation of the ``data`` part.
"""

from __future__ import annotations

import codecs
import copy
import json
import math
import re
from pathlib import Path
from typing import Any

from nncore.core.catalog import BUILTIN_DATASETS
from nncore.core.errors import SpecError
from nncore.core.text import short

SECTIONS = ("data", "model", "compile", "train", "tune")
TASKS = ("auto", "binary", "multiclass", "regression")
SCALINGS = ("standard", "minmax", "none")

DEFAULT_SPEC: dict[str, Any] = {
    "data": {
        "source": "builtin:breast_cancer",
        "target": "target",
        "task": "auto",
        "split": {"train": 0.7, "val": 0.15, "test": 0.15, "stratify": True},
        "scaling": "standard",
        "seed": 42,
        # Used by the 2-D generators only (circle, xor, gaussian, spiral, plane).
        "n_samples": 400,
        "noise": 0.1,
        # One-hot encoding keeps at most this many categories per column.
        "max_categories": 20,
        # Merge target labels that differ only by case or surrounding spaces.
        "clean_labels": True,
    },
    "model": {
        "layers": [
            {"type": "dense", "units": 128, "activation": "relu"},
            {"type": "dropout", "rate": 0.2},
            {"type": "dense", "units": 64, "activation": "relu"},
        ],
        "output": "auto",
    },
    "compile": {
        "optimizer": "adam",
        "learning_rate": 0.001,
        "momentum": 0.9,  # used by sgd only
        "loss": "auto",
        "metrics": ["accuracy"],
    },
    "train": {
        "epochs": 20,
        "batch_size": 32,
        # Stop when the validation loss has not improved for `patience` epochs, and
        # (restore_best) go back to the weights of the best epoch.
        "early_stopping": {"enabled": True, "patience": 5, "restore_best": True},
        # Keep a copy of the model at its best epoch (lowest validation loss).
        "save_best": True,
        # Multiply the learning rate by `factor` after `patience` epochs without
        # improvement of the validation loss.
        "reduce_lr": {"enabled": False, "patience": 3, "factor": 0.5},
        "seed": 42,
    },
    # What the Tune screen searches (see nncore.tune.search): the method, the study's
    # number of trials, an optional time limit, the pruning rule, the epochs per
    # trial (null: train.epochs) and the search space (empty: a default one).
    "tune": {
        "method": "random",
        "trials": 20,
        "space": {},
        "minutes": None,
        "pruner": "median",
        "epochs": None,
    },
}
TUNE_METHODS = ("grid", "random", "tpe")
TUNE_PRUNERS = ("median", "hyperband", "none")
# Limits on what an experiment may hold, so that a hand-edited or hostile file
# cannot exhaust the server: the default spec is 4 levels deep and a few kB.
MAX_DEPTH = 20
MAX_TEXT = 100_000  # characters in one text field (a long column name fits)
MAX_SPEC_BYTES = 20_000_000


def default_spec() -> dict[str, Any]:
    """Return a fresh copy of the default experiment spec."""
    return copy.deepcopy(DEFAULT_SPEC)


def _fail(field: str, value: Any, expected: str) -> SpecError:
    shown = (
        repr(value)
        if isinstance(value, str) or not _jsonable(value)
        else json.dumps(value)
    )
    if len(shown) > 60:
        shown = shown[:59] + "…"
    return SpecError(f"The '{field}' field {expected}. Got {shown}.")


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _choice(section: dict, key: str, allowed: tuple[str, ...], prefix: str) -> None:
    value = section[key]
    if value not in allowed:
        raise _fail(f"{prefix}.{key}", value, "must be one of " + _set(allowed))


def _set(allowed) -> str:
    return "{" + ", ".join(f"'{a}'" for a in allowed) + "}"


def _number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _integer(section: dict, key: str, prefix: str, low: int, high: int) -> None:
    value = section[key]
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not low <= value <= high
    ):
        raise _fail(
            f"{prefix}.{key}", value, f"must be a whole number from {low} to {high}"
        )


def _boolean(section: dict, key: str, prefix: str) -> None:
    if not isinstance(section[key], bool):
        raise _fail(f"{prefix}.{key}", section[key], "must be true or false")


def merge_section(
    value: Any, defaults: dict[str, Any], path: str, expected: str = "must be an object"
) -> dict[str, Any]:
    """A spec section merged over its defaults, refusing unknown fields.

    Args:
        value: the section as given.
        defaults: every field the section may have, with its default.
        path: the section's name in messages, e.g. ``"train.early_stopping"``.
        expected: what to say when ``value`` is not an object.

    Raises:
        SpecError: when ``value`` is not an object or has an unknown field.
    """
    if not isinstance(value, dict):
        raise _fail(path, value, expected)
    unknown = sorted(set(value) - set(defaults), key=str)
    if unknown:
        raise SpecError(
            f"The '{path}' section has an unknown field '{unknown[0]}'. "
            f"Expected fields: {', '.join(sorted(defaults))}."
        )
    return {**copy.deepcopy(defaults), **copy.deepcopy(value)}


def validate_data_spec(data: Any) -> dict[str, Any]:
    """Check the ``data`` part of a spec and return it with defaults filled in.

    Args:
        data: the ``data`` dict of an experiment spec.

    Returns:
        A new dict with every field present.

    Raises:
        SpecError: naming the field, the value received and what is expected.
    """
    defaults = DEFAULT_SPEC["data"]
    merged = merge_section(
        data, defaults, "data", "must be an object with the settings"
    )
    merged["split"] = merge_section(merged["split"], defaults["split"], "data.split")

    source = merged["source"]
    if not isinstance(source, str) or not source.strip():
        raise _fail(
            "data.source",
            source,
            "must be 'builtin:NAME' or the path of a CSV, TSV, Excel or Parquet file",
        )
    if source.startswith("builtin:"):
        name = source.split(":", 1)[1]
        if name not in BUILTIN_DATASETS:
            raise _fail(
                "data.source",
                source,
                "names an unknown built-in dataset; expected one of "
                + _set(f"builtin:{n}" for n in BUILTIN_DATASETS),
            )
    target = merged["target"]
    if target is not None and (not isinstance(target, str) or not target.strip()):
        raise _fail("data.target", target, "must be a column name (text) or null")
    _choice(merged, "task", TASKS, "data")
    _choice(merged, "scaling", SCALINGS, "data")
    _integer(merged, "seed", "data", 0, 2**31 - 1)
    _integer(merged, "n_samples", "data", 20, 100_000)
    _integer(merged, "max_categories", "data", 2, 1000)
    if not _number(merged["noise"]) or not 0 <= merged["noise"] <= 2:
        raise _fail("data.noise", merged["noise"], "must be a number from 0 to 2")
    _boolean(merged, "clean_labels", "data")

    split = merged["split"]
    for part in ("train", "val", "test"):
        value = split[part]
        if not _number(value) or not 0 < value < 1:
            raise _fail(
                f"data.split.{part}",
                value,
                "must be a fraction between 0 and 1, e.g. 0.15",
            )
    total = split["train"] + split["val"] + split["test"]
    if abs(total - 1) > 1e-6:
        raise SpecError(
            "The 'data.split' fractions must add up to 1. Got "
            f"train={split['train']} + val={split['val']} + test={split['test']} "
            f"= {round(total, 6)}. For example use 0.7, 0.15 and 0.15."
        )
    _boolean(split, "stratify", "data.split")
    return merged


def check_shape(value: Any, path: str = "") -> None:
    """Refuse values nested too deeply or holding too much text, naming the field.

    Runs before anything walks the spec recursively (merging, copying, showing), so
    a hostile document gets a message instead of a ``RecursionError`` or a 10 MB
    string shown on a screen.

    Raises:
        SpecError: naming the field, what it holds and what is allowed.
    """
    stack = [(value, path, 0)]
    while stack:
        item, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _too_deep(where)
        if isinstance(item, str) and len(item) > MAX_TEXT:
            raise SpecError(
                f"The '{_field(where)}' field is a text of {len(item):,} characters; "
                f"at most {MAX_TEXT:,} are allowed. Got {item[:20]!r}…."
            )
        if isinstance(item, dict):
            for key, inner in item.items():
                name = f"{where}.{key}" if where else str(key)
                stack.append((inner, name, depth + 1))
        elif isinstance(item, list | tuple):
            stack.extend(
                (inner, f"{where}[{i}]", depth + 1) for i, inner in enumerate(item)
            )


def _field(path: str) -> str:
    """The named field of a path: ``"data.target[0][0]"`` -> ``"data.target"``."""
    cut = len(path)
    while cut and path[cut - 1] == "]":
        cut = path.rfind("[", 0, cut)
    return path[:cut] or path or "experiment"


def validate_spec(spec: Any) -> dict[str, Any]:
    """Check a whole experiment spec and return it with defaults filled in.

    Sections other than ``data`` are only checked to be objects here; the screens
    that own them validate their fields.

    Raises:
        SpecError: naming the field, the value received and what is expected.
    """
    check_shape(spec)
    if not isinstance(spec, dict):
        raise SpecError(
            "An experiment spec must be a JSON object with the sections "
            f"{', '.join(SECTIONS)}. Got {type(spec).__name__}."
        )
    unknown = sorted(set(spec) - set(SECTIONS))
    if unknown:
        raise SpecError(
            f"The experiment spec has an unknown section '{unknown[0]}'. "
            f"Expected sections: {', '.join(SECTIONS)}."
        )
    merged = default_spec()
    for section in SECTIONS:
        if section in spec:
            if not isinstance(spec[section], dict):
                raise _fail(section, spec[section], "must be an object")
            merged[section] = {**merged[section], **copy.deepcopy(spec[section])}
    merged["data"] = validate_data_spec(spec.get("data", {}))
    # Imported here: each section's rules live with the code that uses them.
    from nncore.train.compiling import validate_compile_spec
    from nncore.train.model import validate_model_spec

    merged["model"] = validate_model_spec(merged["model"])
    merged["compile"] = validate_compile_spec(merged["compile"])
    merged["train"] = validate_train_spec(merged["train"])
    merged["tune"] = validate_tune_spec(merged["tune"])
    return merged


def validate_tune_spec(tune: Any) -> dict[str, Any]:
    """Check the ``tune`` part of a spec and return it with defaults filled in.

    Raises:
        SpecError: naming the field, the value received and what is expected.
    """
    merged = merge_section(tune, DEFAULT_SPEC["tune"], "tune", "must be an object")
    _choice(merged, "method", TUNE_METHODS, "tune")
    _choice(merged, "pruner", TUNE_PRUNERS, "tune")
    _integer(merged, "trials", "tune", 1, 10_000)
    minutes = merged["minutes"]
    if minutes is not None and (not _number(minutes) or not 0 < minutes <= 10_080):
        raise _fail(
            "tune.minutes",
            minutes,
            "must be a number of minutes above 0 (at most a week), or null for no "
            "time limit",
        )
    if merged["epochs"] is not None:
        _integer(merged, "epochs", "tune", 1, 1000)
    # Imported here: the search space's rules live with the code that searches.
    from nncore.tune import validate_space

    merged["space"] = validate_space(merged["space"])
    return merged


def validate_train_spec(train: Any) -> dict[str, Any]:
    """Check the ``train`` part of a spec and return it with defaults filled in.

    Raises:
        SpecError: naming the field, the value received and what is expected.
    """
    defaults = DEFAULT_SPEC["train"]
    merged = merge_section(train, defaults, "train", "must be an object")
    _integer(merged, "epochs", "train", 1, 1000)
    _integer(merged, "batch_size", "train", 1, 8192)
    _integer(merged, "seed", "train", 0, 2**31 - 1)
    stopping = merge_section(
        merged["early_stopping"], defaults["early_stopping"], "train.early_stopping"
    )
    _boolean(stopping, "enabled", "train.early_stopping")
    _boolean(stopping, "restore_best", "train.early_stopping")
    _integer(stopping, "patience", "train.early_stopping", 1, 100)
    merged["early_stopping"] = stopping
    _boolean(merged, "save_best", "train")
    reduce_lr = merge_section(
        merged["reduce_lr"], defaults["reduce_lr"], "train.reduce_lr"
    )
    _boolean(reduce_lr, "enabled", "train.reduce_lr")
    _integer(reduce_lr, "patience", "train.reduce_lr", 1, 100)
    factor = reduce_lr["factor"]
    if not _number(factor) or not 0 < factor < 1:
        raise _fail(
            "train.reduce_lr.factor",
            factor,
            "must be a number between 0 and 1 (e.g. 0.5 halves the learning rate)",
        )
    merged["reduce_lr"] = reduce_lr
    return merged


def load_spec(path: str | Path) -> dict[str, Any]:
    """Read an experiment spec from a JSON file and validate it.

    Raises:
        SpecError: when the file is missing, is not JSON, or has a bad field.
    """
    path = Path(path)
    try:
        if path.stat().st_size > MAX_SPEC_BYTES:
            raise SpecError(
                f"The experiment file '{path}' is {path.stat().st_size:,} bytes; an "
                f"experiment is at most {MAX_SPEC_BYTES:,} (an exported one is about "
                "2,000). Check that this is the experiment's JSON file."
            )
        text = decode_json_bytes(path.read_bytes())
    except FileNotFoundError as error:
        raise SpecError(
            f"The experiment file '{path}' does not exist. Check the path."
        ) from error
    except (OSError, UnicodeDecodeError) as error:
        raise SpecError(
            f"Could not read the experiment file '{path}' ({short(error, 100)}). "
            "It must be a UTF-8 JSON file."
        ) from error
    return spec_from_text(
        text, f"The experiment file '{path}'", "Fix the JSON syntax there."
    )


def decode_json_bytes(data: bytes) -> str:
    """JSON text from a file's bytes: UTF-8 (with or without BOM) or UTF-16 with BOM.

    Raises:
        UnicodeDecodeError: the bytes are not such text.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16")
        if not text.lstrip().startswith(("{", "[")):  # binary that starts like it
            raise UnicodeDecodeError("utf-16", data, 0, len(data), "not JSON text")
        return text
    return data.decode("utf-8-sig")


def spec_from_text(text: str, name: str, advice: str) -> dict[str, Any]:
    """Parse an experiment from JSON text and validate it.

    Args:
        text: the JSON.
        name: how messages call its source, e.g. "The experiment file 'x.json'".
        advice: what to do when it is not JSON.

    Raises:
        SpecError: when the text is not JSON or a field is wrong.
    """
    if len(text) > MAX_SPEC_BYTES:
        raise SpecError(
            f"{name} is {len(text):,} characters long; an experiment is at most "
            f"{MAX_SPEC_BYTES:,} (an exported one is about 2,000). {advice}"
        )
    if not text.strip():
        raise SpecError(f"{name} is empty. {advice}")
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as error:
        raise SpecError(
            f"{name} is not valid JSON: {error.msg} at line {error.lineno}, column "
            f"{error.colno}. {advice}"
        ) from error
    except RecursionError as error:  # brackets nested thousands deep
        raise nesting_error(text) from error
    except ValueError as error:  # e.g. an integer of more than 4300 digits
        found = re.search(r"\d{4000,}", text)
        where = _field(_path_at(text, found.start())) if found else "experiment"
        raise SpecError(
            f"The '{where}' field holds a number with more than 4,000 digits, which "
            f"Python cannot read. Expected an ordinary number there, e.g. 20."
        ) from error
    return validate_spec(spec)


def nesting_error(text: str) -> SpecError:
    """The message for JSON nested too deeply for ``json`` to load, naming the field
    (found by scanning the text)."""
    return _too_deep(_path_where_too_deep(text))


def _too_deep(path: str) -> SpecError:
    return SpecError(
        f"The '{_field(path)}' field is nested more than {MAX_DEPTH} levels deep "
        "(lists or objects inside each other); no experiment field is. Expected a "
        "plain value there, such as a number, a text or a short list."
    )


def _path_where_too_deep(text: str) -> str:
    """The JSON path at which brackets first nest deeper than ``MAX_DEPTH``."""
    depth, in_string, escape = 0, False, False
    for index, char in enumerate(text):
        if in_string:
            if escape:
                escape = False
            elif char == "\\":
                escape = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return _path_at(text, index)
        elif char in "]}":
            depth -= 1
    return ""


def _path_at(text: str, end: int) -> str:
    """The JSON path (``model.layers[0].units``) of the value at ``text[end]``.

    A small scanner for documents ``json`` cannot load; keys are shown as written.
    """
    stack: list[list] = []  # [kind, key or index]
    in_string = escape = expecting_key = False
    start = 0
    for index in range(min(end, len(text))):
        char = text[index]
        if in_string:
            if escape:
                escape = False
            elif char == "\\":
                escape = True
            elif char == '"':
                in_string = False
                if stack and stack[-1][0] == "object" and expecting_key:
                    stack[-1][1] = text[start:index]
            continue
        if char == '"':
            in_string, start = True, index + 1
        elif char == "{":
            stack.append(["object", None])
            expecting_key = True
        elif char == "[":
            stack.append(["list", 0])
            expecting_key = False
        elif char in "]}":
            if stack:
                stack.pop()
            expecting_key = False
        elif char == ":":
            expecting_key = False
        elif char == "," and stack:
            if stack[-1][0] == "list":
                stack[-1][1] += 1
            else:
                expecting_key = True
    path = ""
    for kind, key in stack:
        if kind == "list":
            path += f"[{key}]"
        elif key is not None:
            path = f"{path}.{key}" if path else key
    return path
