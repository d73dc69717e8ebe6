"""The data profile and its pitfalls: plain results that the plots and screens use.

``profile_data`` computes everything once from a ``PreparedData``; the functions in
``nncore.plots.base`` draw it. Heavy statistics run on a sample of at most
``SAMPLE_ROWS`` rows so a million-row file profiles in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nncore.core.bins import histogram
from nncore.core.glossary import advice
from nncore.core.text import listing, plural, quoted, readable_number
from nncore.data import detect
from nncore.data.detect import is_numeric
from nncore.data.prepare import MAX_MAGNITUDE, DataOutline, PreparedData

SAMPLE_ROWS = 100_000
MAX_HISTOGRAMS = 12
# Classes are strongly imbalanced when the rarest has fewer than a quarter as many
# rows as the most common: always guessing the big class then scores 80 % or more
# (two classes), and accuracy hides a network that never finds the rare one.
IMBALANCE_RATIO = 0.25
LEAKAGE_SCORE = 0.99
SCALE_RATIO = 100
# Columns whose extreme values the outlier pitfall describes one by one.
MAX_OUTLIER_COLUMNS = 6
# Text answers that make a two-valued column a yes/no column.
YES_NO = {"yes", "no", "y", "n", "true", "false", "t", "f"}


@dataclass
class OutlierFinding:
    """Extreme or impossible numbers, judged by ranges learnt from the training rows
    (``nncore.data.outliers.OutlierClipper``), counted over every row.

    Attributes:
        columns: column -> ``{"far": values outside the range, "zeros": impossible
            zeros, "low"/"high": the range, "examples": a few of the far values}``,
            for the numeric inputs and a regression target that have any.
        rows: rows with at least one such value.
        inputs: whether an input column has them (clipping can help).
        target: whether the regression target has them.
    """

    columns: dict[str, dict[str, Any]]
    rows: int
    inputs: bool
    target: bool


@dataclass
class DataProfile:
    """What the Data screen shows about a prepared table.

    Attributes:
        n_rows, n_columns: size of the table (rows with a target).
        columns: one row per column: name, role, type, missing, unique, values.
        class_counts: label -> rows, for classification (None for regression).
        baseline: what a model that ignores the inputs scores (majority class or
            mean), as ``{"label"/"value": ..., "accuracy"/"rmse": ...}``.
        relation: feature -> strength of its relation with the target.
        relation_kind: how ``relation`` was measured, in words.
        histograms: feature -> (counts, bin edges) for up to 12 numeric features.
        target_histogram: (counts, bin edges) of a regression target.
        pitfalls: plain-language warnings, each an ``nncore.core.glossary.Advice``: what
            it means, why it matters and what to do.
        imbalance: the class-imbalance pitfall (also in ``pitfalls``), beside which
            the Data screen offers balanced class weights; None when the classes
            are not imbalanced.
        outliers: the extreme or impossible numbers found (None when there are
            none), whatever ``data.outliers`` does with them.
        outlier_pitfall: the outlier pitfall (also in ``pitfalls``), beside which
            the Data screen offers its fixes; None when there are no outliers or
            they are already dropped or clipped.
    """

    n_rows: int
    n_columns: int
    columns: pd.DataFrame
    class_counts: dict[str, int] | None
    baseline: dict[str, Any]
    relation: dict[str, float]
    relation_kind: str
    histograms: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    target_histogram: tuple[np.ndarray, np.ndarray] | None = None
    pitfalls: list[str] = field(default_factory=list)
    imbalance: str | None = None
    outliers: OutlierFinding | None = None
    outlier_pitfall: str | None = None


@dataclass
class DataOverview:
    """What the Data screen's overview charts show (the fields of ``DataProfile``
    with the same names): rows per class or the target's distribution, the baseline
    and each feature's relation with the target."""

    class_counts: dict[str, int] | None
    baseline: dict[str, Any]
    relation: dict[str, float]
    relation_kind: str
    target_histogram: tuple[np.ndarray, np.ndarray] | None = None


