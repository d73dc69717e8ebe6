"""What a search will cost, before it starts: the estimate from the measured training
speed (measured in the background, a few epochs of the network), and a cheaper
method offered when a grid is too big.
"""

from __future__ import annotations

import copy
import json

import streamlit as st

from nncore.core.errors import DataError, SpecError
from nncore.spec import validate_spec
from nncore.tune import METHOD_TITLES, estimate_cost, speed_work
from ui import safe, state, training


def data_key(spec: dict, prepared) -> str:
    """What the measured speed depends on: the data and the experiment's network."""
    return json.dumps(
        [spec["data"], spec["model"], spec["train"]["batch_size"], prepared.n_features],
        sort_keys=True,
        default=str,
    )


def measured_speed(spec: dict, prepared):
    return (st.session_state[state.TUNE_SPEED] or {}).get(data_key(spec, prepared))


def measure_speed(spec: dict, prepared) -> None:
    """Measure the training speed in the background (a few epochs of the network)."""
    manager = training.manager()
    owner = training.owner_id()
    try:
        checked = validate_spec(copy.deepcopy(spec))
        job = manager.submit_task(
            "speed", speed_work(checked, prepared), checked, prepared, owner=owner
        )
    except (DataError, SpecError) as problem:
        st.session_state[state.TUNE_PROBLEM] = f"The speed was not measured: {problem}"
        return
    st.session_state[state.TUNE_SPEED_JOB] = (data_key(spec, prepared), job)


def _busy() -> bool:
    """Whether this session has a job waiting or running (training or tuning)."""
    owner = training.owner_id()
    return any(v.status in training.ACTIVE for v in training.manager().jobs_for(owner))


def _collect(key: str, job_id: str) -> bool:
    """Keep the speed measurement's result once it is done; whether it is."""
    view = training.manager().view(job_id)
    if view is not None and view.status in training.ACTIVE:
        return False
    st.session_state[state.TUNE_SPEED_JOB] = None
    if view is not None and view.status == "finished":
        speeds = dict(st.session_state[state.TUNE_SPEED] or {})
        speeds[key] = view.progress.get("result")
        st.session_state[state.TUNE_SPEED] = speeds
    elif view is not None and view.error:
        st.session_state[state.TUNE_PROBLEM] = (
            f"The speed could not be measured: {view.error}"
        )
    return True


def follow_speed(key: str, job_id: str) -> None:
    """Poll the speed measurement; redraw the page once it is done (a fragment)."""
    if not _collect(key, job_id):
        st.caption(":material/speed: Measuring the training speed for the estimate…")
        return
    state.redraw()


def show_estimate(spec: dict, prepared, *, locked: bool) -> None:
    pending = st.session_state[state.TUNE_SPEED_JOB]
    if pending is not None and _collect(*pending):
        # Done since the last poll: drawn now. A rerun from the poll instead
        # would drop the click that caused this run ("Train the best" …).
        pending = None
    try:
        estimate = estimate_cost(
            spec, len(prepared.y_train), measured_speed(spec, prepared)
        )
    except SpecError as problem:
        safe.error(problem)
        return
    if estimate.seconds is None and pending is None and not locked and not _busy():
        measure_speed(spec, prepared)
        pending = st.session_state[state.TUNE_SPEED_JOB]
    st.info(safe.escape(estimate.text), icon=":material/schedule:")
    if pending is not None:
        pending_key, job = pending
        st.fragment(run_every=0.5)(follow_speed)(pending_key, job)
    elif estimate.seconds is None:
        st.button(
            "Measure the speed",
            key="tune_measure",
            icon=":material/speed:",
            disabled=locked or _busy(),
            on_click=measure_speed,
            args=(spec, prepared),
            help="Trains the experiment's network for a few epochs to time it.",
        )
    if estimate.warning:
        safe.warning(estimate.warning)
        if estimate.suggestion and st.session_state["tune_method"] == "grid":
            st.button(
                f"Switch to {METHOD_TITLES[estimate.suggestion]} search",
                key="tune_switch_method",
                icon=":material/auto_awesome:",
                disabled=locked,
                on_click=_switch_method,
                args=(estimate.suggestion,),
                help="Keep what to search, but let the computer pick the "
                "combinations instead of trying every one, with unpromising "
                "trials stopped early.",
            )


def _switch_method(method: str) -> None:
    st.session_state["tune_method"] = method
    st.session_state["tune_pruner"] = "median"
