"""Comparing runs (nncore.report.compare): settings diff, summary line, runs table."""

from __future__ import annotations

import copy

import pandas as pd
import pytest

from nncore.report.compare import (
    network_summary,
    overfitting_epoch,
    run_title,
    runs_table,
    settings,
    settings_diff,
    summary_line,
    validation_score,
    within_chance,
)
from nncore.runs.store import Run
from nncore.spec import default_spec, validate_spec

EPOCHS = range(1, 21)
FALLING = [1 / (1 + 0.2 * e) for e in EPOCHS]
HEALTHY = {"loss": FALLING, "val_loss": [v + 0.05 for v in FALLING]}
# The validation loss is lowest at epoch 14, then rises while the training loss falls.
OVERFITTING = {
    "loss": FALLING,
    "val_loss": [1.0 - 0.03 * e if e <= 14 else 0.58 + 0.04 * (e - 14) for e in EPOCHS],
}


def spec(layers=(64,), **compile_) -> dict:
    found = default_spec()
    found["data"]["source"] = "builtin:iris"
    found["model"]["layers"] = [
        {"type": "dense", "units": units, "activation": "relu"} for units in layers
    ]
    found["compile"].update(compile_)
    return validate_spec(found)


def run(
    spec_=None,
    accuracy=0.9,
    history=None,
    task="multiclass",
    run_id="r1",
    test_looks=0,
    **fields,
) -> Run:
    metric = "rmse" if task == "regression" else "accuracy"
    return Run(
        run_id=run_id,
        status=fields.pop("status", "finished"),
        created=fields.pop("created", "2024-05-12T08:31:00+00:00"),
        updated="2024-05-12T08:32:00+00:00",
        spec=spec_ or spec(),
        dataset="builtin:iris",
        task=task,
        epochs_planned=20,
        epochs_run=20,
        history=copy.deepcopy(history or HEALTHY),
        metrics=None
        if accuracy is None
        else {"val": {metric: accuracy}, "test": {metric: accuracy - 0.02}},
        test_looks=test_looks,
        **fields,
    )


# --- network and settings ------------------------------------------------------------


@pytest.mark.parametrize(
    "layers, expected",
    [
        ([{"type": "dense", "units": 128}, {"type": "dense", "units": 64}], "128-64"),
        (
            [{"type": "dense", "units": 32}, {"type": "dropout", "rate": 0.2}],
            "32 + dropout",
        ),
        ([], "no hidden layer"),
    ],
    ids=["two", "dropout", "none"],
)
def test_network_summary(layers, expected):
    assert network_summary({"model": {"layers": layers}}) == expected


def test_settings_read_like_the_screens():
    shown = settings(spec((8, 4), learning_rate=0.01))
    assert shown["Data"] == "Iris flowers (3 classes)"
    assert shown["Split (train/val/test)"] == "70/15/15"
    assert shown["Hidden layers"] == "Dense 8 relu → Dense 4 relu"
    assert shown["Learning rate"] == "0.01"
    assert shown["Early stopping"] == "on (patience 5)"
    assert "Points" not in shown  # not a generated dataset


def test_settings_diff_lists_only_what_differs():
    rows = settings_diff(
        [spec((64,)), spec((64, 32), learning_rate=0.01)], names=["A", "B"]
    )
    assert rows == [
        {
            "setting": "Hidden layers",
            "A": "Dense 64 relu",
            "B": "Dense 64 relu → Dense 32 relu",
        },
        {"setting": "Learning rate", "A": "0.001", "B": "0.01"},
    ]
    assert settings_diff([spec(), spec()]) == []
    with pytest.raises(ValueError, match="one name per spec"):
        settings_diff([spec(), spec()], names=["A"])


def test_settings_diff_names_three_runs_a_b_c():
    rows = settings_diff([spec(), spec((8,)), spec((16,))])
    assert list(rows[0]) == ["setting", "A", "B", "C"]


# --- the one-line summary ------------------------------------------------------------


def test_summary_of_an_added_layer_with_its_gain_and_overfitting():
    a = run(spec((64,)), accuracy=0.900)
    b = run(spec((64, 32)), accuracy=0.931, history=OVERFITTING, run_id="r2")
    assert summary_line(a, b) == (
        "B added a 32-unit layer: validation accuracy +3.1 points, overfits from "
        "epoch 14"
    )


def test_summary_of_a_removed_layer_that_no_longer_overfits():
    a = run(spec((64, 32)), accuracy=0.93, history=OVERFITTING)
    b = run(spec((64,)), accuracy=0.91)
    assert summary_line(a, b) == (
        "B removed the 32-unit layer: validation accuracy -2.0 points, no longer "
        "overfits (A did from epoch 14)"
    )


@pytest.mark.parametrize(
    "b_spec, words",
    [
        (spec(learning_rate=0.01), "raised the learning rate (0.001 → 0.01)"),
        (spec(learning_rate=0.0001), "lowered the learning rate (0.001 → 0.0001)"),
        (spec((128,)), "widened the layers (64 → 128)"),
        (spec(optimizer="sgd"), "used SGD instead of Adam"),
    ],
    ids=["raised", "lowered", "widened", "optimiser"],
)
def test_summary_names_the_change(b_spec, words):
    assert summary_line(run(spec()), run(b_spec)).startswith(f"B {words}: ")


