"""The Evaluate screen's "Lab report" (AppTest): notes and the download button.

The button's data is written only when the user clicks (a deferred download):
the test keeps the function Streamlit registers for the click and calls it, as
the click would, then reads the HTML the user gets.
"""

from __future__ import annotations

import html

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from tests.support import (
    ended,
    experiment,
    go,
    keras_in_the_main_thread,  # noqa: F401
    plain,
    poll,
    texts,
    train_screen,
)

LABEL = "Download the lab report (.html)"


@pytest.fixture
def downloads(monkeypatch):
    """What each deferred download button would write on a click, newest last:
    ``(file name, the function that writes it)``."""
    found = []
    register = MediaFileManager.add_deferred

    def keep(self, data_callable, *args, **kwargs):
        found.append((kwargs.get("file_name"), data_callable))
        return register(self, data_callable, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    return found


def test_the_lab_report_button_writes_the_report_with_the_notes(
    downloads, tmp_path, monkeypatch
):
    # A runs folder of its own: its look at the test rows counts there only.
    monkeypatch.setenv("NNSTUDIO_RUNS_DIR", str(tmp_path / "runs"))
    at = train_screen(experiment("builtin:breast_cancer", epochs=3))
    at.button(key="train_start").click().run()
    poll(at, ended, "the training to end")
    go(at, "evaluate")
    assert not at.exception, at.exception
    assert "Lab report" in texts(at.subheader)
    buttons = [b for b in at.get("download_button") if plain(b.proto.label) == LABEL]
    assert len(buttons) == 1
    notes = "Compared with <b>last week</b>: 3 epochs only."
    at.text_area(key="lab_report_notes").input(notes).run()
    assert not at.exception, at.exception

    file_name, write = downloads[-1]
    assert file_name == "lab-report-breast-cancer.html"
    report = write()
    assert "<title>Lab report: Breast cancer (binary)</title>" in report
    assert html.escape(notes) in report
    assert "On the 86 validation rows" in report
    # The test rows are held back until the user looks at them on this screen.
    assert "On the 86 test rows" not in report
    assert "have not been looked at yet" in report

    at.radio(key="evaluate_split").set_value("test").run()
    at.button(key="evaluate_test").click().run()
    assert not at.exception, at.exception
    assert "On the 86 test rows" in downloads[-1][1]()