def is_imbalanced(prepared: PreparedData) -> bool:
    """Whether the classes are strongly imbalanced: the rarest class has fewer than
    ``IMBALANCE_RATIO`` (a quarter) as many rows as the most common one, counted
    over every row. False for regression.

    The screens then show the metrics that suit imbalance (balanced accuracy, PR
    AUC), and the Data screen offers balanced class weights.
    """
    if prepared.task == "regression" or not prepared.classes:
        return False
    y = np.concatenate([prepared.y_train, prepared.y_val, prepared.y_test])
    counts = np.bincount(y.astype(np.int64), minlength=len(prepared.classes))
    return bool(counts.max() > 0 and counts.min() / counts.max() < IMBALANCE_RATIO)


def profile_data(prepared: PreparedData, split: dict | None = None) -> DataProfile:
    """Profile a prepared table and find the pitfalls in it.

    Args:
        prepared: the result of ``prepare_data``.
        split: the split fractions used, for the rows-per-class check. Defaults to
            the shares actually produced.

    Returns:
        A ``DataProfile``.
    """
    frame = prepared.frame
    # Every row of a split (training rows dropped as outliers are in none).
    kept = np.sort(
        np.concatenate([prepared.train_index, prepared.val_index, prepared.test_index])
    )
    overview, sample, y = _overview(
        frame,
        prepared.target,
        prepared.task,
        prepared.classes,
        prepared.numeric_columns,
        prepared.categorical_columns,
        _prepared_target(prepared),
        kept,
    )
    profile = DataProfile(
        n_rows=len(frame),
        n_columns=len(frame.columns),
        columns=_column_table(prepared),
        class_counts=overview.class_counts,
        baseline=overview.baseline,
        relation=overview.relation,
        relation_kind=overview.relation_kind,
        histograms=_histograms(sample, prepared.numeric_columns),
        target_histogram=overview.target_histogram,
    )
    profile.pitfalls = _pitfalls(prepared, profile, sample, y, split)
    return profile


def overview_data(outline: DataOutline) -> DataOverview:
    """The facts of the Data screen's overview charts, from a table's outline
    (``nncore.data.prepare.outline_data``): no split, no scikit-learn.

    The same numbers as ``profile_data`` gives for the table prepared with the same
    settings, unless training rows are dropped as outliers (``data.outliers`` =
    ``"drop"``: the profile then counts the rows that are kept).
    """
    overview, _, _ = _overview(
        outline.frame,
        outline.target,
        outline.task,
        outline.classes,
        outline.kinds.numeric,
        outline.kinds.categorical,
        outline.y.astype(np.float64 if outline.task == "regression" else np.int64),
        np.arange(len(outline.frame)),
    )
    return overview


def _overview(frame, target, task, classes, numeric, categorical, y_every, kept):
    """The overview of the rows ``kept`` (positions in ``frame``; ``y_every``: the
    target of every row as the network sees it), with the sample of rows that the
    statistics use (at most ``SAMPLE_ROWS``) and its target."""
    y_all = y_every[kept]
    positions = kept
    if len(kept) > SAMPLE_ROWS:
        rng = np.random.default_rng(0)
        positions = np.sort(rng.choice(kept, SAMPLE_ROWS, replace=False))
    sample = frame.iloc[positions]
    y = y_every[positions]

    class_counts = None
    if task == "regression":
        values = frame[target].astype("float64")
        baseline = {
            "value": float(values.mean()),
            "rmse": float(values.std(ddof=0)),
        }
    else:
        tally = np.bincount(y_all, minlength=len(classes))
        class_counts = dict(zip(classes, map(int, tally), strict=True))
        top = max(class_counts, key=class_counts.get)
        baseline = {"label": top, "accuracy": class_counts[top] / int(tally.sum())}

    relation, relation_kind = _relations(
        task, numeric, sample, y, numeric + categorical
    )
    overview = DataOverview(
        class_counts=class_counts,
        baseline=baseline,
        relation=relation,
        relation_kind=relation_kind,
        target_histogram=histogram(y, bins=30) if task == "regression" else None,
    )
    return overview, sample, y


