"""Saving, sharing and loading the experiment, in the app.

The engine side (JSON, share-link codes, validation) is ``nncore.spec.sharing``; this
module connects it to the URL, the sidebar and session state.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import streamlit as st

from nncore.core.errors import SpecError
from nncore.spec.sharing import QUERY_KEY, decode_spec, encode_spec, spec_to_json
from ui import safe, state
from ui.presenter import QUERY_KEY as PRESENTER_KEY

# A plain share link opens this screen (its address as st.navigation names it).
DATA_PAGE = "data"


def restore_from_link() -> None:
    """Apply the experiment in the URL's ``?experiment=`` query, once per link."""
    code = st.query_params.get(QUERY_KEY)
    if not code or code == st.session_state[state.LINK_APPLIED]:
        return
    st.session_state[state.LINK_APPLIED] = code
    try:
        spec = decode_spec(code)
    except SpecError as problem:
        st.session_state[state.NOTICE] = ("error", str(problem))
        return
    state.apply_spec(spec, "Experiment restored from the share link.")


def share_url(spec: dict, *, presenter: bool = False) -> str:
    """The address that opens this app with ``spec`` restored.

    A plain link opens the Data screen, where the restored experiment starts. A
    link for presenting (``presenter=True``) also turns presenter mode on and opens
    the Home screen, with the step tracker to walk through.

    Raises:
        SpecError: the experiment is not valid yet.
    """
    try:
        parts = urlsplit(st.context.url or "")
    except AttributeError:  # no browser context (AppTest)
        parts = urlsplit("")
    base = (
        urlunsplit((parts.scheme, parts.netloc, "/", "", "")) if parts.netloc else "/"
    )
    code = encode_spec(spec)
    if presenter:
        return f"{base}?{QUERY_KEY}={code}&{PRESENTER_KEY}=1"
    return f"{base}{DATA_PAGE}?{QUERY_KEY}={code}"


def show_presenter_link(spec: dict) -> None:
    """The share link that opens the experiment in presenter mode, to copy."""
    st.markdown("**Link for presenting**")
    st.caption(
        "The same experiment in presenter mode: larger text, expert settings "
        "hidden and a short explanation on every screen, starting from the Home "
        "screen's step tracker. For a talk or a class."
    )
    try:
        st.code(share_url(spec, presenter=True), language=None, wrap_lines=True)
    except SpecError as problem:
        safe.error(f"The experiment cannot be shared yet: {problem}")


def show_notice() -> None:
    """Show, once, what happened to the last imported experiment."""
    notice = st.session_state[state.NOTICE]
    if notice is None:
        return
    st.session_state[state.NOTICE] = None
    kind, text = notice
    if kind == "error":
        safe.error(text)  # escapes the text itself: escaping twice shows backslashes
    else:
        st.success(safe.escape(text))


def export_button(spec: dict, key: str) -> None:
    """A download button for the experiment as JSON."""
    try:
        text = spec_to_json(spec)
    except SpecError as problem:
        safe.error(f"The experiment cannot be exported yet: {problem}")
        return
    st.download_button(
        "Export experiment",
        text,
        file_name="experiment.json",
        mime="application/json",
        icon=":material/download:",
        key=key,
        help="The whole experiment as a JSON file: load it here later, or run it "
        "with python -m nncore.",
    )
