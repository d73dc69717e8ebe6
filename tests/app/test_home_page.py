"""The Home screen: the step tracker, the guided demos and presenter mode (AppTest)."""

import re
import time

from streamlit.testing.v1 import AppTest

from nncore.report import guide
from nncore.spec import default_spec
from nncore.spec.sharing import encode_spec
from tests.app.conftest import ROOT
from tests.support import charts, plain

POLL_LIMIT_S = 60


def app(**query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def go(at: AppTest, screen: str) -> None:
    at.switch_page(f"screens/{screen}.py").run()
    assert not at.exception, at.exception


def tracker(at: AppTest) -> dict[str, str]:
    """Each step's status as the tracker shows it: title -> "Done" / "To do" / ..."""
    links = [plain(link.proto.label) for link in at.get("page_link")]
    titles = [step.title for step in guide.STEPS]
    assert links[: len(titles)] == titles  # each step a link to its screen
    statuses = [
        re.sub(r"^\d · |:\w+\[|\]|:material/\w+:|\*", "", plain(m.value)).strip()
        for m in at.markdown
        if re.match(r"\d · :\w+\[:material/", m.value)
    ]
    return dict(zip(titles, statuses, strict=True))


def enlarged(at: AppTest) -> bool:
    """Whether presenter mode's larger text is on the page."""
    return any("font-size: 20px" in h.proto.body for h in at.get("html"))


def subheaders(at: AppTest) -> list[str]:
    return [plain(s.value) for s in at.subheader]


def run_until(at: AppTest, done, what: str) -> None:
    """Rerun (as the page's live fragment would) until ``done(at)``, at most 60 s."""
    deadline = time.monotonic() + POLL_LIMIT_S
    while not done(at):
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.3)
        at.run()
        assert not at.exception, at.exception


def evaluated(at: AppTest) -> bool:
    return "5 · Evaluate: how good is it?" in subheaders(at)


def test_a_fresh_session_opens_on_home_with_every_step_to_do():
    at = app()
    assert [t.value for t in at.title] == ["NN Studio"]
    assert tracker(at) == {step.title: "To do" for step in guide.STEPS}
    assert "Your progress: 0 of 6 steps done" in subheaders(at)
    assert [b.label for b in at.button] == ["Run the demo", "Watch a network overfit"]
    workflow = next(plain(m.value) for m in at.markdown if "1. **Collect" in m.value)
    assert workflow.count("\n") == len(guide.WORKFLOW) - 1
    assert "5. **Evaluate and improve**" in workflow


def test_the_tracker_follows_the_screens_the_session_opened():
    at = app()
    go(at, "data")  # the Data screen prepares the default dataset
    go(at, "home")
    assert tracker(at)["Data"] == "Done"
    assert tracker(at)["Model"] == "To do"
    go(at, "model")
    go(at, "compile")
    go(at, "home")
    status = tracker(at)
    assert [status[s] for s in ("Data", "Model", "Compile")] == ["Done"] * 3
    assert [status[s] for s in ("Train", "Evaluate", "Tune")] == ["To do"] * 3
    assert "Your progress: 3 of 6 steps done" in subheaders(at)


def test_run_the_demo_trains_evaluates_and_explains_every_step():
    at = app()
    at.button(key="home_demo_first").click().run()
    assert not at.exception, at.exception
    assert at.session_state["job_id"]  # handed to the job manager, as Train does
    assert at.session_state["spec"] == guide.demo_spec("first")  # now the session's
    successes = [plain(s.value) for s in at.success]
    assert any("demo's experiment is now yours" in s for s in successes)
    assert tracker(at)["Train"] in ("Under way", "Done")
    run_until(at, evaluated, "the demo's evaluation")

    # Each step explained, in order, with how the network learns.
    shown = subheaders(at)
    stages = [s for s in shown if re.match(r"\d · ", s)]
    assert stages == [
        "1 · Data: the examples",
        "2 · Model: the network",
        "3 · Compile: how it will learn",
        "4 · Train: watch it learn",
        "5 · Evaluate: how good is it?",
    ]
    words = " ".join(plain(m.value) for m in at.markdown)
    for _key, title, text in guide.LEARNING_STEPS:
        assert title in words and plain(text)[:40] in words
    assert "validation rows" in words and "test rows are left untouched" in words

    # The evaluation: validation scores against the naive guess, the confusion
    # matrix and the decision boundary.
    accuracy = next(m for m in at.metric if m.label == "Accuracy")
    assert float(accuracy.value) >= 0.95
    assert "vs naive" in accuracy.proto.delta and accuracy.proto.delta.startswith("+")
    assert "accuracy; always guessing" in words
    figures = charts(at)
    assert "Confusion matrix (validation rows)" in figures
    assert "The learnt boundary and the validation rows" in figures
    assert any(title.startswith("Decision boundary after epoch") for title in figures)
    curves = figures["Loss: training and validation"]
    assert len(curves["data"][0]["x"]) >= 10  # the curve of every epoch
    assert "validation rows, which the network never learnt from" in words
    assert any(plain(s.value).startswith("The demo is done") for s in at.success)

    # The steps it did count on the tracker; the other screens carry on from it.
    assert tracker(at) == {
        "Data": "Done",
        "Model": "Done",
        "Compile": "Done",
        "Train": "Done",
        "Evaluate": "Done",
        "Tune": "To do",
    }
    go(at, "evaluate")
    assert "Confusion matrix (validation rows)" in charts(at)


