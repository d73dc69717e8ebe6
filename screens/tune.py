"""Tune screen: let the computer try many settings and keep the best.

The search runs in the process-wide job manager (``ui.training``), one trial after
another, and its trials are kept in an Optuna study (``nncore.tune.search``). This page
edits the search (what to vary, the method, the budget: ``ui.search_settings``), shows
what it will cost (``ui.search_cost``), starts, stops and resumes it
(``ui.search_jobs``), and draws the study's trials from its storage
(``ui.study_view``, ``ui.best_trial``): the same view watches a study that other
machines run (``ui.study_picker``). TensorFlow is never imported here.
"""

from __future__ import annotations

import streamlit as st

from nncore.core.errors import DataError, SpecError
from nncore.spec import validate_tune_spec
from nncore.tune import kept_where, resolve_space, study_snapshot
from ui import (
    page,
    presenter,
    safe,
    search_cost,
    search_jobs,
    search_settings,
    state,
    study_picker,
    study_view,
    training,
)

LIVE_SECONDS = 1.0


# --- the buttons -------------------------------------------------------------------


def show_buttons(view, prepared, snapshot) -> None:
    active = view is not None and view.status in training.ACTIVE
    trials = int(st.session_state["tune_trials"])
    can_resume = (
        snapshot is not None
        and snapshot.spec is not None
        and not active
        and prepared is not None
        and snapshot.finished < trials
    )
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.button(
            "Start search",
            key="tune_start",
            type="primary",
            icon=":material/play_arrow:",
            disabled=active or prepared is None,
            on_click=search_jobs.start_search,
            args=(prepared,),
            help="Start a new study with these settings. It runs in the "
            "background: you may open other screens meanwhile.",
        )
        st.button(
            "Stop",
            key="tune_stop",
            icon=":material/stop:",
            disabled=not (view is not None and view.can_stop),
            on_click=search_jobs.stop_search,
            help="Stop after the running trial. The study is kept: Resume goes on.",
        )
        st.button(
            "Resume",
            key="tune_resume",
            icon=":material/fast_forward:",
            disabled=not can_resume,
            on_click=search_jobs.resume_search,
            args=(prepared,),
            help="Go on with the study shown below until it has as many trials as "
            "Trials says.",
        )
    if snapshot is not None and snapshot.spec is not None and not active:
        if snapshot.finished >= trials:
            st.caption(
                f"The study shown has {snapshot.finished} trials: raise Trials above "
                f"{snapshot.finished} to resume it with more."
            )
        else:
            st.caption(
                f"Resume runs the study shown up to {trials} trials "
                f"({trials - snapshot.finished} more)."
            )
    problem = st.session_state[state.TUNE_PROBLEM]
    if problem:
        safe.error(problem)


# --- the page ----------------------------------------------------------------------


def show_notice() -> None:
    notice = state.take_fix_notice("tune")
    if notice:
        st.success(safe.escape(notice), icon=":material/done_all:")
        page.link("train", "Go to the Train screen", ":material/model_training:")


def main() -> None:
    state.init_state()
    st.title("Tune")
    st.write(
        "Let the computer try many settings and keep the best: choose what to vary, "
        "how to search and how long, then watch every trial learn. The best settings "
        "go into your experiment in one click."
    )
    presenter.step_caption("tune")
    try:
        job_id = search_jobs.reattach()
    except DataError as problem:  # the runs folder cannot be used
        safe.error(problem)
        return
    view = training.manager().view(job_id) if job_id else None
    active = view is not None and view.status in training.ACTIVE
    show_notice()
    prepared = page.prepared_data()
    spec = st.session_state[state.SPEC]
    if prepared is not None:
        page.data_caption(
            spec,
            f"{len(prepared.y_train):,} training rows",
            f"{len(prepared.y_val):,} validation rows",
            prepared.task,
        )
    if not page.valid_settings(
        spec,
        "tune",
        validate_tune_spec,
        reset=lambda: spec.update(tune=validate_tune_spec({})),
        label="Replace with the default search",
        key="tune_default_settings",
        help="Throw away the stored search settings, which cannot be used, and "
        "start from the defaults.",
    ):
        return
    search_settings.choose_space(
        spec, locked=active, task=None if prepared is None else prepared.task
    )
    search_settings.choose_method(spec, locked=active)
    try:
        spec["tune"] = validate_tune_spec(spec["tune"])
        searched = any(d.searched for d in resolve_space(spec).values())
    except SpecError as problem:
        safe.error(problem)
        return
    if not searched:
        safe.warning(
            "Nothing is searched: switch on at least one setting with two or more "
            "values."
        )
    elif prepared is not None:
        search_cost.show_estimate(spec, prepared, locked=active)
    study = st.session_state[state.TUNE_STUDY]
    snapshot = None
    if study is not None:
        try:
            snapshot = study_snapshot(study["storage"], study["name"])
        except DataError as problem:
            safe.error(problem)
            st.session_state[state.TUNE_STUDY] = study = None
    show_buttons(view, prepared, snapshot)
    if study is None:
        st.caption("No search yet: press Start search.")
    else:
        st.markdown(
            f"#### Study {safe.escape(study['name'])}\n"
            + safe.escape(kept_where(study["storage"]))
        )
        live = active or (snapshot is not None and snapshot.n_running > 0)
        st.fragment(run_every=LIVE_SECONDS if live else None)(study_view.show_study)(
            study, job_id, was_active=active, prepared=prepared
        )
    if presenter.advanced():
        study_picker.choose_study(locked=active)


main()
