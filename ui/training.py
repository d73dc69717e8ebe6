"""The app's side of background training: one job manager, this session's job.

The ``JobManager`` (``nncore.runs.manager``) is process-wide, kept with
``st.cache_resource``; a session keeps only its job's id, in session state and in
the URL (``?job=``), so reloading the browser re-attaches to a job that is still
training. One manager per runs folder (``$NNSTUDIO_RUNS_DIR``), read when the
manager is first needed, so tests can point it at a temporary folder.
"""

from __future__ import annotations

import contextlib
import copy
import os
import sys
import uuid
from pathlib import Path

import streamlit as st

from ui import state

QUERY_KEY = "job"
ACTIVE = ("queued", "running")


@st.cache_resource(show_spinner=False)
def _manager(folder: str):
    from nncore.runs.manager import JobManager

    # A runs folder that cannot be written does not stop training: the manager
    # keeps no runs then, says why in ``store_problem`` and warns on every job.
    return JobManager(store=folder)


def runs_folder() -> str:
    from nncore.runs.store import DEFAULT_RUNS_DIR, RUNS_DIR_ENV

    folder = os.environ.get(RUNS_DIR_ENV) or DEFAULT_RUNS_DIR
    return str(Path(folder).expanduser().absolute())


def manager():
    """The process-wide job manager for the current runs folder.

    When the folder cannot be used, the manager trains without keeping runs:
    ``manager().store`` is None and ``manager().store_problem`` says why.
    """
    keep_keras_state()
    return _manager(runs_folder())


def keep_keras_state() -> None:
    """Stop Streamlit from clearing Keras' session after every script run.

    Once Keras is imported, Streamlit calls ``keras.backend.clear_session()`` at the
    end of each run and fragment run (every second while the Train screen polls).
    That replaces Keras' process-wide state for every thread, the worker's too: a
    model being built then gets two layers named "dense" and fails, and the seed
    generator and name scopes of a running job are lost. Training here happens in
    the job manager's thread, never in the script, so the guard is not needed.
    Matplotlib figures are still closed as before.
    """
    from streamlit.runtime.scriptrunner import script_runner

    if getattr(script_runner._clean_problem_modules, "keeps_keras", False):
        return

    def clean_problem_modules() -> None:
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None:
            pyplot.close("all")

    clean_problem_modules.keeps_keras = True
    script_runner._clean_problem_modules = clean_problem_modules


def owner_id() -> str:
    """This session's id as a job owner (kept when a reload re-attaches a job)."""
    if st.session_state.get(state.JOB_OWNER) is None:
        st.session_state[state.JOB_OWNER] = uuid.uuid4().hex
    return st.session_state[state.JOB_OWNER]


def job_id() -> str | None:
    """This session's job, re-attached from the URL after a reload; None if none.

    Keeps ``?job=`` in the URL in step with the session (page changes clear it).
    """
    current = st.session_state.get(state.JOB)
    wanted = st.query_params.get(QUERY_KEY)
    if current is None and wanted:
        view = manager().view(wanted)
        if view is not None:
            current = wanted
            st.session_state[state.JOB] = wanted
            st.session_state[state.JOB_OWNER] = view.owner
            if view.spec != st.session_state[state.SPEC]:
                state.apply_spec(
                    copy.deepcopy(view.spec),
                    "Re-attached to the training in the link: its experiment is "
                    "restored on every screen.",
                )
        else:
            st.session_state[state.JOB_GONE] = wanted
            del st.query_params[QUERY_KEY]
    if current is not None and wanted != current:
        st.query_params[QUERY_KEY] = current
    return current


def reattach_job() -> None:
    """Re-attach a fresh session to the job in the URL (app.py, before the page)."""
    from nncore.core.errors import DataError

    # A runs folder that cannot be used is explained on the Train screen.
    with contextlib.suppress(DataError):
        job_id()


