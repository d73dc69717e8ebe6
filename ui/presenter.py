"""Presenter mode: larger text, advanced controls hidden, guided captions on.

Turned on by the sidebar toggle or the URL parameter ``?presenter=1`` (a share link
can carry it). Screens ask ``advanced()`` before drawing expert-only controls and
call ``step_caption(step)`` under their title.
"""

from __future__ import annotations

import streamlit as st

from ui import state


def is_on() -> bool:
    """Whether this session is in presenter mode."""
    return bool(st.session_state.get(state.PRESENTER))


def advanced() -> bool:
    """Whether to draw expert-only controls (hidden in presenter mode)."""
    return not is_on()


def step_caption(step: str) -> None:
    """The guided caption of ``step`` ("data", "model", ...), in presenter mode."""
    # Filled in by the guided-demo work (issue 8).
    return None
