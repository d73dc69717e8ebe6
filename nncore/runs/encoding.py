"""How the run store keeps values as JSON: specs, and logs and metrics whose NaN and
infinities JSON cannot hold."""

from __future__ import annotations

import json
import math
import numbers
from typing import Any

# JSON has no NaN or infinity; a diverging run logs them, so they are kept as these
# strings in the numeric columns (logs, metrics, baseline) and turned back on reading.
_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def spec_json(spec: dict) -> str:
    try:
        return json.dumps(spec, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"The spec cannot be stored as JSON ({error}). Expected a spec of plain "
            "strings, numbers, lists and dicts, as validate_spec returns."
        ) from error


def plain_numbers(value: Any) -> Any:
    """Logs and metrics as plain JSON values; NumPy scalars become floats/ints."""
    if isinstance(value, dict):
        return {str(key): plain_numbers(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain_numbers(item) for item in value]
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    try:
        number = float(value)  # NumPy and TensorFlow scalars
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"Received: {value!r} of type {type(value).__name__} in logs or "
            "metrics. Expected numbers, strings or None."
        ) from error
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    return number


def numbers_json(value: Any) -> str | None:
    return None if value is None else json.dumps(plain_numbers(value), allow_nan=False)


def restore_numbers(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: restore_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [restore_numbers(item) for item in value]
    if isinstance(value, str) and value in _NON_FINITE:
        return _NON_FINITE[value]
    return value


def numbers_from_json(text: str | None) -> Any:
    return None if text is None else restore_numbers(json.loads(text))


def history_from_logs(epoch_logs: list[dict]) -> dict[str, list[float | None]]:
    """Per-epoch logs turned into metric -> values, one value per epoch."""
    names: list[str] = []
    for logs in epoch_logs:
        names.extend(name for name in logs if name not in names)
    return {name: [logs.get(name) for logs in epoch_logs] for name in names}
