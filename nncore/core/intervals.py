"""Error bars: seeded 95 % bootstrap intervals for every final metric.

A score from 100 validation rows can move by several points from chance alone. The
bootstrap says by how much: draw the rows again with replacement (within each class
for classification, so every resample holds the classes the split holds), compute
the metric on each resample, and keep the middle 95 % of those values (the
percentile interval). A perfect (or zero) accuracy resamples to itself every time,
so it gets the exact binomial interval for its number of rows instead.

Speed: it runs after every training, in the worker thread and the CLI. Instead of
calling scikit-learn 1,000 times, each resample is a vector of counts (how often it
drew each row) and every metric is computed for all resamples at once from those
counts with NumPy: a row drawn twice counts twice, exactly as scikit-learn would
count a duplicated row. ``tests/unit/test_intervals.py`` pins that these counted
metrics equal ``nncore.core.metrics`` (scikit-learn) on the sample itself.

Example:

    >>> bootstrap_intervals(prepared.y_val, outputs, "binary")
    {"accuracy": [0.891, 0.962], "roc_auc": [0.95, 0.99], ...}
    >>> interval_problem(np.zeros(30), "binary")
    "No error bars: the validation rows hold only one class, ..."
"""

from __future__ import annotations

import numbers

import numpy as np

from nncore.core.metrics import CLASSIFICATION_METRICS, metrics_from_outputs

__all__ = [
    "MIN_INTERVAL_ROWS",
    "bootstrap_intervals",
    "interval_problem",
    "resampled_metrics",
]

# Below 20 rows the percentile bootstrap's interval is too rough to trust (it can
# only take a handful of values, and misses the true value far more than 5 % of the
# time); saying so is more honest than drawing a bar.
MIN_INTERVAL_ROWS = 20
# Resamples are computed in chunks of about this many counted cells, so 1,000
# resamples of 100,000 rows need tens of megabytes, not a gigabyte.
_CHUNK_CELLS = 2_000_000
_SPLIT_WORDS = {"val": "validation", "test": "test", "train": "training"}
_TASKS = ("binary", "multiclass", "regression")


def interval_problem(y_true, task: str, *, split: str = "val") -> str | None:
    """Why no error bar can be given for these rows, or None when one can.

    Args:
        y_true: the split's true targets (class indices, or values).
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        split: which split the rows are, for the sentence: ``"val"``, ``"test"``
            or ``"train"``. Default: ``"val"``.

    Returns:
        One sentence saying what is wrong and what to do: too few rows (fewer than
        ``MIN_INTERVAL_ROWS``) or, for classification, one class only. None when
        intervals can be computed.

    Raises:
        ValueError: an unknown ``task``.
    """
    _check_task(task)
    y_true = np.asarray(y_true)
    words = _SPLIT_WORDS.get(split, split)
    n_rows = len(y_true)
    if n_rows < MIN_INTERVAL_ROWS:
        return (
            f"No error bars: the {words} split has {n_rows} "
            f"row{'' if n_rows == 1 else 's'}, too few to say how much its scores "
            f"owe to chance (at least {MIN_INTERVAL_ROWS} are needed). Give the "
            f"{words} split a bigger share on the Data screen, or add rows."
        )
    if task != "regression" and len(np.unique(y_true)) < 2:
        return (
            f"No error bars: the {words} rows hold only one class, so most scores "
            "(precision, ROC AUC, …) say nothing about telling the classes apart. "
            "Add rows of the other classes, or turn on stratified splitting on the "
            "Data screen."
        )
    return None


