"""Compile screen (placeholder: being built)."""

import streamlit as st

from ui import state

state.init_state()
st.title("Compile")
st.info("This screen is being built.")