def usable_numbers(values: pd.Series) -> np.ndarray:
    """A numeric column as float64, with infinities and overflowing values as NaN."""
    x = values.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(x) & (np.abs(x) <= MAX_MAGNITUDE), x, np.nan)


def _prepared_target(prepared: PreparedData) -> np.ndarray:
    """The target as the network sees it (class index or value), for every row."""
    dtype = np.float64 if prepared.task == "regression" else np.int64
    y = np.zeros(len(prepared.frame), dtype=dtype)
    y[prepared.train_index] = prepared.y_train
    y[prepared.val_index] = prepared.y_val
    y[prepared.test_index] = prepared.y_test
    return y


def _column_table(prepared: PreparedData) -> pd.DataFrame:
    frame = prepared.frame
    rows = []
    for column in frame.columns:
        values = frame[column]
        if column == prepared.target:
            role = "target"
        elif column in prepared.dropped:
            role = "dropped"
        elif column in prepared.numeric_columns:
            role = "numeric"
        else:
            role = "categorical"
        missing = int(values.isna().sum())
        if is_numeric(values) and values.notna().any():
            finite = values.replace([np.inf, -np.inf], np.nan)
            low, high = finite.min(), finite.max()
            shown = " … ".join(readable_number(v, digits=4) for v in (low, high))
        else:
            shown = ", ".join(t[:20] for t in _top_values(values))
        rows.append(
            {
                "column": column,
                "role": role,
                "type": column_kind(values),
                "missing": missing,
                "missing %": round(100 * missing / max(len(values), 1), 1),
                "unique": int(values.nunique()),
                "values": shown,
            }
        )
    return pd.DataFrame(rows)


def _top_values(values: pd.Series, limit: int = 3) -> list[str]:
    """The most frequent values as text, most frequent first, as
    ``values.dropna().astype(str).value_counts()`` lists them (ties in order of first
    appearance). A categorical column is counted on its codes: turning a million
    rows into text takes seconds and tens of megabytes."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        names = values.cat.categories.astype(str)
        if names.is_unique:
            codes = values.cat.codes.to_numpy()
            codes = codes[codes >= 0]
            present, first, counts = np.unique(
                codes, return_index=True, return_counts=True
            )
            order = np.argsort(first)
            ranked = pd.Series(counts[order], index=names[present[order]])
            ranked = ranked.sort_values(ascending=False, kind="stable")
            return list(ranked.index[:limit])
    return list(values.dropna().astype(str).value_counts().index[:limit])


def column_kind(values: pd.Series) -> str:
    """What a column holds, in words: "number", "yes/no", "date", "category" (values
    that repeat) or "text" (mostly different values, such as names)."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return "date"
    if pd.api.types.is_bool_dtype(values.dtype):
        return "yes/no"
    present = values.dropna()
    if present.empty:
        return "number" if is_numeric(values) else "text"
    distinct = present.unique()
    if is_numeric(values):
        two = len(distinct) == 2 and {float(v) for v in distinct} == {0.0, 1.0}
        return "yes/no" if two else "number"
    if detect._dates(values, present):
        return "date"
    words = {str(v).strip().casefold() for v in distinct}
    if len(words) == 2 and words <= YES_NO:
        return "yes/no"
    return "category" if 2 * len(distinct) <= len(present) else "text"