def current_view():
    """This session's job as a ``JobView``, or None (no job, or it was forgotten)."""
    current = job_id()
    if current is None:
        return None
    view = manager().view(current)
    if view is None:  # the manager no longer has it (process restarted)
        forget_job()
    return view


def is_training() -> bool:
    """Whether this session's job is queued or running (a new one must wait)."""
    view = current_view()
    return view is not None and view.status in ACTIVE


def verdict_pending(view) -> bool:
    """Whether a training's last epoch is done and the worker is scoring it:
    training the reference models and working out the 95 % intervals."""
    return (
        view.kind == "train"
        and view.status == "running"
        and view.epochs_planned > 0
        and view.epochs_done >= view.epochs_planned
    )


def replace_job(spec: dict, prepared, *, min_seconds: float | None = None) -> str:
    """Train ``spec`` on ``prepared`` as this session's job, in place of the last.

    ``min_seconds``: the least time the training takes (the demos). Default: None.

    Raises:
        DataError: the job manager refused it (a full queue, a limit, the folder).
        SpecError: ``spec`` is not valid.
    """
    from nncore.spec import validate_spec

    jobs = manager()
    old = st.session_state[state.JOB]
    new = jobs.submit(
        validate_spec(copy.deepcopy(spec)),
        prepared,
        owner=owner_id(),
        dataset=spec["data"]["source"],
        min_seconds=min_seconds,
    )
    if old is not None:
        jobs.forget(old)
    set_job(new)
    st.session_state[state.FIX_NOTICE] = None
    return new


def set_job(new_id: str) -> None:
    st.session_state[state.JOB] = new_id
    st.query_params[QUERY_KEY] = new_id


def forget_job() -> None:
    """Drop the session's job (Reset): stopped if it runs, gone from the URL."""
    current = st.session_state.get(state.JOB)
    if current is not None:
        manager().forget(current)
    st.session_state[state.JOB] = None
    if QUERY_KEY in st.query_params:
        del st.query_params[QUERY_KEY]


def progress(view) -> float:
    """How far the job is, 0..1, counting the batches of the current epoch.

    A finished job is all the way (1.0), also when early stopping ended it before
    its planned epochs; one stopped by the user shows where it stopped.
    """
    if view.status == "finished":
        return 1.0
    if view.epochs_planned <= 0:
        return 0.0
    done = view.epochs_done
    if view.status == "running" and view.batches_per_epoch:
        done += min(view.batch / view.batches_per_epoch, 1.0)
    return max(0.0, min(done / view.epochs_planned, 1.0))


def _same_arrays(one, other) -> bool:
    """Whether two prepared datasets hold the same rows (the same object, or equal)."""
    import numpy as np

    if one is other:
        return True
    if one.target != other.target or list(one.feature_names) != list(
        other.feature_names
    ):
        return False
    return all(
        np.array_equal(getattr(one, name), getattr(other, name))
        for name in ("X_train", "y_train", "X_val", "y_val", "X_test", "y_test")
    )


def belongs_here(view) -> bool:
    """Whether a job's result belongs to the session's current data.

    It does when the job trained on the data settings the session has now
    (``spec["data"]``) and, as far as the session has prepared data, on the same
    rows (an uploaded file of the same name may hold others). A job re-attached
    from the link restores its experiment, so it belongs. Screens show a job that
    does not belong only as "The last run, on other data", without its results.
    """
    from nncore.core.errors import SpecError
    from nncore.spec import validate_data_spec

    if view is None:
        return False
    try:
        here = validate_data_spec(copy.deepcopy(st.session_state[state.SPEC]["data"]))
    except (SpecError, KeyError, TypeError):
        return False
    if (view.spec or {}).get("data") != here:
        return False
    report = st.session_state.get(state.REPORT)
    if report is None:
        return True  # nothing prepared yet says otherwise (a built-in is the same)
    try:
        trained_on = manager().prepared(view.job_id)
    except Exception:  # noqa: BLE001 - the runs folder: nothing to compare with
        trained_on = None
    return trained_on is None or _same_arrays(trained_on, report.prepared)


