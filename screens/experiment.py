"""Experiment screen: save the experiment, share it as a link, or load one."""

from __future__ import annotations

import streamlit as st

from nncore.core.errors import SpecError
from nncore.spec.sharing import spec_from_json
from ui import experiment, presenter, safe, state


def load_from_file() -> None:
    upload = st.file_uploader(
        "Load an experiment (.json)",
        type=["json"],
        key="experiment_upload",
        help="A file that 'Export experiment' downloaded. It sets every screen.",
    )
    if upload is None or upload.file_id == st.session_state.get("experiment_loaded"):
        return
    st.session_state["experiment_loaded"] = upload.file_id
    try:
        spec = spec_from_json(upload.getvalue(), name=f"'{upload.name}'")
    except SpecError as problem:
        safe.error(problem)
        return
    state.apply_spec(spec, f"Experiment loaded from {upload.name}.")
    st.rerun()


def main() -> None:
    state.init_state()
    st.title("Experiment")
    st.write(
        "Everything you chose on the Data, Model and Compile screens is one "
        "experiment. Save it as a file, share it as a link, or load one."
    )
    presenter.step_caption("experiment")
    experiment.show_notice()
    spec = st.session_state[state.SPEC]

    st.subheader("Share", divider="gray")
    st.caption(
        "Anyone who opens this link gets the same experiment on every screen "
        "(an uploaded data file is not part of the link)."
    )
    try:
        st.code(experiment.share_url(spec), language=None, wrap_lines=True)
    except SpecError as problem:
        safe.error(f"The experiment cannot be shared yet: {problem}")
    experiment.show_presenter_link(spec)

    st.subheader("Save and load", divider="gray")
    experiment.export_button(spec, key="experiment_export")
    load_from_file()

    with st.expander("The experiment as JSON"):
        st.json(spec, expanded=True)


main()
