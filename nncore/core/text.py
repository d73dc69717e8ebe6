"""Small helpers for putting user-supplied names into messages and labels."""

from __future__ import annotations

import html
import json


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