def bootstrap_intervals(
    y_true,
    outputs,
    task: str,
    *,
    seed: int = 0,
    n_resamples: int = 1000,
    level: float = 0.95,
) -> dict[str, list[float]]:
    """Seeded bootstrap intervals for every metric of the network's outputs.

    The rows are resampled with replacement ``n_resamples`` times (within each class
    for classification: stratified), each metric of ``nncore.core.metrics`` is
    computed on every resample, and the interval is the middle ``level`` of those
    values (the percentile bootstrap). The same inputs and ``seed`` always give the
    same intervals. A score of exactly 1 (or 0) gets the exact binomial
    (Clopper-Pearson) interval instead: every resample of rows that are all right
    is all right again, so the bootstrap would show no uncertainty at all. Accuracy
    counts every row; the class-wise scores the smallest class's rows.

    Args:
        y_true: the split's true targets (class indices, or values).
        outputs: the network's raw outputs as ``metrics_from_outputs`` takes them:
            one column for binary and regression, one per class for multiclass.
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        seed: seeds the resampling. Default: 0.
        n_resamples: how many resamples, 100 or more. Default: 1000.
        level: the share of resampled values the interval holds, e.g. 0.95.
            Default: 0.95.

    Returns:
        Metric name -> ``[low, high]``, for the metrics ``metrics_from_outputs``
        returns. A metric that cannot be computed on these rows (ROC AUC when a
        class is missing) is left out; the dict is empty when
        ``interval_problem`` names a problem or the outputs are not all finite
        (training diverged).

    Raises:
        ValueError: an unknown ``task``, a ``level`` outside (0, 1), fewer than 100
            resamples, or ``outputs`` with another number of rows than ``y_true``.
    """
    _check_task(task)
    if not 0 < level < 1:
        raise ValueError(
            f"Received: level={level!r}. Expected a share between 0 and 1, e.g. "
            "level=0.95."
        )
    if (
        isinstance(n_resamples, bool)
        or not isinstance(n_resamples, numbers.Integral)
        or n_resamples < 100
    ):
        raise ValueError(
            f"Received: n_resamples={n_resamples!r}. Expected a whole number of 100 "
            "or more, e.g. n_resamples=1000."
        )
    y_true = np.asarray(y_true)
    outputs = np.asarray(outputs, dtype="float64")
    if outputs.ndim == 1:
        outputs = outputs[:, None]
    if len(outputs) != len(y_true):
        raise ValueError(
            f"Received {len(outputs)} rows of outputs for {len(y_true)} targets. "
            "Expected one row of outputs per target."
        )
    if interval_problem(y_true, task) is not None or not np.all(np.isfinite(outputs)):
        return {}
    # Which metrics exist here, and which scikit-learn can compute on these rows.
    wanted = [
        name
        for name, value in metrics_from_outputs(y_true, outputs, task).items()
        if value is not None
    ]
    y_true = y_true.astype(int) if task != "regression" else y_true
    rng = np.random.default_rng(seed)
    if task == "regression":
        strata = [np.arange(len(y_true))]
    else:  # stratified: each resample holds each class as often as the split does
        strata = [np.flatnonzero(y_true == c) for c in np.unique(y_true)]
    scorer = _Scorer(y_true, outputs, task)
    chunks = [
        scorer(counts)
        for counts in _resample_counts(strata, len(y_true), n_resamples, rng)
    ]
    tail = (1 - level) / 2
    intervals = {}
    for name in wanted:
        if name in chunks[0]:
            values = np.concatenate([chunk[name] for chunk in chunks])
            low, high = np.quantile(values, [tail, 1 - tail])
            intervals[name] = [float(low), float(high)]
    # A perfect (or zero) score: every resample scores the same, so the bootstrap
    # shows no uncertainty at all. Accuracy rests on every row; the class-wise
    # scores on the rows of each class, so the smallest class's count is used.
    smallest = min(len(rows) for rows in strata)
    for name, (low, high) in list(intervals.items()):
        if low == high and low in (0, 1) and name in CLASSIFICATION_METRICS:
            rows = len(y_true) if name == "accuracy" else smallest
            intervals[name] = _exact_share(low, rows, level)
    return intervals


def _exact_share(share: float, n_rows: int, level: float) -> list[float]:
    """The exact binomial (Clopper-Pearson) interval of a perfect or zero score.

    Every resample of rows that are all right is all right again, so the bootstrap
    would claim no uncertainty at all; yet 86 right of 86 is also what a model
    that is right 96 % of the time often scores. This interval says so.
    """
    from scipy.stats import binomtest

    hits = round(share * n_rows)
    interval = binomtest(hits, n_rows).proportion_ci(confidence_level=level)
    return [float(interval.low), float(interval.high)]


def resampled_metrics(y_true, outputs, task: str, counts) -> dict[str, np.ndarray]:
    """Every metric of ``metrics_from_outputs`` for rows counted several times.

    Row ``i`` counts ``counts[r, i]`` times in resample ``r``, exactly as if it were
    repeated that often in ``y_true`` and ``outputs``: with whole counts, each value
    equals scikit-learn's on the repeated rows (with counts of 1, on the rows
    themselves). Computed for all resamples at once.

    Args:
        y_true: the true targets, one per row.
        outputs: the network's raw outputs, as ``metrics_from_outputs`` takes them.
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        counts: resamples × rows, how often each resample holds each row (one
            resample may be given as a vector).

    Returns:
        Metric name -> one value per resample. ROC AUC and PR AUC only when every
        class is in ``y_true`` (they are None in ``classification_metrics``
        otherwise); a resample must hold each class of ``y_true`` for them.
    """
    _check_task(task)
    outputs = np.asarray(outputs, dtype="float64")
    if outputs.ndim == 1:
        outputs = outputs[:, None]
    return _Scorer(y_true, outputs, task)(_whole_counts(counts, len(outputs)))


def _check_task(task: str) -> None:
    if task not in _TASKS:
        raise ValueError(
            "The 'task' must be one of {'binary', 'multiclass', 'regression'}. "
            f"Got {task!r}."
        )


