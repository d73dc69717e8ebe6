"""Showing user-supplied text (column names, labels, file names) as plain text.

Streamlit renders Markdown in messages, including LaTeX (``$``), colour directives
(``:red[...]``) and emoji codes; backslash-escaping every ASCII punctuation mark
(CommonMark allows it for all of them) shows the text exactly as written.
"""

from __future__ import annotations

import re

import streamlit as st

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def escape(text: object) -> str:
    """Return ``text`` with Markdown, HTML and directive syntax neutralised."""
    return _PUNCTUATION.sub(r"\\\1", str(text)).replace("\n", " ")


def warning(text: object) -> None:
    st.warning(escape(text), icon=":material/warning:")


def error(text: object) -> None:
    st.error(escape(text), icon=":material/error:")


def info(text: object) -> None:
    st.info(escape(text), icon=":material/info:")
