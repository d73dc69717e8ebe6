"""Detecting what a table holds: the task, the kind of each column, messy labels."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nncore.core.text import listing, plural, quoted

# An integer target with at most this many distinct values is read as class labels.
MAX_INTEGER_CLASSES = 20
_ID_NAME = re.compile(r"(^|[_\s.-])(id|uuid|guid|key|index)$|^unnamed", re.IGNORECASE)
# Dates and times as text: 2024-01-31, 2024/1/31, 31/01/2024, 31.1.24, with a time.
_DATE = re.compile(
    r"^\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})"
    r"([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$"
)
# A label this short that starts a longer one may be its short form ("y", "Yes").
MAX_SHORT_FORM = 1


def detect_task(y: pd.Series) -> tuple[str, str]:
    """Guess the task for a target column and say why in one line.

    Args:
        y: the target values, missing values already removed.

    Returns:
        ``(task, reason)`` with task one of ``"binary"``, ``"multiclass"``,
        ``"regression"``.

    Example:
        >>> detect_task(pd.Series(["yes", "no", "yes"]))[0]
        'binary'
    """
    n_unique = int(y.nunique())
    if not is_numeric(y):
        if n_unique == 2:
            return "binary", f"the target holds text with 2 labels ({_examples(y)})"
        return "multiclass", (
            f"the target holds text with {n_unique} labels ({_examples(y)})"
        )
    values = y.to_numpy(dtype="float64")
    whole = bool(np.all(np.isfinite(values)) and np.all(values == np.round(values)))
    if n_unique == 2:
        return "binary", f"the target has exactly 2 values ({_examples(y)})"
    if whole and n_unique <= MAX_INTEGER_CLASSES:
        return "multiclass", (
            f"the target holds whole numbers with only {n_unique} distinct values, "
            "which look like class labels"
        )
    if whole:
        return "regression", (
            f"the target holds whole numbers with {n_unique} distinct values, too many "
            "to be classes"
        )
    return (
        "regression",
        f"the target holds decimal numbers ({n_unique} distinct values)",
    )


def is_numeric(values: pd.Series) -> bool:
    """Whether a column holds numbers (booleans count as numbers)."""
    return bool(pd.api.types.is_numeric_dtype(values.dtype)) and not isinstance(
        values.dtype, pd.CategoricalDtype
    )


def _examples(y: pd.Series, limit: int = 3) -> str:
    labels = y.value_counts().index.tolist()
    return listing(labels, limit=limit, width=20)


def clean_labels(y: pd.Series) -> tuple[pd.Series, str | None]:
    """Merge text labels that differ only by case or surrounding spaces.

    Each group of variants becomes its most frequent spelling, stripped.

    Returns:
        ``(labels, message)``; ``message`` is None when nothing was messy.
    """
    if is_numeric(y):
        return y, None
    text = y.astype(str)
    stripped = text.str.strip()
    key = stripped.str.casefold()
    counts = pd.DataFrame({"key": key, "label": stripped, "raw": text})
    variants = counts.groupby("key")["raw"].unique()
    messy = variants[variants.map(len) > 1]
    if messy.empty:
        return y, None
    canonical = counts.groupby("key")["label"].agg(lambda s: s.value_counts().index[0])
    cleaned = key.map(canonical)
    groups = "; ".join(
        " = ".join(quoted(v, 20) for v in sorted(raw)[:4]) for raw in messy.iloc[:3]
    )
    more = f" and {plural(len(messy) - 3, 'more group')}" if len(messy) > 3 else ""
    message = (
        f"The target has labels that differ only by capital letters or spaces "
        f"({groups}{more}). They were merged into one class each; fix the spelling "
        "in the file if they really are different classes."
    )
    return cleaned.astype(object), message


def short_form_labels(y: pd.Series) -> str | None:
    """A warning when a text label looks like the short form of another ("y", "Yes").

    They stay different classes (they may be); the warning asks the user to check.

    Returns:
        The warning, or None.
    """
    if is_numeric(y):
        return None
    labels = [str(label) for label in y.dropna().unique()[:50]]
    words = {label: label.strip().casefold() for label in labels}
    pairs = [
        (short, long)
        for short in labels
        for long in labels
        if words[short].isalpha()
        and words[long].isalpha()
        and len(words[short]) <= MAX_SHORT_FORM < len(words[long])
        and words[long].startswith(words[short])
    ]
    if not pairs:
        return None
    shown = "; ".join(f"{quoted(a, 20)} and {quoted(b, 20)}" for a, b in pairs[:3])
    return (
        f"Some target labels look like short forms of others ({shown}). They are "
        "kept as different classes; if they mean the same, write them the same way "
        "in the file."
    )


@dataclass
class ColumnKinds:
    """How each feature column will be used.

    Attributes:
        numeric: columns scaled as numbers.
        categorical: columns one-hot encoded.
        dropped: column -> the reason it is not used.
    """

    numeric: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)
    dropped: dict[str, str] = field(default_factory=dict)


def classify_columns(frame: pd.DataFrame, target: str) -> ColumnKinds:
    """Sort the feature columns into numeric, categorical and dropped ones.

    Dropped: columns with no values, one value on every row, or a different value on
    every row that looks like an ID (text, or consecutive whole numbers, or a name
    such as ``id``).
    """
    kinds = ColumnKinds()
    n_rows = len(frame)
    for column in frame.columns:
        if column == target:
            continue
        values = frame[column]
        present = values.dropna()
        if present.empty:
            kinds.dropped[column] = "it has no values"
        elif _one_value(present):
            kinds.dropped[column] = "it has the same value on every row"
        elif _dates(values, present):
            kinds.dropped[column] = (
                f"it holds dates (e.g. {quoted(present.iloc[0], 25)}), which a network "
                "cannot use as they are; to use them, add columns such as the year, "
                "month or weekday to the file"
            )
        elif n_rows >= 10 and _all_different_id(values, present, column):
            kinds.dropped[column] = (
                "it has a different value on every row, like an ID, so it carries no "
                "pattern a network can learn"
            )
        elif is_numeric(values):
            kinds.numeric.append(column)
        else:
            kinds.categorical.append(column)
    return kinds


def _dates(values: pd.Series, present: pd.Series) -> bool:
    """Whether a column holds dates (a date type, or text written as dates)."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return True
    if is_numeric(values):
        return False
    sample = pd.unique(present.iloc[:500].astype(str))[:100]
    matches = sum(bool(_DATE.match(value)) for value in sample)
    return matches >= 0.9 * len(sample)


def _one_value(present: pd.Series) -> bool:
    """Whether the (non-missing) values are all the same."""
    if present.dtype.kind in "biuf":
        # The same answer as counting distinct values, without hashing every number.
        return bool(present.min() == present.max())
    return int(present.nunique()) == 1


def _all_different_id(values: pd.Series, present: pd.Series, name: str) -> bool:
    """A different value on every row, like an ID (the costly count comes last)."""
    n_rows = len(values)
    return (
        len(present) == n_rows
        and _id_like(values, name)
        and int(present.nunique()) == n_rows
    )


def _id_like(values: pd.Series, name: str) -> bool:
    if _ID_NAME.search(str(name)):
        return True
    if not is_numeric(values):
        return True
    numbers = values.to_numpy(dtype="float64")
    if not np.all(numbers == np.round(numbers)):
        return False
    # Whole numbers that count up by one (1, 2, 3, …) are row numbers.
    return bool(numbers.max() - numbers.min() + 1 == len(numbers))
