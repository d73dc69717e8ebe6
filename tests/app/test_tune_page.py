"""The Tune screen (AppTest): configure a tiny search, run it, promote the best.

``run_every`` fragments never tick under AppTest, so each test polls with
``.run()``; the loops are bounded by a deadline, never asserted on.
"""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from nncore.data.inspect import inspect_data, load_source
from nncore.spec import default_spec, validate_spec
from nncore.tune import Search
from tests.app.conftest import ROOT
from tests.support import ended, go, plain, poll, status

POLL_LIMIT_S = 120
POLL_PAUSE_S = 0.3


def experiment() -> dict:
    spec = default_spec()
    spec["data"]["source"] = "builtin:iris"
    spec["model"]["layers"] = [{"type": "dense", "units": 8, "activation": "relu"}]
    spec["train"].update(epochs=3, batch_size=16)
    spec["train"]["early_stopping"]["enabled"] = False
    return validate_spec(spec)


def tune_screen(spec: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["spec"] = spec
    at.run()
    go(at, "tune")
    assert not at.exception
    return at


def estimate(at: AppTest) -> str:
    texts = [plain(i.value) for i in at.info if "trial" in plain(i.value)]
    return texts[0] if texts else ""


def trials_finished(at: AppTest) -> int:
    (metric,) = [m for m in at.metric if m.label == "Trials finished"]
    return int(metric.value.split("/")[0])


def trials_table(at: AppTest):
    tables = [d.value for d in at.dataframe if "State" in d.value.columns]
    return tables[0] if tables else None


def test_configure_run_watch_the_table_fill_and_promote_the_best():
    at = tune_screen(experiment())
    assert "No search yet: press Start search." in [c.value for c in at.caption]
    # The speed is measured by itself, then the estimate has a time.
    poll(
        at,
        lambda at: "at the measured speed" in estimate(at),
        "the speed",
        limit_s=POLL_LIMIT_S,
        pause_s=POLL_PAUSE_S,
    )

    at.toggle(key="tune_search_hidden_layers").set_value(False)
    at.toggle(key="tune_search_learning_rate").set_value(False)
    at.multiselect(key="tune_value_units").set_value([4, 16])
    at.multiselect(key="tune_value_batch_size").set_value([16, 32])
    at.radio(key="tune_method").set_value("grid")
    at.selectbox(key="tune_pruner").set_value("none")
    at.number_input(key="tune_trials").set_value(4)
    at.number_input(key="tune_epochs").set_value(2)  # the experiment has 3
    at.run()
    assert not at.exception
    assert estimate(at).startswith("4 trials × 2 epochs ≈ ")
    tune = at.session_state["spec"]["tune"]
    assert tune["space"] == {"units": [4, 16], "batch_size": [16, 32]}
    assert tune["method"] == "grid"

    at.button(key="tune_start").click().run()
    assert not at.exception
    assert at.button(key="tune_start").disabled
    assert not at.button(key="tune_stop").disabled
    job = at.session_state["tuning_job"]
    assert at.query_params["tune"] in (job, [job])

    seen = []

    def filled(at):
        table = trials_table(at)
        seen.append(0 if table is None else len(table))
        return ended(at)

    poll(at, filled, "the search to end", limit_s=POLL_LIMIT_S, pause_s=POLL_PAUSE_S)
    assert seen == sorted(seen)  # the table only grows
    assert len({n for n in seen if n}) >= 2 or seen[-1] == 4  # filled as it ran
    assert status(at).startswith("Finished · 4 trials (0 pruned)")
    table = trials_table(at)
    assert list(table["Trial"]) == [1, 2, 3, 4]
    assert set(table["State"]) == {"complete"}
    assert sorted(zip(table["Units per layer"], table["Batch size"], strict=True)) == [
        (4, 16),
        (4, 32),
        (16, 16),
        (16, 32),
    ]
    # Curves, history, parallel coordinates; importance waits for 10 trials.
    assert len(at.get("plotly_chart")) == 3
    assert any(plain(m.value).endswith("Kept with the runs") for m in at.markdown)
    assert at.get("download_button")
    best = table[table["Best"] == "★"].iloc[0]

    at.button(key="tune_use_best").click().run()
    assert not at.exception
    spec = at.session_state["spec"]
    assert spec["model"]["layers"][0]["units"] == best["Units per layer"]
    assert spec["train"]["batch_size"] == best["Batch size"]
    notice = plain(at.success[0].value)
    assert notice.startswith(f"Applied the best settings of trial {best['Trial']}")
    # Trained as long as its trial, and the search keeps its 2 epochs per trial:
    # the screen's next run finds the experiment as the click left it.
    assert spec["train"]["epochs"] == 2
    assert at.number_input(key="tune_epochs").value == 2
    at.run()
    assert at.session_state["spec"] == spec
    # The other screens show it: the Model screen's first layer has the best units.
    go(at, "model")
    assert not at.exception
    units = [n.value for n in at.number_input if n.key and n.key.endswith("units")]
    assert units[0] == best["Units per layer"]
    # The sidebar shows the search on every screen.
    assert "#### Search" in [m.value for m in at.sidebar.markdown]
    assert any(c.value.startswith("Finished") for c in at.sidebar.caption)

    # Train it as a normal run: the Train screen opens with it training.
    go(at, "tune")
    at.button(key="tune_train_best").click().run()
    assert not at.exception
    assert at.session_state["job_id"] is not None, (
        at.session_state["tuning_problem"],
        [e.value for e in at.error],
    )
    assert "Train" in [t.value for t in at.title]
    poll(
        at,
        lambda at: status(at).startswith("Finished"),
        "the run to end",
        limit_s=POLL_LIMIT_S,
        pause_s=POLL_PAUSE_S,
    )
    assert (
        at.session_state["spec"]["model"]["layers"][0]["units"]
        == (best["Units per layer"])
    )


def test_stop_after_the_running_trial_then_resume_and_watch_by_storage(
    runs_folder, tmp_path
):
    spec = experiment()
    # Trials of about a second each, so Stop lands while the first one runs.
    spec["train"].update(epochs=100, batch_size=4)
    at = tune_screen(spec)
    for name in ("hidden_layers", "learning_rate", "batch_size"):
        at.toggle(key=f"tune_search_{name}").set_value(False)
    at.multiselect(key="tune_value_units").set_value([4, 8, 16])
    at.radio(key="tune_method").set_value("grid")
    at.number_input(key="tune_trials").set_value(3)
    at.run()
    at.button(key="tune_start").click().run()
    poll(
        at,
        lambda at: status(at).startswith("Trial 1 of 3"),
        "the first trial",
        limit_s=POLL_LIMIT_S,
        pause_s=POLL_PAUSE_S,
    )
    at.button(key="tune_stop").click().run()  # ends after the running trial
    assert not at.exception
    finished_at_stop = trials_finished(at)
    poll(at, ended, "the search to stop", limit_s=POLL_LIMIT_S, pause_s=POLL_PAUSE_S)
    stopped = re.match(r"Stopped by you · (\d+) trials? \(0 pruned\)", status(at))
    assert stopped, status(at)
    # The running trial ends and no new one starts (on a loaded machine the first
    # trial may have ended just before the click landed).
    assert int(stopped[1]) in (finished_at_stop, finished_at_stop + 1)
    assert 1 <= int(stopped[1]) < 3
    assert list(trials_table(at)["State"]) == ["complete"] * int(stopped[1])
    assert not at.button(key="tune_resume").disabled

    at.button(key="tune_resume").click().run()
    assert not at.exception
    poll(
        at,
        ended,
        "the resumed search to end",
        limit_s=POLL_LIMIT_S,
        pause_s=POLL_PAUSE_S,
    )
    assert status(at).startswith("Finished · 3 trials")
    assert len(trials_table(at)) == 3

    # Another storage, filled elsewhere (another machine would do the same).
    storage = str(tmp_path / "elsewhere.log")
    other = experiment()
    other["tune"].update(method="random", trials=2, space={"units": [4, 32]})
    prepared = inspect_data(load_source(other["data"]), other["data"]).prepared
    Search(validate_spec(other), prepared, storage=storage, study_name="remote").run()
    at.text_input(key="tune_storage").set_value(storage).run()
    assert not at.exception
    assert at.selectbox(key="tune_study_pick").value == "remote"
    at.button(key="tune_open").click().run()
    assert not at.exception
    assert at.session_state["tuning_study"] == {"storage": storage, "name": "remote"}
    assert len(trials_table(at)) == 2
    assert status(at) == "2 of 2 trials finished"


def test_class_weights_can_be_searched_for_classification_only():
    at = tune_screen(experiment())
    assert "Fixed at **none**, as on the Train screen." in [c.value for c in at.caption]
    at.toggle(key="tune_search_class_weight").set_value(True).run()
    assert not at.exception
    assert at.multiselect(key="tune_value_class_weight").value == ["none", "balanced"]
    assert at.session_state["spec"]["tune"]["space"]["class_weight"] == [
        "none",
        "balanced",
    ]
    regression = experiment()
    regression["data"]["source"] = "builtin:diabetes"
    at = tune_screen(regression)
    assert not [t for t in at.toggle if t.key == "tune_search_class_weight"]


def test_a_large_grid_is_warned_about_and_switches_to_smart_search():
    at = tune_screen(experiment())
    for name in ("activation", "optimizer", "dropout_rate"):
        at.toggle(key=f"tune_search_{name}").set_value(True)
    at.run()
    at.multiselect(key="tune_value_activation").set_value(["relu", "tanh", "elu"])
    at.multiselect(key="tune_value_optimizer").set_value(["adam", "sgd", "rmsprop"])
    at.radio(key="tune_method").set_value("grid")
    at.number_input(key="tune_trials").set_value(10_000)
    at.run()
    assert not at.exception
    warnings = [plain(w.value) for w in at.warning]
    assert any("combinations" in w and "Smart search" in w for w in warnings)
    at.button(key="tune_switch_method").click().run()
    assert at.radio(key="tune_method").value == "tpe"
    assert at.session_state["spec"]["tune"]["method"] == "tpe"