def test_the_overfit_demo_shows_the_doctor_and_its_one_click_fix():
    at = app()
    at.button(key="home_demo_overfit").click().run()
    assert not at.exception, at.exception
    assert at.session_state["spec"] == guide.demo_spec("overfit")
    run_until(at, evaluated, "the overfit demo's evaluation")
    warnings = [plain(w.value) for w in at.warning]
    assert any(w.startswith("Overfitting from epoch") for w in warnings), warnings
    labels = [m.label for m in at.metric]
    assert "Accuracy on the training rows (memorised)" in labels
    curves = charts(at)["Loss: training and validation"]
    marks = [a.get("text", "") for a in curves["layout"].get("annotations", [])]
    assert any(text.startswith("overfitting from epoch") for text in marks)

    fix = next(b for b in at.button if b.label == "Turn on early stopping (patience 5)")
    fix.click().run()
    assert not at.exception, at.exception
    assert at.session_state["spec"]["train"]["early_stopping"]["enabled"] is True
    notices = [plain(s.value) for s in at.success]
    assert any(
        n.startswith("Applied “Turn on early stopping (patience 5)”: early stopping")
        for n in notices
    ), notices


def long_training() -> dict:
    spec = default_spec()
    spec["data"]["source"] = "builtin:iris"
    spec["model"]["layers"] = [{"type": "dense", "units": 8, "activation": "relu"}]
    spec["train"].update(epochs=1000, batch_size=1)  # a minute or more
    spec["train"]["early_stopping"]["enabled"] = False
    return spec


def test_the_demo_buttons_wait_while_the_sessions_network_trains():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["spec"] = long_training()
    at.run()
    go(at, "train")
    at.button(key="train_start").click().run()
    go(at, "home")
    try:
        for key in ("home_demo_first", "home_demo_overfit"):
            button = at.button(key=key)
            assert button.disabled
            assert button.help == "Wait for your network's training to end first."
        assert tracker(at)["Train"] == "Under way"
    finally:
        go(at, "train")
        at.button(key="train_stop").click().run()


def test_a_demo_started_while_the_network_trains_says_why_it_cannot():
    def script():
        import streamlit as st

        from nncore.spec import validate_spec
        from tests.app.test_home_page import long_training
        from ui import demo, state, training
        from ui.reports import current_report

        state.init_state()
        if st.session_state[state.JOB] is None:
            spec = validate_spec(long_training())
            st.session_state[state.SPEC] = spec
            training.set_job(
                training.manager().submit(
                    spec, current_report().prepared, owner=training.owner_id()
                )
            )
        if st.button("Run the demo"):
            demo.start("first")  # as if pressed in the moment before it is disabled
        demo.show()
        if st.button("Stop"):
            training.forget_job()

    at = AppTest.from_function(script, default_timeout=60).run()
    try:
        at.button[0].click().run()
        assert [plain(e.value) for e in at.error] == [
            "Your network is still training: stop it on the Train screen, or wait "
            "for it to end, then start the demo."
        ]
        assert at.session_state["spec"]["data"]["source"] == "builtin:iris"
        assert at.session_state["demo"] is None
    finally:
        at.button[1].click().run()
    assert not at.exception, at.exception


def test_presenter_mode_from_the_url_enlarges_text_and_explains_each_screen():
    at = app(presenter="1")
    assert at.session_state["presenter_mode"] is True
    assert at.toggle(key="presenter_toggle").value is True
    styles = [h.proto.body for h in at.get("html")]
    assert any("html { font-size: 20px; }" in body for body in styles)
    assert [plain(i.value) for i in at.info] == [guide.caption("home")]
    for step in ("data", "model", "compile", "train", "evaluate", "tune"):
        go(at, step)
        assert guide.caption(step) in [plain(i.value) for i in at.info], step
        assert enlarged(at), step
        assert at.query_params["presenter"] == "1"  # page changes keep it