def test_summary_of_many_changes_names_two_and_counts_the_rest():
    b = spec((64, 32), learning_rate=0.01)
    b["train"]["batch_size"] = 64
    b["train"]["epochs"] = 50
    line = summary_line(run(spec()), run(b), ("A", "C"))
    assert line.startswith(
        "C added a 32-unit layer, raised the learning rate (0.001 → 0.01) and 2 more "
        "changes: "
    )


def test_summary_of_the_same_settings_and_missing_scores():
    line = summary_line(run(accuracy=None), run(accuracy=None))
    assert line == "B has the same settings as A: no validation score to compare"


def test_summary_of_regression_runs_uses_rmse():
    a = run(accuracy=50.0, task="regression")
    b = run(spec((64, 32)), accuracy=45.0, task="regression")
    assert summary_line(a, b) == (
        "B added a 32-unit layer: validation RMSE 50 → 45 (10 % lower, better)"
    )


def test_summary_of_runs_on_different_tasks_says_they_do_not_compare():
    line = summary_line(run(task="binary"), run(task="regression"))
    assert "do not compare" in line


def test_other_data_is_said_first():
    other = spec()
    other["data"]["source"] = "builtin:wine"
    line = summary_line(run(spec()), run(other))
    assert line.startswith("B was trained on other data (data Iris flowers")


# --- scores and the table ------------------------------------------------------------


def test_validation_score_falls_back_to_the_best_recorded_epoch():
    interrupted = run(
        accuracy=None,
        history={"val_accuracy": [0.5, 0.8, None, 0.7]},
        status="interrupted",
    )
    assert validation_score(interrupted) == 0.8
    assert validation_score(run(accuracy=0.9)) == 0.9
    assert overfitting_epoch(run(history=OVERFITTING)) == 14
    assert overfitting_epoch(run(history={"loss": "not numbers"})) is None


def test_the_runs_table_shows_test_scores_only_after_a_look():
    runs = [
        run(run_id="new", accuracy=0.95, test_looks=1),
        run(run_id="old", accuracy=0.9),
        run(run_id="reg", accuracy=40.0, task="regression", status="stopped"),
    ]
    table = runs_table(runs)
    assert list(table.columns) == [
        "run",
        "when",
        "status",
        "dataset",
        "network",
        "validation accuracy",
        "validation RMSE",
        "test accuracy",
        "epochs",
        "optimiser",
        "learning rate",
        "batch size",
        "task",
    ]
    assert table["test accuracy"][0] == pytest.approx(0.93)
    assert pd.isna(table["test accuracy"][1])  # its test rows were never looked at
    assert table["validation RMSE"][2] == 40.0
    assert table["status"].tolist() == ["finished", "finished", "stopped"]
    assert pd.api.types.is_datetime64_any_dtype(table["when"])
    assert runs_table([]).empty


def test_a_run_title_is_its_name_and_an_unfinished_status():
    named = run(spec((8, 4)))
    named.name = "Iris, two layers"
    assert run_title(named) == "Iris, two layers"
    named.status = "interrupted"
    assert run_title(named) == "Iris, two layers (interrupted)"
    unnamed = run(spec((8, 4)))  # a run without a kept name gets its default one
    assert run_title(unnamed).startswith("Iris flowers (3 classes) · 8-4")


# --- within chance -------------------------------------------------------------------


def with_bars(accuracy, low, high, rows=105, **fields):
    return run(
        accuracy=accuracy,
        metrics_ci={"val": {"accuracy": [low, high]}, "test": {}},
        rows={"train": 490, "val": rows, "test": 105},
        **fields,
    )


def test_a_difference_inside_the_error_bars_is_said_to_be_within_chance():
    a = with_bars(0.910, 0.857, 0.962)
    b = with_bars(0.918, 0.867, 0.971, spec_=spec((64, 32)))
    assert summary_line(a, b) == (
        "B added a 32-unit layer: validation accuracy +0.8 points, within chance on "
        "105 validation rows"
    )
    assert within_chance(a, b) is True


def test_a_difference_beyond_the_error_bars_is_said_as_before():
    a = with_bars(0.80, 0.74, 0.85)
    b = with_bars(0.95, 0.91, 0.98, spec_=spec((64, 32)))
    assert summary_line(a, b) == (
        "B added a 32-unit layer: validation accuracy +15.0 points"
    )
    assert within_chance(a, b) is False


def test_a_regression_difference_within_chance_gives_the_rmse_change():
    a = run(
        accuracy=50.0,
        task="regression",
        metrics_ci={"val": {"rmse": [44.0, 57.0]}},
        rows={"train": 300, "val": 66, "test": 66},
    )
    b = run(spec((64, 32)), accuracy=48.0, task="regression")
    assert summary_line(a, b) == (
        "B added a 32-unit layer: validation RMSE 50 → 48 (4 % lower, better), "
        "within chance on 66 validation rows"
    )


def test_runs_without_error_bars_compare_as_before():
    a, b = run(accuracy=0.91), run(spec((64, 32)), accuracy=0.918)
    assert (
        summary_line(a, b) == "B added a 32-unit layer: validation accuracy +0.8 points"
    )
    assert within_chance(a, b) is None
