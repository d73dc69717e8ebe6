"""The preprocessor that turns a table's columns into a network's inputs.

One scikit-learn ``ColumnTransformer``: median imputation, optional outlier clipping
and scaling for the numeric columns; most-frequent imputation and one-hot encoding for
the categorical ones. ``fit_preprocessor`` fits it on many rows in little memory, and
``in_chunks`` applies a transformation a chunk of rows at a time: a million rows cost
a few copies of one chunk instead of several copies of the whole table.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from nncore.core.errors import DataError

# Values beyond this magnitude overflow float32 arithmetic once squared or scaled.
MAX_MAGNITUDE = 1e30
# Rows transformed at a time when the preprocessor is fitted and when the network's
# arrays are built: a few megabytes each, instead of copies of every row at once.
CHUNK_ROWS = 2**15


def build_preprocessor(numeric, categorical, scaling, max_categories, *, clip=False):
    """The unfitted ``ColumnTransformer`` for these columns and settings."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import (
        FunctionTransformer,
        MinMaxScaler,
        OneHotEncoder,
        StandardScaler,
    )

    scalers = {"standard": StandardScaler(), "minmax": MinMaxScaler(), "none": None}
    if scaling not in scalers:
        raise DataError(
            f"The scaling must be one of 'standard', 'minmax', 'none'. Got {scaling!r}."
        )
    numeric_steps = [("impute", SimpleImputer(strategy="median"))]
    if clip:
        from nncore.data.outliers import OutlierClipper

        # Clipped before the medians are learnt: impossible zeros become missing.
        numeric_steps.insert(0, ("outliers", OutlierClipper()))
    if scalers[scaling] is not None:
        numeric_steps.append(("scale", scalers[scaling]))
    # float32 like the one-hot columns, so that joining them does not build a float64
    # copy of the whole table first (the same numbers, half the memory).
    numeric_steps.append(
        ("float32", FunctionTransformer(_float32, feature_names_out="one-to-one"))
    )
    categorical_steps = [
        ("impute", SimpleImputer(strategy="most_frequent")),
        (
            "onehot",
            OneHotEncoder(
                handle_unknown="infrequent_if_exist",
                max_categories=max_categories,
                sparse_output=False,
                dtype=np.float32,
            ),
        ),
    ]
    return ColumnTransformer(
        [
            ("numeric", Pipeline(numeric_steps), numeric),
            ("categorical", Pipeline(categorical_steps), categorical),
        ],
        sparse_threshold=0,
    )


