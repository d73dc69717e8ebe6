"""The sidebar frame shown on every page: the active dataset and the training."""

from __future__ import annotations

import streamlit as st

from nncore.core.catalog import dataset_title
from nncore.core.errors import DataError
from ui import page, presenter, state, training
from ui.experiment import export_button
from ui.safe import escape

LIVE_SECONDS = 0.5  # a progress line: cheap to redraw, unlike the Train screen's charts


def render_frame(container) -> None:
    """Draw the active dataset and the experiment tools into ``container``.

    app.py creates the container (in the sidebar) before the page runs and fills it
    afterwards, so the frame shows what the page has just chosen.
    """
    with container:
        render_dataset()
        render_training()
        render_search()
        render_experiment()
        presenter.toggle()


def render_experiment() -> None:
    st.markdown("#### Experiment")
    export_button(st.session_state[state.SPEC], key="frame_export")
    page.link("experiment", "Share or load", ":material/share:")


def render_training() -> None:
    """This session's training job, live while it trains (a fragment of its own,
    so it keeps up with the Train screen's live part and every other screen)."""
    try:
        view = training.current_view()
    except DataError:  # the runs folder cannot be used: the Train screen says why
        return
    if view is None:
        return
    st.markdown("#### Training")
    active = view.status in training.ACTIVE
    st.fragment(run_every=LIVE_SECONDS if active else None)(show_training)(view.job_id)
    page.link("train", "Open the Train screen", ":material/model_training:")


def show_training(job_id: str) -> None:
    """The job's progress bar and line, as the Train screen shows them."""
    view = training.manager().view(job_id)
    if view is None:
        st.caption("This training is no longer on the server.")
        return
    if not training.belongs_here(view):
        st.caption(
            escape(
                f"The last run, on other data ({dataset_title(view.dataset)}): "
                f"{view.message}."
            )
        )
        return
    st.progress(training.progress(view), text=escape(view.message))


def render_search() -> None:
    """This session's hyper-parameter search, as it was when the page ran."""
    job_id = st.session_state.get(state.TUNE_JOB)
    if job_id is None:
        return
    try:
        view = training.manager().view(job_id)
    except DataError:
        return
    if view is None:
        return
    st.markdown("#### Search")
    st.caption(escape(view.message))
    page.link("tune", "Open the Tune screen", ":material/science:")


def render_dataset() -> None:
    st.markdown("#### Active dataset")
    report = st.session_state.get(state.REPORT)
    if report is None:
        st.caption("None yet: choose one on the Data screen.")
        return
    prepared = report.prepared
    source = st.session_state[state.SPEC]["data"]["source"]
    st.markdown(f"**{escape(dataset_title(source))}**")
    if report.profile is None:  # pictures (nncore.data.images)
        height, width, channels = prepared.image_shape
        facts = (
            f"{len(prepared.labels):,} pictures of {height}×{width}×{channels} · "
            f"{len(prepared.classes)} classes · {prepared.task}"
        )
    else:
        facts = (
            f"{report.profile.n_rows:,} rows · {prepared.n_features} inputs · "
            f"{prepared.task} · predicts '{prepared.target}'"
        )
    st.caption(escape(facts))
