"""The Runs screen names runs, lets the user rename them and leaves missing cells
empty (issue 18, item 14), under AppTest with runs written straight to the store."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from nncore.runs.store import RunStore
from tests.app.conftest import ROOT
from tests.support import experiment, texts

PAGE = str(ROOT / "screens" / "runs.py")


@pytest.fixture
def two_runs(tmp_path, monkeypatch):
    """A finished run with scores and an interrupted one without any."""
    folder = tmp_path / "runs"
    monkeypatch.setenv("NNSTUDIO_RUNS_DIR", str(folder))
    store = RunStore(folder)
    finished = store.create(
        experiment(layers=(8,)), dataset="builtin:iris", task="multiclass"
    )
    store.add_epoch(finished, 0, {"loss": 0.9, "val_loss": 1.0, "val_accuracy": 0.7})
    store.finish(finished, {"val": {"accuracy": 0.9}, "test": {}}, {})
    interrupted = store.create(
        experiment(layers=(16, 8)), dataset="builtin:iris", task="multiclass"
    )
    store.set_status(interrupted, "interrupted")
    return store, store.get(finished), store.get(interrupted)


def test_runs_are_shown_by_name_and_can_be_renamed(two_runs):
    store, finished, interrupted = two_runs
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception

    table = at.dataframe[0]
    assert table.value["run"].tolist() == [interrupted.name, finished.name]
    assert "· 16-8 ·" in interrupted.name and "· 8 ·" in finished.name
    # The interrupted run has no score: an empty cell, not "None".
    assert pd.isna(table.value["validation accuracy"].iloc[0])
    assert table.proto.HasField("placeholder") and table.proto.placeholder == ""
    chooser = at.selectbox(key="runs_selected")
    assert chooser.options == [f"{interrupted.name} (interrupted)", finished.name]
    shown = " ".join(
        [*texts(at.markdown), *texts(at.caption), *chooser.options]
        + at.multiselect(key="runs_chosen").options
    )
    assert finished.run_id not in shown and interrupted.run_id not in shown

    at.multiselect(key="runs_chosen").set_value(
        [finished.run_id, interrupted.run_id]
    ).run()
    assert f"**A**: {finished.name}" in texts(at.markdown)

    chooser.set_value(finished.run_id).run()
    name = at.text_input(key=f"runs_name_{finished.run_id}")
    assert name.value == finished.name
    name.set_value("  Iris, one small layer ").run()
    at.button(key="runs_rename").click().run()
    assert not at.exception
    assert store.get(finished.run_id).name == "Iris, one small layer"
    assert any(
        "Renamed the run to 'Iris, one small layer'" in s for s in texts(at.success)
    )
    assert "Iris, one small layer" in at.dataframe[0].value["run"].tolist()

    at.text_input(key=f"runs_name_{finished.run_id}").set_value("   ").run()
    at.button(key="runs_rename").click().run()
    assert any("keeps its name" in e and "empty" in e for e in texts(at.error))
    assert store.get(finished.run_id).name == "Iris, one small layer"
