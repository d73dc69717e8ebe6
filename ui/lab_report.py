"""The Evaluate screen's "Lab report": notes and one download button that writes
the training up as a self-contained HTML file (``nncore.report.lab``).

Nothing is computed until the user clicks: the button's data is a function that
Streamlit calls on the click (a deferred download), with the notes as typed.
"""

from __future__ import annotations

import functools

import streamlit as st

from nncore.core.errors import DataError
from ui import models, training

NOTES = "lab_report_notes"
BUTTON = "lab_report_download"


def _record(candidate):
    """The training behind ``candidate``: this session's ``JobView`` or the run
    store's ``Run``; None for a model file (it has no history or settings)."""
    from nncore.runs.store import UnknownRunError

    try:
        manager = training.manager()
        if candidate.key.startswith("job:"):
            view = manager.view(candidate.key.removeprefix("job:"))
            if view is not None:
                return view
        if candidate.run_id and manager.store is not None:
            return manager.store.get(candidate.run_id)
    except (DataError, UnknownRunError):
        pass
    return None


def _write(record, prepared, evaluation, notes: str, show_test: bool) -> str:
    from nncore.report.lab import lab_report

    return lab_report(
        record, prepared, evaluation=evaluation, notes=notes, show_test=show_test
    )


def show_lab_report(candidate, prepared, evaluation, version: str) -> None:
    """The "Lab report" section: a notes box and the download button.

    Args:
        candidate: the model evaluated (``ui.model_choice.Candidate``).
        prepared: the data it is evaluated on.
        evaluation: the evaluation shown (its confusion matrix or residuals go in).
        version: its model file's version (``ui.models.load_model``).
    """
    from nncore.report.lab import report_file_name

    st.subheader("Lab report", divider="gray")
    record = _record(candidate)
    if record is None:
        st.caption(
            "A lab report writes up a training: its data, settings and curves. "
            "Train a network on the Train screen, or open a run on the Runs "
            "screen, to write one."
        )
        return
    st.caption(
        "One HTML file to hand to a colleague or a teacher: the data and its "
        "pitfalls, the network and its settings, the curves, the doctor's "
        "findings, the scores with their 95 % intervals against the naive guess "
        "and the reference models, the "
        + ("residuals" if prepared.task == "regression" else "confusion matrix")
        + ", what to try next and your notes. It opens offline and prints well."
    )
    notes = st.text_area(
        "Notes for the report",
        key=NOTES,
        max_chars=5000,
        placeholder="What you tried, what you expected, what you conclude…",
        help="Shown as you type them in the report's Notes section.",
    )
    # The test rows' scores go in only once the user has looked at them here.
    shown = (version, models.token(prepared)) in models.results("test_shown")
    st.download_button(
        "Download the lab report (.html)",
        functools.partial(_write, record, prepared, evaluation, notes or "", shown),
        file_name=report_file_name(candidate.dataset),
        mime="text/html",
        key=BUTTON,
        on_click="ignore",
        icon=":material/description:",
        help="Writes the report when you click (a few seconds) and downloads it.",
    )
