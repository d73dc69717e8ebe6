"""Turning a table into train, validation and test arrays for a network.

All preprocessing is one scikit-learn ``ColumnTransformer`` fitted on the training
split only: median / most-frequent imputation, scaling, one-hot encoding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nncore.core.errors import DataError
from nncore.core.glossary import advice
from nncore.core.text import listing, plural, quoted
from nncore.data import detect
from nncore.data.detect import (
    ColumnKinds,
    classify_columns,
    detect_task,
    is_numeric,
)
from nncore.data.preprocessing import (
    MAX_MAGNITUDE,
    encoder_input,
    fit_preprocessor,
    in_chunks,
    with_missing,
)

MIN_ROWS = 10
MAX_CLASSES = 200
# Warn about repeated rows when at least this share of the validation and test rows
# are exact copies of training rows (otherwise repeated rows are only mentioned).
DUPLICATE_SHARE = 0.01
DEFAULT_SPLIT = {"train": 0.7, "val": 0.15, "test": 0.15, "stratify": True}


SPLITS = ("train", "val", "test")


class _Inputs:
    """A split's network inputs (``X_train``...): built on first use and kept.

    A dataclass field whose default is this descriptor: the constructor and
    ``dataclasses.replace`` pass their value through ``__set__``; None (or the
    default) means "build it from the table when it is first read".
    """

    def __init__(self, split: str) -> None:
        self.split = split
        self.slot = f"_X_{split}"

    def __get__(self, prepared, owner=None):
        if prepared is None:
            return None  # the field's default: build on first use
        value = prepared.__dict__.get(self.slot)
        if value is None:
            value = prepared._build_inputs(self.split)
            prepared.__dict__[self.slot] = value
            prepared._built.add(self.split)
        return value

    def __set__(self, prepared, value) -> None:
        if isinstance(value, _Inputs):  # the constructor's default
            value = None
        prepared.__dict__[self.slot] = value
        prepared._built.discard(self.split)


class LazyInputs:
    """What the prepared data with ``_Inputs`` fields share: which splits' arrays
    are built and held, and dropping them. A subclass says how to build a split's
    array (``_build_inputs``)."""

    @property
    def inputs_built(self) -> list[str]:
        """The splits whose network arrays are built and held now."""
        return [split for split in SPLITS if split in self._built]

    def release_inputs(self) -> None:
        """Drop the network's arrays built so far (a finished job's), to free their
        memory; the next use builds them again, the same to the bit. Arrays given
        explicitly (a fold's, a tuning copy's) are kept."""
        for split in SPLITS:
            if split in self._built:
                self.__dict__.pop(f"_X_{split}", None)
        self._built.clear()

    @property
    def inputs_bytes(self) -> int:
        """The bytes of the network arrays built and held now."""
        return sum(self.__dict__[f"_X_{split}"].nbytes for split in self.inputs_built)

    @property
    def _built(self) -> set[str]:
        return self.__dict__.setdefault("_built_splits", set())

    def _build_inputs(self, split: str) -> np.ndarray:
        raise NotImplementedError


@dataclass
class PreparedData(LazyInputs):
    """Arrays ready for a network, and what was done to get them.

    Attributes:
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        task_reason: one line saying why the task was chosen.
        target: the target column.
        classes: the class labels in encoded order (None for regression).
        numeric_columns, categorical_columns: the feature columns used.
        feature_names: names of the columns of ``X_*`` after encoding.
        X_train, X_val, X_test: float32 feature arrays, built from ``frame`` with
            the fitted ``preprocessor`` on first use (training, evaluation), not
            when the data is prepared: the Data screen never needs them, and a
            million-row table then costs a fraction of the memory. Assigning one
            (``dataclasses.replace``) keeps that array; ``release_inputs`` drops the
            built ones, to be built again, identical, when next used.
        y_train, y_val, y_test: class indices (int) or values (float32).
        train_index, val_index, test_index: row positions in ``frame``.
        frame: the table after rows without a target were removed.
        preprocessor: the fitted scikit-learn ``ColumnTransformer``.
        dropped: column -> why it is not used.
        filled: column -> how many missing or unusable values were imputed.
        stratified: whether the split kept class proportions.
        outliers: what was done with extreme or impossible numbers: ``"keep"``,
            ``"drop"`` (training rows dropped) or ``"clip"`` (inputs clipped).
        outliers_dropped: how many training rows were dropped as outliers.
        notes: what was done, in plain words.
        warnings: problems to act on, each with its fix.
    """

    task: str
    task_reason: str
    target: str
    classes: list[str] | None
    numeric_columns: list[str]
    categorical_columns: list[str]
    feature_names: list[str]
    y_train: np.ndarray
    y_val: np.ndarray
    y_test: np.ndarray
    train_index: np.ndarray
    val_index: np.ndarray
    test_index: np.ndarray
    frame: pd.DataFrame
    preprocessor: Any
    scaling: str
    dropped: dict[str, str] = field(default_factory=dict)
    filled: dict[str, int] = field(default_factory=dict)
    stratified: bool = False
    outliers: str = "keep"
    outliers_dropped: int = 0
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    X_train: np.ndarray = field(default=_Inputs("train"), repr=False, compare=False)
    X_val: np.ndarray = field(default=_Inputs("val"), repr=False, compare=False)
    X_test: np.ndarray = field(default=_Inputs("test"), repr=False, compare=False)
    # Numeric columns whose infinite or overflowing values count as missing.
    unusable: list[str] = field(default_factory=list, repr=False)

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    def _build_inputs(self, split: str) -> np.ndarray:
        rows = {"train": self.train_index, "val": self.val_index}.get(
            split, self.test_index
        )
        # Taken from the table a chunk at a time too: no copy of the split's rows.
        return in_chunks(lambda part: model_inputs(self, self.frame.iloc[part]), rows)

    def summary(self) -> dict[str, Any]:
        """The plain, JSON-ready facts the CLI prints and the screens show."""
        return {
            "task": self.task,
            "target": self.target,
            "n_train": int(len(self.y_train)),
            "n_val": int(len(self.y_val)),
            "n_test": int(len(self.y_test)),
            "n_features": self.n_features,
            "classes": self.classes,
            "dropped": self.dropped,
            "filled": self.filled,
            "warnings": list(self.warnings),
        }


@dataclass
class DataOutline:
    """What a table holds for the chosen target, before any split or scaling: the
    first half of ``prepare_data``, which needs no scikit-learn (the Data screen
    draws its overview charts from it while the rest is prepared).

    Attributes:
        frame: the table after rows without a target were removed.
        target: the target column.
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        task_reason: one line saying why the task was chosen.
        classes: the class labels in encoded order (None for regression).
        y: the target of every row of ``frame`` as the network sees it: class
            indices (int) or values (float32).
        kinds: the feature columns by kind (``numeric``, ``categorical``) and the
            dropped ones with why (``nncore.data.detect.ColumnKinds``).
        warnings: problems with the target, each with its fix.
    """

    frame: pd.DataFrame
    target: str
    task: str
    task_reason: str
    classes: list[str] | None
    y: np.ndarray
    kinds: ColumnKinds
    warnings: list[str] = field(default_factory=list)


def outline_data(
    frame: pd.DataFrame,
    target: str | None,
    *,
    task: str = "auto",
    clean_labels: bool = True,
) -> DataOutline:
    """The cleaned target, the task, the classes and the kinds of columns of a table
    (``prepare_data`` without the split and the preprocessing; the same arguments,
    messages and errors).

    Raises:
        DataError: when the target is missing or unusable, too few rows remain, or no
            column is left to learn from.
    """
    warnings: list[str] = []
    frame, y = _target_values(frame, target, warnings)
    if clean_labels:
        y, message = detect.clean_labels(y)
        if message:
            warnings.append(message)
    short_forms = detect.short_form_labels(y)
    if short_forms:
        warnings.append(short_forms)
    if len(frame) < MIN_ROWS:
        raise DataError(
            f"Only {plural(len(frame), 'row')} of data with a target value. Splitting "
            "into "
            f"train, validation and test needs at least {MIN_ROWS} rows; add more data."
        )
    task, reason = _resolve_task(y, target, task)
    if task != "regression":
        _check_classes(y, target)

    kinds = classify_columns(frame, target)
    if not kinds.numeric and not kinds.categorical:
        reasons = "; ".join(
            f"{quoted(c)}: {why}" for c, why in list(kinds.dropped.items())[:3]
        )
        raise DataError(
            "No column is left to learn from: every column other than the target was "
            f"dropped ({reasons or 'there are no other columns'}). Choose a different "
            "target, or add columns that describe each row."
        )
    if task == "regression":
        y_values = y.to_numpy(dtype="float32")
        classes = None
    else:
        labels = y.astype(str) if not is_numeric(y) else y
        classes_raw, y_values = np.unique(labels.to_numpy(), return_inverse=True)
        classes = [_label(c) for c in classes_raw]
    return DataOutline(
        frame=frame,
        target=target,
        task=task,
        task_reason=reason,
        classes=classes,
        y=y_values,
        kinds=kinds,
        warnings=warnings,
    )


def prepare_data(
    frame: pd.DataFrame,
    target: str | None,
    *,
    task: str = "auto",
    split: dict | None = None,
    scaling: str = "standard",
    seed: int = 42,
    max_categories: int = 20,
    clean_labels: bool = True,
    outliers: str = "keep",
) -> PreparedData:
    """Split and preprocess a table for training.

    Args:
        frame: the table, one row per example.
        target: the column to predict.
        task: ``"auto"`` (detect), ``"binary"``, ``"multiclass"`` or
            ``"regression"``. Defaults to ``"auto"``.
        split: fractions ``train``, ``val``, ``test`` and ``stratify``. Defaults to
            70/15/15, stratified for classification.
        scaling: ``"standard"``, ``"minmax"`` (to 0..1) or ``"none"``. Defaults to
            ``"standard"``.
        seed: random seed for the split. Defaults to 42.
        max_categories: most one-hot columns per categorical column. Defaults to 20.
        clean_labels: merge labels differing only by case or spaces. Defaults to True.
        outliers: extreme or impossible numbers (``nncore.data.outliers``), judged
            by bounds learnt on the training rows only: ``"keep"`` them, ``"drop"``
            the training rows that have one (in an input or a regression target;
            validation and test rows are kept), or ``"clip"`` the inputs of every
            split to the training rows' range. Defaults to ``"keep"``.

    Returns:
        A ``PreparedData``.

    Raises:
        DataError: when the target is missing or unusable, or too few rows remain.
    """
    split = {**DEFAULT_SPLIT, **(split or {})}
    outline = outline_data(frame, target, task=task, clean_labels=clean_labels)
    frame, kinds, task, y_values = outline.frame, outline.kinds, outline.task, outline.y
    warnings = list(outline.warnings)
    notes: list[str] = []
    for column, why in kinds.dropped.items():
        notes.append(f"Dropped {quoted(column)}: {why}.")
    features = frame[kinds.numeric + kinds.categorical]  # copy-on-write: no copy
    unusable = _unusable_values(features, kinds.numeric)
    if unusable:
        warnings.append(_unusable_warning(unusable))
    filled = {
        c: int(n) + unusable.get(c, 0)
        for c, n in features.isna().sum().items()
        if n or c in unusable
    }
    _cardinality_warnings(features, kinds.categorical, max_categories, warnings)

    train, val, test, stratified = _split(y_values, task, split, seed, warnings)
    _duplicate_rows(frame, train, np.concatenate([val, test]), notes, warnings)
    dropped_rows = 0
    if outliers == "drop":
        part = with_missing(features[kinds.numeric].iloc[train], list(unusable))
        train, dropped_rows = _drop_outliers(part, y_values, task, kinds, train)
        del part
        notes.append(_dropped_note(dropped_rows))

    # The preprocessor is fitted on the training rows only, in chunks; the network's
    # arrays are built when training needs them.
    preprocessor = fit_preprocessor(
        features,
        train,
        kinds.numeric,
        kinds.categorical,
        unusable=list(unusable),
        scaling=scaling,
        max_categories=max_categories,
        clip=outliers == "clip",
    )
    del features
    if filled:
        total = sum(filled.values())
        notes.append(
            f"Filled {plural(total, 'missing value')} "
            f"({_filled_text(filled, kinds.numeric)}), using medians and most frequent "
            "values learnt from the training split."
        )
    if outliers == "clip":
        notes.append(_clipped_note())
    return PreparedData(
        task=task,
        task_reason=outline.task_reason,
        target=target,
        classes=outline.classes,
        numeric_columns=kinds.numeric,
        categorical_columns=kinds.categorical,
        feature_names=feature_names(preprocessor),
        y_train=y_values[train],
        y_val=y_values[val],
        y_test=y_values[test],
        train_index=train,
        val_index=val,
        test_index=test,
        frame=frame,
        preprocessor=preprocessor,
        scaling=scaling,
        dropped=dict(kinds.dropped),
        filled=filled,
        stratified=stratified,
        outliers=outliers,
        outliers_dropped=dropped_rows,
        notes=notes,
        warnings=warnings,
        unusable=list(unusable),
    )


def model_inputs(prepared: PreparedData, rows: pd.DataFrame) -> np.ndarray:
    """The network's float32 inputs for rows of ``prepared.frame``, through the
    fitted preprocessor (what ``X_train``, ``X_val`` and ``X_test`` hold), built a
    chunk of rows at a time (``in_chunks``): the same numbers in less memory."""
    columns = prepared.numeric_columns + prepared.categorical_columns

    def transform(part: pd.DataFrame) -> np.ndarray:
        features = with_missing(part[columns], prepared.unusable)
        X = encoder_input(features, prepared.categorical_columns)
        return prepared.preprocessor.transform(X).astype(np.float32, copy=False)

    return in_chunks(transform, rows)


def _label(value: Any) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _target_values(frame: pd.DataFrame, target, warnings) -> tuple[pd.DataFrame, Any]:
    if target is None or (isinstance(target, str) and not target.strip()):
        raise DataError(
            "No target column is chosen. Choose the column the network should "
            f"predict, one of: {listing(frame.columns)}."
        )
    if target not in frame.columns:
        raise DataError(
            f"The target column {quoted(target)} is not in the data. Choose one of: "
            f"{listing(frame.columns)}."
        )
    y = frame[target]
    if pd.api.types.is_float_dtype(y.dtype):
        y = y.mask(~np.isfinite(y) | (y.abs() > MAX_MAGNITUDE))
    missing = y.isna()
    if missing.all():
        raise DataError(
            f"The target column {quoted(target)} has no values (every row is "
            "missing). Choose another target column, or fill it in the file."
        )
    if missing.any():
        warnings.append(
            advice(
                f"{_rows_have(int(missing.sum()))} no usable value in the target "
                f"{quoted(target)} and were left out.",
                "A network can only learn from rows whose answer is known, so it "
                "learns from fewer rows than the file has.",
                "nothing, if those rows are unlabelled on purpose; otherwise fill in "
                "their target in the file.",
            )
        )
        frame = frame.loc[~missing].reset_index(drop=True)
        y = y.loc[~missing].reset_index(drop=True)
    return frame, y


def _resolve_task(y: pd.Series, target: str, task: str) -> tuple[str, str]:
    detected, reason = detect_task(y)
    if task == "auto":
        return detected, reason
    allowed = ("binary", "multiclass", "regression")
    if task not in allowed:
        raise DataError(
            f"The task must be one of 'auto', {', '.join(map(repr, allowed))}. "
            f"Got {task!r}."
        )
    n_unique = int(y.nunique())
    if task == "regression" and not is_numeric(y):
        raise DataError(
            f"The target {quoted(target)} holds text ({listing(y.unique(), 3, 15)}), "
            "so it cannot be predicted as a number. Choose binary or multiclass, or a "
            "numeric target column."
        )
    if task == "binary" and n_unique != 2:
        raise DataError(
            f"The target {quoted(target)} has {n_unique} distinct values, but binary "
            "classification needs exactly 2. Choose multiclass"
            + (" or regression." if is_numeric(y) else ".")
        )
    if task == "multiclass" and n_unique > MAX_CLASSES:
        raise DataError(
            f"The target {quoted(target)} has {n_unique} distinct values, too many to "
            f"treat as classes (at most {MAX_CLASSES}). Choose regression, or a "
            "different target."
        )
    return task, f"you chose {task} (detected: {detected}, as {reason})"


def _check_classes(y: pd.Series, target: str) -> None:
    n_unique = int(y.nunique())
    if n_unique < 2:
        raise DataError(
            f"The target {quoted(target)} has only one class "
            f"({listing(y.unique(), 1, 20)}): there is nothing to tell apart. Choose "
            "a target column with at least two different values."
        )
    if n_unique > MAX_CLASSES:
        raise DataError(
            f"The target {quoted(target)} has {n_unique} different labels, too many to "
            f"learn as classes (at most {MAX_CLASSES}). Choose another target column."
        )
    if n_unique * 2 > len(y):
        fix = (
            "Choose regression (the target holds numbers), or a target whose values "
            "repeat."
            if is_numeric(y)
            else "Choose a target whose values repeat (a category, not a name or ID)."
        )
        raise DataError(
            f"The target {quoted(target)} has {n_unique} different labels in "
            f"{len(y)} rows, so most classes have a single row: a network cannot "
            "learn a class from one example, and the split cannot put every class "
            f"in training, validation and test. {fix}"
        )


def _duplicate_rows(frame, train, held, notes, warnings) -> None:
    """Rows that repeat another row exactly, counted on the rows as they are in the
    file (IDs and names included, before any column is dropped): a warning when
    copies of training rows land in the validation or test split, else a note."""
    try:
        hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    except (TypeError, ValueError):  # cells that cannot be compared (lists)
        return
    copies = int(pd.Series(hashes).duplicated().sum())
    if not copies:
        return
    verb = "repeats" if copies == 1 else "repeat"
    repeated = (
        f"{copies:,} of the {len(frame):,} rows {verb} another row exactly, in every "
        "column"
    )
    crossing = int(np.isin(hashes[held], hashes[train]).sum())
    if crossing >= 2 and crossing >= DUPLICATE_SHARE * len(held):
        warnings.append(
            advice(
                f"{crossing:,} of the {len(held):,} validation and test rows are exact "
                f"copies of training rows ({repeated}).",
                "The network is then tested on rows it has learnt, so its "
                "validation and test scores look better than they will be on new "
                "data.",
                "remove the repeated rows from the file if they are the same record "
                "entered twice; if they are real repeated observations, keep them "
                "and expect somewhat lower scores on new data.",
            )
        )
    else:
        notes.append(
            f"{repeated[0].upper()}{repeated[1:]}; that is fine unless they are the "
            "same record entered twice (then remove the copies from the file)."
        )


def _drop_outliers(part, y_values, task, kinds, train) -> tuple[np.ndarray, int]:
    """The training rows without extreme or impossible numbers (in an input or a
    regression target), judged by bounds learnt from the training rows; all of them
    when every row would go. ``part``: the numeric inputs of the training rows."""
    from nncore.data.outliers import OutlierClipper

    flagged = np.zeros(len(train), dtype=bool)
    if kinds.numeric:
        flagged |= OutlierClipper().fit(part).outliers(part).any(axis=1)
    if task == "regression":
        y = np.asarray(y_values[train], dtype="float64")
        flagged |= OutlierClipper().fit(y).outliers(y)[:, 0]
    if flagged.all():
        return train, 0
    return train[~flagged], int(flagged.sum())


def _dropped_note(dropped: int) -> str:
    if not dropped:
        return (
            "Outliers: no training row has an extreme or impossible value, so none "
            "was dropped."
        )
    return (
        f"Outliers: dropped {plural(dropped, 'training row')} with an extreme or "
        "impossible value (more than 5 inter-quartile ranges beyond the training "
        "rows' quartiles, or a zero in a column that is otherwise positive). The "
        "validation and test rows are all kept, so their scores still include such "
        "rows."
    )


def _clipped_note() -> str:
    return (
        "Outliers: the inputs of every split are clipped to the range learnt from "
        "the training rows (5 inter-quartile ranges beyond the quartiles), and zeros "
        "in a column that is otherwise positive count as missing. The target is "
        "left as it is."
    )


def _rows_have(count: int) -> str:
    return f"{plural(count, 'row')} {'has' if count == 1 else 'have'}"


def _values_were(count: int) -> str:
    return f"{plural(count, 'value')} {'was' if count == 1 else 'were'}"


def _unusable_values(features: pd.DataFrame, numeric) -> dict[str, int]:
    """Numeric column -> how many values are infinite or too large to compute with
    (beyond ``MAX_MAGNITUDE``), for the columns that have any."""
    replaced = {}
    for column in numeric:
        values = features[column].to_numpy(dtype="float64", na_value=np.nan)
        bad = ~np.isfinite(values) & ~np.isnan(values) | (
            np.abs(np.nan_to_num(values)) > MAX_MAGNITUDE
        )
        if bad.any():
            replaced[column] = int(bad.sum())
    return replaced


def _unusable_warning(replaced: dict[str, int]) -> str:
    return advice(
        f"{_values_were(sum(replaced.values()))} infinite or too large to "
        f"compute with (beyond ±1e30) in {listing(replaced)}; they were "
        "treated as missing and filled in.",
        "A network cannot compute with such numbers, and the filled-in "
        "values are only a guess at what they were.",
        "if they are real, rescale those columns in the file (e.g. take logs).",
    )


def _filled_text(filled: dict[str, int], numeric: list[str]) -> str:
    """Each filled column with its count; beyond eight, the rest are named briefly."""
    parts = [
        f"{quoted(c, 25)}: {n:,} with the "
        + ("median" if c in numeric else "most frequent value")
        for c, n in list(filled.items())[:8]
    ]
    rest = list(filled)[8:]
    if rest:
        parts.append(f"also {listing(rest, limit=len(rest), width=25)}")
    return "; ".join(parts)


def _cardinality_warnings(features, categorical, max_categories, warnings) -> None:
    wide = {c: int(features[c].nunique()) for c in categorical}
    wide = {c: n for c, n in wide.items() if n > max_categories}
    for column, n in list(wide.items())[:5]:
        warnings.append(
            advice(
                f"Column {quoted(column)} has {n} different values; the "
                f"{max_categories - 1} most frequent get their own input and the rest "
                "are grouped as 'other'.",
                "Values grouped as 'other' look the same to the network, and a "
                "column of free text or IDs adds inputs it can only memorise.",
                "if it is free text or an ID, drop it from the file; otherwise raise "
                "'Most categories per text column' on the Data screen.",
            )
        )


def _split(y, task, split, seed, warnings, unit: str = "row"):
    """Training, validation and test indices, stratified when it can be; ``unit``
    names one example in the messages ("row", or "picture" for pictures)."""
    from sklearn.model_selection import train_test_split

    n = len(y)
    index = np.arange(n)
    test_size = split["test"]
    val_size = split["val"] / (split["train"] + split["val"])
    stratify = task != "regression" and split["stratify"]
    if stratify:
        try:
            rest, test = train_test_split(
                index, test_size=test_size, random_state=seed, stratify=y
            )
            train, val = train_test_split(
                rest, test_size=val_size, random_state=seed, stratify=y[rest]
            )
            return np.sort(train), np.sort(val), np.sort(test), True
        except ValueError:
            counts = np.bincount(y)
            warnings.append(
                advice(
                    "The rarest class has only "
                    f"{plural(int(counts.min()), unit)}, too few to keep class "
                    "proportions in every split, so the split is random.",
                    "A split may then get none of that class, and its scores say "
                    "nothing about it.",
                    f"collect more {unit}s of the rare classes, or merge them.",
                )
            )
    rest, test = train_test_split(index, test_size=test_size, random_state=seed)
    train, val = train_test_split(rest, test_size=val_size, random_state=seed)
    for name, part in (("training", train), ("validation", val), ("test", test)):
        if len(part) == 0:
            raise DataError(
                f"The {name} split is empty with {plural(n, unit)}. Add more {unit}s, "
                "or give "
                "that split a bigger share."
            )
    return np.sort(train), np.sort(val), np.sort(test), False


def feature_names(preprocessor) -> list[str]:
    """The fitted preprocessor's output columns, without the transformer prefix."""
    names = preprocessor.get_feature_names_out()
    return [str(n).split("__", 1)[1] if "__" in str(n) else str(n) for n in names]


def prepare_from_spec(frame: pd.DataFrame, data_spec: dict) -> PreparedData:
    """Prepare ``frame`` with the settings of a validated ``data`` spec section."""
    return prepare_data(
        frame,
        data_spec.get("target"),
        task=data_spec["task"],
        split=data_spec["split"],
        scaling=data_spec["scaling"],
        seed=data_spec["seed"],
        max_categories=data_spec["max_categories"],
        clean_labels=data_spec["clean_labels"],
        outliers=data_spec.get("outliers", "keep"),
    )
