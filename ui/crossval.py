"""Cross-validation on the Train screen: how much the validation score depends on
the split, for small tables.

One background job (``nncore.train.crossval.crossval_work`` on the job manager)
trains the experiment's network k times; this module starts and stops it, follows
its progress in a fragment ("Fold 3 of 5 · epoch 7 of 20") and draws the fold
scores (``nncore.plots.crossval``) with the engine's sentence.
"""

from __future__ import annotations

import copy
import json

import streamlit as st

from nncore.core import glossary
from nncore.core.errors import DataError, SpecError
from nncore.core.metrics import main_metric
from nncore.core.text import readable_number
from nncore.plots.crossval import crossval_figure
from nncore.spec import validate_spec
from nncore.train.crossval import (
    DEFAULT_FOLDS,
    MAX_FOLDS,
    MAX_ROWS,
    MIN_FOLDS,
    CrossValidation,
    check_crossval,
    crossval_problem,
    crossval_work,
)
from ui import presenter, safe, state, training

LIVE_SECONDS = 0.5
FOLDS = "train_crossval_k"
KIND = "crossval"
HELP = (
    f"{glossary.link('cross-validation', 'Cross-validation')} trains the network k "
    "times, each time holding out a different k-th of the training and validation "
    "rows and scoring it there (the test rows are never used). The spread of the k "
    f"scores shows how much one {glossary.link('validation set', 'validation')} "
    "score owes to which rows happened to be held out."
)


def _key(spec: dict, prepared, k: int) -> str:
    """What an estimate depends on: the experiment, the data and k."""
    sections = {name: spec[name] for name in ("data", "model", "compile", "train")}
    facts = [len(prepared.y_train), len(prepared.y_val), prepared.n_features, k]
    return json.dumps([sections, facts], sort_keys=True, default=str)


def _folds() -> int:
    return int(st.session_state.get(FOLDS) or DEFAULT_FOLDS)


def start(spec: dict, prepared) -> None:
    """Start the cross-validation of the experiment as it is now (in the background)."""
    st.session_state[state.CROSSVAL_PROBLEM] = None
    k = _folds()
    manager = training.manager()
    try:
        checked = validate_spec(copy.deepcopy(spec))
        check_crossval(checked, prepared, k=k)
        job = manager.submit_task(
            KIND,
            crossval_work(checked, prepared, k=k),
            checked,
            prepared,
            owner=training.owner_id(),
        )
    except (DataError, SpecError) as problem:  # LimitError, JobError too
        st.session_state[state.CROSSVAL_PROBLEM] = str(problem)
        return
    previous = st.session_state[state.CROSSVAL]
    if previous is not None:
        manager.forget(previous["job_id"])
    st.session_state[state.CROSSVAL] = {"job_id": job, "key": _key(spec, prepared, k)}


def stop() -> None:
    st.session_state[state.CROSSVAL_PROBLEM] = None
    current = st.session_state[state.CROSSVAL]
    if current is None:
        return
    try:
        training.manager().stop(current["job_id"])
    except DataError as problem:
        st.session_state[state.CROSSVAL_PROBLEM] = str(problem)


def _view():
    current = st.session_state[state.CROSSVAL]
    if current is None:
        return None
    view = training.manager().view(current["job_id"])
    if view is None:  # the server restarted, or the job was reset
        st.session_state[state.CROSSVAL] = None
    return view


