"""One step at a time: a Train screen section that trains one batch per click.

The section keeps a ``nncore.train.stepping.Stepper`` in session state (made again
when the experiment or the data change) and shows what the last step did, in the
order it happened: the inputs, the forward pass, the predictions against the
answers and the loss, the backward pass and the update, each with its numbers.
The buttons act in callbacks, so the page drawn after a click already shows the
new step. The stepping runs in the script: only small networks (at most 200
weights) are stepped, so a step takes milliseconds. TensorFlow is imported only
once the section is opened.
"""

from __future__ import annotations

import copy

import streamlit as st

from nncore.core.errors import SpecError
from nncore.core.text import plural, readable_number
from nncore.train.stepping import MAX_STEP_WEIGHTS, check_steppable, update_rule
from ui import page, presenter, safe

# Session state: {"key", "stepper", "summary", "finish", "problem"}; no widget owns
# it.
STATE = "step_state"
OPEN = "step_open"
# The spec sections a stepper is made from: a change to any of them starts over.
SECTIONS = ("data", "model", "compile", "train")


def _key(spec: dict, prepared) -> tuple:
    return (copy.deepcopy({name: spec.get(name) for name in SECTIONS}), prepared)


def _matches(held: dict | None, key: tuple) -> bool:
    # The prepared data is compared by identity: the screens keep one object per
    # preparation, and comparing its arrays on every rerun would cost more.
    return held is not None and held["key"][0] == key[0] and held["key"][1] is key[1]


def _held(spec: dict, prepared) -> dict:
    """This session's stepper for ``spec`` and ``prepared``, made when missing."""
    key = _key(spec, prepared)
    held = st.session_state.get(STATE)
    if _matches(held, key):
        return held
    from nncore.train.stepping import Stepper
    from ui.training import keep_keras_state

    keep_keras_state()  # Streamlit must not clear Keras' session under a job
    with st.spinner("Building the network…"):
        stepper = Stepper(copy.deepcopy(spec), prepared)
    held = {
        "key": key,
        "stepper": stepper,
        "summary": None,
        "finish": None,
        "problem": None,
    }
    st.session_state[STATE] = held
    return held


# --- what the buttons do ------------------------------------------------------------


def _act(action: str) -> None:
    held = st.session_state.get(STATE)
    if held is None:
        return
    stepper = held["stepper"]
    held["problem"] = None
    try:
        if action == "batch":
            held["summary"] = None
            stepper.step()
        elif action == "epoch":
            held["summary"] = stepper.next_epoch()
        else:
            held["summary"] = None
            held["finish"] = stepper.run_to_end()
    except SpecError as problem:
        held["problem"] = str(problem)


def _start_over() -> None:
    st.session_state[STATE] = None


def show_buttons(stepper) -> None:
    """Next batch, Next epoch, Run to the end and Start over, side by side."""
    done = stepper.finished
    columns = st.columns(4)
    columns[0].button(
        "Next batch",
        key="step_next_batch",
        icon=":material/skip_next:",
        on_click=_act,
        args=("batch",),
        disabled=done,
        help="Train the network on the next batch of training rows and show "
        "every number of that step.",
    )
    columns[1].button(
        "Next epoch",
        key="step_next_epoch",
        icon=":material/fast_forward:",
        on_click=_act,
        args=("epoch",),
        disabled=done,
        help="Train the rest of this epoch (every training row once) and show "
        "its last batch.",
    )
    columns[2].button(
        "Run to the end",
        key="step_run_to_end",
        icon=":material/last_page:",
        on_click=_act,
        args=("end",),
        disabled=done,
        help=f"Train the rest of the {stepper.epochs} planned epochs quickly, as "
        "a training run does, with its early stopping.",
    )
    columns[3].button(
        "Start over",
        key="step_start_over",
        icon=":material/restart_alt:",
        on_click=_start_over,
        help="Go back to the network's first weights (the same seed gives the "
        "same ones) and the first batch.",
    )


# --- what the section shows ----------------------------------------------------------


def show_position(stepper, finish=None) -> None:
    """Where the stepping is: epoch, batch, and the last batch's loss (or, once
    run to the end, the validation loss)."""
    record = stepper.last
    columns = st.columns(3)
    if finish is not None:
        columns[0].metric("Epoch", f"{finish.epochs_run} / {stepper.epochs}")
        columns[1].metric(
            "Batch", f"{stepper.batches_per_epoch} / {stepper.batches_per_epoch}"
        )
        columns[2].metric("Validation loss", readable_number(finish.val_loss, digits=4))
    elif record is None:
        columns[0].metric("Epoch", f"1 / {stepper.epochs}")
        columns[1].metric("Batch", f"0 / {stepper.batches_per_epoch}")
        columns[2].metric("Loss of the batch", "–")
    else:
        columns[0].metric("Epoch", f"{record.epoch} / {stepper.epochs}")
        columns[1].metric("Batch", f"{record.batch} / {record.batches_per_epoch}")
        columns[2].metric("Loss of the batch", readable_number(record.loss, digits=4))


