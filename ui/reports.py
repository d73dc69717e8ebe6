"""The prepared data that the Model and Compile screens build on."""

from __future__ import annotations

import json

import streamlit as st

from nncore.core.catalog import is_image_dataset
from nncore.spec import validate_data_spec
from ui import state


# Built-in data is the same for everyone: prepared once per data settings and shared
# read-only between sessions.
@st.cache_resource(show_spinner=False, max_entries=16)
def _builtin_report(data_json: str):
    from nncore.data.inspect import inspect_data, load_source

    data = json.loads(data_json)
    return inspect_data(load_source(data), data)


def current_report():
    """The Data screen's prepared data, or a built-in dataset prepared from the spec.

    Returns None for an uploaded file the Data screen has not prepared (the file is
    not part of the spec). A screen opened first, or restored from a share link,
    prepares a built-in dataset itself and keeps it for the other screens.

    Raises:
        DataError, SpecError: when the spec's data settings cannot be prepared.
    """
    report = st.session_state[state.REPORT]
    data = st.session_state[state.SPEC]["data"]
    # Built-in pictures need no target: the class is the folder's name.
    named = data["target"] or is_image_dataset(data["source"])
    if report is None and data["source"].startswith("builtin:") and named:
        data = validate_data_spec(data)
        with st.spinner("Preparing the data…"):
            report = _builtin_report(json.dumps(data, sort_keys=True))
        st.session_state[state.REPORT] = report
        # The Data screen keys its report by its own table: it will redo this one.
        st.session_state[state.REPORT_KEY] = None
    return report
