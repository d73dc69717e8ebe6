"""Cross-validation: how much the network's validation score depends on the split.

A score measured on one validation split of a small table moves by several points
with the rows that happened to land in it. ``cross_validate`` trains the
experiment's network k times, each time holding out a different k-th of the
training and validation rows (stratified by class for classification, shuffled with
the spec's data seed), and scores each held-out fold with scikit-learn
(``nncore.core.metrics``): accuracy for classification, RMSE for regression, the
Tune screen's objective. The spread of the k scores is how far a single split's
score can be off.

Keeping the folds honest:

- The test rows are never used: the folds are made of the training and validation
  rows only (``crossval_folds``).
- Preparation is fitted again in every fold: the preparation's preprocessor
  (imputation, scaling, one-hot encoding) is cloned and fitted on that fold's
  training rows only, from the table's unscaled values (``PreparedData.frame``), so
  the held-out fold's medians, means and categories never leak into its training.
- Each fold's held-out rows play the part of the validation split exactly as on the
  Train screen: early stopping and "lower the learning rate" watch them, as they
  watch the validation rows there. The estimate is therefore of the very number the
  Train screen shows as the validation score, with the same (small) optimism.
- Every fold trains with the spec's training seed, so the folds differ by their
  rows only: the spread measures the split, not the starting weights.

Example:
    >>> result = cross_validate(spec, prepared, k=5)
    >>> result.scores
    [0.93, 0.96, 0.89, 0.95, 0.92]
    >>> result.text
    "Across 5 splits the validation accuracy ranged from 89 % to 96 % (mean 93 %, ± 2.7
    points): a single split's score can be off by this much."
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nncore.core import limits
from nncore.core.errors import DataError
from nncore.core.metrics import format_metric, main_metric, metrics_from_outputs
from nncore.core.text import quoted
from nncore.data.prepare import PreparedData, feature_names

__all__ = [
    "DEFAULT_FOLDS",
    "MAX_FOLDS",
    "MAX_ROWS",
    "MIN_FOLDS",
    "CrossValidation",
    "check_crossval",
    "crossval_folds",
    "crossval_problem",
    "crossval_sentence",
    "crossval_work",
    "cross_validate",
]

# Cross-validation is offered for tables of at most this many training + validation
# rows. It trains k networks, so it costs k trainings (5,000 rows × 5 folds of a
# small network take about a minute on two cores); and above it the validation
# split alone is big enough for a steady score: with 15 % of 5,000 rows held out,
# an accuracy's chance spread is at most ±1.8 points (0.5 / √750).
MAX_ROWS = 5_000
MIN_FOLDS = 2
MAX_FOLDS = 10
DEFAULT_FOLDS = 5

_METRIC_WORDS = {"accuracy": "accuracy", "rmse": "RMSE"}

OnFold = Callable[[int, int, list], None]


@dataclass(frozen=True)
class CrossValidation:
    """What a cross-validation found: one validation score per fold and their spread.

    Attributes:
        metric: the metric scored, ``"accuracy"`` or ``"rmse"``.
        k: the folds planned.
        scores: one score per fold trained, in fold order (fewer than ``k`` when
            stopped); None for a fold whose training diverged.
        fold_rows: the held-out rows of each fold trained.
        n_rows: the training + validation rows the folds were made of.
        stopped: whether Stop ended it before every fold was trained.
        problems: folds that gave no score, and why.
    """

    metric: str
    k: int
    scores: list[float | None]
    fold_rows: list[int]
    n_rows: int
    stopped: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def finite(self) -> list[float]:
        """The scores of the folds that gave one."""
        return [s for s in self.scores if s is not None and math.isfinite(s)]

    @property
    def mean(self) -> float | None:
        """The mean score over the folds, or None without any."""
        return float(np.mean(self.finite)) if self.finite else None

    @property
    def std(self) -> float | None:
        """The scores' standard deviation (n - 1), or None with fewer than two."""
        return float(np.std(self.finite, ddof=1)) if len(self.finite) > 1 else None

    @property
    def low(self) -> float | None:
        """The lowest score, or None without any."""
        return min(self.finite) if self.finite else None

    @property
    def high(self) -> float | None:
        """The highest score, or None without any."""
        return max(self.finite) if self.finite else None

    @property
    def text(self) -> str:
        """What the folds say, in one or two plain sentences."""
        return crossval_sentence(self)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready data (a job's result), with the spread and the text."""
        return {
            **dataclasses.asdict(self),
            "mean": self.mean,
            "std": self.std,
            "low": self.low,
            "high": self.high,
            "text": self.text,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CrossValidation:
        """The result back from ``to_dict``'s data (computed keys are ignored)."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{name: data[name] for name in names if name in data})


def _value(metric: str, value: float, *, whole: bool = True) -> str:
    """A score as the sentence says it: accuracy in percent (one decimal, none
    when ``whole``), RMSE as ``format_metric`` writes it."""
    if metric == "accuracy":
        text = f"{100 * value:.1f}"
        return (text.removesuffix(".0") if whole else text) + " %"
    return format_metric(value, metric)


def _values(metric: str, *values: float) -> list[str]:
    """Scores said together, with the same number of decimals."""
    whole = all(f"{100 * value:.1f}".endswith(".0") for value in values)
    return [_value(metric, value, whole=whole) for value in values]


def _spread(metric: str, std: float) -> str:
    if metric == "accuracy":
        return f"± {100 * std:.1f} points"
    return f"± {format_metric(std, metric)}"


def crossval_sentence(result: CrossValidation) -> str:
    """The sentence under the chart, e.g. "Across 5 splits the validation accuracy
    ranged from 88 % to 95 % (mean 92 %, ± 2.4 points): a single split's score can
    be off by this much."."""
    metric = result.metric
    words = f"validation {_METRIC_WORDS.get(metric, metric)}"
    done = len(result.scores)
    head = f"Stopped after {done} of {result.k} folds. " if result.stopped else ""
    finite = result.finite
    if not done:
        return "Stopped before the first fold ended: no score yet."
    if not finite:
        body = "No fold gave a score: " + " ".join(result.problems)
    elif len(finite) == 1:
        body = (
            f"The one fold scored has a {words} of {_value(metric, finite[0])}; "
            "at least two folds are needed to see how much the score moves."
        )
    else:
        low, high, mean = _values(metric, result.low, result.high, result.mean)
        body = (
            f"Across {len(finite)} splits the {words} ranged from {low} to {high} "
            f"(mean {mean}, {_spread(metric, result.std)}): a single split's score "
            "can be off by this much."
        )
        if result.problems:
            body += " " + " ".join(result.problems)
    return head + body


# --- what can be cross-validated ---------------------------------------------------


def _pool(prepared: PreparedData) -> tuple[np.ndarray, np.ndarray]:
    """The training and validation rows (positions in ``frame``) and their targets,
    in the table's order; never the test rows."""
    rows = np.concatenate([prepared.train_index, prepared.val_index])
    y = np.concatenate([prepared.y_train, prepared.y_val])
    order = np.argsort(rows, kind="stable")
    return rows[order], y[order]


def crossval_problem(prepared: PreparedData, *, k: int = DEFAULT_FOLDS) -> str | None:
    """Why this data cannot be cross-validated with ``k`` folds, or None.

    Args:
        prepared: the prepared data.
        k: the number of folds. Default: 5.

    Returns:
        The sentence saying what is wrong and what to do: a ``k`` outside 2 to 10,
        pictures (not supported yet), a table over ``MAX_ROWS`` training +
        validation rows, too few rows, or a
        class with fewer rows than folds. None when it can be done.
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        return (
            f"The number of folds must be a whole number from {MIN_FOLDS} to "
            f"{MAX_FOLDS}. Got {k!r}; {DEFAULT_FOLDS} is the usual choice."
        )
    if not MIN_FOLDS <= k <= MAX_FOLDS:
        return (
            f"The number of folds must be from {MIN_FOLDS} to {MAX_FOLDS}. Got {k}; "
            f"{DEFAULT_FOLDS} is the usual choice."
        )
    if getattr(prepared, "image_shape", None) is not None:
        return (
            "Cross-validation works on tables for now, not on pictures. To see how "
            "much the score depends on the split, train again with another data "
            "seed on the Data screen and compare the runs."
        )
    rows, y = _pool(prepared)
    n = len(rows)
    if n > MAX_ROWS:
        return (
            f"Cross-validation is offered for tables of up to {MAX_ROWS:,} training "
            f"and validation rows; this one has {n:,}. With this many rows the "
            f"validation split alone ({len(prepared.y_val):,} rows) gives a steady "
            "score, and k folds would take k times as long as one training. Use the "
            "validation score of one training, or a smaller sample of the data."
        )
    if n < 2 * k:
        return (
            f"{n} training and validation rows are too few for {k} folds (each "
            f"fold needs at least 2 rows to hold out). Choose at most "
            f"{max(n // 2, MIN_FOLDS)} folds, or add rows."
        )
    if prepared.task != "regression":
        counts = np.bincount(y, minlength=len(prepared.classes or []))
        rarest = int(np.argmin(counts))
        if counts[rarest] < k:
            label = quoted((prepared.classes or [rarest])[rarest], 30)
            fix = (
                f"Choose at most {int(counts[rarest])} folds, or add rows of that "
                "class."
                if counts[rarest] >= MIN_FOLDS
                else "Add rows of that class, or merge it with another one."
            )
            return (
                f"The class {label} has only {int(counts[rarest])} of the {n} "
                f"training and validation rows, fewer than the {k} folds: some "
                "folds would hold none of it, and their scores would say nothing "
                f"about it. {fix}"
            )
    return None


def check_crossval(spec: dict, prepared: PreparedData, *, k: int = DEFAULT_FOLDS):
    """Refuse a cross-validation that cannot run or is over the server's limits.

    Each fold is a training, so the limits on one training (parameters, rows ×
    epochs, ``nncore.core.limits``) apply to each fold.

    Args:
        spec: a validated experiment spec.
        prepared: its data.
        k: the number of folds. Default: 5.

    Raises:
        DataError: ``crossval_problem``'s sentence.
        LimitError: a fold's training is over a limit.
    """
    from nncore.train.model import trainable_parameters

    problem = crossval_problem(prepared, k=k)
    if problem:
        raise DataError(problem)
    n = len(_pool(prepared)[0])
    limits.check_parameters(trainable_parameters(spec["model"], prepared))
    limits.check_rows_epochs(n - n // k, spec["train"]["epochs"])


def crossval_folds(
    prepared: PreparedData, *, k: int = DEFAULT_FOLDS, seed: int = 42
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The folds: for each, its training rows and held-out rows (positions in
    ``prepared.frame``), made of the training and validation rows only.

    Stratified by class for classification (scikit-learn's ``StratifiedKFold``),
    plain ``KFold`` for regression; shuffled with ``seed``. Every training and
    validation row is held out exactly once.

    Args:
        prepared: the prepared data.
        k: the number of folds. Default: 5.
        seed: the shuffle's seed (the spec's ``data.seed``). Default: 42.

    Raises:
        DataError: ``crossval_problem``'s sentence.
    """
    from sklearn.model_selection import KFold, StratifiedKFold

    problem = crossval_problem(prepared, k=k)
    if problem:
        raise DataError(problem)
    rows, y = _pool(prepared)
    if prepared.task == "regression":
        splitter = KFold(n_splits=k, shuffle=True, random_state=seed)
    else:
        splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return [
        (rows[fit], rows[held]) for fit, held in splitter.split(np.zeros(len(y)), y)
    ]


# --- running it --------------------------------------------------------------------


def _fold_data(prepared: PreparedData, inputs, fit_rows, held_rows) -> PreparedData:
    """The data of one fold, prepared afresh from the unscaled table: the
    preprocessor is fitted on the fold's training rows only; no test rows."""
    from sklearn.base import clone

    rows, y = _pool(prepared)
    preprocessor = clone(prepared.preprocessor)
    X_fit = preprocessor.fit_transform(inputs.iloc[fit_rows])
    X_held = preprocessor.transform(inputs.iloc[held_rows])
    X_fit = np.asarray(X_fit, dtype=np.float32)
    X_held = np.asarray(X_held, dtype=np.float32)
    y_fit = y[np.searchsorted(rows, fit_rows)]
    y_held = y[np.searchsorted(rows, held_rows)]
    return dataclasses.replace(
        prepared,
        X_train=X_fit,
        y_train=y_fit,
        X_val=X_held,
        y_val=y_held,
        X_test=X_held[:0],
        y_test=y_held[:0],
        train_index=np.asarray(fit_rows),
        val_index=np.asarray(held_rows),
        test_index=prepared.test_index[:0],
        preprocessor=preprocessor,
        feature_names=feature_names(preprocessor),
    )


def _epoch_hook(on_epoch: Callable[[int], None]):
    """A Keras callback that reports each finished epoch (1-based)."""
    import keras

    class EpochHook(keras.callbacks.Callback):
        chunk_safe = True  # reads nothing of the model: the fast loop may chunk

        def on_epoch_end(self, epoch, logs=None):
            on_epoch(epoch + 1)

    return EpochHook()


def cross_validate(
    spec: dict,
    prepared: PreparedData,
    *,
    k: int = DEFAULT_FOLDS,
    on_fold: OnFold | None = None,
    stop=None,
) -> CrossValidation:
    """Train the experiment's network on k folds and score each held-out fold.

    The folds are ``crossval_folds`` with the spec's data seed; each fold's
    preparation is fitted on its training rows only, and its network is trained
    like on the Train screen (``nncore.train.trainer.Trainer``: the fast loop, the
    spec's callbacks, the spec's training seed) with the held-out rows as its
    validation rows. The test rows are never used.

    Args:
        spec: a validated experiment spec.
        prepared: its data, prepared with the spec's ``data`` settings.
        k: the number of folds, 2 to 10. Default: 5.
        on_fold: called as ``on_fold(fold, epoch, scores)`` when fold ``fold``
            (1-based) starts (``epoch`` 0), after each of its epochs, and when it
            ends (then ``scores`` includes it). Default: None.
        stop: a ``nncore.train.fastfit.StopFlag``; setting it stops the fold
            training now within one batch and trains no more folds (the unfinished
            fold is left out). Default: None.

    Returns:
        A ``CrossValidation``.

    Raises:
        DataError: ``crossval_problem``'s sentence (k outside 2 to 10, a table
            over ``MAX_ROWS`` rows, a class with fewer rows than folds).
        LimitError: a fold's training is over a server limit.
        SpecError: the model or compile settings do not fit the task.
    """
    from nncore.train.prediction import model_input
    from nncore.train.trainer import Trainer

    check_crossval(spec, prepared, k=k)
    folds = crossval_folds(prepared, k=k, seed=spec["data"]["seed"])
    metric = main_metric(prepared.task)
    report = on_fold or (lambda fold, epoch, scores: None)
    inputs, _ = model_input(prepared, prepared.frame)
    scores: list[float | None] = []
    fold_rows: list[int] = []
    problems: list[str] = []
    stopped = False
    for fold, (fit_rows, held_rows) in enumerate(folds, start=1):
        if stop is not None and stop.is_set():
            stopped = True
            break
        report(fold, 0, list(scores))
        data = _fold_data(prepared, inputs, fit_rows, held_rows)
        trainer = Trainer(spec, data)
        hook = _epoch_hook(lambda epoch, f=fold: report(f, epoch, list(scores)))
        ending = trainer.fit(spec["train"]["epochs"], [hook], stop_flag=stop)
        if ending == "stopped":
            stopped = True
            break
        score = None
        if ending == "nan":
            problems.append(
                f"Fold {fold} diverged (the loss became NaN) and is left out: "
                "lower the learning rate."
            )
        else:
            outputs = trainer.predict(data.X_val)
            score = metrics_from_outputs(data.y_val, outputs, prepared.task)[metric]
            if score is None or not math.isfinite(score):
                problems.append(
                    f"Fold {fold}'s predictions are not numbers (training "
                    "diverged); it is left out: lower the learning rate."
                )
                score = None
        scores.append(None if score is None else float(score))
        fold_rows.append(len(held_rows))
        report(fold, trainer.epochs_done, list(scores))
    return CrossValidation(
        metric=metric,
        k=k,
        scores=scores,
        fold_rows=fold_rows,
        n_rows=int(sum(len(held) for _, held in folds)),
        stopped=stopped,
        problems=problems,
    )


def crossval_work(
    spec: dict, prepared: PreparedData, *, k: int = DEFAULT_FOLDS
) -> Callable[[Any], dict]:
    """A ``work(context)`` for ``JobManager.submit_task`` that cross-validates.

    It publishes ``message`` ("Fold 3 of 5 · epoch 7 of 20"), ``fold``, ``k``,
    ``epoch``, ``epochs``, ``metric`` and ``scores`` as it goes; Stop (the
    context's stop flag) ends it within one batch. It returns
    ``CrossValidation.to_dict()``, kept in the job's ``progress["result"]``.

    Args:
        spec: a validated experiment spec.
        prepared: its data.
        k: the number of folds. Default: 5.
    """
    epochs = spec["train"]["epochs"]
    metric = main_metric(prepared.task)

    def work(context) -> dict:
        def on_fold(fold: int, epoch: int, scores: list) -> None:
            context.publish(
                message=f"Fold {fold} of {k} · epoch {epoch} of {epochs}",
                fold=fold,
                k=k,
                epoch=epoch,
                epochs=epochs,
                metric=metric,
                scores=scores,
            )

        result = cross_validate(
            spec, prepared, k=k, on_fold=on_fold, stop=context.stop_flag
        )
        done = len(result.scores)
        context.publish(
            message=(
                f"Stopped after {done} of {k} folds"
                if result.stopped
                else f"Finished: {k} folds"
            ),
            scores=list(result.scores),
        )
        return result.to_dict()

    return work
