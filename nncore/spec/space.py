"""The ``tune.space`` rules: which settings a search may vary, and over which values.

The dimensions themselves (titles, kinds, limits) are ``schema.DIMENSIONS``;
resolving a space into Optuna distributions is ``nncore.tune.space``'s work.
"""

from __future__ import annotations

from typing import Any

from nncore.core.errors import SpecError
from nncore.spec.fields import expected, fail, is_number, one_of
from nncore.spec.schema import DIMENSIONS, SCHEMA, DimensionInfo


def _words(info: DimensionInfo) -> str:
    """How messages say the values a numeric dimension allows."""
    if info.words:
        return info.words
    if info.kind == "int":
        return f"whole numbers from {info.low} to {info.high}"
    return f"numbers from {info.low:g} to {info.high:g}"


def _bad(name: str, value: Any, wanted: str) -> SpecError:
    return fail(
        f"tune.space.{name}", value, f"{wanted}, e.g. {DIMENSIONS[name].example}"
    )


def _check_value(name: str, value: Any, where: Any) -> Any:
    """One value of a dimension, checked (``where`` is what the message shows)."""
    info = DIMENSIONS[name]
    if info.kind == "text":
        if value not in info.choices:
            raise _bad(name, where, "may only hold " + one_of(info.choices))
        return value
    if info.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad(name, where, f"may only hold {_words(info)}")
    elif not is_number(value):
        raise _bad(name, where, f"may only hold {_words(info)}")
    if not info.low <= value <= info.high:
        raise _bad(name, where, f"may only hold {_words(info)}")
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
        raise fail("tune.space", space, expected(SCHEMA["tune.space"]))
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
                if not is_number(step) or not 0 < step <= high - low:
                    raise _bad(
                        name,
                        value,
                        "must have a 'step' above 0 and at most 'high' - 'low'",
                    )
                checked[name]["step"] = float(step)
        else:
            checked[name] = _check_value(name, value, value)
    return checked
