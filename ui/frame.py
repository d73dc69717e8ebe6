"""The sidebar frame shown on every page: the active dataset and the training."""

from __future__ import annotations

import streamlit as st

from nncore.core.catalog import dataset_title
from nncore.core.errors import DataError
from ui import page, presenter, state, training
from ui.experiment import export_button
from ui.safe import escape


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
    """This session's training job, as it was when the page ran (not live)."""
    try:
        view = training.current_view()
    except DataError:  # the runs folder cannot be used: the Train screen says why
        return
    if view is None:
        return
    st.markdown("#### Training")
    st.progress(training.progress(view), text=escape(view.message))
    page.link("train", "Open the Train screen", ":material/model_training:")


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
    st.caption(
        escape(
            f"{report.profile.n_rows:,} rows · {prepared.n_features} inputs · "
            f"{prepared.task} · predicts '{prepared.target}'"
        )
    )
