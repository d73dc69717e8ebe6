"""Error bars: bootstrap intervals that cover the true score, computed with the same
numbers scikit-learn gives, and a plain reason when there can be none."""

import math

import numpy as np
import pytest
from scipy.stats import norm

from nncore.core.intervals import (
    MIN_INTERVAL_ROWS,
    bootstrap_intervals,
    interval_problem,
    resampled_metrics,
)
from nncore.core.metrics import format_with_interval, metrics_from_outputs


def binary_outputs(rng, n=300, ties=False):
    y = rng.integers(0, 2, n)
    positive = 1 / (1 + np.exp(-(1.5 * y - 0.7 + rng.normal(0, 1, n))))
    if ties:  # scores rounded: many rows share one, as saturated outputs do
        positive = np.round(positive, 1)
    return y, positive[:, None].astype("float32")


def multiclass_outputs(rng, n=300, n_classes=4):
    y = rng.integers(0, n_classes, n)
    logits = rng.normal(0, 1, (n, n_classes))
    logits[np.arange(n), y] += 1.0
    softmax = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return y, softmax.astype("float32")


def regression_outputs(rng, n=300):
    y = rng.normal(150, 40, n)
    return y, (y + rng.normal(0, 20, n))[:, None]


CASES = {
    "binary": lambda rng: binary_outputs(rng),
    "binary with tied scores": lambda rng: binary_outputs(rng, ties=True),
    "multiclass": lambda rng: multiclass_outputs(rng),
    "regression": lambda rng: regression_outputs(rng),
}


def task_of(case: str) -> str:
    return case.split()[0]


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_each_resampled_metric_equals_scikit_learn_on_the_same_rows(case):
    y, outputs = CASES[case](np.random.default_rng(3))
    task = task_of(case)
    expected = metrics_from_outputs(y, outputs, task)
    once = resampled_metrics(y, outputs, task, np.ones(len(y)))
    # A resample is the rows repeated as often as it drew them.
    counts = np.random.default_rng(4).integers(0, 4, len(y))
    repeated = np.repeat(np.arange(len(y)), counts)
    expected_repeated = metrics_from_outputs(y[repeated], outputs[repeated], task)
    drawn = resampled_metrics(y, outputs, task, counts)
    names = {"binary": 7, "multiclass": 7, "regression": 3}[task]
    assert len(expected) == names and set(once) == set(expected)
    for name, value in expected.items():
        assert once[name][0] == pytest.approx(value, rel=1e-12, abs=1e-12), name
        assert drawn[name][0] == pytest.approx(
            expected_repeated[name], rel=1e-12, abs=1e-12
        ), name


def test_macro_averages_follow_the_classes_predicted_in_each_resample():
    # Class 2 is predicted for one row only: resamples without it average over
    # fewer classes, as scikit-learn's labels=None does.
    y = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 2])
    outputs = np.eye(3)[[0, 0, 1, 1, 1, 0, 0, 0, 2, 1]] * 0.9 + 0.05
    counts = np.array([[1, 2, 0, 1, 1, 1, 2, 1, 0, 2], [0, 1, 3, 0, 2, 1, 1, 1, 1, 1]])
    values = resampled_metrics(y, outputs, "multiclass", counts)
    for row, row_counts in enumerate(counts):
        rows = np.repeat(np.arange(len(y)), row_counts)
        expected = metrics_from_outputs(y[rows], outputs[rows], "multiclass")
        for name in ("precision", "recall", "f1", "balanced_accuracy"):
            assert values[name][row] == pytest.approx(expected[name]), name


def simulated(case: str, rng) -> tuple[np.ndarray, np.ndarray, str, float]:
    """Rows from a population whose score is known: (y, outputs, metric, truth)."""
    if case == "accuracy":  # 100 rows a class, each classified right with p = 0.8
        y = np.repeat([0, 1], 100)
        right = rng.random(200) < 0.8
        predicted = np.where(right, y, 1 - y)
        return y, np.where(predicted == 1, 0.7, 0.3)[:, None], "accuracy", 0.8
    if case == "roc_auc":  # scores N(1, 1) for positives, N(0, 1) for negatives
        y = np.repeat([0, 1], 100)
        scores = norm.cdf(rng.normal(y, 1.0))
        return y, scores[:, None], "roc_auc", float(norm.cdf(1 / math.sqrt(2)))
    # Regression: the prediction misses by N(0, 1), so the RMSE is 1.
    x = rng.normal(0, 3, 200)
    return x + rng.normal(0, 1, 200), x[:, None], "rmse", 1.0


@pytest.mark.parametrize("case", ["accuracy", "roc_auc", "rmse"])
def test_intervals_contain_the_true_score_about_95_times_in_100(case):
    task = "regression" if case == "rmse" else "binary"
    covered = 0
    for repeat in range(200):
        y, outputs, metric, truth = simulated(case, np.random.default_rng(repeat))
        low, high = bootstrap_intervals(y, outputs, task, seed=repeat)[metric]
        covered += low <= truth <= high
    assert 180 <= covered <= 198, f"{covered} of 200 intervals hold the true {case}"


def test_a_perfect_accuracy_still_has_an_error_bar():
    # 86 of 86 right: the bootstrap alone would say 100-100 %; a model that is
    # right 96 % of the time scores that often enough.
    y = np.repeat([0, 1], 43)
    outputs = np.where(y == 1, 0.9, 0.1)[:, None]
    low, high = bootstrap_intervals(y, outputs, "binary")["accuracy"]
    assert high == 1.0
    assert low == pytest.approx(0.025 ** (1 / 86))  # Clopper-Pearson, 0.958
    assert format_with_interval(1.0, [low, high], "accuracy") == "1.000 (0.958-1.000)"


