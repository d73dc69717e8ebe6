"""Opening a study kept in a storage (the journal file kept with the runs, or any
Optuna storage URL), to watch it or resume it. The server's folders are never shown:
an empty storage means the studies kept with the runs.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from nncore.core import glossary
from nncore.core.errors import DataError
from nncore.tune import default_storage, is_default_storage, list_studies
from ui import safe, search_jobs, state


def choose_study(*, locked: bool) -> None:
    with st.expander("Open or watch a study", icon=":material/folder_open:"):
        st.caption(
            "Studies are kept with the runs and survive a restart. To watch a study "
            "that other machines run (`python -m nncore tune EXPERIMENT.json "
            "--storage URL --study NAME`), give its storage URL."
        )
        typed = st.text_input(
            "Storage",
            key="tune_storage",
            placeholder="Empty: the studies kept with the runs",
            help="Leave empty for the studies kept with the runs. Or a journal file "
            "(e.g. studies.log) or an Optuna storage URL: sqlite:///studies.db, "
            "postgresql://user:password@host/db, "
            "mysql+pymysql://user:password@host/db.",
        ).strip()
        storage = default_storage() if is_default_storage(typed) else typed
        if storage == default_storage() and not Path(storage).is_file():
            st.caption("No study yet: the first search creates this file.")
            return
        try:
            studies = list_studies(storage)
        except DataError as problem:
            safe.info(problem)
            return
        if not studies:
            st.caption("No study there yet.")
            return
        names = [s["name"] for s in studies]
        about = {s["name"]: s for s in studies}
        shown = (st.session_state.get(state.TUNE_STUDY) or {}).get("name")
        if shown in names and shown != st.session_state.get("tune_study_synced"):
            # The picker follows the study shown below whenever that one changes
            # (a new search, Open); in between, the user's own pick stays.
            st.session_state["tune_study_pick"] = shown
            st.session_state["tune_study_synced"] = shown
        with st.container(horizontal=True, vertical_alignment="bottom"):
            # The names only: a label that changes (a trial count) is not redrawn
            # for the option already chosen.
            name = st.selectbox(
                "Study",
                names,
                key="tune_study_pick",
                help=f"The searches ({glossary.link('study', 'studies')}) kept in "
                "this storage, by name.",
            )
            st.button(
                "Open",
                key="tune_open",
                icon=":material/open_in_browser:",
                disabled=locked,
                on_click=search_jobs.open_study,
                args=(storage, name),
                help="Show this study's trials, charts and best settings below; "
                "Resume goes on with it.",
            )
        chosen = about.get(name)
        if chosen is not None:
            started = chosen["started"]
            st.caption(
                safe.escape(
                    f"{chosen['trials']} trials"
                    + (f" · started {started:%Y-%m-%d %H:%M}" if started else "")
                    + ("" if chosen["nnstudio"] else " · not made by NN Studio")
                )
            )
