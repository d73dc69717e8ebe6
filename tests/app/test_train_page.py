"""The Train screen (AppTest): train in the background, watch, stop, continue, fix.

``run_every`` fragments never tick under AppTest, so each test polls with
``.run()``; the loops are bounded by a deadline, never asserted on.
"""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from nncore.spec import default_spec
from tests.app.conftest import ROOT
from tests.support import ended, experiment, go, plain, poll, status, train_screen


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def epochs_done(at: AppTest) -> int:
    return int(metric(at, "Epoch").split("/")[0])


def curve_points(at: AppTest) -> int:
    """Epochs drawn on the learning-curve chart (its training line)."""
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    lines = [t for t in figure["data"] if t.get("name") == "training"]
    return len(lines[0]["x"]) if lines else 0


def test_train_watch_the_curves_grow_stop_continue_and_see_the_results():
    # Enough rows and epochs that training is still going when it is stopped.
    spec = experiment("builtin:circle", layers=(16,), epochs=1000, batch_size=8)
    spec["data"]["n_samples"] = 2000
    at = train_screen(spec)
    assert "No training yet: press Train." in [c.value for c in at.caption]

    at.button(key="train_start").click().run()
    assert not at.exception
    assert at.button(key="train_start").disabled
    job = at.session_state["job_id"]
    assert at.query_params["job"] == [job] or at.query_params["job"] == job

    seen = []
    poll(
        at,
        lambda at: seen.append(curve_points(at)) or len({n for n in seen if n}) >= 3,
        "the curves to grow",
    )
    assert seen == sorted(seen)  # never shrinks
    # The curves, the decision boundary, the network inside (its neurons) and
    # its layers' health.
    assert len(at.get("plotly_chart")) == 4
    boundary = json.loads(at.get("plotly_chart")[1].proto.spec)
    assert boundary["data"][0]["type"] == "heatmap"

    # Another screen: training goes on, and the sidebar frame says so.
    go(at, "data")
    assert any(m.value == "#### Training" for m in at.sidebar.markdown)
    go(at, "train")
    assert status(at).startswith(("Epoch", "Finished"))

    # A reload re-attaches: a new session opened with ?job= shows the same job.
    other = AppTest.from_file(str(ROOT / "screens" / "train.py"), default_timeout=60)
    other.query_params["job"] = job
    other.run()
    assert not other.exception
    assert other.session_state["job_id"] == job
    assert other.session_state["spec"]["data"]["source"] == "builtin:circle"
    assert not other.button(key="train_stop").disabled

    # One network trains at a time: another session waits its turn in the queue.
    waiting = train_screen(experiment("builtin:iris", epochs=2))
    waiting.button(key="train_start").click().run()
    assert status(waiting).startswith("Waiting: next to start")
    assert any("number 1 of 1 waiting" in plain(i.value) for i in waiting.info)

    at.button(key="train_stop").click().run()
    poll(waiting, ended, "the waiting training to run once the first stopped")
    assert status(waiting) == "Finished: 2 epochs"
    waiting.button(key="train_reset").click().run()
    poll(at, ended, "the training to stop")
    assert status(at).startswith("Stopped by you after epoch")
    stopped_at = epochs_done(at)
    assert 0 < stopped_at < 1000
    assert not at.button(key="train_continue").disabled
    assert not at.button(key="train_start").disabled

    at.number_input(key="train_more_epochs").set_value(3).run()
    at.button(key="train_continue").click().run()
    poll(at, ended, "the continued training to end")
    assert not at.exception
    assert status(at).startswith("Finished")
    assert epochs_done(at) == stopped_at + 3
    assert curve_points(at) == stopped_at + 3
    assert "Validation results" in [h.value for h in at.subheader]
    table = at.dataframe[-1].value
    assert list(table.columns) == [
        "Metric",
        "Your network (validation)",
        "Naive baseline",
        "Logistic regression",
        "Gradient boosting",
    ]
    assert "Accuracy" in table["Metric"].tolist()
    labels = [b.label for b in at.get("download_button")]
    assert "Model (.keras)" in labels and "History (.csv)" in labels
    # save_best is on by default: the figures say which epoch they come from.
    assert any("Figures from epoch" in plain(c.value) for c in at.caption)

    at.button(key="train_reset").click().run()
    assert not at.exception
    assert at.session_state["job_id"] is None
    assert "job" not in at.query_params
    assert "No training yet: press Train." in [c.value for c in at.caption]
    assert not at.get("plotly_chart")


def test_a_short_training_finishes_with_validation_metrics_and_no_test_metrics():
    at = train_screen(experiment("builtin:iris", epochs=4))
    at.button(key="train_start").click().run()
    poll(at, ended, "the training to end")
    assert status(at) == "Finished: 4 epochs"
    assert curve_points(at) == 4
    # Four inputs: no decision boundary; the curves, the network's weights and
    # its layers' health.
    assert len(at.get("plotly_chart")) == 3
    table = at.dataframe[-1].value
    assert table["Metric"].tolist()[0] == "Accuracy"
    text = " ".join(plain(c.value) for c in at.caption)
    assert "test rows are kept apart" in text
    assert not any("test" in m.label.lower() for m in at.metric)
    at.radio(key="train_metric").set_value("accuracy").run()
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert figure["layout"]["title"]["text"].startswith("Accuracy")
    at.toggle(key="train_log").set_value(True).run()
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert figure["layout"]["yaxis"]["type"] == "log"
    at.button(key="train_reset").click().run()