def show_crossval(spec: dict, prepared, training_view=None) -> None:
    """The "How much does the score depend on the split?" section of the Train
    screen: the k choice, Start and Stop, the live progress and the result.

    Args:
        spec: the session's experiment.
        prepared: its data (None draws nothing).
        training_view: this session's training job, to compare its validation
            score with the folds'. Default: None.
    """
    if prepared is None:
        return
    st.subheader("How much does the score depend on the split?", divider="gray")
    too_big = crossval_problem(prepared, k=DEFAULT_FOLDS)
    n_rows = len(prepared.y_train) + len(prepared.y_val)
    if n_rows > MAX_ROWS or getattr(prepared, "image_shape", None) is not None:
        st.caption(f"{HELP} {safe.escape(too_big)}")
        return
    st.caption(HELP)
    view = _view()
    active = view is not None and view.status in training.ACTIVE
    k = _folds()
    fold_problem = crossval_problem(prepared, k=k)
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.number_input(
            "Folds (k)",
            MIN_FOLDS,
            MAX_FOLDS,
            value=DEFAULT_FOLDS,
            step=1,
            key=FOLDS,
            width=130,
            disabled=active,
            help=f"How many parts the rows are cut into ({MIN_FOLDS} to "
            f"{MAX_FOLDS}); each part is held out once, so the network trains k "
            "times. 5 is the usual choice: more folds take longer.",
        )
        st.button(
            f"Estimate with {k}-fold cross-validation",
            key="train_crossval_start",
            icon=":material/view_week:",
            disabled=active or fold_problem is not None,
            on_click=start,
            args=(spec, prepared),
            help=f"Train the network {k} times in the background, each time "
            f"holding out another {k}-th of the training and validation rows, and "
            "show the spread of the scores. Takes about k trainings.",
        )
        st.button(
            "Stop the estimate",
            key="train_crossval_stop",
            icon=":material/stop:",
            disabled=not active,
            on_click=stop,
            help="Stop within one batch; the folds already scored are kept.",
        )
    problem = st.session_state[state.CROSSVAL_PROBLEM]
    if problem:
        safe.error(problem)
    elif fold_problem:
        safe.warning(fold_problem)
    if view is None:
        return
    st.fragment(run_every=LIVE_SECONDS if active else None)(follow)(
        view.job_id, active, spec, prepared, training_view
    )


def follow(job_id: str, was_active: bool, spec, prepared, training_view) -> None:
    """The job's progress while it runs, then its result (a fragment)."""
    view = training.manager().view(job_id)
    if view is None:
        return
    if was_active and view.status not in training.ACTIVE:
        state.redraw()  # it ended: redraw the buttons
    progress = view.progress
    if view.status in training.ACTIVE:
        k = progress.get("k") or _folds()
        fold = progress.get("fold") or 1
        epochs = progress.get("epochs") or 1
        done = (fold - 1 + min(progress.get("epoch") or 0, epochs) / epochs) / k
        st.progress(min(max(done, 0.0), 1.0), text=safe.escape(view.message))
        if view.status == "queued":
            safe.info(
                f"{view.message}. You are number {view.queue_position} of "
                f"{view.queue_length} waiting; it starts by itself."
            )
        return
    if view.error:
        safe.error(view.error)
        return
    data = progress.get("result")
    if not data:
        return
    show_result(CrossValidation.from_dict(data), view, spec, prepared, training_view)


def show_result(result: CrossValidation, view, spec, prepared, training_view) -> None:
    """The fold scores: a chart, a table, the sentence and the one split's score."""
    current = st.session_state[state.CROSSVAL] or {}
    chart, table = st.columns([3, 2], gap="medium")
    with chart:
        presenter.plotly_chart(crossval_figure(result), key="train_crossval_chart")
    with table:
        percent = result.metric == "accuracy"
        title = "Validation accuracy" if percent else "Validation RMSE"
        st.dataframe(
            [
                {
                    "Fold": f"Fold {number}",
                    "Held-out rows": rows,
                    title: None
                    if score is None
                    else round(100 * score, 1)
                    if percent
                    else float(f"{score:.4g}"),
                }
                for number, (score, rows) in enumerate(
                    zip(result.scores, result.fold_rows, strict=False), start=1
                )
            ],
            hide_index=True,
            column_config={
                title: st.column_config.NumberColumn(format="%.1f %%")
                if percent
                else st.column_config.NumberColumn(format="localized")
            },
        )
    st.info(safe.escape(result.text), icon=":material/view_week:")
    single = _single_split(result, spec, training_view)
    if single:
        st.caption(safe.escape(single))
    if current.get("key") != _key(spec, prepared, result.k):
        st.caption(
            "This estimate was made with earlier settings or data: press the "
            "button again to estimate the experiment as it is now."
        )


def _single_split(result: CrossValidation, spec, training_view) -> str | None:
    """The trained network's one-split validation score beside the folds' range."""
    if training_view is None or result.low is None or result.high is None:
        return None
    if training_view.spec != spec or training_view.status in training.ACTIVE:
        return None
    metric = main_metric(training_view.task)
    value = ((training_view.metrics or {}).get("val") or {}).get(metric)
    if value is None:
        return None
    inside = result.low <= value <= result.high
    shown = (
        f"{100 * value:.1f} %"
        if metric == "accuracy"
        else readable_number(value, digits=4)
    )
    name = "accuracy" if metric == "accuracy" else "RMSE"
    return f"Your trained network's validation {name} on the one split: {shown}, " + (
        "inside the folds' range."
        if inside
        else "outside the folds' range: that split was a lucky or unlucky one."
    )