def find_outliers(prepared: PreparedData) -> OutlierFinding | None:
    """Extreme or impossible numbers in the numeric inputs and a regression target.

    The ranges are learnt from the training rows only (those dropped as outliers
    included), as ``data.outliers`` learns them; the values are counted over every
    row.

    Returns:
        An ``OutlierFinding``, or None when no value is out of range.
    """
    from nncore.data.outliers import OutlierClipper

    frame = prepared.frame
    columns = list(prepared.numeric_columns)
    if prepared.task == "regression":
        columns.append(prepared.target)
    if not columns or frame.empty:
        return None
    held = np.concatenate([prepared.val_index, prepared.test_index])
    training = np.setdiff1d(np.arange(len(frame)), held)
    found: dict[str, dict[str, Any]] = {}
    flagged = np.zeros(len(frame), dtype=bool)
    # One column at a time (the clipper learns each column on its own): all the
    # columns as one float64 array would be as big as the table again.
    for column in columns:
        values = usable_numbers(frame[column])
        clipper = OutlierClipper().fit(values[training])
        flags = clipper.outliers(values)[:, 0]
        flagged |= flags
        zeros = flags & (values == 0) & clipper.zero_missing_[0]
        far = flags & ~zeros
        if not zeros.any() and not far.any():
            continue
        middle = np.nanmedian(values[training])
        extreme = values[far]
        order = np.argsort(-np.abs(extreme - middle), kind="stable")
        found[column] = {
            "far": int(far.sum()),
            "zeros": int(zeros.sum()),
            "low": float(clipper.low_[0]),
            "high": float(clipper.high_[0]),
            "examples": list(dict.fromkeys(extreme[order].tolist()))[:3],
        }
    if not found:
        return None
    return OutlierFinding(
        columns=found,
        rows=int(flagged.sum()),
        inputs=any(c in prepared.numeric_columns for c in found),
        target=prepared.task == "regression" and prepared.target in found,
    )


def _outlier_text(column: str, counts: dict[str, Any]) -> str:
    parts = []
    if counts["zeros"]:
        parts.append(
            f"{plural(counts['zeros'], 'zero')} where every other value is positive"
        )
    if counts["far"]:
        examples = ", ".join(readable_number(v) for v in counts["examples"])
        low, high = (readable_number(counts[k]) for k in ("low", "high"))
        parts.append(
            f"{plural(counts['far'], 'value')} far outside {low} … {high} "
            f"(e.g. {examples})"
        )
    return f"{quoted(column)}: " + " and ".join(parts)


def _outlier_pitfall(prepared, profile) -> list[str]:
    finding = profile.outliers
    if finding is None or prepared.outliers != "keep":
        return []
    items = list(finding.columns.items())
    details = "; ".join(_outlier_text(c, n) for c, n in items[:MAX_OUTLIER_COLUMNS])
    rest = [c for c, _ in items[MAX_OUTLIER_COLUMNS:]]
    if rest:
        details += f"; also in {listing(rest, limit=len(rest))}"
    verb = "has" if finding.rows == 1 else "have"
    fixes = [
        "check those rows in the file and correct them if they are mistakes. "
        "Otherwise drop them from training"
    ]
    if finding.inputs:
        fixes.append("clip the inputs to the range")
    if finding.target:
        fixes.append("train with the Huber loss, which weighs large errors less")
    fix = (
        ", ".join(fixes[:-1]) + " or " + fixes[-1] if len(fixes) > 1 else fixes[0]
    ) + " (one click below; the ranges are learnt from the training rows only)."
    return [
        advice(
            f"Extreme or impossible values: {details}. "
            f"{plural(finding.rows, 'row')} {verb} at least one.",
            "A few wrong or extreme numbers can dominate training: the network bends "
            "to fit them, its errors on ordinary rows grow, and a prediction for "
            "such a row can be many times off.",
            fix,
        )
    ]


def _relations(task, numeric, sample, y, features) -> tuple[dict[str, float], str]:
    """Strength of each feature's relation with the target, from 0 to 1."""
    result: dict[str, float] = {}
    for column in features:
        values = sample[column]
        if column in numeric:
            x = usable_numbers(values)
            if task == "multiclass":
                score = _correlation_ratio(y, x)
            else:
                score = _pearson(x, y.astype("float64"))
        else:
            codes = pd.factorize(values)[0]
            if task == "multiclass":
                score = _cramers_v(codes, y)
            else:
                score = _correlation_ratio(codes, y.astype("float64"))
        if np.isfinite(score):
            result[column] = float(score)
    ordered = dict(sorted(result.items(), key=lambda item: -abs(item[1])))
    kind = (
        "correlation ratio (0 none, 1 perfect)"
        if task == "multiclass"
        else "correlation (-1 to 1; text columns: 0 to 1)"
    )
    return ordered, kind


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    keep = ~np.isnan(x)
    if keep.sum() < 3:
        return float("nan")
    x, y = x[keep], y[keep]
    if x.std() == 0 or y.std() == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def _correlation_ratio(groups: np.ndarray, values: np.ndarray) -> float:
    """Eta: how much of the spread of ``values`` the ``groups`` explain (0..1)."""
    keep = ~np.isnan(values) & (groups >= 0)
    groups, values = groups[keep], values[keep]
    if len(values) < 3 or values.std() == 0:
        return float("nan")
    frame = pd.DataFrame({"g": groups, "v": values})
    stats = frame.groupby("g")["v"].agg(["mean", "count"])
    between = float((stats["count"] * (stats["mean"] - values.mean()) ** 2).sum())
    total = float(((values - values.mean()) ** 2).sum())
    return float(np.sqrt(between / total))


