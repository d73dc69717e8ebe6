"""This session's hyper-parameter search: its job in the job manager (also in the URL
as ``?tune=``, so a reload re-attaches), starting, resuming and stopping it, and
which study the Tune screen shows.
"""

from __future__ import annotations

import copy

import streamlit as st

from nncore.core.catalog import dataset_title
from nncore.core.errors import DataError, SpecError
from nncore.spec import validate_spec
from nncore.tune import Search, study_snapshot
from ui import state, training

QUERY_KEY = "tune"


def reattach() -> str | None:
    """This session's search job, re-attached from ``?tune=`` after a reload."""
    current = st.session_state[state.TUNE_JOB]
    wanted = st.query_params.get(QUERY_KEY)
    manager = training.manager()
    if current is None and wanted:
        view = manager.view(wanted)
        if view is not None and view.kind == "tune":
            current = wanted
            st.session_state[state.TUNE_JOB] = wanted
            st.session_state[state.JOB_OWNER] = view.owner
            if view.progress.get("study"):
                st.session_state[state.TUNE_STUDY] = {
                    "storage": view.progress["storage"],
                    "name": view.progress["study"],
                }
        else:
            del st.query_params[QUERY_KEY]
    if current is not None and manager.view(current) is None:
        current = st.session_state[state.TUNE_JOB] = None  # the server restarted
    if current is not None and wanted != current:
        st.query_params[QUERY_KEY] = current
    return current


def _attach(job_id: str, storage: str, name: str) -> None:
    st.session_state[state.TUNE_JOB] = job_id
    st.session_state[state.TUNE_STUDY] = {"storage": storage, "name": name}
    st.query_params[QUERY_KEY] = job_id


def start_search(prepared) -> None:
    """Start: a new study of the experiment as it is now, searched in the background."""
    st.session_state[state.TUNE_PROBLEM] = None
    spec = st.session_state[state.SPEC]
    try:
        checked = validate_spec(copy.deepcopy(spec))
        # As many trials at once as the server trains jobs (NNSTUDIO_WORKERS).
        search = Search(checked, prepared, jobs=training.manager().workers)
        job = training.manager().submit_task(
            "tune",
            search.work,
            checked,
            prepared,
            owner=training.owner_id(),
            dataset=spec["data"]["source"],
        )
    except (DataError, SpecError) as problem:  # JobError is a DataError
        st.session_state[state.TUNE_PROBLEM] = str(problem)
        return
    _attach(job, search.storage, search.study_name)


def resume_search(prepared) -> None:
    """Resume the shown study: its own experiment, up to the Trials set here."""
    st.session_state[state.TUNE_PROBLEM] = None
    study = st.session_state[state.TUNE_STUDY]
    spec = st.session_state[state.SPEC]
    try:
        snapshot = study_snapshot(study["storage"], study["name"])
        theirs = (snapshot.spec or {}).get("data", {})
        if (
            theirs.get("source") != spec["data"]["source"]
            or theirs.get("target") != spec["data"]["target"]
        ):
            raise DataError(
                f"This study tunes {dataset_title(theirs.get('source', '?'))} "
                f"(target '{theirs.get('target')}'): choose that data on the Data "
                "screen to resume it."
            )
        search = Search.resume(
            study["storage"],
            study["name"],
            prepared,
            trials=int(st.session_state["tune_trials"]),
            minutes=float(st.session_state["tune_minutes"]) or None,
            jobs=training.manager().workers,
        )
        job = training.manager().submit_task(
            "tune",
            search.work,
            search.spec,
            prepared,
            owner=training.owner_id(),
            dataset=spec["data"]["source"],
        )
    except (DataError, SpecError) as problem:
        st.session_state[state.TUNE_PROBLEM] = str(problem)
        return
    _attach(job, search.storage, search.study_name)


def stop_search() -> None:
    st.session_state[state.TUNE_PROBLEM] = None
    job = st.session_state[state.TUNE_JOB]
    if job is None:
        return
    try:
        training.manager().stop(job)
    except DataError as problem:
        st.session_state[state.TUNE_PROBLEM] = str(problem)


def open_study(storage: str, name: str) -> None:
    st.session_state[state.TUNE_PROBLEM] = None
    job = st.session_state[state.TUNE_JOB]
    view = training.manager().view(job) if job else None
    if view is not None and view.progress.get("study") != name:
        if view.status in training.ACTIVE:
            st.session_state[state.TUNE_PROBLEM] = (
                "Your search is still running: stop it before opening another study."
            )
            return
        st.session_state[state.TUNE_JOB] = None
        if QUERY_KEY in st.query_params:
            del st.query_params[QUERY_KEY]
    st.session_state[state.TUNE_STUDY] = {"storage": storage, "name": name}
