"""A trained network on new rows: the try-it form, a table of predictions, and
which columns it relies on (permutation importance).

The rows are in the original table's terms (column names and raw values);
``model_input`` turns them into what the fitted preprocessor expects, with notes in
plain words about what it had to fix. The network is a *predict* function, as in
``nncore.train.evaluation``.

Example:
    >>> predict = model_predictor(model)
    >>> predict_one(predict, prepared, {"age": 52, "smoker": "yes"})["label"]
    'sick'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nncore.core.errors import DataError
from nncore.core.text import listing, plural, quoted, short
from nncore.data.prepare import MAX_MAGNITUDE, PreparedData
from nncore.train.evaluation import (
    SPLITS,
    Predict,
    class_probabilities,
    feature_columns,
)

__all__ = [
    "InputField",
    "TableModel",
    "importance_note",
    "input_fields",
    "model_input",
    "permutation_importance",
    "predict_one",
    "predict_table",
]

# Permutation importance predicts at most this many rows per shuffle.
MAX_IMPORTANCE_ROWS = 5000


@dataclass
class InputField:
    """One input of the try-it form: an original column of the data.

    Attributes:
        name: the column.
        kind: ``"number"`` or ``"category"``.
        minimum, maximum: the training split's range (numbers).
        default: the training median (numbers) or most frequent value.
        integer: whether every training value is a whole number.
        choices: the training split's values, most frequent first (categories).
    """

    name: str
    kind: str
    default: Any
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    choices: list[str] = field(default_factory=list)


def input_fields(prepared: PreparedData) -> list[InputField]:
    """One ``InputField`` per column the network reads, in the table's order."""
    train = prepared.frame.iloc[prepared.train_index]
    fields = []
    for column in feature_columns(prepared):
        values = train[column]
        if column in prepared.numeric_columns:
            numbers = pd.to_numeric(values, errors="coerce").astype("float64")
            numbers = numbers[np.isfinite(numbers) & (numbers.abs() <= MAX_MAGNITUDE)]
            if numbers.empty:
                numbers = pd.Series([0.0])
            integer = bool(np.all(np.mod(numbers, 1) == 0))
            median = float(numbers.median())
            fields.append(
                InputField(
                    name=column,
                    kind="number",
                    default=round(median) if integer else median,
                    minimum=float(numbers.min()),
                    maximum=float(numbers.max()),
                    integer=integer,
                )
            )
        else:
            counts = values.dropna().astype(str).value_counts()
            choices = [str(c) for c in counts.index]
            fields.append(
                InputField(
                    name=column,
                    kind="category",
                    default=choices[0] if choices else "",
                    choices=choices,
                )
            )
    return fields


