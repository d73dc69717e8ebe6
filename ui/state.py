"""Every session-state key the app uses, and the one function that initialises them.

Each page calls ``init_state()`` first, so a page also runs on its own (AppTest runs
page files directly).
"""

from __future__ import annotations

import copy

import streamlit as st

from nncore.spec import default_spec, validate_spec

# Results that survive page changes: no widget owns these keys.
SPEC = "spec"  # the experiment spec (dict), edited by the screens
TABLE = "table"  # the active LoadedTable (the data as read)
UPLOADED = (
    "uploaded_table"  # the last upload that loaded, kept while browsing built-ins
)
UPLOAD_ID = "upload_id"  # file id of the upload that TABLE came from
UPLOAD_ERROR = "upload_error"  # message for the last upload that failed
REPORT = "data_report"  # DataReport for TABLE and the spec's data settings
REPORT_KEY = "data_report_key"  # what REPORT was computed from
# Pictures (ui.image_data, ui.image_classes). Not "data_" keys: those are widgets'.
IMAGE_SOURCE = "image_source"  # PictureSource: the ZIP (uploaded or made here) in use
IMAGE_UPLOAD_ID = "image_upload_id"  # file id of the last ZIP upload handled
IMAGE_ERROR = "image_error"  # why the last ZIP upload was refused
IMAGE_CLASSES = "image_classes"  # ClassBook: the classes being made on screen
IMAGE_NOTICE = "image_classes_notice"  # (kind, text) about the last change to them
NETWORK_NOTICE = "network_notice"  # the network changed with the kind of data
NOTICE = "experiment_notice"  # (kind, text) about the last imported experiment
LINK_APPLIED = "link_applied"  # the share-link code already restored
# Training. Not "train_" keys: importing an experiment must not lose the job.
JOB = "job_id"  # this session's training job (also in the URL as ?job=)
JOB_OWNER = "job_owner"  # this session's id as a job owner
JOB_GONE = "job_gone"  # a ?job= from the URL that the server no longer has
JOB_PROBLEM = "job_problem"  # why the last Train/Stop/Continue did not happen
FIX_NOTICE = "fix_notice"  # {"text", "place", "spec"}: the last one-click fix
FIX_NOTICE_SHOWN = "fix_notice_shown"  # the one this run showed (for redraw)
# Evaluate and Runs. Not "evaluate_"/"runs_" keys: those are their widgets'.
OPENED_RUN = "opened_run"  # {"run_id", "job_id"}: the run opened from Runs
EVAL_CHOICE = "eval_choice"  # {"model", "job_id"}: the model picked on Evaluate
EVAL_CACHE = "eval_cache"  # models, evaluations, looks and results (ui.models)
RUNS_CONFIRM = "runs_confirm"  # run ids waiting for "Yes, delete"
RUNS_NOTICE = "runs_notice"  # (kind, text) about the last action on Runs
# Tune. Not "tune_" keys: those are its widgets'.
TUNE_JOB = "tuning_job"  # this session's search job (also in the URL as ?tune=)
TUNE_STUDY = "tuning_study"  # {"storage", "name"}: the study the Tune screen shows
TUNE_PROBLEM = "tuning_problem"  # why the last Start/Stop/Resume/promote failed
TUNE_SPEED = "tuning_speed"  # {data key: measured speed} for the cost estimate
TUNE_SPEED_JOB = "tuning_speed_job"  # (data key, job id) measuring the speed
# Cross-validation on the Train screen. Not "train_" keys: those are its widgets'.
CROSSVAL = "crossval"  # {"job_id", "key"}: this session's cross-validation job
CROSSVAL_PROBLEM = "crossval_problem"  # why the last cross-validation did not start
# Presenter mode and the guided demo. Not widget keys.
PRESENTER = "presenter_mode"  # larger text, advanced controls hidden, captions on
VISITED = "visited_steps"  # the steps whose screens this session opened
DEMO = "demo"  # {"name", "job_id"}: the guided demo shown on Home
DEMO_PROBLEM = "demo_problem"  # why the last demo could not start
DEMO_SPEC = "demo_spec_from"  # the demo whose settings the experiment holds, or None
DEMO_LEFT = "demo_left"  # the demo's settings put aside when the user's data came

# Widget keys start with their screen's name; importing an experiment clears them so
# every widget shows the imported value.
WIDGET_PREFIXES = ("data_", "model_", "compile_", "train_", "tune_")

_DEFAULTS = {
    UPLOAD_ID: None,
    UPLOAD_ERROR: None,
    TABLE: None,
    UPLOADED: None,
    REPORT: None,
    REPORT_KEY: None,
    IMAGE_SOURCE: None,
    IMAGE_UPLOAD_ID: None,
    IMAGE_ERROR: None,
    IMAGE_CLASSES: None,
    IMAGE_NOTICE: None,
    NOTICE: None,
    LINK_APPLIED: None,
    JOB: None,
    JOB_OWNER: None,
    JOB_GONE: None,
    JOB_PROBLEM: None,
    FIX_NOTICE: None,
    OPENED_RUN: None,
    EVAL_CHOICE: None,
    EVAL_CACHE: None,
    RUNS_CONFIRM: None,
    RUNS_NOTICE: None,
    TUNE_JOB: None,
    TUNE_STUDY: None,
    TUNE_PROBLEM: None,
    TUNE_SPEED: None,
    TUNE_SPEED_JOB: None,
    CROSSVAL: None,
    CROSSVAL_PROBLEM: None,
    PRESENTER: False,
    VISITED: None,
    DEMO: None,
    DEMO_PROBLEM: None,
    DEMO_SPEC: None,
    DEMO_LEFT: None,
}


