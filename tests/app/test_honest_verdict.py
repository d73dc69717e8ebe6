"""The honest verdict on every screen (AppTest): the 95 % intervals and the reference
models on Train's results and Evaluate, the intervals and the noise on Runs.

Each test trains a tiny network through the Train screen (a few epochs), as a user
does, or records runs straight into its own run store.
"""

from __future__ import annotations

import re

import pytest

from nncore.runs.store import RunStore
from tests.support import (
    charts,
    ended,
    experiment,
    go,
    plain,
    poll,
    texts,
    train_screen,
)

INTERVAL = re.compile(r"^\d\.\d{3} \(\d\.\d{3}-\d\.\d{3}\)$")
EVALUATE_CHART = "Your network against the naive guess and the reference models"


@pytest.fixture
def own_runs(tmp_path, monkeypatch):
    """A runs folder for this test only (the app opens one job manager per folder)."""
    folder = tmp_path / "runs"
    monkeypatch.setenv("NNSTUDIO_RUNS_DIR", str(folder))
    return folder


def metric(at, label: str) -> str:
    return next(plain(m.value) for m in at.metric if plain(m.label) == label)


def results_table(at):
    """The Train screen's table of the network beside the other models."""
    return next(t.value for t in at.dataframe if "Metric" in t.value.columns)


def sentence(at, words: str) -> str:
    return next(t for t in texts(at.markdown) if words in t)


def test_train_and_evaluate_show_intervals_and_reference_models(own_runs):
    at = train_screen(experiment("builtin:breast_cancer", epochs=3))
    at.button(key="train_start").click().run()
    poll(at, ended, "the training to end")

    # Train: every validation metric with its interval, the reference models
    # beside the network and the naive baseline, and the sentence.
    for label in ("Accuracy", "Precision", "Recall", "F1 score", "ROC AUC"):
        assert INTERVAL.match(metric(at, label)), metric(at, label)
    told = sentence(at, "on the same rows: ")
    assert told.startswith("**Your network: ")
    assert "% accuracy on the validation rows" in told
    assert "gradient boosting" in told.lower()
    assert "logistic regression" in told.lower()
    table = results_table(at)
    assert list(table.columns) == [
        "Metric",
        "Your network (validation)",
        "Naive baseline",
        "Logistic regression",
        "Gradient boosting",
    ]
    accuracy = table[table["Metric"] == "Accuracy"].iloc[0]
    assert INTERVAL.match(accuracy["Your network (validation)"])
    assert re.fullmatch(r"0\.\d{3}", accuracy["Gradient boosting"])

    # Evaluate, validation rows: the same intervals, the sentence and the chart.
    go(at, "evaluate")
    assert not at.exception
    assert INTERVAL.match(metric(at, "Accuracy"))
    assert "on the validation rows" in sentence(at, "on the same rows: ")
    chart = charts(at)[f"{EVALUATE_CHART} (validation rows)"]
    assert [trace["name"] for trace in chart["data"]] == [
        "Your network",
        "Naive baseline",
        "Logistic regression",
        "Gradient boosting",
    ]
    assert len(chart["data"][0]["error_y"]["array"]) == 5  # one bar per metric
    assert "error_y" not in chart["data"][3]

    # A threshold other than 0.5: the intervals that depend on it go.
    at.slider(key="evaluate_threshold").set_value(0.8).run()
    assert "(" not in metric(at, "Precision")
    assert INTERVAL.match(metric(at, "ROC AUC"))
    assert any("worked out at 0.5" in c for c in texts(at.caption))
    at.slider(key="evaluate_threshold").set_value(0.5).run()

    # The test rows, once asked for: their intervals and reference models.
    at.radio(key="evaluate_split").set_value("test").run()
    assert f"{EVALUATE_CHART} (test rows)" not in charts(at)
    at.button(key="evaluate_test").click().run()
    assert not at.exception
    assert INTERVAL.match(metric(at, "Accuracy"))
    assert "on the test rows" in sentence(at, "on the same rows: ")
    chart = charts(at)[f"{EVALUATE_CHART} (test rows)"]
    assert chart["data"][3]["name"] == "Gradient boosting"


