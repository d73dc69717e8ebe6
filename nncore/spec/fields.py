"""Checking one field against its schema, and the messages that say what is wrong.

The error policy, stated once: a message names the field by its path, says what is
expected (generated from the schema) and shows the value received the way the JSON
file writes it (``true``, ``null``, ``"text"`` as ``'text'``), cut at 60 characters:
``The 'data.scaling' field must be one of {'standard', 'minmax', 'none'}. Got 'std'.``
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterable
from typing import Any

from nncore.core.errors import SpecError
from nncore.spec.schema import SCHEMA, Field

MAX_SHOWN = 60  # characters of a received value a message shows

_GENERIC = {
    "boolean": "must be true or false",
    "text": "must be a text",
    "list": "must be a list",
    "object": "must be an object",
}


def shown(value: Any) -> str:
    """A received value as a message shows it: JSON where the value is JSON (texts
    in single quotes), else Python's ``repr`` (``nan``), cut at 60 characters."""
    if isinstance(value, str) or not _jsonable(value):
        text = repr(value)
    else:
        text = json.dumps(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


def fail(path: str, value: Any, expected: str) -> SpecError:
    """The error for a field: ``The 'PATH' field EXPECTED. Got VALUE.``"""
    return SpecError(f"The '{path}' field {expected}. Got {shown(value)}.")


def one_of(allowed: Iterable[Any]) -> str:
    """``{'a', 'b'}``: the allowed values as messages list them."""
    return "{" + ", ".join(f"'{a}'" for a in allowed) + "}"


def is_number(value: Any) -> bool:
    """Whether ``value`` is a finite int or float (a bool is not a number)."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def expected(rule: Field) -> str:
    """What a field must hold, in words: ``"must be a whole number from 1 to 1000"``.

    Generated from the rule's kind and bounds unless the rule words it itself.
    """
    if rule.expected:
        return rule.expected
    if rule.kind == "integer":
        return f"must be a whole number from {rule.low} to {rule.high}"
    if rule.kind == "choice":
        return "must be one of " + one_of(rule.choices)
    if rule.kind != "number":
        return _GENERIC[rule.kind]
    low, high = rule.low, rule.high
    span = {
        "both": f"from {low} to {high}",
        "left": f"from {low} up to (not including) {high}",
        "right": f"above {low} and at most {high}",
        "neither": f"between {low} and {high}",
    }[rule.closed]
    text = f"must be a {rule.noun} {span}"
    if rule.example is not None:
        text += f", e.g. {rule.example}"
    if rule.note:
        text += f" ({rule.note})"
    return text


def allows(rule: Field, value: Any) -> bool:
    """Whether ``value`` meets a rule of kind integer, number, choice, boolean or
    text (a text must not be blank)."""
    if value is None and rule.nullable:
        return True
    if rule.kind == "integer":
        return (
            isinstance(value, int)
            and not isinstance(value, bool)
            and rule.within(value)
        )
    if rule.kind == "number":
        return is_number(value) and rule.within(value)
    if rule.kind == "choice":
        return value in rule.choices
    if rule.kind == "boolean":
        return isinstance(value, bool)
    if rule.kind == "text":
        return isinstance(value, str) and bool(value.strip())
    raise ValueError(f"Received: kind={rule.kind!r}. Its validator checks it.")


def check(value: Any, rule: Field, path: str) -> Any:
    """``value`` if ``rule`` allows it.

    Args:
        value: the value received.
        rule: its schema.
        path: the field's name in the message, e.g. ``"model.layers[1].units"``.

    Raises:
        SpecError: naming the field, the value and what is expected.
    """
    if not allows(rule, value):
        raise fail(path, value, expected(rule))
    return value


def check_field(section: dict[str, Any], path: str) -> Any:
    """Check the field ``path`` of the schema (``"train.epochs"``) in its section.

    Returns:
        The value, as it is.
    """
    return check(section[path.rpartition(".")[2]], SCHEMA[path], path)


def merge_section(
    value: Any,
    defaults: dict[str, Any],
    path: str,
    *,
    expected: str = "must be an object",
) -> dict[str, Any]:
    """A spec section merged over its defaults, refusing unknown fields.

    Args:
        value: the section as given.
        defaults: every field the section may have, with its default.
        path: the section's name in messages, e.g. ``"train.early_stopping"``.
        expected: what to say when ``value`` is not an object. Defaults to
            ``"must be an object"``.

    Raises:
        SpecError: when ``value`` is not an object or has an unknown field.
    """
    if not isinstance(value, dict):
        raise fail(path, value, expected)
    unknown = sorted(set(value) - set(defaults), key=str)
    if unknown:
        raise SpecError(
            f"The '{path}' section has an unknown field '{unknown[0]}'. "
            f"Expected fields: {', '.join(sorted(defaults))}."
        )
    return {**copy.deepcopy(defaults), **copy.deepcopy(value)}