def init_state() -> None:
    """Create the app's session-state keys that are missing."""
    if SPEC not in st.session_state:
        st.session_state[SPEC] = validate_spec(default_spec())
    for key, value in _DEFAULTS.items():
        st.session_state.setdefault(key, value)
    # A new run of the page: what the last one said once is not said again, unless
    # the app itself (not the user) asked for this run (``redraw``).
    st.session_state[FIX_NOTICE_SHOWN] = None


def apply_spec(spec: dict, notice: str) -> None:
    """Make ``spec`` (validated) the session's experiment, on every screen.

    The data is prepared again from the new settings; an uploaded file is kept, so
    an experiment made on that file applies to it directly.
    """
    for key in list(st.session_state):
        if isinstance(key, str) and key.startswith(WIDGET_PREFIXES):
            del st.session_state[key]
    st.session_state[SPEC] = spec
    st.session_state[TABLE] = None
    st.session_state[REPORT] = None
    st.session_state[REPORT_KEY] = None
    st.session_state[UPLOAD_ERROR] = None
    st.session_state[NOTICE] = ("success", notice)
    st.session_state[DEMO_SPEC] = st.session_state[DEMO_LEFT] = None  # ui.demo's


def apply_fix(spec: dict, notice: str, *, place: str = "train") -> None:
    """Make ``spec`` (a one-click fix of the training doctor) the experiment.

    The model, compile and train widgets start again from the new spec; the data
    is kept. A fix that changes the data settings (scaling) prepares it again.
    ``notice`` says what changed: it is shown once, on the screen ``place`` (where
    the fix's button is), by ``take_fix_notice``.

    Raises:
        DataError: an uploaded file cannot be prepared with the new data settings
            (nothing is changed then).
    """
    data_changed = spec["data"] != st.session_state[SPEC]["data"]
    report = st.session_state[REPORT]
    if data_changed:
        report = None  # a built-in dataset is prepared again from the spec
        table = st.session_state[TABLE]
        if table is not None and not spec["data"]["source"].startswith("builtin:"):
            # An uploaded file is not part of the spec: prepare it here, as the
            # Data screen would.
            from nncore.data.inspect import inspect_data

            report = inspect_data(table, spec["data"])
    prefixes = (
        WIDGET_PREFIXES
        if data_changed
        else tuple(p for p in WIDGET_PREFIXES if p != "data_")
    )
    for key in list(st.session_state):
        if (
            isinstance(key, str)
            and key.startswith(prefixes)
            and key not in (REPORT, REPORT_KEY)  # "data_report" is no widget
        ):
            del st.session_state[key]
    if data_changed:
        st.session_state[REPORT] = report
        st.session_state[REPORT_KEY] = None
    st.session_state[SPEC] = spec
    set_fix_notice(notice, place)


def set_fix_notice(text: str, place: str) -> None:
    """Say ``text`` once on the screen ``place`` (``"train"``, ``"home"``, ...).

    Call it after the experiment has changed: the notice belongs to the experiment
    as it is now, and any later change of it (a preset, other data) drops it.
    """
    st.session_state[FIX_NOTICE] = {
        "text": text,
        "place": place,
        "spec": copy.deepcopy(st.session_state[SPEC]),
    }


def take_fix_notice(place: str) -> str | None:
    """The one-click fix's notice for the screen ``place``, at most once.

    Returns None when there is none for this screen, or when the experiment changed
    since the fix (the notice is then dropped). A notice returned is dropped too: it
    is shown once, beside the button that caused it (and again if the app itself
    runs the page again, ``redraw``).
    """
    notice = st.session_state.get(FIX_NOTICE)
    if not notice:
        return None
    if isinstance(notice, str):  # set directly: shown where it is first asked for
        notice = {"text": notice, "place": place, "spec": None}
    if notice["spec"] is not None and notice["spec"] != st.session_state[SPEC]:
        st.session_state[FIX_NOTICE] = None  # the experiment changed since
        return None
    if notice["place"] != place:
        return None
    st.session_state[FIX_NOTICE] = None
    st.session_state[FIX_NOTICE_SHOWN] = notice
    return notice["text"]


def redraw() -> None:
    """Run the whole page again because something changed in the background (a job
    ended, a measurement came in), not because the user did something.

    What the page said once (a fix's "Applied …" notice) it says again: a notice
    must not vanish a moment after the click that caused it, when a background
    job happens to end.
    """
    shown = st.session_state.get(FIX_NOTICE_SHOWN)
    if shown is not None and not st.session_state.get(FIX_NOTICE):
        st.session_state[FIX_NOTICE] = shown
    st.rerun()
