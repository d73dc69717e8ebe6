"""Run names people read: ``"Iris flowers · 128-64 · 10:31"`` instead of a hex id.

Every run gets a default name when it is recorded (the data, the network, the time
of day) and can be renamed on the Runs screen. Plain Python: the store and its
migrations call it, so it imports neither Keras nor SQLite.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from nncore.core.catalog import dataset_title
from nncore.core.text import short
from nncore.train.model import network_summary

__all__ = ["MAX_NAME_LENGTH", "check_run_name", "default_run_name", "unique_name"]

MAX_NAME_LENGTH = 80
_DATA_LENGTH = 40  # leaves room for the network and the time within MAX_NAME_LENGTH


def default_run_name(
    spec: Mapping[str, Any] | None,
    *,
    dataset: str | None = None,
    created: str | None = None,
) -> str:
    """The name a run gets when it is recorded: data · network · time of day.

    Args:
        spec: the run's experiment spec (its hidden layers name the network).
        dataset: the data source, e.g. ``"builtin:iris"`` or a file's path.
            Default: None (the spec's ``data.source``).
        created: when the run was created, ISO 8601 (UTC in the store); shown as
            the server's local ``HH:MM``. Default: None (no time).

    Returns:
        e.g. ``"Iris flowers · 128-64 · 10:31"``, at most ``MAX_NAME_LENGTH``
        characters.

    Example:
        >>> default_run_name({"model": {"layers": [{"type": "dense", "units": 8}]}},
        ...                  dataset="builtin:iris")
        'Iris flowers · 8'
    """
    spec = spec if isinstance(spec, Mapping) else {}
    source = dataset or (spec.get("data") or {}).get("source")
    parts = [short(_data_title(source), _DATA_LENGTH), short(network_summary(spec))]
    when = _local_time(created)
    if when:
        parts.append(when)
    return short(" · ".join(parts), MAX_NAME_LENGTH)


def check_run_name(name: object) -> str:
    """A run name as it is kept: stripped, spaces and line breaks collapsed.

    Raises:
        TypeError: the name is not text.
        ValueError: the name is empty or longer than ``MAX_NAME_LENGTH``
            characters.
    """
    if not isinstance(name, str):
        raise TypeError(
            f"Received: name of type {type(name).__name__}. Expected the run's new "
            "name as text, e.g. name='Iris, wider layers'."
        )
    text = " ".join(name.split())
    if not text:
        raise ValueError(
            "Received an empty run name. Expected a few words that say what the run "
            "tried, e.g. 'Iris, wider layers'."
        )
    if len(text) > MAX_NAME_LENGTH:
        raise ValueError(
            f"Received a run name of {len(text)} characters. Expected at most "
            f"{MAX_NAME_LENGTH}: shorten it, e.g. 'Iris, wider layers'."
        )
    return text


def unique_name(name: str, taken: set[str] | frozenset[str]) -> str:
    """``name``, or ``"name (2)"``, ``"name (3)"``, … if another run has it: two
    runs of the same network on the same data in the same minute stay apart."""
    if name not in taken:
        return name
    count = 2
    while True:
        suffix = f" ({count})"
        candidate = short(name, MAX_NAME_LENGTH - len(suffix)) + suffix
        if candidate not in taken:
            return candidate
        count += 1


def _data_title(source: str | None) -> str:
    title = dataset_title(source)
    if source and not source.startswith("builtin:"):
        # A file: its name, not the folder it was read from.
        title = source.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or title
    return title


def _local_time(created: str | None) -> str:
    if not created:
        return ""
    try:
        moment = datetime.fromisoformat(created)
    except (TypeError, ValueError):
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%H:%M")