def _float32(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


def encoder_input(features: pd.DataFrame, categorical: list[str]) -> pd.DataFrame:
    """``features`` with each categorical column as the imputer and encoder expect
    it: object values, each as text, and missing as ``np.nan``."""
    if not categorical:
        return features
    features = features.copy(deep=False)  # copy-on-write: the caller's frame is kept
    for column in categorical:
        # Each value as text and missing as NaN, with one object per distinct value
        # shared by its rows (fast, and small for text, category and mixed columns).
        values = features[column]
        codes, uniques = pd.factorize(values)
        pool = np.array([str(u) for u in uniques] + [np.nan], dtype=object)
        features[column] = pd.Series(pool[codes], index=values.index, dtype=object)
    return features


def with_missing(features: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``features`` with the infinite and overflowing values of ``columns`` (beyond
    ``MAX_MAGNITUDE``) as missing values, as float64."""
    columns = [c for c in columns if c in features.columns]
    if not columns:
        return features
    features = features.copy(deep=False)  # copy-on-write: the caller's frame is kept
    for column in columns:
        values = features[column].astype("float64")
        features[column] = values.mask(
            ~np.isfinite(values) | (values.abs() > MAX_MAGNITUDE)
        )
    return features


def in_chunks(transform: Callable, rows: pd.DataFrame | np.ndarray) -> np.ndarray:
    """``transform(rows)``, computed ``CHUNK_ROWS`` rows at a time into one array.

    Only for transformations of each row on its own (imputing, scaling, encoding
    with what was learnt): the result is then the same as one call's, while the
    transformation's intermediate copies exist for one chunk at a time.
    """
    first = transform(_head(rows, 0, CHUNK_ROWS))
    if len(rows) <= CHUNK_ROWS:
        return first
    result = np.empty((len(rows), *first.shape[1:]), dtype=first.dtype)
    result[:CHUNK_ROWS] = first
    del first
    for start in range(CHUNK_ROWS, len(rows), CHUNK_ROWS):
        stop = start + CHUNK_ROWS
        result[start:stop] = transform(_head(rows, start, stop))
    return result


def _head(rows, start: int, stop: int):
    return rows.iloc[start:stop] if isinstance(rows, pd.DataFrame) else rows[start:stop]


def fit_preprocessor(
    features: pd.DataFrame,
    train: np.ndarray,
    numeric: list[str],
    categorical: list[str],
    *,
    unusable: list[str],
    scaling: str,
    max_categories: int,
    clip: bool = False,
):
    """The preprocessor (``build_preprocessor``) fitted on the ``train`` rows of
    ``features``, without transforming them all at once.

    ``ColumnTransformer.fit`` transforms every training row and joins the results,
    holding three or four copies of the training rows at once (hundreds of megabytes
    for a million rows). Here the ColumnTransformer is fitted on a few training rows
    that hold every category and a usable number in every numeric column, so that it
    learns the same output columns, then each of its two branches is fitted again,
    in place, on every training row by ``_fit_steps``. Up to ``CHUNK_ROWS`` training
    rows the result is the same to the bit; beyond, the scaler's means and
    deviations, summed a chunk at a time, may differ in their last digits.

    Args:
        features: the table's numeric and categorical columns, every row.
        train: positions of the training rows.
        numeric, categorical: the columns of each kind.
        unusable: numeric columns whose infinite or overflowing values count as
            missing.
        scaling: ``"standard"``, ``"minmax"`` or ``"none"``.
        max_categories: most one-hot columns per categorical column, used when a
            column has more values than that in the training rows.
        clip: clip the numbers to the training rows' range first. Defaults to False.

    Returns:
        The fitted ``ColumnTransformer``.
    """
    texts = encoder_input(features[categorical].iloc[train], categorical)
    # Grouping rare values needs value counts, which scikit-learn takes seconds per
    # million rows to compute; when no column has more than max_categories values in
    # the training split nothing would be grouped, so grouping is left off (same X).
    grouping = any(texts[c].nunique() > max_categories for c in categorical)
    preprocessor = build_preprocessor(
        numeric, categorical, scaling, max_categories if grouping else None, clip=clip
    )
    few = train[_rows_with_every_value(features, train, texts, numeric)]
    preprocessor.fit(
        encoder_input(with_missing(features.iloc[few], unusable), categorical)
    )
    widths = {
        name: part.stop - part.start
        for name, part in preprocessor.output_indices_.items()
    }
    branches = {
        name: branch
        for name, branch, columns in preprocessor.transformers_
        if len(columns) and not isinstance(branch, str)
    }
    if "categorical" in branches:
        _fit_steps(branches["categorical"], texts)
    del texts
    if "numeric" in branches:
        numbers = with_missing(features[numeric].iloc[train], unusable)
        _fit_steps(branches["numeric"], numbers)
        del numbers
    if any(
        len(branch.get_feature_names_out()) != widths[name]
        for name, branch in branches.items()
    ):  # not expected (the few rows hold every value); then fitted the plain way
        preprocessor.fit(
            encoder_input(with_missing(features.iloc[train], unusable), categorical)
        )
    return preprocessor


def _rows_with_every_value(features, train, texts, numeric) -> np.ndarray:
    """Positions in ``train`` of a few rows that together hold every value of each
    categorical column (``texts``: the training rows as the encoder sees them) and a
    usable number in each numeric column that has one."""
    rows = [np.zeros(1, dtype=np.int64)]
    for column in texts.columns:
        codes = pd.factorize(texts[column])[0]
        rows.append(np.unique(codes, return_index=True)[1])
    for column in numeric:
        values = features[column].to_numpy(dtype="float64", na_value=np.nan)[train]
        with np.errstate(invalid="ignore"):
            usable = np.isfinite(values) & (np.abs(values) <= MAX_MAGNITUDE)
        if usable.any():
            rows.append(np.array([np.argmax(usable)]))
    return np.unique(np.concatenate(rows))


def _fit_steps(pipeline, X: pd.DataFrame) -> None:
    """Fit a ``Pipeline``'s steps in order on ``X``, in place, as ``Pipeline.fit``
    does, without holding several transformed copies of ``X``.

    A step that learns incrementally (``partial_fit``: the scalers) is fed
    ``CHUNK_ROWS`` rows at a time; one that learns nothing from the values (the
    float32 cast) sees the first chunk; the others (imputers, encoders, the outlier
    clipper) see every row, transformed by the steps before a chunk at a time, and a
    median imputer learns its medians one column at a time.
    """
    from sklearn.impute import SimpleImputer
    from sklearn.utils import get_tags

    for index, (_, step) in enumerate(pipeline.steps):
        before = pipeline[:index].transform if index else _unchanged
        if hasattr(step, "partial_fit"):
            for start in range(0, len(X), CHUNK_ROWS):
                part = before(X.iloc[start : start + CHUNK_ROWS])
                if start == 0:
                    step.fit(part)
                else:
                    step.partial_fit(part)
            continue
        if not get_tags(step).requires_fit:
            step.fit(before(X.iloc[:CHUNK_ROWS]))
            continue
        data = in_chunks(before, X) if index else X
        if isinstance(step, SimpleImputer) and step.strategy == "median":
            _fit_medians(step, data)
        else:
            step.fit(data)
        del data


def _unchanged(rows):
    return rows


def _fit_medians(imputer, data) -> None:
    """Fit a median ``SimpleImputer`` on ``data`` one column at a time.

    NumPy's masked median sorts several copies of everything it is given (four to
    five times the data); a column's median is the same whichever other columns are
    beside it, so each column is fitted alone and the medians gathered.
    """
    from sklearn.base import clone

    if len(data) <= CHUNK_ROWS:
        imputer.fit(data)
        return
    imputer.fit(_head(data, 0, 100))  # every column, for the fitted shape
    medians = []
    for position in range(data.shape[1]):
        column = (
            data.iloc[:, [position]]
            if isinstance(data, pd.DataFrame)
            else data[:, [position]]
        )
        medians.append(clone(imputer).fit(column).statistics_)
    imputer.statistics_ = np.concatenate(medians)