def show_news(held: dict) -> None:
    """What the last Next epoch or Run to the end reached, or why it could not."""
    if held["problem"]:
        safe.warning(held["problem"])
    summary = held["summary"]
    if summary is not None:
        st.success(
            f"Epoch {summary.epoch} done: training loss "
            f"{readable_number(summary.loss, digits=4)} (the mean over its "
            f"batches), validation loss {readable_number(summary.val_loss, digits=4)}.",
            icon=":material/check_circle:",
        )
    finish = held["finish"]
    if finish is not None:
        endings = {
            "early_stopping": " Early stopping ended it: the validation loss had "
            "stopped improving.",
            "nan": " The loss became NaN: lower the learning rate.",
        }
        scores = [f"validation loss {readable_number(finish.val_loss, digits=4)}"]
        accuracy = finish.val_metrics.get("accuracy")
        if accuracy is not None:
            scores.append(f"validation accuracy {accuracy:.1%}")
        r2 = finish.val_metrics.get("r2")
        if r2 is not None:
            scores.append(f"validation R² {readable_number(r2)}")
        st.success(
            f"Trained to the end: {plural(finish.epochs_run, 'epoch', 'epochs')}, "
            f"{', '.join(scores)}.{endings.get(finish.ending, '')}",
            icon=":material/flag:",
        )


def show_step(record) -> None:
    """The last step, in the order it ran, each part with its numbers."""
    from nncore.plots.stepping import (
        batch_table,
        forward_figure,
        gradients_figure,
        predictions_figure,
        update_figure,
    )

    st.markdown("**1 · The inputs**")
    st.caption(
        f"This batch: {plural(len(record.rows), 'training row')}, drawn in a new "
        "random order every epoch, with the numbers the network sees (after "
        "scaling) and the right answers."
    )
    st.dataframe(batch_table(record), hide_index=True, key="step_batch_table")
    st.markdown("**2 · The forward pass**")
    st.caption(
        "Each layer multiplies its inputs by its weights, adds its biases and "
        "applies its activation. One row per example, one column per neuron: "
        "the output layer's numbers are the predictions."
    )
    presenter.plotly_chart(forward_figure(record), key="step_forward_chart")
    st.markdown("**3 · Predictions against the answers, and the loss**")
    st.caption(
        "The loss is one number for how wrong the predictions are on this batch. "
        "Training tries to make it smaller."
    )
    presenter.plotly_chart(predictions_figure(record), key="step_predictions_chart")
    st.markdown("**4 · The backward pass: gradients**")
    st.caption(
        "For every weight, TensorFlow's GradientTape works out how the loss would "
        "change if the weight grew a little: its gradient. Vermillion: growing it "
        "would raise the loss; blue: lower it. Hover a cell for its exact value."
    )
    presenter.plotly_chart(gradients_figure(record), key="step_gradients_chart")
    st.markdown("**5 · The update: every weight moves**")
    st.caption(
        f"{update_rule(record)} Hover a cell for the weight before, its gradient "
        "and the weight after."
    )
    presenter.plotly_chart(update_figure(record), key="step_update_chart")


def show_step_mode(spec: dict, prepared) -> None:
    """The "One step at a time" section of the Train screen.

    Args:
        spec: the session's experiment spec (validated).
        prepared: the prepared data, or None when there is none yet (the section
            then only shows its title).
    """
    st.subheader("One step at a time", divider="gray")
    st.caption(
        "Train one batch and see everything it does: the inputs, each layer's "
        "outputs, the loss, every weight's gradient and how each weight changes. "
        "The numbers are Keras's own, from the real network."
    )
    if prepared is None or not st.toggle(
        "Step through the training",
        key=OPEN,
        help=f"For small networks (at most {MAX_STEP_WEIGHTS} weights): every "
        "weight is shown with its number.",
    ):
        return
    try:
        check_steppable(spec, prepared)
    except SpecError as problem:
        safe.info(problem)
        page.link("model", "Go to the Model screen", ":material/hub:")
        return
    try:
        held = _held(spec, prepared)
    except SpecError as problem:  # settings that do not fit the task
        safe.error(problem)
        return
    stepper = held["stepper"]
    show_buttons(stepper)
    show_position(stepper, held["finish"])
    show_news(held)
    record = stepper.last
    if record is None:
        st.caption("Press Next batch to train the network on its first batch.")
        return
    if held["finish"] is not None:
        st.caption(
            f"Below: the last batch you stepped through (epoch {record.epoch}, "
            f"batch {record.batch}). Press Start over to step again."
        )
    show_step(record)