def test_streamlit_leaves_keras_alone_while_jobs_train():
    """Streamlit clears Keras' session after every run unless told not to; a
    clear_session while the worker builds a model breaks it (duplicate layer
    names). ui.training switches that off when it creates the job manager."""
    from streamlit.runtime.scriptrunner import script_runner

    at = train_screen(experiment(epochs=1))
    at.button(key="train_start").click().run()
    assert getattr(script_runner._clean_problem_modules, "keeps_keras", False)
    poll(at, ended, "the training to end")
    assert status(at) == "Finished: 1 epochs"
    at.button(key="train_reset").click().run()


def test_a_doctor_fix_changes_the_experiment_and_says_what_changed():
    # Steps this small leave the loss flat: the doctor reports underfitting.
    spec = experiment("builtin:iris", epochs=8)
    spec["compile"].update(optimizer="sgd", learning_rate=1e-5, momentum=0.0)
    at = train_screen(spec)
    at.button(key="train_start").click().run()
    poll(at, ended, "the training to end")
    assert any("Underfitting" in plain(w.value) for w in at.warning)
    fix = next(b for b in at.button if b.label == "Train twice as many epochs")
    fix.click().run()
    assert not at.exception
    assert at.session_state["spec"]["train"]["epochs"] == 16
    assert at.number_input(key="train_epochs").value == 16
    notices = [plain(s.value) for s in at.success]
    assert any("epochs 8 → 16" in n and "Press Train" in n for n in notices)
    at.button(key="train_reset").click().run()


def test_the_settings_are_written_into_the_experiment():
    at = AppTest.from_file(str(ROOT / "screens" / "train.py"), default_timeout=60)
    at.run()
    at.number_input(key="train_epochs").set_value(7).run()
    at.toggle(key="train_early_stopping").set_value(False).run()
    assert at.number_input(key="train_patience").disabled
    at.toggle(key="train_reduce_lr").set_value(True).run()
    at.number_input(key="train_reduce_lr_factor").set_value(0.2).run()
    train = at.session_state["spec"]["train"]
    assert train["epochs"] == 7
    assert train["early_stopping"]["enabled"] is False
    assert train["reduce_lr"] == {"enabled": True, "patience": 3, "factor": 0.2}
    assert not at.exception


def test_class_weights_are_chosen_for_classification_only():
    at = train_screen(experiment("builtin:iris", epochs=2))
    weights = at.radio(key="train_class_weight")
    assert weights.value == "none" and weights.options == ["None", "Balanced"]
    weights.set_value("balanced").run()
    assert not at.exception
    assert at.session_state["spec"]["train"]["class_weight"] == "balanced"
    # Regression has no classes to weigh: no control, the spec keeps its value.
    regression = train_screen(experiment("builtin:diabetes", epochs=2))
    assert not [r for r in regression.radio if r.key == "train_class_weight"]


def test_without_data_the_screen_says_where_to_get_it():
    spec = default_spec()
    spec["data"]["source"] = "my-file.csv"  # an upload the session does not have
    at = AppTest.from_file(str(ROOT / "screens" / "train.py"), default_timeout=60)
    at.session_state["spec"] = spec
    at.run()
    assert not at.exception
    assert any("Data screen" in plain(i.value) for i in at.info)
    assert at.button(key="train_start").disabled


def test_bad_data_settings_give_a_message_not_a_traceback():
    spec = default_spec()
    spec["data"].update(source="builtin:iris", target="no such column")
    at = AppTest.from_file(str(ROOT / "screens" / "train.py"), default_timeout=60)
    at.session_state["spec"] = spec
    at.run()
    assert not at.exception
    assert any("no such column" in plain(e.value) for e in at.error)
    assert at.button(key="train_start").disabled


def test_a_link_to_a_job_the_server_no_longer_has_says_so():
    at = AppTest.from_file(str(ROOT / "screens" / "train.py"), default_timeout=60)
    at.query_params["job"] = "0123456789ab"
    at.run()
    assert not at.exception
    assert any("no longer on the server" in plain(i.value) for i in at.info)
    assert at.session_state["job_id"] is None


def test_a_fix_to_the_data_settings_prepares_the_data_again():
    def script():
        import streamlit as st

        from nncore.train.doctor import apply_fix
        from ui import state
        from ui.reports import current_report

        state.init_state()
        if st.button("Standardise the inputs", key="fix"):
            fixed = apply_fix(st.session_state[state.SPEC], "scale_data")
            state.apply_fix(fixed, "Scaled.")
        st.write(f"scaling: {current_report().prepared.scaling}")

    spec = experiment("builtin:iris")
    spec["data"]["scaling"] = "none"
    at = AppTest.from_function(script, default_timeout=60)
    at.session_state["spec"] = spec
    at.session_state["data_scaling"] = "none"  # a Data screen widget's value
    at.run()
    assert at.markdown[-1].value == "scaling: none"
    at.button(key="fix").click().run()
    assert not at.exception
    assert at.markdown[-1].value == "scaling: standard"
    assert "data_scaling" not in at.session_state
    assert at.session_state["fix_notice"]["text"] == "Scaled."
