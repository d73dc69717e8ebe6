"""Ghost runs on the Train screen (AppTest): the session's earlier run on the same
data shows as a faint, named line under the curves, and a switch hides it; in
presenter mode the chart's texts are projector-sized.

``run_every`` fragments never tick under AppTest: ``poll`` reruns the page.
"""

from __future__ import annotations

import json

from tests.support import ended, experiment, go, plain, poll, train_screen
from ui.presenter import CHART_FONT_PX

EARLIER = "learning rate 0.001 (now 0.01)"


def curves(at) -> dict:
    """The learning-curve chart's figure (the Train screen's first chart)."""
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def trace_names(at) -> list[str]:
    return [trace.get("name") for trace in curves(at)["data"]]


def train(at) -> None:
    at.button(key="train_start").click().run()
    assert not at.exception
    poll(at, ended, "the training to end")


def test_an_earlier_run_on_the_same_data_shows_as_a_named_ghost_that_can_be_hidden():
    at = train_screen(experiment("builtin:iris", layers=(8,), epochs=3))
    train(at)
    # The first run of the session: nothing earlier to compare with.
    assert trace_names(at) == ["training", "validation"]
    assert not [t for t in at.toggle if t.key == "train_ghosts"]

    # A second run on the same data, with a ten times larger learning rate.
    go(at, "compile")
    at.select_slider(key="compile_learning_rate").set_value(0.01).run()
    go(at, "train")
    train(at)
    assert trace_names(at) == [EARLIER, EARLIER, "training", "validation"]
    ghosts = curves(at)["data"][:2]
    assert all(trace["opacity"] < 0.5 for trace in ghosts)
    assert len(ghosts[0]["x"]) == 3  # the first run's three epochs
    assert at.toggle(key="train_ghosts").value
    captions = " ".join(plain(c.value) for c in at.caption)
    assert "faint lines are your 1 earlier run on this data" in captions

    # Other curves show the same run.
    at.radio(key="train_metric").set_value("accuracy").run()
    assert trace_names(at) == [EARLIER, EARLIER, "training", "validation"]

    # Presenter mode: the chart, its legend with the ghost included, is large.
    at.session_state["presenter_mode"] = True
    at.run()
    layout = curves(at)["layout"]
    assert layout["font"]["size"] >= CHART_FONT_PX
    assert layout["legend"]["font"]["size"] >= CHART_FONT_PX
    at.session_state["presenter_mode"] = False
    at.run()

    at.toggle(key="train_ghosts").set_value(False).run()
    assert not at.exception
    assert trace_names(at) == ["training", "validation"]
    captions = " ".join(plain(c.value) for c in at.caption)
    assert "faint lines" not in captions

    # A run on other data has no ghosts: the iris runs are not its data's.
    go(at, "compile")
    at.session_state["spec"] = experiment("builtin:wine", layers=(8,), epochs=2)
    go(at, "train")
    train(at)
    assert trace_names(at) == ["training", "validation"]
    assert not at.exception
