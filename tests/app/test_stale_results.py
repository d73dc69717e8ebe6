"""Issue 18, item 1: a result of other data is not shown as the current one.

A network trained on one dataset, then the session's data changed on the Data
screen: the Train screen, the sidebar and Evaluate name the last run's data and put
its results away; Continue is not offered for it. Re-attaching the job from its
link restores its experiment, so there the result belongs again.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT
from tests.support import (
    ended,
    experiment,
    go,
    keras_in_the_main_thread,  # noqa: F401
    plain,
    poll,
    texts,
    train_screen,
)


def headers(at: AppTest) -> list[str]:
    return [plain(h.value) for h in at.subheader]


def test_a_run_on_other_data_is_put_away_on_train_evaluate_and_the_sidebar():
    at = train_screen(experiment("builtin:iris", epochs=3))
    at.button(key="train_start").click().run()
    poll(at, ended, "the training to end")
    job = at.session_state["job_id"]
    # The result says which data and experiment it belongs to.
    assert any(
        c.startswith("Run on Iris flowers (3 classes) · 8 network")
        for c in texts(at.caption)
    )
    assert "Validation results" in headers(at)
    assert not at.button(key="train_continue").disabled

    # The user picks other data on the Data screen.
    go(at, "data")
    at.selectbox(key="data_builtin").set_value("wine").run()
    assert not at.exception, at.exception
    assert at.session_state["spec"]["data"]["source"] == "builtin:wine"
    sidebar = " ".join(texts(at.sidebar.caption))
    assert "The last run, on other data (Iris flowers" in sidebar
    assert not at.sidebar.get("progress")

    go(at, "train")
    assert not at.exception, at.exception
    assert "The last run, on other data" in headers(at)
    assert any("ran on Iris flowers" in i for i in texts(at.info))
    assert "Validation results" not in headers(at)
    assert "Learning curves" not in headers(at)
    assert not at.get("plotly_chart")
    assert at.button(key="train_continue").disabled
    assert not at.button(key="train_start").disabled  # trains the new data
    assert not [b for b in at.button if (b.key or "").startswith("train_fix")]

    # Evaluate does not run the Iris network on the wine rows.
    go(at, "evaluate")
    assert not at.exception, at.exception
    assert any("ran on other data (Iris flowers" in i for i in texts(at.info))
    assert not any(h.startswith("How good it is") for h in headers(at))
    assert not at.get("plotly_chart")

    # Its link re-attaches it with its own experiment: there it is current.
    other = AppTest.from_file(str(ROOT / "screens" / "train.py"), default_timeout=60)
    other.query_params["job"] = job
    other.run()
    assert not other.exception
    assert other.session_state["spec"]["data"]["source"] == "builtin:iris"
    assert "Validation results" in headers(other)
    assert "The last run, on other data" not in headers(other)
    assert not other.button(key="train_continue").disabled
    other.button(key="train_reset").click().run()
