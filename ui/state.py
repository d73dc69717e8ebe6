"""Every session-state key the app uses, and the one function that initialises them.

Each page calls ``init_state()`` first, so a page also runs on its own (AppTest runs
page files directly).
"""

from __future__ import annotations

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
NOTICE = "experiment_notice"  # (kind, text) about the last imported experiment
LINK_APPLIED = "link_applied"  # the share-link code already restored

# Widget keys start with their screen's name; importing an experiment clears them so
# every widget shows the imported value.
WIDGET_PREFIXES = ("data_", "model_", "compile_", "train_")

_DEFAULTS = {
    UPLOAD_ID: None,
    UPLOAD_ERROR: None,
    TABLE: None,
    UPLOADED: None,
    REPORT: None,
    REPORT_KEY: None,
    NOTICE: None,
    LINK_APPLIED: None,
}


def init_state() -> None:
    """Create the app's session-state keys that are missing."""
    if SPEC not in st.session_state:
        st.session_state[SPEC] = validate_spec(default_spec())
    for key, value in _DEFAULTS.items():
        st.session_state.setdefault(key, value)


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
