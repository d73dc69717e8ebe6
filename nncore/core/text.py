"""Small helpers for putting user-supplied names into messages and labels."""

from __future__ import annotations

import html
import json
import math
import numbers


def short(name: object, limit: int = 40) -> str:
    """Return ``name`` as text, cut to ``limit`` characters with an ellipsis.

    Column names can be 10,000 characters long; messages and chart labels show the
    start of them only.
    """
    text = str(name)
    text = " ".join(text.split()) if "\n" in text or "\r" in text else text
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quoted(name: object, limit: int = 40) -> str:
    """Return ``name`` shortened and in single quotes, for messages."""
    return "'" + short(name, limit) + "'"


def json_text(value: object, limit: int = 60) -> str:
    """Return ``value`` as JSON (its ``repr`` if it has none), cut to ``limit``
    characters with an ellipsis, for messages that show a setting's value."""
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def listing(names, limit: int = 8, width: int = 30) -> str:
    """Return up to ``limit`` quoted names joined by commas, with "and N more"."""
    names = list(names)
    shown = ", ".join(quoted(n, width) for n in names[:limit])
    if len(names) > limit:
        shown += f" and {len(names) - limit} more"
    return shown


def plot_label(name: object, limit: int = 30) -> str:
    """Return a label that Plotly shows as plain text.

    Plotly renders a subset of HTML in labels (``<b>``, ``<a href>``, ``<br>``), so
    user-supplied names are escaped before they reach a figure.
    """
    return html.escape(short(name, limit), quote=False)


def preview(frame, rows: int = 100, limit: int = 40):
    """Return the first ``rows`` rows with column names cut to ``limit`` characters.

    Shortened names that collide get a numeric suffix so every column stays visible.
    """
    head = frame.head(rows).copy()
    names, seen = [], set()
    for column in head.columns:
        name = short(column, limit)
        base, number = name, 1
        while name in seen:
            number += 1
            name = f"{base} ({number})"
        seen.add(name)
        names.append(name)
    head.columns = names
    return head


def readable_number(value, *, digits: int = 3) -> str:
    """Return ``value`` as a number a person reads easily.

    Thousands separators and no scientific notation for magnitudes between 1e-4 and
    1e15; ``digits`` significant digits, but never fewer than the whole-number part
    (3021.7 -> "3,022", 1343000.0 -> "1,343,000", 0.01234 -> "0.0123"), and trailing
    zeros dropped (2.50 -> "2.5"). Whole numbers (``int``) are shown in full.

    Args:
        value: an int, float, or anything ``float()`` accepts (NumPy scalars too).
        digits: significant digits kept for numbers with a fractional part.

    Returns:
        The text, e.g. "391,279" or "0.891"; "n/a" for NaN and "∞"/"-∞" for infinity.
        Text that is not a number is returned as ``str(value)``.
    """
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(number):
        return "n/a"
    if math.isinf(number):
        return "∞" if number > 0 else "-∞"
    if number == 0:
        return "0"
    size = abs(number)
    if size < 1e-4 or size >= 1e15:
        return f"{number:.{max(digits, 1)}g}"
    whole_digits = math.floor(math.log10(size)) + 1
    decimals = max(digits - whole_digits, 0)
    text = f"{number:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def plural(count, singular: str, plural: str | None = None) -> str:
    """Return ``count`` with the noun in the right number: "1 column", "3 columns".

    Args:
        count: how many; shown with thousands separators ("1,309 rows").
        singular: the noun for one.
        plural: the noun for several; by default English rules on ``singular``
            ("category" -> "categories", "class" -> "classes", "row" -> "rows").

    Returns:
        The count and the noun, separated by a space.
    """
    if plural is None:
        if singular.endswith("y") and singular[-2:-1] not in tuple("aeiou"):
            plural = singular[:-1] + "ies"
        elif singular.endswith(("s", "x", "ch", "sh")):
            plural = singular + "es"
        else:
            plural = singular + "s"
    word = singular if count == 1 else plural
    return f"{readable_number(count)} {word}"
