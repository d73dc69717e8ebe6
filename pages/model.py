"""Model screen (placeholder: being built)."""

import streamlit as st

from ui import state

state.init_state()
st.title("Model")
st.info("This screen is being built.")
