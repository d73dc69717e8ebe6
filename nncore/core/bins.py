"""Histogram bins people can read: whole-number columns (a year, a count of rooms)
get bars centred on whole numbers, never a bar at 2007.5."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["histogram", "is_whole", "nice_step"]


def is_whole(values) -> bool:
    """Whether every finite value in ``values`` is a whole number (and one exists)."""
    x = np.asarray(values, dtype="float64")
    x = x[np.isfinite(x)]
    return bool(x.size) and bool(np.all(x == np.round(x)))


def nice_step(span: float, *, parts: int = 8) -> float:
    """The step of 1, 2 or 5 times a power of ten that cuts ``span`` into about
    ``parts`` (at least 1 for whole numbers: callers pass whole spans)."""
    if not math.isfinite(span) or span <= 0:
        return 1.0
    raw = span / parts
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power


def histogram(values, *, bins: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """``np.histogram`` of the finite ``values``, with whole-number bins for
    whole-number values.

    Whole-number values get bins of a whole width (1, 2, 5, 10, …) whose edges sit
    halfway between whole numbers, so each bar is centred on a whole number and
    no value falls on an edge; other values get ``bins`` equal bins.

    Args:
        values: the numbers (NaN and infinities are left out).
        bins: the most bins.

    Returns:
        The counts and the bin edges, as ``np.histogram`` returns them.
    """
    x = np.asarray(values, dtype="float64")
    x = x[np.isfinite(x)]
    if not is_whole(x):
        return np.histogram(x, bins=bins)
    low, high = float(x.min()), float(x.max())
    width = max(1.0, nice_step(high - low + 1, parts=bins))
    start = math.floor(low / width) * width - 0.5 if width > 1 else low - 0.5
    count = max(1, math.ceil((high + 0.5 - start) / width))
    edges = start + width * np.arange(count + 1)
    return np.histogram(x, bins=edges)
