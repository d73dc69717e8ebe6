"""Glossary: the technical words the app uses, in plain language."""

from __future__ import annotations

import streamlit as st

from ui import state


def main() -> None:
    state.init_state()
    st.title("Glossary")


main()
