"""The best trial of a study: its settings beside the experiment's, applied to the
experiment in one click ("Use the best"), or applied and trained as a normal run
("Train the best").
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from nncore.core.catalog import dataset_title
from nncore.core.errors import DataError, SpecError
from nncore.core.text import readable_number
from nncore.plots.tuning import param_title
from nncore.spec import DIMENSIONS
from nncore.tune import (
    apply_best,
    current_values,
    epochs_per_trial,
    value_text,
)
from ui import safe, search_settings, state, training


def _best_settings(snapshot) -> dict:
    """The best trial's settings, and the epochs each trial trained (when the
    study's epochs per trial differ from the experiment's, they are part of it)."""
    params = dict(snapshot.best["params"])
    if snapshot.spec is not None:
        params["epochs"] = epochs_per_trial(snapshot.spec)
    return params


def _best_changes(spec: dict, params: dict) -> list[dict]:
    current = {**current_values(spec), "epochs": spec["train"]["epochs"]}
    rows = []
    for name, value in params.items():
        if name == "epochs" and value == current["epochs"]:
            continue
        rows.append(
            {
                "Setting": "Epochs" if name == "epochs" else param_title(name),
                "Now": _shown(current.get(name)),
                "Best trial": _shown(value),
            }
        )
    return rows


def _shown(value) -> str:
    if isinstance(value, float):
        return readable_number(value, digits=4)
    return str(value)


def show_best(snapshot, prepared) -> None:
    st.subheader("The best settings", divider="gray")
    if snapshot.best is None:
        st.caption("The best settings appear here once a trial completes.")
        return
    best = snapshot.best
    spec = st.session_state[state.SPEC]
    st.markdown(
        f"Trial **{best['trial']}** reached {safe.escape(snapshot.objective_title)} "
        f"**{value_text(snapshot.objective, best['value'])}** with these settings:"
    )
    st.dataframe(_best_changes(spec, _best_settings(snapshot)), hide_index=True)
    foreign = sorted(set(best["params"]) - set(DIMENSIONS))
    if foreign:
        st.caption(
            f"This study was not made by NN Studio ({safe.escape(foreign[0])} is not "
            "one of its settings): its settings cannot be applied here."
        )
        return
    theirs = (snapshot.spec or {}).get("data", {}).get("source")
    if theirs and theirs != spec["data"]["source"]:
        safe.warning(
            f"This study tuned {dataset_title(theirs)}; your experiment uses "
            f"{dataset_title(spec['data']['source'])}. The settings can still be "
            "applied, but they were chosen for the other data."
        )
    with st.container(horizontal=True):
        if st.button(
            "Use the best",
            key="tune_use_best",
            type="primary",
            icon=":material/done_all:",
            help="Put these settings into the experiment: the Model, Compile and "
            "Train screens show them.",
        ):
            use_best(best, snapshot)
        if st.button(
            "Train the best",
            key="tune_train_best",
            icon=":material/model_training:",
            disabled=prepared is None,
            help="Put these settings into the experiment and train it as a normal "
            "run (it appears on the Runs screen); opens the Train screen.",
        ):
            use_best(best, snapshot, rerun=False)
            train_best(prepared)


def use_best(best: dict, snapshot, *, rerun: bool = True) -> None:
    """Apply the best trial's settings to the experiment (every screen shows them)."""
    old = st.session_state[state.SPEC]
    settings = _best_settings(snapshot)
    try:
        new = apply_best(old, best["params"])
        if "epochs" in settings:
            new["train"]["epochs"] = settings["epochs"]
        # Said as the Tune screen says it, so its next run changes nothing.
        search_settings.set_trial_epochs(new, new["tune"]["epochs"])
    except (DataError, SpecError) as problem:
        st.session_state[state.TUNE_PROBLEM] = (
            f"The best settings could not be applied: {problem}"
        )
        st.rerun()
    changes = [
        f"{row['Setting'].lower()} {row['Now']} → {row['Best trial']}"
        for row in _best_changes(old, settings)
        if row["Now"] != row["Best trial"]
    ]
    value = value_text(snapshot.objective, best["value"])
    notice = (
        f"Applied the best settings of trial {best['trial']} "
        f"({snapshot.objective_title} {value}): "
        + ("; ".join(changes) if changes else "the experiment already had them")
        + ". The Model, Compile and Train screens show them; press Train to run it."
    )
    state.apply_fix(new, notice, place="tune")
    st.session_state[state.TUNE_PROBLEM] = None
    if rerun:
        st.rerun()


def train_best(prepared) -> None:
    """Train the experiment (now with the best settings) as a normal run."""
    spec = st.session_state[state.SPEC]
    if training.is_training():
        st.session_state[state.TUNE_PROBLEM] = (
            "The settings are applied, but your network is still training: stop it "
            "on the Train screen, then press Train there."
        )
        st.rerun()
    try:
        training.replace_job(spec, prepared)
    except (DataError, SpecError) as problem:
        st.session_state[state.TUNE_PROBLEM] = (
            f"The settings are applied, but training did not start: {problem}"
        )
        st.rerun()
    try:
        st.switch_page("screens/train.py")
    except StreamlitPageNotFoundError:  # the page runs on its own (tests)
        st.rerun()
