"""Every session-state key the app uses, and the one function that initialises them.

Each page calls ``init_state()`` first, so a page also runs on its own (AppTest runs
page files directly).
"""

from __future__ import annotations

import streamlit as st

from nncore.spec import default_spec

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

_DEFAULTS = {
    UPLOAD_ID: None,
    UPLOAD_ERROR: None,
    TABLE: None,
    UPLOADED: None,
    REPORT: None,
    REPORT_KEY: None,
}


def init_state() -> None:
    """Create the app's session-state keys that are missing."""
    if SPEC not in st.session_state:
        st.session_state[SPEC] = default_spec()
    for key, value in _DEFAULTS.items():
        st.session_state.setdefault(key, value)