def _resample_counts(strata: list[np.ndarray], n_rows: int, n_resamples: int, rng):
    """Yield count matrices (resamples × rows): how often each resample drew each
    row, drawing with replacement within each stratum (e.g. the rows of a class)."""
    chunk = max(1, min(n_resamples, _CHUNK_CELLS // max(n_rows, 1)))
    for start in range(0, n_resamples, chunk):
        size = min(chunk, n_resamples - start)
        draws = np.concatenate(
            [
                rows[rng.integers(0, len(rows), size=(size, len(rows)), dtype=np.int32)]
                for rows in strata
            ],
            axis=1,
        )
        draws += (np.arange(size) * n_rows)[:, None]
        counts = np.bincount(draws.ravel(), minlength=size * n_rows)
        yield counts.reshape(size, n_rows).astype(np.int32)


def _whole_counts(counts, n_rows: int) -> np.ndarray:
    """``counts`` as a resamples × rows array of whole numbers, small enough an
    integer type that the sums below cannot overflow it."""
    counts = np.asarray(counts)
    if counts.ndim == 1:
        counts = counts[None, :]
    if counts.ndim != 2 or counts.shape[1] != n_rows:
        raise ValueError(
            f"Received counts of shape {counts.shape}. Expected one row of {n_rows} "
            "counts per resample, one count per row of outputs."
        )
    if counts.size and (
        not np.all(np.isfinite(counts))
        or counts.min() < 0
        or not np.array_equal(counts, np.round(counts))
    ):
        raise ValueError(
            "Received counts that are not whole numbers of 0 or more. Expected how "
            "often each row is drawn, e.g. [0, 2, 1]."
        )
    largest = int(counts.max(initial=0)) * 2 * max(n_rows, 1)
    return counts.astype(np.int32 if largest < 2**31 else np.int64)


class _Scorer:
    """The metrics of one split's rows for any counts (resamples × rows).

    What does not depend on the counts (the predicted classes, the rows sorted by
    each class's score) is worked out once, for all the chunks of resamples.
    """

    def __init__(self, y_true, outputs: np.ndarray, task: str):
        self.task = task
        if task == "regression":
            y_true = np.asarray(y_true, dtype="float64")
            errors = outputs[:, 0] - y_true
            # Centred, so the sums of squares lose no digits to a large mean.
            centred = y_true - y_true.mean()
            self.columns = np.stack(
                [np.abs(errors), errors**2, centred, centred**2], axis=1
            )
            return
        y_true = np.asarray(y_true).astype(int)
        self.binary = outputs.shape[1] == 1
        if self.binary:
            self.n_classes = 2
            positive = outputs[:, 0]
            predicted = (positive >= 0.5).astype(int)
            # One-vs-rest (is this class, its score); binary: class 1 only.
            pairs = [(y_true == 1, positive)]
        else:
            self.n_classes = outputs.shape[1]
            predicted = outputs.argmax(axis=1)
            # float32 softmax outputs add up to 1 only within ~1e-7.
            scores = outputs / outputs.sum(axis=1, keepdims=True)
            pairs = [(y_true == k, scores[:, k]) for k in range(self.n_classes)]
        # The confusion-matrix cell of each row (true × n_classes + predicted),
        # rows sorted by cell so each resample's cells are sums of runs of rows.
        cell = y_true * self.n_classes + predicted
        self.cell_order = np.argsort(cell, kind="stable")
        ranked = cell[self.cell_order]
        self.cell_starts = np.concatenate([[0], np.flatnonzero(np.diff(ranked)) + 1])
        self.cells = ranked[self.cell_starts]
        every_class = len(np.unique(y_true)) == self.n_classes
        self.rankings = [_Ranking(*pair) for pair in pairs] if every_class else []

    def __call__(self, counts: np.ndarray) -> dict[str, np.ndarray]:
        if self.task == "regression":
            return self._regression(counts)
        k = self.n_classes
        confusion = np.zeros((len(counts), k * k))
        if len(self.cell_order):
            confusion[:, self.cells] = np.add.reduceat(
                np.take(counts, self.cell_order, axis=1), self.cell_starts, axis=1
            )
        values = _from_confusion(confusion.reshape(-1, k, k), binary=self.binary)
        if self.rankings:
            areas = [ranking.areas(counts) for ranking in self.rankings]
            values["roc_auc"] = np.mean([area[0] for area in areas], axis=0)
            values["pr_auc"] = np.mean([area[1] for area in areas], axis=0)
        return values

    def _regression(self, counts: np.ndarray) -> dict[str, np.ndarray]:
        """R², MAE and RMSE (``regression_metrics``) of counted rows."""
        sums = counts.astype("float64") @ self.columns
        absolute, squared, total, total_squared = sums.T
        n = counts.sum(axis=1, dtype="float64")
        variation = total_squared - total**2 / n
        with np.errstate(divide="ignore", invalid="ignore"):
            r2 = 1 - squared / variation
        # As r2_score: a constant target scores 1 when predicted exactly, else 0.
        flat = variation <= 1e-12 * np.maximum(total_squared, 1e-300)
        r2 = np.where(flat, np.where(squared == 0, 1.0, 0.0), r2)
        return {"r2": r2, "mae": absolute / n, "rmse": np.sqrt(squared / n)}


def _from_confusion(confusion: np.ndarray, *, binary: bool) -> dict[str, np.ndarray]:
    """Accuracy, precision, recall, F1 and balanced accuracy of confusion matrices
    (resamples × true × predicted), as scikit-learn computes them with
    ``zero_division=0``."""
    hits = np.diagonal(confusion, axis1=1, axis2=2)
    actual = confusion.sum(axis=2)  # rows of each true class
    predicted = confusion.sum(axis=1)  # rows predicted as each class
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, hits / predicted, 0.0)
        recall = np.where(actual > 0, hits / actual, 0.0)
        both = actual + predicted
        f1 = np.where(both > 0, 2 * hits / both, 0.0)
    values = {"accuracy": hits.sum(axis=1) / actual.sum(axis=1)}
    if binary:
        values.update(precision=precision[:, 1], recall=recall[:, 1], f1=f1[:, 1])
    else:
        # Macro averages over the classes in y_true or predicted, the labels
        # scikit-learn takes when given none.
        seen = (actual > 0) | (predicted > 0)
        for name, per_class in (
            ("precision", precision),
            ("recall", recall),
            ("f1", f1),
        ):
            values[name] = (per_class * seen).sum(axis=1) / seen.sum(axis=1)
    present = actual > 0  # balanced accuracy: the mean recall of the classes in y_true
    values["balanced_accuracy"] = (recall * present).sum(axis=1) / present.sum(axis=1)
    return values


class _Ranking:
    """One class's rows against the others, ranked by that class's score: ROC
    AUC and average precision (PR AUC) of counted rows, ties counted as
    scikit-learn counts them.

    Every resample must hold rows of the class and of the others (stratified
    resamples do). Whole counts keep the sums exact, so the areas equal
    scikit-learn's to the last digit or two.
    """

    def __init__(self, is_class: np.ndarray, score: np.ndarray):
        self.positives = np.flatnonzero(is_class)
        negatives = np.flatnonzero(~is_class)
        positive_score = score[self.positives]
        self.negative_order = negatives[np.argsort(score[negatives], kind="stable")]
        self.positive_order = self.positives[np.argsort(positive_score, kind="stable")]
        negative_scores = score[self.negative_order]
        # For each positive row: the negatives scored lower, those up to its tie,
        # and the positives scored lower (positions in the running sums below).
        self.lower = np.searchsorted(negative_scores, positive_score, side="left")
        self.tied = np.searchsorted(negative_scores, positive_score, side="right")
        self.lower_positives = np.searchsorted(
            score[self.positive_order], positive_score, side="left"
        )

    def areas(self, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """ROC AUC and average precision of every resample (row of ``counts``)."""
        # Counted rows of each kind below each score, from the lowest; a 0 first.
        below_negative = _cumulative(np.take(counts, self.negative_order, axis=1))
        below_positive = _cumulative(np.take(counts, self.positive_order, axis=1))
        n_positive = below_positive[:, -1:]
        n_negative = below_negative[:, -1:]
        drawn = np.take(counts, self.positives, axis=1)
        negatives_lower = np.take(below_negative, self.lower, axis=1)
        # A positive beats every negative scored lower, and half of those tied.
        up_to_tie = np.take(below_negative, self.tied, axis=1)
        beaten = (drawn * (negatives_lower + up_to_tie)).sum(axis=1, dtype=np.int64)
        roc_auc = beaten / (2.0 * n_positive[:, 0] * n_negative[:, 0])
        # Precision at each positive row's score: the counted rows at or above it.
        true_positives = n_positive - np.take(
            below_positive, self.lower_positives, axis=1
        )
        flagged = true_positives + (n_negative - negatives_lower)
        precision = np.divide(
            true_positives, flagged, out=np.zeros(flagged.shape), where=flagged > 0
        )
        average_precision = (drawn * precision).sum(axis=1) / n_positive[:, 0]
        return roc_auc, average_precision


def _cumulative(counts: np.ndarray) -> np.ndarray:
    """Running sums of ``counts`` along the rows, with a 0 in front."""
    running = np.zeros((counts.shape[0], counts.shape[1] + 1), dtype=counts.dtype)
    np.cumsum(counts, axis=1, out=running[:, 1:])
    return running