def _cramers_v(a: np.ndarray, b: np.ndarray) -> float:
    keep = (a >= 0) & (b >= 0)
    table = pd.crosstab(a[keep], b[keep]).to_numpy(dtype="float64")
    if min(table.shape) < 2:
        return float("nan")
    n = table.sum()
    expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / n
    chi2 = float(((table - expected) ** 2 / expected).sum())
    return float(np.sqrt(chi2 / (n * (min(table.shape) - 1))))


def _histograms(sample: pd.DataFrame, numeric: list[str]):
    result = {}
    for column in numeric[:MAX_HISTOGRAMS]:
        x = usable_numbers(sample[column])
        x = x[~np.isnan(x)]
        if x.size:
            result[column] = histogram(x, bins=30)
    return result


def _pitfalls(prepared, profile, sample, y, split) -> list[str]:
    pitfalls: list[str] = []
    pitfalls += _scale_pitfall(prepared, sample)
    imbalance = _imbalance_pitfall(prepared, profile)
    profile.imbalance = imbalance[0] if imbalance else None
    pitfalls += imbalance
    pitfalls += _rows_per_class_pitfall(prepared, profile, split)
    pitfalls += _leakage_pitfall(prepared, profile, sample, y)
    pitfalls += _id_pitfall(prepared)
    profile.outliers = find_outliers(prepared)
    outliers = _outlier_pitfall(prepared, profile)
    profile.outlier_pitfall = outliers[0] if outliers else None
    pitfalls += outliers
    if prepared.n_features > len(prepared.y_train):
        pitfalls.append(
            advice(
                f"There are more inputs ({prepared.n_features}) than training rows "
                f"({len(prepared.y_train)}).",
                "A network can then memorise every row instead of learning a "
                "pattern, and do badly on new data (overfitting).",
                "use a small network with dropout, or get more rows.",
            )
        )
    return pitfalls


def _scale_pitfall(prepared, sample) -> list[str]:
    if prepared.scaling != "none" or len(prepared.numeric_columns) < 2:
        return []
    spread = pd.Series(
        {c: np.nanstd(usable_numbers(sample[c])) for c in prepared.numeric_columns}
    )
    spread = spread[(spread > 0) & np.isfinite(spread)]
    if len(spread) < 2 or spread.max() / spread.min() < SCALE_RATIO:
        return []
    wide, narrow = spread.idxmax(), spread.idxmin()
    return [
        advice(
            f"Features are on very different scales ({quoted(wide)} varies about "
            f"{readable_number(spread.max())} around its mean, {quoted(narrow)} "
            f"{readable_number(spread.min())}) and scaling is off.",
            "A network then learns slowly and is dominated by the large feature, "
            "so the small ones hardly count.",
            "choose standard or min-max scaling on the Data screen.",
        )
    ]


def _imbalance_pitfall(prepared, profile) -> list[str]:
    counts = profile.class_counts
    if not counts or not is_imbalanced(prepared):
        return []
    rare = min(counts, key=counts.get)
    label, accuracy = profile.baseline["label"], profile.baseline["accuracy"]
    return [
        advice(
            f"Strong class imbalance: {quoted(label)} is {accuracy:.0%} of the rows "
            f"and {quoted(rare)} only {counts[rare] / sum(counts.values()):.0%}.",
            f"Always guessing {quoted(label)} already scores {accuracy:.0%} "
            "accuracy, so a high accuracy can hide a network that never finds the "
            "rare class.",
            "train with balanced class weights (Train screen), judge the model by "
            "balanced accuracy, PR AUC, precision and recall, and collect more rows "
            "of the rare class if you can.",
        )
    ]


