"""A demo's settings when the user's own data comes after it.

A demo (``ui.demo``) makes its experiment the session's: its network, learning
rate, epochs, early stopping and split. When the user then loads their own data,
the Data screen starts it from the normal settings (``leave_settings``), says so
and offers the demo's back (``show_left_settings``, ``keep_settings``). Light on
purpose: the Data screen calls it before pandas is loaded, so that its title and
first controls draw at once.
"""

from __future__ import annotations

import copy

import streamlit as st

from nncore.report import guide
from ui import state

# The settings a demo changes, put aside when the user's own data comes: whole
# sections, and the data section's fields.
DEMO_SECTIONS = ("model", "compile", "train")
DEMO_DATA_FIELDS = ("split", "seed")
# The widgets that show those settings (the Data screen's split and seed widgets,
# and every widget of the Model, Compile and Train screens).
DEMO_WIDGETS = ("data_val", "data_test", "data_stratify", "data_seed")
DEMO_WIDGET_PREFIXES = ("model_", "compile_", "train_")


def leave_settings(data: dict) -> None:
    """Start the user's own data from the normal settings, not the demo's.

    The Data screen calls it when a new dataset replaces the table. When the
    experiment still holds a demo's settings (``state.DEMO_SPEC``) and ``data``'s
    source is not the demo's, the model, compile and train sections and the split
    and seed go back to the defaults; the demo's are kept aside in
    ``state.DEMO_LEFT`` for "Keep the demo's settings". ``data`` (the session spec's
    data section, with the new source and target) is changed in place.
    """
    name = st.session_state[state.DEMO_SPEC]
    if name is None or data["source"] == guide.demo_spec(name)["data"]["source"]:
        return
    from nncore.spec import default_spec, validate_spec

    spec = st.session_state[state.SPEC]
    normal = validate_spec(default_spec())
    kept = {section: spec[section] for section in DEMO_SECTIONS}
    kept.update({field: data[field] for field in DEMO_DATA_FIELDS})
    for section in DEMO_SECTIONS:
        spec[section] = copy.deepcopy(normal[section])
    for field in DEMO_DATA_FIELDS:
        data[field] = copy.deepcopy(normal["data"][field])
    _forget_widgets()
    st.session_state[state.DEMO_SPEC] = None
    st.session_state[state.DEMO_LEFT] = {
        "name": name,
        "source": data["source"],
        "settings": kept,
        "kept": False,
    }


def keep_settings() -> None:
    """Put the demo's settings (kept by ``leave_settings``) back into the experiment."""
    left = st.session_state[state.DEMO_LEFT]
    if left is None:
        return
    spec = st.session_state[state.SPEC]
    for key, value in left["settings"].items():
        target = spec if key in DEMO_SECTIONS else spec["data"]
        target[key] = copy.deepcopy(value)
    _forget_widgets()
    left["kept"] = True


def _forget_widgets() -> None:
    """Let the widgets of the settings show the experiment's values again."""
    for key in list(st.session_state):
        if isinstance(key, str) and (
            key in DEMO_WIDGETS or key.startswith(DEMO_WIDGET_PREFIXES)
        ):
            del st.session_state[key]


def show_left_settings(data: dict) -> None:
    """Say, while the data that replaced a demo's is loaded, which settings it uses."""
    left = st.session_state[state.DEMO_LEFT]
    if left is None or left["source"] != data["source"]:
        return
    settings = guide.demo_settings(left["name"])
    if left["kept"]:
        st.info(
            f"Your data uses the demo's settings ({settings}), as you chose.",
            icon=":material/school:",
        )
        return
    with st.container(horizontal=True, vertical_alignment="center"):
        st.info(
            f"Your data starts from the normal settings, not the demo's ({settings}).",
            icon=":material/restart_alt:",
        )
        st.button(
            "Keep the demo's settings",
            key="data_keep_demo_settings",
            icon=":material/undo:",
            on_click=keep_settings,
            help="Use the demo's network, learning rate, epochs, early stopping and "
            "split for your data instead.",
        )
