"""The Runs screen (AppTest): the table, comparing runs, opening, resuming, deleting.

Each test has its own runs folder, so it sees only its own runs.
"""

from __future__ import annotations

import pytest

from nncore.runs.store import RunStore
from tests.support import charts, ended, experiment, go, poll, texts, train_screen


@pytest.fixture
def own_runs(tmp_path, monkeypatch):
    """A runs folder for this test only (the app opens one job manager per folder)."""
    folder = tmp_path / "runs"
    monkeypatch.setenv("NNSTUDIO_RUNS_DIR", str(folder))
    return folder


def train(at, spec: dict) -> None:
    at.session_state["spec"] = spec
    go(at, "train")
    at.button(key="train_start").click().run()
    poll(at, ended, "the training to end")


def test_compare_two_runs_then_delete_one_with_a_confirmation(own_runs):
    at = train_screen(experiment("builtin:iris", layers=(8,), epochs=4))
    train(at, experiment("builtin:iris", layers=(8,), epochs=4))
    train(at, experiment("builtin:iris", layers=(8, 4), epochs=4))
    newer, older = RunStore(own_runs).list_runs()

    go(at, "runs")
    assert not at.exception
    table = at.dataframe[0].value
    assert table["run"].tolist() == [newer.name, older.name]
    assert table["network"].tolist() == ["8-4", "8"]
    assert table["status"].tolist() == ["finished", "finished"]
    assert "test accuracy" not in table.columns  # no test rows looked at yet

    at.multiselect(key="runs_chosen").set_value([older.run_id, newer.run_id]).run()
    assert not at.exception
    line = next(t for t in texts(at.markdown) if t.startswith(":material/compare"))
    assert "B added a 4-unit layer: validation accuracy" in line
    figures = charts(at)
    curves = figures["Loss: the runs side by side"]
    assert [trace["name"] for trace in curves["data"]][::2] == [
        "A · validation",
        "B · validation",
    ]
    assert "Validation scores" in figures
    diff = at.dataframe[-1].value
    assert diff["setting"].tolist() == ["Hidden layers"]
    assert diff["B"][0] == "Dense 8 relu → Dense 4 relu"

    # Delete asks first; Cancel keeps the run.
    at.selectbox(key="runs_selected").set_value(older.run_id).run()
    at.button(key="runs_delete").click().run()
    assert any(f"Delete 1 run ('{older.name}')" in w for w in texts(at.warning))
    at.button(key="runs_delete_cancel").click().run()
    assert not at.warning
    assert len(RunStore(own_runs).list_runs()) == 2

    at.button(key="runs_delete").click().run()
    at.button(key="runs_delete_confirm").click().run()
    assert not at.exception
    assert any(f"Deleted 1 run: '{older.name}'" in s for s in texts(at.success))
    assert [run.run_id for run in RunStore(own_runs).list_runs()] == [newer.run_id]
    assert not (own_runs / older.run_id).exists()
    assert at.dataframe[0].value["run"].tolist() == [newer.name]
    assert at.multiselect(key="runs_chosen").value == [newer.run_id]


def test_open_a_run_restores_its_experiment_and_evaluates_it(own_runs):
    spec = experiment("builtin:wine", layers=(6,), epochs=3)
    at = train_screen(spec)
    train(at, spec)
    [run] = RunStore(own_runs).list_runs()
    at.button(key="train_reset").click().run()  # the session forgets its training
    at.session_state["spec"] = experiment("builtin:iris")  # another experiment now
    go(at, "runs")
    labels = [b.label for b in at.get("download_button")]
    assert "Download the model (.keras)" in labels

    at.button(key="runs_open").click().run()
    assert not at.exception
    assert at.session_state["spec"]["data"]["source"] == "builtin:wine"
    assert at.session_state["opened_run"]["run_id"] == run.run_id
    go(at, "evaluate")
    assert not at.exception
    assert any(c.startswith(f"run “{run.name}” · Wine") for c in texts(at.caption))
    assert "Confusion matrix (validation rows)" in charts(at)

    # Looking at its test rows makes its test score appear on the Runs screen.
    at.radio(key="evaluate_split").set_value("test").run()
    at.button(key="evaluate_test").click().run()
    go(at, "runs")
    table = at.dataframe[0].value
    assert table["test accuracy"][0] == pytest.approx(run.metrics["test"]["accuracy"])


def test_an_interrupted_run_offers_resume_and_says_why_it_cannot(own_runs):
    store = RunStore(own_runs)
    spec = experiment("builtin:iris")
    run_id = store.create(spec, dataset="builtin:iris", task="multiclass")
    store.add_epoch(run_id, 0, {"loss": 1.0, "val_loss": 1.1, "val_accuracy": 0.4})
    store.set_status(run_id, "interrupted")
    at = train_screen(spec)
    go(at, "runs")
    assert not at.exception
    assert at.dataframe[0].value["status"].tolist() == ["interrupted"]
    assert at.button(key="runs_open").disabled  # no model to evaluate
    at.button(key="runs_resume").click().run()
    assert not at.exception
    assert any("no checkpoint to resume from" in e for e in texts(at.error))


def test_without_runs_the_screen_says_where_they_come_from(own_runs):
    at = train_screen(experiment())
    go(at, "runs")
    assert not at.exception
    assert any("No runs yet" in i for i in texts(at.info))
