"""One step at a time (AppTest of ``ui.stepping.show_step_mode``): open it, step a
batch, an epoch, run to the end, start over; a network too big gets how to shrink
it."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from tests.support import experiment, plain

TIMEOUT_S = 60


def step_section(layers: list[int]) -> None:
    """The section as the Train screen shows it, on 279 rows of circle data."""
    import streamlit as st

    from tests.support import experiment, prepared_for
    from ui.stepping import show_step_mode

    # The screens keep one prepared-data object per data settings; so does this.
    if "test_data" not in st.session_state:
        spec = experiment("builtin:circle", layers=tuple(layers), epochs=3)
        spec["train"]["batch_size"] = 32
        st.session_state["test_data"] = (spec, prepared_for(spec))
    spec, prepared = st.session_state["test_data"]
    show_step_mode(spec, prepared)


def opened(layers=(4,)) -> AppTest:
    at = AppTest.from_function(
        step_section, args=(list(layers),), default_timeout=TIMEOUT_S
    )
    at.run()
    assert not at.exception, at.exception
    at.toggle(key="step_open").set_value(True).run()
    assert not at.exception, at.exception
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def click(at: AppTest, key: str) -> None:
    at.button(key=key).click().run()
    assert not at.exception, at.exception


def chart_titles(at: AppTest) -> list[str]:
    titles = []
    for chart in at.get("plotly_chart"):
        title = json.loads(chart.proto.spec)["layout"]["title"]
        titles.append(title["text"] if isinstance(title, dict) else title)
    return titles


def test_next_batch_twice_moves_the_counter_and_changes_the_loss():
    at = opened()
    assert metric(at, "Batch") == "0 / 9"  # 279 rows in batches of 32
    assert "Press Next batch" in " ".join(c.value for c in at.caption)

    click(at, "step_next_batch")
    assert (metric(at, "Epoch"), metric(at, "Batch")) == ("1 / 3", "1 / 9")
    first_loss = metric(at, "Loss of the batch")
    headings = [plain(m.value) for m in at.markdown]
    for heading in (
        "**1 · The inputs**",
        "**2 · The forward pass**",
        "**3 · Predictions against the answers, and the loss**",
        "**4 · The backward pass: gradients**",
        "**5 · The update: every weight moves**",
    ):
        assert heading in headings
    titles = chart_titles(at)
    assert titles[0].startswith("Forward pass (epoch 1, batch 1 of 9)")
    assert titles[1].startswith(f"Predictions vs answers: loss {first_loss}")
    assert titles[2].startswith("Backward pass")
    assert titles[3].startswith("Update: Adam's step")
    assert len(at.dataframe[0].value) == 32  # the batch's rows

    click(at, "step_next_batch")
    assert metric(at, "Batch") == "2 / 9"
    assert metric(at, "Loss of the batch") != first_loss
    assert chart_titles(at)[0].startswith("Forward pass (epoch 1, batch 2 of 9)")


def test_next_epoch_run_to_the_end_and_start_over():
    at = opened()
    click(at, "step_next_batch")
    click(at, "step_next_epoch")
    assert (metric(at, "Epoch"), metric(at, "Batch")) == ("1 / 3", "9 / 9")
    assert any(
        plain(s.value).startswith("Epoch 1 done: training loss") for s in at.success
    )

    click(at, "step_next_batch")
    assert (metric(at, "Epoch"), metric(at, "Batch")) == ("2 / 3", "1 / 9")

    click(at, "step_run_to_end")
    news = " ".join(plain(s.value) for s in at.success)
    assert "Trained to the end: 3 epochs, validation loss" in news
    assert "validation accuracy" in news
    assert metric(at, "Epoch") == "3 / 3"
    for key in ("step_next_batch", "step_next_epoch", "step_run_to_end"):
        assert at.button(key=key).disabled

    click(at, "step_start_over")
    assert (metric(at, "Epoch"), metric(at, "Batch")) == ("1 / 3", "0 / 9")
    assert not at.button(key="step_next_batch").disabled
    click(at, "step_next_batch")
    assert metric(at, "Batch") == "1 / 9"


def test_changing_the_experiment_starts_over():
    at = opened()
    click(at, "step_next_batch")
    click(at, "step_next_batch")
    spec, prepared = at.session_state["test_data"]
    smaller = experiment("builtin:circle", layers=(4,), epochs=3)
    smaller["train"]["batch_size"] = 64
    at.session_state["test_data"] = (smaller, prepared)
    at.run()
    assert not at.exception, at.exception
    assert metric(at, "Batch") == "0 / 5"


def test_a_network_over_200_weights_says_how_to_shrink_it():
    at = opened(layers=(128,))
    message = " ".join(plain(i.value) for i in at.info)
    assert "at most 200 weights; this one has 513" in message
    assert "one hidden layer of 49 neurons gives 197 weights" in message
    assert not at.get("button")
    assert not at.metric