def test_a_regression_network_is_compared_with_a_linear_regression(own_runs):
    at = train_screen(experiment("builtin:diabetes", epochs=3))
    at.button(key="train_start").click().run()
    poll(at, ended, "the training to end")
    assert re.match(r"^\d+(\.\d+)? \(\d", metric(at, "Root mean squared error"))
    assert "Linear regression" in results_table(at).columns
    assert "linear regression" in sentence(at, "on the same rows: ").lower()
    go(at, "evaluate")
    chart = charts(at)[f"{EVALUATE_CHART} (validation rows)"]
    assert [trace["x"] for trace in chart["data"]][0] == [
        "Your network",
        "Naive baseline",
        "Linear regression",
        "Gradient boosting",
    ]


def record(store, spec, *, accuracy, interval=None, reference=None):
    """A finished run with these validation scores (no model file)."""
    run_id = store.create(
        spec,
        dataset=spec["data"]["source"],
        task="multiclass",
        rows={"train": 105, "val": 22, "test": 23},
    )
    store.add_epoch(run_id, 0, {"loss": 1.0, "val_loss": 1.1, "val_accuracy": 0.5})
    scores = {"accuracy": accuracy, "f1": accuracy - 0.02}
    store.finish(
        run_id,
        {"val": scores, "test": scores},
        {"accuracy": 0.33},
        reference=reference,
        metrics_ci=None if interval is None else {"val": {"accuracy": interval}},
    )
    return run_id


def test_runs_show_the_interval_and_say_when_a_difference_is_noise(own_runs):
    store = RunStore(own_runs)
    old = record(store, experiment("builtin:iris", layers=(8,)), accuracy=0.9)
    first = record(
        store,
        experiment("builtin:iris", layers=(8,)),
        accuracy=0.91,
        interval=[0.82, 0.97],
        reference={"val": {"gradient_boosting": {"accuracy": 0.93}}, "test": {}},
    )
    second = record(
        store,
        experiment("builtin:iris", layers=(8, 4)),
        accuracy=0.92,
        interval=[0.84, 0.98],
    )
    at = train_screen(experiment("builtin:iris"))
    go(at, "runs")
    assert not at.exception
    table = at.dataframe[0].value
    intervals = dict(zip(table["run"], table["accuracy: 95 % interval"], strict=True))
    name = {run_id: store.get(run_id).name for run_id in (old, first, second)}
    assert intervals[name[first]] == "0.820-0.970"
    assert intervals[name[second]] == "0.840-0.980"
    assert intervals[name[old]] == "—"  # recorded before intervals were kept

    at.multiselect(key="runs_chosen").set_value([first, second]).run()
    assert not at.exception
    line = next(t for t in texts(at.markdown) if t.startswith(":material/compare"))
    assert "B added a 4-unit layer: validation accuracy +1.0 points" in line
    assert "within chance on 22 validation rows" in line
    scores = charts(at)["Validation scores"]
    # Error bars on accuracy, the one score with an interval.
    assert scores["data"][0]["error_y"]["array"][0] == pytest.approx(0.06)
    assert scores["data"][1]["error_y"]["array"][0] == pytest.approx(0.06)
    assert scores["data"][1]["error_y"]["array"][1] is None
    assert any("95 % intervals" in c for c in texts(at.caption))

    # A run without intervals beside one with: no error bar, no crash.
    at.multiselect(key="runs_chosen").set_value([old, first]).run()
    assert not at.exception
    scores = charts(at)["Validation scores"]
    assert "error_y" not in scores["data"][0]


def test_a_run_recorded_before_reference_models_gets_them_on_evaluate(own_runs):
    import sqlite3

    spec = experiment("builtin:wine", layers=(6,), epochs=3)
    at = train_screen(spec)
    at.button(key="train_start").click().run()
    poll(at, ended, "the training to end")
    at.button(key="train_reset").click().run()  # the session forgets its training
    # As a run recorded before reference models and intervals were kept.
    with sqlite3.connect(own_runs / "runs.sqlite") as connection:
        connection.execute(
            "UPDATE runs SET reference = NULL, reference_problems = NULL, "
            "metrics_ci = NULL"
        )
    connection.close()
    [run] = RunStore(own_runs).list_runs()
    assert run.reference is None and run.metrics_ci is None

    go(at, "runs")
    assert not at.exception
    assert at.dataframe[0].value.columns.tolist().count("accuracy: 95 % interval") == 0
    at.button(key="runs_open").click().run()
    go(at, "evaluate")
    assert not at.exception
    assert INTERVAL.match(metric(at, "Accuracy"))
    chart = charts(at)[f"{EVALUATE_CHART} (validation rows)"]
    assert [trace["name"] for trace in chart["data"]][2:] == [
        "Logistic regression",
        "Gradient boosting",
    ]
