"""The sidebar frame shown on every page: the active dataset (later: the run)."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.safe import escape


def render_frame() -> None:
    """Draw the active dataset in the sidebar."""
    with st.sidebar:
        st.markdown("#### Active dataset")
        report = st.session_state.get(state.REPORT)
        table = st.session_state.get(state.TABLE)
        source = st.session_state[state.SPEC]["data"]["source"]
        if report is None:
            st.caption("None yet: choose one on the Data screen.")
            return
        prepared = report.prepared
        name = table.name if table is not None else source.split(":", 1)[-1]
        st.markdown(f"**{escape(name)}**")
        st.caption(
            escape(
                f"{report.profile.n_rows:,} rows · {prepared.n_features} inputs · "
                f"{prepared.task} · target {prepared.target}"
            )
        )
