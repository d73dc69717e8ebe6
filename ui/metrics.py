"""A final metric as a card, with its change against the naive baseline."""

from __future__ import annotations

from nncore.core.metrics import LOWER_IS_BETTER, METRIC_TITLES, format_metric


def metric_card(column, name: str, value, naive, help: str) -> None:
    """Draw metric ``name`` in ``column``: its value and "+x vs naive" (green when
    better: higher, or lower for errors)."""
    delta = None
    if value is not None and naive is not None:
        delta = f"{format_metric(value - naive, name)} vs naive"
        delta = delta if delta.startswith("-") else "+" + delta
    column.metric(
        METRIC_TITLES[name],
        format_metric(value, name),
        delta=delta,
        delta_color="inverse" if name in LOWER_IS_BETTER else "normal",
        help=help,
    )
