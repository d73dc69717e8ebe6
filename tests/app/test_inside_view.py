"""Inside the network on the Train screen (AppTest): the live network view, its
views (weights, neurons over the plane, one row), the time machine, and training
again from the same or new starting weights.

``run_every`` fragments never tick under AppTest, so each test polls with
``.run()``; the loops are bounded by a deadline, never asserted on.
"""

from __future__ import annotations

import json

import numpy as np

from tests.support import charts, ended, experiment, go, poll, train_screen


def figure(at, key: str = "train_inside_figure") -> dict:
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key))
    return json.loads(chart.proto.spec)


def title(spec: dict) -> str:
    text = spec["layout"].get("title", {})
    return text.get("text", "") if isinstance(text, dict) else text


def trained(spec: dict):
    at = train_screen(spec)
    at.button(key="train_start").click().run()
    poll(at, ended, "the training to end")
    return at


def slider(at):
    return next(s for s in at.select_slider if s.label == "Epoch shown")


def test_two_inputs_show_each_neuron_over_the_plane_and_scrub_back_in_time():
    at = trained(experiment("builtin:circle", layers=(4,), epochs=6))
    assert "Inside the network" in [h.value for h in at.subheader]
    # Two inputs: the neurons over the plane first, as TensorFlow Playground does.
    maps = figure(at)
    assert "Each neuron over the plane, after epoch 6" in title(maps)
    heatmaps = [t for t in maps["data"] if t["type"] == "heatmap"]
    assert len(heatmaps) >= 5  # 4 hidden neurons and the output
    # The time machine: every epoch kept, from the starting weights.
    assert slider(at).options == ["start", "1", "2", "3", "4", "5", "6"]
    slider(at).set_value(2).run()
    # The curves mark the epoch the network view shows.
    curves = next(f for t, f in charts(at).items() if "training and validation" in t)
    marks = [a["text"] for a in curves["layout"]["annotations"]]
    assert "shown: epoch 2" in marks
    # The decision boundary beside the curves goes back in time too.
    assert "Decision boundary after epoch 2" in charts(at)
    slider(at).set_value(0).run()
    start = figure(at)
    assert "starting weights" in title(start)
    # The network was different then: its neurons' maps changed.
    # The layers' health over the epochs, the epoch shown marked.
    assert "**Layer health**" in [m.value for m in at.markdown]
    health = figure(at, "inside_health_figure")
    assert "Dense 1" in [t.get("name") for t in health["data"]]
    health_view = next(
        c for c in at.get("button_group") if c.label.startswith("Health")
    )
    health_view.set_value("dead").run()
    assert any("ReLU" in c.value for c in at.caption)
    later = [t["z"] for t in heatmaps]
    earlier = [t["z"] for t in start["data"] if t["type"] == "heatmap"]
    assert later != earlier


def test_the_weights_view_colours_connections_and_one_row_shows_a_prediction():
    at = trained(experiment("builtin:iris", layers=(5,), epochs=3))
    control = next(c for c in at.get("button_group") if c.label == "Show")
    options = [o.content for o in control.proto.options]
    assert "Neurons over the plane" not in options  # Iris has four inputs
    assert "weights, after epoch 3" in title(figure(at))
    lines = [t for t in figure(at)["data"] if t.get("mode") == "lines"]
    assert len(lines) >= 2  # positive and negative weights, drawn apart
    control.set_value("row").run()
    row = figure(at)
    assert title(row).startswith("Prediction: "), title(row)
    assert any(name in title(row) for name in ("setosa", "versicolor", "virginica"))
    assert any("right answer" in c.value for c in at.caption)
    # Evaluate draws the finished run's network too.
    go(at, "evaluate")
    assert not at.exception
    assert "weights, as trained" in title(figure(at, "evaluate_inside_figure"))


def test_train_again_from_the_same_or_new_starting_weights():
    at = trained(experiment("builtin:circle", layers=(4,), epochs=3))
    first = at.session_state["job_id"]
    from ui import training

    manager = training.manager()
    start = manager.view(first).snapshots.at(0)
    at.button(key="inside_again_same").click().run()
    poll(at, ended, "the same-seed run to end")
    again = at.session_state["job_id"]
    assert again != first
    same = manager.view(again).snapshots.at(0)
    assert all(np.array_equal(a, b) for a, b in zip(start, same, strict=True))

    seed = at.session_state["spec"]["train"]["seed"]
    at.button(key="inside_again_new").click().run()
    poll(at, ended, "the new-seed run to end")
    assert at.session_state["spec"]["train"]["seed"] != seed
    new = manager.view(at.session_state["job_id"]).snapshots.at(0)
    assert not np.array_equal(start[0], new[0])
    assert "Learning curves" in [h.value for h in at.subheader]
    assert charts(at)


def test_play_replays_the_run_from_the_start_to_the_end():
    at = trained(experiment("builtin:circle", layers=(3,), epochs=4))
    at.button(key="inside_play_button").click().run()
    seen = [at.session_state["inside_epoch"]]
    # Each refresh of the live fragment (a rerun here) is one step of the replay.
    while at.session_state["inside_play"] and len(seen) < 10:
        at.run()
        seen.append(at.session_state["inside_epoch"])
    assert seen[0] <= 1 and seen[-1] == 4 and seen == sorted(seen)
    assert not at.session_state["inside_play"]  # stops at the last epoch
    assert at.button(key="inside_play_button")  # Play again, not Pause


def test_a_rerun_from_a_page_that_still_shows_the_training_keeps_the_last_epoch():
    # While the training runs, the slider follows it, disabled. When it ends, the
    # page is drawn again with the slider free at the last epoch; a rerun request
    # the browser sent before it saw that (a fragment's timer) still carries the
    # slider's old value. That is not the user going back in time: the finished
    # run must go on showing its last epoch.
    at = train_screen(
        experiment("builtin:circle", layers=(4,), epochs=1000, batch_size=2)
    )
    at.button(key="train_start").click().run()
    poll(
        at,
        lambda at: ended(at) or len(slider_options(at)) >= 3,
        "the live slider to show a few epochs",
    )
    assert not ended(at), "the training ended before the live view was drawn"
    following = slider(at)  # the page as the browser still has it
    shown = following.value
    from ui import training

    job = at.session_state["job_id"]
    training.manager().stop(job)  # as the Stop button does, without a rerun
    view = training.manager().wait(job, timeout=120)
    assert view.status == "stopped"
    last = view.epochs_done
    at.run()  # the training's last redraw
    assert f"after epoch {last}" in title(figure(at))
    assert shown < last

    # The rerun sent from the page before that redraw, with the slider's value as
    # it was drawn. (AppTest reads a widget's value from the app's current state
    # and sends none for a disabled widget; the browser sends what it holds.)
    following.proto.disabled = False
    following.set_value(shown).run()
    assert f"after epoch {last}" in title(figure(at))
    assert slider(at).value == last
    # A pick of the user's still goes back in time.
    slider(at).set_value(1).run()
    assert "after epoch 1" in title(figure(at))


def slider_options(at) -> list:
    sliders = [s for s in at.select_slider if s.label == "Epoch shown"]
    return sliders[0].options if sliders else []