def model_input(
    prepared: PreparedData, frame: pd.DataFrame
) -> tuple[pd.DataFrame, list[str]]:
    """The columns of ``frame`` the network reads, as the preprocessor expects them.

    Numbers that are not numbers, infinite or too large become missing values
    (filled like in training, with the training median); categories become text.

    Returns:
        The inputs and notes in plain words (ignored columns, values treated as
        missing, categories the network never saw).

    Raises:
        DataError: the table is empty or lacks columns the network needs.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"Received: a {type(frame).__name__}. Expected a pandas DataFrame with "
            "the columns of the training data."
        )
    needed = feature_columns(prepared)
    names = {str(column): column for column in frame.columns}
    missing = [column for column in needed if str(column) not in names]
    if missing:
        raise DataError(
            f"The table lacks {plural(len(missing), 'column')} the model needs: "
            f"{listing(missing)}. Expected the columns of the training data: "
            f"{listing(needed, 12)}. Add them (same names), then try again."
        )
    if len(frame) == 0:
        raise DataError(
            "The table has no rows. Add at least one row of values to predict."
        )
    notes = []
    used = {str(n) for n in needed} | {str(prepared.target)}
    ignored = [str(c) for c in frame.columns if str(c) not in used]
    if str(prepared.target) in names:
        notes.append(
            f"The table has the target column {quoted(prepared.target)}: the model "
            "does not read it; its values stay beside the predictions to compare."
        )
    if ignored:
        notes.append(
            f"Not used as inputs (the model does not read them): {listing(ignored)}."
        )
    inputs = pd.DataFrame(index=frame.index)
    train = prepared.frame.iloc[prepared.train_index]
    # The preprocessor was fitted on the numeric columns, then the categorical ones.
    for column in prepared.numeric_columns + prepared.categorical_columns:
        values = frame[names[str(column)]]
        if column in prepared.numeric_columns:
            numbers = pd.to_numeric(values, errors="coerce").astype("float64")
            unusable = numbers.notna() & (
                ~np.isfinite(numbers) | (numbers.abs() > MAX_MAGNITUDE)
            )
            not_numbers = (
                numbers.isna() & values.notna() & (values.astype(str).str.strip() != "")
            )
            bad = int(unusable.sum() + not_numbers.sum())
            if bad:
                verb = (
                    "is not a usable number" if bad == 1 else "are not usable numbers"
                )
                notes.append(
                    f"{plural(bad, 'value')} in {quoted(column)} {verb}; treated as "
                    "missing and filled with the training median."
                )
            inputs[column] = numbers.mask(unusable)
        else:
            text = values.astype(object).map(_text_or_missing)
            known = set(train[column].dropna().astype(str))
            unseen = sorted({v for v in text.dropna() if v not in known})
            if unseen:
                notes.append(
                    f"{quoted(column)} has "
                    f"{'a value' if len(unseen) == 1 else 'values'} "
                    "the model never saw in training "
                    f"({listing(unseen, 3, 20)}); the model treats them as none of "
                    "the values it knows, so those predictions are less reliable."
                )
            inputs[column] = pd.Series(text, index=frame.index, dtype=object)
    return inputs, notes


def _text_or_missing(value: Any) -> Any:
    """A category as the preprocessor saw it in training: text, or NaN if missing."""
    try:
        if pd.isna(value):
            return np.nan
    except (TypeError, ValueError):  # list-like cells are not missing
        pass
    return str(value)


class TableModel:
    """The preprocessor and the network as one scikit-learn-style estimator.

    It takes rows of the original table (a DataFrame with the training columns),
    so ``sklearn.inspection.permutation_importance`` shuffles whole original
    columns: a one-hot-encoded column counts once, not once per category.

    Args:
        predict: preprocessed inputs -> the network's raw outputs.
        prepared: the data the network was trained on (its fitted preprocessor).
        converted: whether the rows it gets went through ``model_input`` already
            (saves converting them again for every shuffle). Default: False.
    """

    def __init__(
        self, predict: Predict, prepared: PreparedData, *, converted: bool = False
    ):
        self.predict_outputs = predict
        self.prepared = prepared
        self.converted = converted

    def fit(self, X=None, y=None) -> TableModel:
        """Already fitted: scikit-learn's checks expect the method."""
        return self

    def _outputs(self, X: pd.DataFrame) -> np.ndarray:
        inputs = X if self.converted else model_input(self.prepared, X)[0]
        encoded = self.prepared.preprocessor.transform(inputs)
        return np.asarray(
            self.predict_outputs(np.asarray(encoded, dtype="float32")),
            dtype="float64",
        )

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Class probabilities, one column per class."""
        return class_probabilities(self._outputs(X), self.prepared.task)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Class indices (classification, at 0.5) or values (regression)."""
        outputs = self._outputs(X)
        if self.prepared.task == "regression":
            return outputs[:, 0]
        return class_probabilities(outputs, self.prepared.task).argmax(axis=1)

    def score(self, X: pd.DataFrame, y) -> float:
        """Accuracy (classification) or R² (regression)."""
        from sklearn.metrics import accuracy_score, r2_score

        predicted = self.predict(X)
        if not np.all(np.isfinite(predicted)):
            return float("nan")
        if self.prepared.task == "regression":
            return float(r2_score(y, predicted))
        return float(accuracy_score(y, predicted))


def importance_note(importance: list[dict]) -> str | None:
    """What the bars below zero of a permutation importance mean, or None.

    A column whose shuffling raised the score a little carries no signal the
    network uses: the small gain is chance, not a harmful column.

    Args:
        importance: ``permutation_importance``'s result.

    Returns:
        A sentence naming those columns (at most three), or None when no bar is
        below zero.
    """
    below = [item["column"] for item in importance if item["importance"] < 0]
    if not below:
        return None
    metric = "accuracy" if importance[0].get("metric") == "accuracy" else "R²"
    named = listing(below, limit=3)
    return (
        f"A bar below zero ({named}): shuffling this column helped a little "
        f"({metric} rose by chance), so it carries no signal the network uses. "
        "It is not harmful; dropping it may simplify the model."
    )


