"""Issue 18, items 7 and 4: Continue can finish the planned epochs, and the
sidebar's training progress matches the Train screen's (a full bar when finished).
"""

from __future__ import annotations

import dataclasses

from tests.support import (
    ended,
    experiment,
    keras_in_the_main_thread,  # noqa: F401
    plain,
    poll,
    status,
    train_screen,
)


def epoch(at) -> str:
    return next(m.value for m in at.metric if m.label == "Epoch")


def sidebar_bar(at):
    bars = at.sidebar.get("progress")
    assert len(bars) == 1
    return bars[0].proto.value, plain(bars[0].proto.text)


def page_bar(at):
    bars = [b for b in at.main.get("progress")]
    return bars[0].proto.value, plain(bars[0].proto.text)


def test_a_stopped_run_finishes_its_plan_and_the_sidebar_keeps_up():
    from ui import training

    # Batches of one row: long enough that Stop lands before the plan ends, even with
    # several epochs per compiled call.
    at = train_screen(experiment("builtin:iris", epochs=600, batch_size=1))
    at.button(key="train_start").click().run()
    poll(
        at,
        lambda at: status(at).startswith("Epoch") and int(epoch(at).split("/")[0]) > 0,
        "the first epoch",
        pause_s=0.05,
    )
    at.button(key="train_stop").click().run()
    # The page drawn after the click already shows the stopped network: Stop
    # waits for the job to end instead of drawing it as still training.
    assert status(at).startswith("Stopped by you after epoch")
    done = int(epoch(at).split("/")[0])
    assert 0 < done < 600
    assert sidebar_bar(at) == page_bar(at)

    finish = at.button(key="train_finish_plan")
    assert finish.label == "Finish the planned 600"
    assert not at.button(key="train_continue").disabled  # "N more" stays offered
    finish.click().run()
    poll(at, ended, "the rest of the plan")
    assert status(at) == "Finished: 600 epochs"
    assert epoch(at) == "600/600"
    assert not [b for b in at.button if b.key == "train_finish_plan"]
    # The sidebar says what the page says, with a full bar.
    assert sidebar_bar(at) == page_bar(at) == (100, "Finished: 600 epochs")

    # A run that early stopping ended before its plan is finished too: a full bar.
    view = training.manager().view(at.session_state["job_id"])
    early = dataclasses.replace(view, epochs_done=12, epochs_planned=60)
    assert training.progress(early) == 1.0
    at.button(key="train_reset").click().run()
