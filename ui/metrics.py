"""Final metrics as people read them: cards with their change against the naive
baseline and their 95 % interval, and the network beside the reference models
(``nncore.train.reference``) in a sentence and a table.

Used by the Train screen's results, the Evaluate screen and the Home demos. The
numbers are the engine's; this module only lays them out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import streamlit as st

from nncore.core import glossary
from nncore.core.metrics import (
    LOWER_IS_BETTER,
    METRIC_TITLES,
    format_metric,
    format_with_interval,
)
from ui import safe

NETWORK = "Your network"
NAIVE = "Naive baseline"
CARDS_PER_ROW = 4
PENDING = (
    "Scoring the network, training the reference models (a logistic or linear "
    "regression and gradient boosting) on the same rows and working out the 95 % "
    "intervals…"
)


def interval_of(intervals: Mapping | None, name: str) -> list[float] | None:
    """The ``[low, high]`` of metric ``name``, or None when there is none usable."""
    found = (intervals or {}).get(name)
    if not isinstance(found, list | tuple) or len(found) != 2:
        return None
    try:
        low, high = float(found[0]), float(found[1])
    except (TypeError, ValueError):
        return None
    return [low, high] if math.isfinite(low) and math.isfinite(high) else None


def imbalanced(prepared) -> bool:
    """Whether the classes of the prepared data are imbalanced (False without data),
    so that balanced accuracy and PR AUC are worth showing."""
    from nncore.data.profile import is_imbalanced

    return prepared is not None and is_imbalanced(prepared)


def metric_card(column, name: str, value, naive, help: str, *, interval=None) -> None:
    """Draw metric ``name`` in ``column``: its value with its 95 % interval when
    there is one, and "+x vs naive" (green when better: higher, or lower for
    errors)."""
    delta = None
    if value is not None and naive is not None:
        delta = f"{format_metric(value - naive, name)} vs naive"
        delta = delta if delta.startswith("-") else "+" + delta
    column.metric(
        METRIC_TITLES.get(name, name),
        format_with_interval(value, interval_of({name: interval}, name), name),
        delta=delta,
        delta_color="inverse" if name in LOWER_IS_BETTER else "normal",
        help=help,
    )


def metric_cards(
    names: Sequence[str],
    metrics: Mapping,
    baseline: Mapping,
    *,
    intervals: Mapping | None = None,
    help_for=None,
) -> None:
    """One card per metric, in rows of at most ``CARDS_PER_ROW``.

    Args:
        names: the metrics, in order.
        metrics: metric -> the network's value.
        baseline: metric -> the naive baseline's value.
        intervals: metric -> ``[low, high]``. Default: None (no intervals).
        help_for: metric name -> the card's help text. Default: one sentence.
    """
    names = list(names)
    rows = max(math.ceil(len(names) / CARDS_PER_ROW), 1)
    per_row = max(math.ceil(len(names) / rows), 1)
    for start in range(0, len(names), per_row):
        row = names[start : start + per_row]
        for column, name in zip(st.columns(per_row), row, strict=False):
            metric_card(
                column,
                name,
                metrics.get(name),
                baseline.get(name),
                help=help_for(name) if help_for else _card_help(name),
                interval=interval_of(intervals, name),
            )


def _card_help(name: str) -> str:
    return (
        f"{glossary.link(name, METRIC_TITLES.get(name, name))}; in brackets its 95 % "
        f"range from chance alone ({glossary.link('confidence interval')})."
    )


def comparison_rows(
    names: Sequence[str],
    network: Mapping,
    baseline: Mapping,
    reference: Mapping[str, Mapping] | None,
    *,
    intervals: Mapping | None = None,
    network_column: str = NETWORK,
) -> list[dict[str, str]]:
    """One row per metric: the network (with its interval), the naive baseline and
    each reference model, as text.

    Args:
        names: the metrics, in order.
        network: metric -> the network's value.
        baseline: metric -> the naive baseline's value.
        reference: reference model name -> its metrics (None or empty: no
            reference columns).
        intervals: metric -> the network's ``[low, high]``. Default: None.
        network_column: the network's column title. Default: "Your network".
    """
    from nncore.train.reference import REFERENCE_TITLES

    rows = []
    for name in names:
        row = {
            "Metric": METRIC_TITLES.get(name, name),
            network_column: format_with_interval(
                network.get(name), interval_of(intervals, name), name
            ),
            NAIVE: format_metric(baseline.get(name), name),
        }
        for model, scores in (reference or {}).items():
            title = REFERENCE_TITLES.get(model, model)
            row[title] = format_metric((scores or {}).get(name), name)
        rows.append(row)
    return rows


def show_reference(
    task: str,
    network: Mapping,
    reference: Mapping[str, Mapping] | None,
    problems: Mapping[str, str] | None,
    *,
    intervals: Mapping | None = None,
    split: str = "validation",
    imbalanced: bool = False,
    pictures: bool = False,
) -> None:
    """The plain sentence comparing the network with the reference models, and
    why a reference model is missing.

    Args:
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        network: the network's metrics on the split.
        reference: reference model name -> its metrics on the same split.
        problems: reference model name -> why it could not be trained.
        intervals: metric -> the network's ``[low, high]``: a reference model
            inside it counts as doing about as well. Default: None.
        split: ``"validation"`` or ``"test"``. Default: ``"validation"``.
        imbalanced: compare by balanced accuracy (imbalanced classes). Default:
            False.
        pictures: the data are pictures, not a table. Default: False.
    """
    from nncore.core.metrics import main_metric
    from nncore.train.reference import reference_sentence

    if reference:
        metric = main_metric(task, imbalanced=imbalanced)
        sentence = reference_sentence(
            task,
            network,
            reference,
            split=split,
            metric=metric,
            interval=interval_of(intervals, metric),
            pictures=pictures,
        )
        st.markdown("**" + safe.escape(sentence) + "**")
    for sentence in (problems or {}).values():
        safe.info(sentence)


def _rounded(value, digits: int):
    """``value`` kept to ``digits`` significant digits, never cutting whole digits."""
    if not isinstance(value, float) or not math.isfinite(value) or value == 0:
        return value
    whole = math.floor(math.log10(abs(value))) + 1
    return round(value, max(digits - whole, 0))


def readable_table(frame, *, digits: int = 4):
    """A table's numbers as people read them in ``st.dataframe``.

    Decimal columns are rounded to ``digits`` significant digits (391278.9688 ->
    391279) and shown with thousands separators; whole-number columns are left as
    they are (a year stays 2007). Pass both results to ``st.dataframe``.

    Args:
        frame: the table to show.
        digits: significant digits kept in decimal columns.

    Returns:
        The rounded copy and its ``column_config``.
    """
    import pandas as pd

    table = frame.copy()
    config = {}
    for position, column in enumerate(table.columns):
        values = table.iloc[:, position]
        if not pd.api.types.is_float_dtype(values):
            continue
        table.isetitem(
            position,
            values.astype("float64").map(lambda v: _rounded(v, digits)),
        )
        config[column] = st.column_config.NumberColumn(format="localized")
    return table, config