def test_advanced_controls_are_hidden_in_presenter_mode():
    def script():
        import streamlit as st

        from ui import presenter, state

        state.init_state()
        presenter.sync_with_url()
        st.write(f"advanced: {presenter.advanced()}")

    on = AppTest.from_function(script, default_timeout=30)
    on.query_params["presenter"] = "1"
    on.run()
    off = AppTest.from_function(script, default_timeout=30).run()
    assert [m.value for m in on.markdown] == ["advanced: False"]
    assert [m.value for m in off.markdown] == ["advanced: True"]


def test_the_sidebar_toggle_keeps_the_url_in_step():
    at = app()
    assert at.toggle(key="presenter_toggle").value is False
    assert not enlarged(at) and not at.info
    at.toggle(key="presenter_toggle").set_value(True).run()
    assert at.session_state["presenter_mode"] is True
    assert at.query_params["presenter"] == "1"  # so a reload keeps it
    assert [plain(i.value) for i in at.info] == [guide.caption("home")]
    go(at, "model")
    assert at.toggle(key="presenter_toggle").value is True  # on every screen
    at.toggle(key="presenter_toggle").set_value(False).run()
    assert "presenter" not in at.query_params
    assert not enlarged(at) and not at.info


def test_presenter_zero_in_the_url_leaves_presenter_mode():
    at = app(presenter="1")
    at.query_params["presenter"] = "0"
    at.run()
    assert at.session_state["presenter_mode"] is False
    assert not at.info and not enlarged(at)


def test_a_link_for_presenting_restores_the_experiment_in_presenter_mode():
    spec = default_spec()
    spec["data"]["source"] = "builtin:wine"
    spec["model"]["layers"] = [{"type": "dense", "units": 12, "activation": "tanh"}]
    at = app(experiment=encode_spec(spec), presenter="1")
    assert at.session_state["spec"]["data"]["source"] == "builtin:wine"
    assert at.session_state["presenter_mode"] is True
    assert "Experiment restored from the share link." in [
        plain(s.value) for s in at.success
    ]
    assert [t.value for t in at.title] == ["NN Studio"]  # Home, with the tracker
    # Its data is prepared on the Data screen; its network counts as designed then.
    assert tracker(at)["Model"] == "To do" and tracker(at)["Data"] == "To do"
    assert any(
        "Your experiment: Wine (3 classes), not loaded yet (Data screen) · hidden "
        "layers 12" in plain(c.value)
        for c in at.caption
    )
    go(at, "data")
    go(at, "home")
    assert tracker(at)["Model"] == "Done" and tracker(at)["Data"] == "Done"
    go(at, "experiment")
    links = [c.value for c in at.code]
    assert links[0].startswith("/data?experiment=")  # a plain link opens Data
    assert links[1].startswith("/?experiment=") and links[1].endswith("&presenter=1")
    assert links[1].split("?experiment=")[1].split("&")[0] == links[0].split("=")[1]


def test_the_tracker_follows_the_sidebar_and_a_file_link_starts_at_data():
    spec = default_spec()
    spec["data"].update(source="penguins.csv", target="species")
    spec["model"]["layers"] = [{"type": "dense", "units": 12, "activation": "tanh"}]
    spec["compile"]["learning_rate"] = 0.01
    at = app(experiment=encode_spec(spec), presenter="1")
    status = tracker(at)
    sidebar = re.findall(r'st\.Page\([^)]*title="(\w+)"', (ROOT / "app.py").read_text())
    assert list(status) == [title for title in sidebar if title in status]
    assert list(status) == ["Data", "Model", "Compile", "Train", "Tune", "Evaluate"]
    # The file must be uploaded first: nothing after Data is done yet.
    assert status == {title: "To do" for title in status}
    assert "Your progress: 0 of 6 steps done" in subheaders(at)


def test_home_and_the_sidebar_agree_on_the_dataset():
    at = app()
    home = " ".join(plain(c.value) for c in at.main.caption)
    assert (
        "Your experiment: Breast cancer (binary), not loaded yet (Data screen)" in home
    )
    sidebar = [plain(c.value) for c in at.sidebar.caption]
    assert "None yet: choose one on the Data screen." in sidebar
    go(at, "data")
    go(at, "home")
    home = " ".join(plain(c.value) for c in at.main.caption)
    assert "Your experiment: Breast cancer (binary) · hidden layers 128-64" in home
    assert "Breast cancer" in " ".join(plain(m.value) for m in at.sidebar.markdown)