def result_caption(view) -> str:
    """Which data and experiment a job's result belongs to, in words:
    ``"Run on Breast cancer · 128-64 network · 30 epochs planned"``."""
    from nncore.core.catalog import dataset_title
    from nncore.report.compare import network_summary

    return " · ".join(
        [
            f"Run on {dataset_title(view.dataset)}",
            f"{network_summary(view.spec)} network",
            f"{view.spec['train']['epochs']} epochs planned",
        ]
    )


# Spec fields as the screens name them, for "what changed" notices.
FIELD_NAMES = {
    "data.scaling": "scaling",
    "compile.learning_rate": "learning rate",
    "train.epochs": "epochs",
    "train.early_stopping.enabled": "early stopping",
    "train.early_stopping.patience": "early stopping patience",
    "train.early_stopping.restore_best": "go back to the best epoch",
    "train.reduce_lr.enabled": "lower the learning rate on a plateau",
    "train.class_weight": "class weights",
}


def _flat(value, path: str = ""):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flat(inner, f"{path}.{key}" if path else str(key))
    else:
        yield path, value


def _shown(value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list):
        return ", ".join(_layer(layer) for layer in value) or "none"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _layer(layer) -> str:
    if not isinstance(layer, dict):
        return str(layer)
    if layer.get("type") == "dense":
        return f"Dense {layer.get('units')} {layer.get('activation', '')}".strip()
    if layer.get("type") == "dropout":
        return f"Dropout {layer.get('rate'):g}"
    return {"batchnorm": "BatchNorm"}.get(layer.get("type"), str(layer.get("type")))


def describe_changes(old: dict, new: dict) -> list[str]:
    """What differs between two specs, in words: ``"learning rate 0.001 → 0.0005"``."""
    before = dict(_flat(old))
    changes = []
    for path, value in _flat(new):
        if before.get(path) != value:
            name = FIELD_NAMES.get(path)
            if name is None:
                name = "hidden layers" if path == "model.layers" else path
            changes.append(f"{name} {_shown(before.get(path))} → {_shown(value)}")
    return changes


def finding_cards(
    findings,
    key: str,
    fix_help: str,
    then: str,
    problem_key: str,
    *,
    place: str = "train",
):
    """The training doctor's findings, each with its one-click fixes.

    Used by the Train screen and the Home screen's overfitting demo. ``then`` ends
    the notice shown after a fix ("Press Train to run the fixed experiment."), once,
    on the screen ``place`` (``state.take_fix_notice``); a fix that cannot be
    applied is explained under ``problem_key``.
    """
    from ui import safe

    for i, finding in enumerate(findings):
        with st.container(border=True):
            safe.warning(finding.message)
            st.markdown("**What to do:** " + safe.escape(finding.remedy))
            with st.container(horizontal=True):
                for j, fix in enumerate(finding.fixes):
                    if st.button(
                        fix["label"],
                        key=f"{key}_{i}_{j}",
                        icon=":material/build:",
                        help=fix_help,
                    ):
                        use_fix(fix, then, problem_key, place=place)


def use_fix(fix: dict, then: str, problem_key: str, *, place: str = "train") -> None:
    """Apply a one-click fix to the experiment and redraw the whole page."""
    from nncore.core.errors import DataError, SpecError
    from nncore.spec import validate_spec
    from nncore.train.doctor import apply_fix

    old = st.session_state[state.SPEC]
    try:
        new = validate_spec(apply_fix(old, fix))
        changes = describe_changes(old, new)
        state.apply_fix(
            new,
            f"Applied “{fix['label']}”: "
            + ("; ".join(changes) if changes else "the experiment was already so")
            + f". {then}",
            place=place,
        )
    except (DataError, SpecError, ValueError) as problem:
        st.session_state[problem_key] = f"The fix could not be applied: {problem}"
    st.rerun()
