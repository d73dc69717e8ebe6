"""Cross-validation: folds from the training and validation rows only, preparation
fitted per fold, one score per fold with its spread in a sentence, the same result
for the same seeds, clear refusals, Stop, and the background job."""

from __future__ import annotations

import json
import re
import time

import numpy as np
import pandas as pd
import pytest

from nncore.core.errors import DataError
from nncore.data.prepare import prepare_data
from nncore.plots.crossval import crossval_figure
from nncore.runs.manager import JobManager
from nncore.runs.store import RunStore
from nncore.train.crossval import (
    MAX_ROWS,
    CrossValidation,
    _fold_data,
    cross_validate,
    crossval_folds,
    crossval_problem,
    crossval_work,
)
from nncore.train.fastfit import StopFlag
from nncore.train.prediction import model_input
from tests.support import experiment, keras_in_the_main_thread, prepared_for  # noqa: F401


@pytest.fixture(scope="module")
def iris():
    spec = experiment("builtin:iris", layers=(8,), epochs=4)
    return spec, prepared_for(spec)


@pytest.fixture(scope="module")
def iris_result(iris):
    spec, prepared = iris
    return cross_validate(spec, prepared, k=3)


def rare_class_table(n_rare: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    labels = ["a"] * 60 + ["b"] * (40 - n_rare) + ["c"] * n_rare
    return pd.DataFrame(
        {"x": rng.normal(size=100), "y": rng.normal(size=100), "label": labels}
    )


# --- the folds ---------------------------------------------------------------------


def test_folds_hold_out_every_training_and_validation_row_once_and_no_test_row(
    iris,
):
    spec, prepared = iris
    folds = crossval_folds(prepared, k=5, seed=spec["data"]["seed"])
    pool = np.sort(np.concatenate([prepared.train_index, prepared.val_index]))
    held = np.concatenate([h for _, h in folds])
    assert len(folds) == 5
    assert np.array_equal(np.sort(held), pool)  # each row held out exactly once
    for fit, held_out in folds:
        assert not set(fit) & set(prepared.test_index)
        assert not set(held_out) & set(prepared.test_index)
        assert not set(fit) & set(held_out)
        # Stratified: every fold holds out every class.
        classes = prepared.frame[prepared.target].iloc[held_out]
        assert classes.nunique() == 3


def test_each_fold_is_prepared_from_its_own_training_rows_only(iris):
    """The scaler is fitted on the fold's training rows, from the unscaled table,
    so the held-out rows' statistics never reach the fold's training."""
    spec, prepared = iris
    fit, held = crossval_folds(prepared, k=5, seed=spec["data"]["seed"])[0]
    inputs, _ = model_input(prepared, prepared.frame)
    data = _fold_data(prepared, inputs, fit, held)
    assert data.X_train.shape[0] == len(fit) and data.X_val.shape[0] == len(held)
    assert len(data.y_test) == 0 and len(data.X_test) == 0
    # Standard scaling fitted on exactly these rows: mean 0, std 1 on them.
    assert np.allclose(data.X_train.mean(axis=0), 0, atol=1e-5)
    assert np.allclose(data.X_train.std(axis=0), 1, atol=1e-4)
    raw = prepared.frame[prepared.numeric_columns].iloc[held].to_numpy()
    fitted = prepared.frame[prepared.numeric_columns].iloc[fit].to_numpy()
    expected = (raw - fitted.mean(axis=0)) / fitted.std(axis=0)
    assert np.allclose(data.X_val, expected, atol=1e-4)
    labels = prepared.frame[prepared.target].iloc[held].to_numpy()
    assert [prepared.classes[i] for i in data.y_val] == [str(v) for v in labels]


# --- the scores --------------------------------------------------------------------


def test_every_fold_gets_its_own_score_and_the_spread_is_said_in_words(iris_result):
    result = iris_result
    assert result.metric == "accuracy" and result.k == 3 and not result.stopped
    assert len(result.scores) == 3 and all(0 <= s <= 1 for s in result.scores)
    assert len(set(result.scores)) > 1  # the split matters
    assert sum(result.fold_rows) == result.n_rows == 127
    assert result.low <= result.mean <= result.high
    assert result.std == pytest.approx(np.std(result.scores, ddof=1))
    said = re.fullmatch(
        r"Across 3 splits the validation accuracy ranged from ([\d.]+) % to "
        r"([\d.]+) % \(mean ([\d.]+) %, ± ([\d.]+) points\): a single split's "
        r"score can be off by this much\.",
        result.text,
    )
    assert said, result.text
    low, high, mean, spread = (float(number) for number in said.groups())
    assert low == pytest.approx(100 * result.low, abs=0.05)
    assert high == pytest.approx(100 * result.high, abs=0.05)
    assert mean == pytest.approx(100 * result.mean, abs=0.05)
    assert spread == pytest.approx(100 * result.std, abs=0.05)
    assert json.loads(json.dumps(result.to_dict()))["scores"] == result.scores
    assert CrossValidation.from_dict(result.to_dict()) == result


def test_the_same_seeds_give_the_same_scores(iris, iris_result):
    spec, prepared = iris
    assert cross_validate(spec, prepared, k=3).scores == iris_result.scores


def test_regression_folds_are_scored_by_rmse():
    spec = experiment("builtin:diabetes", layers=(8,), epochs=2)
    result = cross_validate(spec, prepared_for(spec), k=2)
    assert result.metric == "rmse" and len(result.scores) == 2
    assert all(s > 0 for s in result.scores)
    assert result.text.startswith("Across 2 splits the validation RMSE ranged from ")


# --- what cannot be done -----------------------------------------------------------


@pytest.mark.parametrize(
    ("k", "message"),
    [
        (1, "The number of folds must be from 2 to 10. Got 1; 5 is the usual"),
        (11, "The number of folds must be from 2 to 10. Got 11"),
        (2.5, "The number of folds must be a whole number from 2 to 10. Got 2.5"),
        (True, "The number of folds must be a whole number from 2 to 10. Got True"),
    ],
    ids=["one", "eleven", "fraction", "bool"],
)
def test_a_bad_number_of_folds_is_refused_with_the_range(iris, k, message):
    spec, prepared = iris
    assert crossval_problem(prepared, k=k).startswith(message)
    with pytest.raises(DataError, match=re.escape(message)):
        cross_validate(spec, prepared, k=k)


def test_a_table_over_the_limit_is_refused_and_told_why():
    rng = np.random.default_rng(0)
    n = 7000
    frame = pd.DataFrame({"x": rng.normal(size=n), "label": rng.integers(0, 2, n)})
    prepared = prepare_data(frame, "label")
    assert len(prepared.y_train) + len(prepared.y_val) > MAX_ROWS
    problem = crossval_problem(prepared)
    assert problem.startswith(
        "Cross-validation is offered for tables of up to 5,000 training and "
        "validation rows; this one has 5,950."
    )
    assert "Use the validation score of one training" in problem
    with pytest.raises(DataError, match="offered for tables of up to 5,000"):
        cross_validate(experiment(), prepared)


def test_a_class_with_fewer_rows_than_folds_says_so_instead_of_failing():
    prepared = prepare_data(rare_class_table(4), "label")
    pool = np.concatenate([prepared.y_train, prepared.y_val])
    rare = int((pool == prepared.classes.index("c")).sum())
    assert 2 <= rare < 5
    problem = crossval_problem(prepared, k=5)
    assert problem == (
        f"The class 'c' has only {rare} of the {len(pool)} training and validation "
        "rows, fewer than the 5 folds: some folds would hold none of it, and their "
        f"scores would say nothing about it. Choose at most {rare} folds, or add "
        "rows of that class."
    )
    with pytest.raises(DataError, match="fewer than the 5 folds"):
        crossval_folds(prepared, k=5)
    assert crossval_problem(prepared, k=rare) is None


# --- stopping ----------------------------------------------------------------------


def test_stop_during_a_fold_keeps_the_folds_already_scored(iris):
    spec, prepared = iris
    flag = StopFlag()
    seen = []

    def on_fold(fold, epoch, scores):
        seen.append((fold, epoch))
        if fold == 2 and epoch == 1:
            flag.set()  # within the second fold's training

    result = cross_validate(spec, prepared, k=5, on_fold=on_fold, stop=flag)
    assert result.stopped and len(result.scores) == 1
    assert max(fold for fold, _ in seen) == 2
    assert result.text.startswith("Stopped after 1 of 5 folds. The one fold scored")


# --- the sentence and the chart ----------------------------------------------------


@pytest.mark.parametrize(
    ("result", "text"),
    [
        (
            CrossValidation("accuracy", 5, [0.88, 0.95, 0.92], [20, 20, 20], 100),
            "Across 3 splits the validation accuracy ranged from 88.0 % to 95.0 % "
            "(mean 91.7 %, ± 3.5 points): a single split's score can be off by this "
            "much.",
        ),
        (
            CrossValidation("rmse", 2, [52.1, 61.3], [50, 50], 100),
            "Across 2 splits the validation RMSE ranged from 52.1 to 61.3 (mean "
            "56.7, ± 6.505): a single split's score can be off by this much.",
        ),
        (
            CrossValidation("accuracy", 5, [], [], 100, stopped=True),
            "Stopped before the first fold ended: no score yet.",
        ),
        (
            CrossValidation(
                "accuracy",
                3,
                [0.9, None, 0.8],
                [10, 10, 10],
                30,
                problems=["Fold 2 diverged (the loss became NaN) and is left out."],
            ),
            "Across 2 splits the validation accuracy ranged from 80 % to 90 % (mean "
            "85 %, ± 7.1 points): a single split's score can be off by this much. "
            "Fold 2 diverged (the loss became NaN) and is left out.",
        ),
    ],
    ids=["accuracy", "rmse", "stopped-early", "diverged-fold"],
)
def test_the_sentence_says_the_range_the_mean_and_the_spread(result, text):
    assert result.text == text


def test_the_chart_draws_one_point_per_fold_and_the_mean():
    result = CrossValidation("accuracy", 3, [0.9, None, 0.8], [10, 10, 10], 30)
    figure = crossval_figure(result).to_plotly_json()
    points, mean = figure["data"]
    assert list(points["x"]) == ["Fold 1", "Fold 2", "Fold 3"]
    assert list(points["y"]) == [pytest.approx(90), None, pytest.approx(80)]
    assert list(points["text"]) == ["90.0 %", "no score", "80.0 %"]
    assert mean["name"] == "mean 85 %, band ± 7.1 points"
    assert figure["layout"]["title"]["text"] == "Validation accuracy in each fold"
    lines = [s for s in figure["layout"]["shapes"] if s["type"] == "line"]
    assert lines[0]["y0"] == pytest.approx(85)
    empty = crossval_figure(CrossValidation("rmse", 2, [], [], 10, stopped=True))
    assert empty.layout.annotations[0].text == "No fold has a score yet."


# --- as a background job -----------------------------------------------------------


def test_the_job_publishes_each_fold_and_keeps_the_result(tmp_path, iris):
    spec, prepared = iris
    manager = JobManager(store=RunStore(tmp_path / "runs"))
    try:
        job = manager.submit_task(
            "crossval", crossval_work(spec, prepared, k=2), spec, prepared, owner="a"
        )
        view = manager.wait(job, timeout=120)
        assert view.status == "finished" and view.kind == "crossval"
        assert view.message == "Finished: 2 folds"
        result = view.progress["result"]
        assert len(result["scores"]) == 2 and result["text"].startswith("Across 2")
        assert view.progress["fold"] == 2 and view.progress["k"] == 2

        slow = experiment("builtin:iris", layers=(8,), epochs=200, batch_size=1)
        job = manager.submit_task(
            "crossval", crossval_work(slow, prepared, k=5), slow, prepared, owner="a"
        )
        started = time.monotonic()
        while manager.view(job).progress.get("epoch", 0) < 1:
            assert time.monotonic() - started < 60, "the job never started a fold"
            time.sleep(0.05)
        manager.stop(job)
        view = manager.wait(job, timeout=60)
        assert view.status == "stopped"
        assert view.progress["result"]["stopped"] is True
        assert len(view.progress["result"]["scores"]) < 5
    finally:
        manager.shutdown()