def permutation_importance(
    predict: Predict,
    prepared: PreparedData,
    split: str = "val",
    n_repeats: int = 5,
    random_state: int = 0,
) -> list[dict]:
    """How much the score drops when one original column's values are shuffled.

    scikit-learn's ``permutation_importance`` over ``TableModel``: each column of
    the original table (not each one-hot input) is shuffled ``n_repeats`` times
    among the split's rows; the score is accuracy for classification and R² for
    regression. A big drop means the network relies on that column.

    Args:
        predict: preprocessed inputs -> raw outputs.
        prepared: the data the network was trained on.
        split: the rows to shuffle, ``"val"`` or ``"test"``. Default: ``"val"``.
        n_repeats: shuffles per column. Default: 5.
        random_state: seed for the shuffles. Default: 0.

    Returns:
        One dict per column, the most important first: ``column``,
        ``importance`` (mean drop), ``std``, ``score`` (the unshuffled score) and
        ``metric`` (``"accuracy"`` or ``"r2"``).
    """
    from sklearn.inspection import permutation_importance as sklearn_importance

    if split not in SPLITS:
        raise ValueError(
            f"The 'split' must be one of {{'val', 'test'}}. Got {split!r}."
        )
    if isinstance(n_repeats, bool) or not isinstance(n_repeats, int) or n_repeats < 1:
        raise ValueError(
            f"Received: n_repeats={n_repeats!r}. Expected a positive integer, e.g. "
            "n_repeats=5."
        )
    rows = getattr(prepared, f"{split}_index")
    raw = prepared.frame.iloc[rows][feature_columns(prepared)].reset_index(drop=True)
    X, _ = model_input(prepared, raw)
    y = np.asarray(getattr(prepared, f"y_{split}"))
    estimator = TableModel(predict, prepared, converted=True)

    def scorer(model: TableModel, X_part: pd.DataFrame, y_part) -> float:
        return model.score(X_part, y_part)

    result = sklearn_importance(
        estimator,
        X,
        y,
        scoring=scorer,
        n_repeats=n_repeats,
        random_state=random_state,
        # Each shuffle of a big split uses a sample of it: the ranking settles
        # long before every row is predicted again.
        max_samples=min(1.0, MAX_IMPORTANCE_ROWS / max(len(X), 1)),
    )
    score = estimator.score(X, y)
    metric = "r2" if prepared.task == "regression" else "accuracy"
    found = [
        {
            "column": column,
            "importance": float(result.importances_mean[i]),
            "std": float(result.importances_std[i]),
            "score": score,
            "metric": metric,
        }
        for i, column in enumerate(X.columns)
    ]
    return sorted(found, key=lambda item: -item["importance"])


def predict_table(
    predict: Predict, prepared: PreparedData, frame: pd.DataFrame
) -> tuple[pd.DataFrame, list[str]]:
    """The table with the network's predictions added as new columns.

    Classification adds ``predicted <target>``, ``confidence`` and one
    ``probability <class>`` per class; regression adds ``predicted <target>``.
    A name the table already uses gets `` (model)`` appended.

    Returns:
        The table with predictions, and notes (see ``model_input``).

    Raises:
        DataError: the table is empty or lacks columns the network needs.
    """
    inputs, notes = model_input(prepared, frame)
    outputs = TableModel(predict, prepared, converted=True)._outputs(inputs)
    result = frame.copy()
    target = short(prepared.target, 40)
    if prepared.task == "regression":
        values = outputs[:, 0]
        result[_free(result, f"predicted {target}")] = np.where(
            np.isfinite(values), values, np.nan
        )
    else:
        probabilities = class_probabilities(
            np.nan_to_num(outputs, nan=0.5), prepared.task
        )
        best = probabilities.argmax(axis=1)
        result[_free(result, f"predicted {target}")] = [
            prepared.classes[i] for i in best
        ]
        result[_free(result, "confidence")] = probabilities.max(axis=1)
        for i, label in enumerate(prepared.classes):
            result[_free(result, f"probability {short(label, 40)}")] = probabilities[
                :, i
            ]
    if not np.all(np.isfinite(outputs)):
        notes.append(
            "Some predictions are not numbers: the network's training diverged. "
            "Lower the learning rate and train again."
        )
    return result, notes


def predict_one(
    predict: Predict, prepared: PreparedData, values: Mapping[str, Any]
) -> dict:
    """The network's answer for one row of original values (the try-it form).

    Args:
        predict: preprocessed inputs -> raw outputs.
        prepared: the data the network was trained on.
        values: column -> value, for every column the network reads.

    Returns:
        ``{"label": str, "confidence": float, "probabilities": {class: p}}`` for
        classification, ``{"value": float}`` for regression; ``"notes"`` either
        way.

    Raises:
        DataError: a column the network needs has no value.
    """
    frame = pd.DataFrame([dict(values)])
    inputs, notes = model_input(prepared, frame)
    outputs = TableModel(predict, prepared, converted=True)._outputs(inputs)
    if prepared.task == "regression":
        value = float(outputs[0, 0])
        return {"value": value if math.isfinite(value) else None, "notes": notes}
    outputs = np.nan_to_num(outputs, nan=0.5)
    return {**class_answer(outputs, prepared), "notes": notes}


def class_answer(outputs: np.ndarray, prepared) -> dict:
    """The network's answer for one example (``outputs`` of one row): the
    ``label`` it picks, how sure it is (``confidence``) and the ``probabilities``
    of every class."""
    probabilities = class_probabilities(outputs, prepared.task)[0]
    best = int(probabilities.argmax())
    return {
        "label": prepared.classes[best],
        "confidence": float(probabilities[best]),
        "probabilities": {
            label: float(p)
            for label, p in zip(prepared.classes, probabilities, strict=True)
        },
    }


def _free(table: pd.DataFrame, name: str) -> str:
    """``name``, or ``name (model)``… when the table already has such a column."""
    candidate, number = name, 1
    while candidate in table.columns:
        number += 1
        candidate = f"{name} (model)" if number == 2 else f"{name} (model {number})"
    return candidate