def _rows_per_class_pitfall(prepared, profile, split) -> list[str]:
    counts = profile.class_counts
    if not counts:
        return []
    total = profile.n_rows
    smallest_share = min(
        (split or {}).get("val", len(prepared.y_val) / total),
        (split or {}).get("test", len(prepared.y_test) / total),
    )
    rare = min(counts, key=counts.get)
    expected = counts[rare] * smallest_share
    if expected >= 3:
        return []
    return [
        advice(
            f"Too few rows per class for the split: class {quoted(rare)} has "
            f"{plural(counts[rare], 'row')}, so only about {expected:.1f} land in the "
            "validation or test split.",
            "That is too few to measure how well the class is learnt: one row more "
            "or less changes the scores a lot.",
            "collect more rows of that class, merge rare classes, or give "
            "validation and test a bigger share.",
        )
    ]


def _leakage_pitfall(prepared, profile, sample, y) -> list[str]:
    """A single feature that predicts the target almost perfectly (leakage?)."""
    candidates = list(profile.relation)[:30]
    suspects = []
    for column in candidates:
        score = _single_feature_score(prepared, sample[column], y, column)
        if score >= LEAKAGE_SCORE:
            suspects.append((column, score))
    if not suspects:
        return []
    column, score = suspects[0]
    measure = "accuracy" if prepared.task != "regression" else "correlation"
    others = (
        f" (also {listing([c for c, _ in suspects[1:]], 3)})" if suspects[1:] else ""
    )
    return [
        advice(
            f"Possible leakage: {quoted(column)} alone predicts the target almost "
            f"perfectly ({measure} {score:.1%}){others}.",
            "If it is only known after the outcome, or is computed from the target, "
            "the network will look excellent here and fail on new data.",
            "remove that column from the file unless it will really be available "
            "when predicting.",
        )
    ]


def _single_feature_score(prepared, values: pd.Series, y: np.ndarray, column) -> float:
    if prepared.task == "regression":
        score = abs(profile_relation(prepared, values, y, column))
        return score if np.isfinite(score) else 0.0
    keep = y >= 0
    baseline = np.bincount(y[keep]).max() / max(keep.sum(), 1)
    if baseline >= LEAKAGE_SCORE:
        return 0.0
    if column in prepared.numeric_columns:
        from sklearn.tree import DecisionTreeClassifier

        x = usable_numbers(values)
        x = np.where(np.isnan(x), np.nanmedian(x) if (~np.isnan(x)).any() else 0, x)
        tree = DecisionTreeClassifier(max_depth=4, random_state=0)
        tree.fit(x[keep].reshape(-1, 1), y[keep])
        return float(tree.score(x[keep].reshape(-1, 1), y[keep]))
    codes = pd.factorize(values)[0][keep]
    if len(np.unique(codes)) > 50:
        return 0.0
    table = pd.crosstab(codes, y[keep]).to_numpy()
    return float(table.max(axis=1).sum() / table.sum())


def profile_relation(prepared, values: pd.Series, y: np.ndarray, column) -> float:
    if column not in prepared.numeric_columns:
        return _correlation_ratio(pd.factorize(values)[0], y.astype("float64"))
    return _pearson(usable_numbers(values), y.astype("float64"))


def _id_pitfall(prepared) -> list[str]:
    ids = [
        c
        for c, why in prepared.dropped.items()
        if "different value on every row" in why
    ]
    if not ids:
        return []
    return [
        advice(
            (
                f"ID-like column {listing(ids)} has a different value on every row, "
                "so it was dropped."
                if len(ids) == 1
                else f"ID-like columns {listing(ids)} have a different value on "
                "every row, so they were dropped."
            ),
            "A network could only memorise such values; they tell it nothing about "
            "new rows.",
            "nothing, if they are IDs. If one is a real measurement, give it a "
            "descriptive name (not 'id') and check that values repeat.",
        )
    ]
