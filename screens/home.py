"""Home screen: what NN Studio is, the six steps, and the guided demos."""

from __future__ import annotations

import streamlit as st

from ui import state


def main() -> None:
    state.init_state()
    st.title("NN Studio")
    st.write("Train, understand and tune a neural network without writing code.")


main()