def test_every_perfect_score_still_has_an_error_bar():
    # Precision, recall, F1 and the areas rest on each class's rows: 20 of them here.
    y = np.repeat([0, 1], [66, 20])
    outputs = np.where(y == 1, 0.9, 0.1)[:, None]
    intervals = bootstrap_intervals(y, outputs, "binary")
    for name in ("precision", "recall", "f1", "roc_auc", "balanced_accuracy"):
        low, high = intervals[name]
        assert high == 1.0 and low == pytest.approx(0.025 ** (1 / 20)), name
    assert intervals["accuracy"][0] == pytest.approx(0.025 ** (1 / 86))


def test_intervals_are_seeded_ordered_and_hold_the_score():
    y, outputs = binary_outputs(np.random.default_rng(0))
    first = bootstrap_intervals(y, outputs, "binary", seed=7)
    assert first == bootstrap_intervals(y, outputs, "binary", seed=7)
    assert first != bootstrap_intervals(y, outputs, "binary", seed=8)
    scores = metrics_from_outputs(y, outputs, "binary")
    assert set(first) == set(scores)
    for name, (low, high) in first.items():
        assert low <= scores[name] <= high, name
    narrow = bootstrap_intervals(y, outputs, "binary", seed=7, level=0.5)
    assert narrow["accuracy"][1] - narrow["accuracy"][0] < (
        first["accuracy"][1] - first["accuracy"][0]
    )


def test_resamples_keep_every_class_so_every_metric_has_an_interval():
    # 3 rows of class 2 among 100: plain resampling would often lose it.
    y = np.array([0] * 60 + [1] * 37 + [2] * 3)
    outputs = np.random.default_rng(1).dirichlet([1, 1, 1], size=100)
    intervals = bootstrap_intervals(y, outputs, "multiclass")
    assert {"roc_auc", "pr_auc"} <= set(intervals)


def test_a_split_without_a_class_has_no_roc_auc_interval():
    y = np.array([0] * 30 + [1] * 30)  # class 2 is missing
    outputs = np.random.default_rng(1).dirichlet([1, 1, 1], size=60)
    intervals = bootstrap_intervals(y, outputs, "multiclass")
    assert "accuracy" in intervals
    assert "roc_auc" not in intervals and "pr_auc" not in intervals


def test_diverged_outputs_have_no_intervals():
    y, outputs = binary_outputs(np.random.default_rng(0))
    outputs[3] = np.nan
    assert bootstrap_intervals(y, outputs, "binary") == {}


def test_too_few_rows_and_one_class_say_why_there_is_no_error_bar():
    assert MIN_INTERVAL_ROWS == 20
    few = np.array([0, 1] * 7)
    assert interval_problem(few, "binary") == (
        "No error bars: the validation split has 14 rows, too few to say how much "
        "its scores owe to chance (at least 20 are needed). Give the validation "
        "split a bigger share on the Data screen, or add rows."
    )
    assert interval_problem(np.zeros(40), "binary", split="test") == (
        "No error bars: the test rows hold only one class, so most scores "
        "(precision, ROC AUC, …) say nothing about telling the classes apart. Add "
        "rows of the other classes, or turn on stratified splitting on the Data "
        "screen."
    )
    assert interval_problem(np.zeros(40), "regression") is None
    assert interval_problem(np.array([0, 1] * 10), "binary") is None
    assert bootstrap_intervals(few, np.full((14, 1), 0.6), "binary") == {}
    assert bootstrap_intervals(np.zeros(40), np.full((40, 1), 0.2), "binary") == {}


@pytest.mark.parametrize(
    "options, match",
    [
        ({"level": 95}, r"Received: level=95\. Expected a share between 0 and 1"),
        ({"n_resamples": 10}, r"Received: n_resamples=10\. Expected a whole number"),
        ({"task": "ranking"}, r"The 'task' must be one of .* Got 'ranking'\."),
    ],
    ids=["level", "resamples", "task"],
)
def test_bad_options_are_refused_with_the_fix(options, match):
    y, outputs = binary_outputs(np.random.default_rng(0), n=40)
    task = options.pop("task", "binary")
    with pytest.raises(ValueError, match=match):
        bootstrap_intervals(y, outputs, task, **options)


def test_counts_must_be_whole_numbers_one_per_row():
    y, outputs = binary_outputs(np.random.default_rng(0), n=40)
    with pytest.raises(ValueError, match=r"Expected one row of 40 counts"):
        resampled_metrics(y, outputs, "binary", np.ones(39))
    with pytest.raises(ValueError, match=r"not whole numbers of 0 or more"):
        resampled_metrics(y, outputs, "binary", np.full(40, 0.5))


@pytest.mark.parametrize(
    "value, interval, name, shown",
    [
        (0.93, [0.891, 0.962], "accuracy", "0.930 (0.891-0.962)"),
        (0.12, [-0.05, 0.27], "r2", "0.120 (-0.050 to 0.270)"),
        (54.213, [48.02, 61.5], "rmse", "54.21 (48.02-61.5)"),
        (0.93, None, "accuracy", "0.930"),
        (None, [0.1, 0.2], "accuracy", "—"),
    ],
    ids=["score", "negative", "error", "no-interval", "missing"],
)
def test_a_metric_is_shown_with_its_interval(value, interval, name, shown):
    assert format_with_interval(value, interval, name) == shown
