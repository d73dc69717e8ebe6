"""Hostile and broken data files on the Data screen and in the command line.

Every file of ``tests.files.hostile_catalogue()`` is uploaded on the Data screen
(AppTest) after a good file, as a user would, and given to
``python -m nncore data``. Each must end in a clear message or a clean load with a
warning or note, never a traceback; a file that cannot be read leaves the good
data active, and the Model screen still opens afterwards.
"""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from tests import files
from tests.app.conftest import ROOT
from tests.reliability import cli
from tests.support import go, plain

CASES = files.hostile_catalogue()
IDS = [case.id for case in CASES]
GOOD_NAME = "good.csv"
GOOD_TARGET = "good_label"
# Elements whose text Streamlit renders as Markdown (where raw HTML would matter).
MARKDOWN_ELEMENTS = ("markdown", "caption", "error", "warning", "info", "success")
RAW_HTML = re.compile(r"(?<!\\)<(script|img|b>|u>)")  # a tag not escaped as "\<"


def good_file() -> bytes:
    frame = files.simple_frame(60).rename(
        columns={"x1": "g1", "x2": "g2", "colour": "g3", "label": GOOD_TARGET}
    )
    return files.csv_bytes(frame)


def texts(at: AppTest, *kinds: str) -> list[str]:
    return [plain(element.value) for kind in kinds for element in at.get(kind)]


def test_the_catalogue_is_big_and_covers_every_outcome():
    assert len(CASES) >= 30
    assert len(set(IDS)) == len(IDS)
    assert {case.outcome for case in CASES} == set(files.OUTCOMES)


# --- the Data screen -----------------------------------------------------------------


def upload(at: AppTest, name: str, data: bytes) -> None:
    at.file_uploader(key="data_upload").set_value((name, data, "text/csv")).run()


@pytest.fixture(scope="module")
def session() -> AppTest:
    """One app session for the whole catalogue, as one user trying file after file
    (each test starts by loading the good file again)."""
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()


def load_good_file(at: AppTest) -> AppTest:
    go(at, "data")
    if at.radio(key="data_source_kind").value != "My own file":
        at.radio(key="data_source_kind").set_value("My own file").run()
    upload(at, GOOD_NAME, good_file())
    at.selectbox(key="data_target").set_value(GOOD_TARGET).run()
    if at.selectbox(key="data_task").value != "auto":
        at.selectbox(key="data_task").set_value("auto").run()
    assert not at.exception and not at.error
    assert "Task: binary" in plain(at.markdown[1].value)
    return at


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_data_screen_handles_the_file_and_stays_usable(session, case):
    at = load_good_file(session)
    good_table = at.session_state["uploaded_table"]
    upload(at, case.name, case.data)
    if case.outcome != "unreadable":
        if case.target is not None:
            at.selectbox(key="data_target").set_value(case.target).run()
        if case.task != "auto":
            at.selectbox(key="data_task").set_value(case.task).run()
    assert not at.exception, at.exception
    errors = texts(at, "error")
    shown = texts(at, *MARKDOWN_ELEMENTS)

    if case.outcome in ("unreadable", "unusable"):
        assert any(case.message in e for e in errors), errors
    else:
        assert not errors, errors
        assert any(case.message in text for text in shown), shown
    if case.outcome == "unreadable":  # the good file stays the active data
        assert f"Still using the file loaded before: {GOOD_NAME}." in texts(at, "info")
        assert at.session_state["uploaded_table"] is good_table
        assert at.session_state["spec"]["data"]["target"] == GOOD_TARGET
        assert "Task: binary" in plain(at.markdown[1].value)
    if case.outcome == "loads":
        assert any("Task: " in t for t in texts(at, "markdown"))
        assert at.session_state["spec"]["data"]["source"] == case.name
    # User text is never rendered as HTML or Markdown: it arrives escaped.
    raw = [e.value for kind in MARKDOWN_ELEMENTS for e in at.get(kind)]
    assert not [v for v in raw if RAW_HTML.search(v)]
    if "<" in case.name:
        assert any(re.search(r"\\<img src\\=x", v) for v in raw)  # shown, escaped

    # The session stays usable: the Model screen opens on what is active now.
    go(at, "model")
    assert not at.exception, at.exception
    assert at.title[0].value == "Model"
    captions = texts(at, "caption")
    if case.outcome == "unreadable":
        assert any(f"predicts '{GOOD_TARGET}' (binary)" in c for c in captions)
    elif case.outcome == "loads":
        assert any(c.startswith("Inputs: ") for c in captions), captions
    else:
        assert "Choose data on the Data screen first." in texts(at, "info")


# --- the command line ----------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_results(tmp_path_factory) -> dict[str, cli.Result]:
    """`python -m nncore data EXPERIMENT --data FILE --target COL` on every file.

    One process runs them all (``cli.run_batch``); the first file of each outcome
    also runs in a ``python -m nncore`` process of its own, which must print the
    same.
    """
    folder = tmp_path_factory.mktemp("hostile")
    commands = []
    for index, case in enumerate(CASES):
        place = folder / f"{index:02d}"
        place.mkdir()
        (place / case.name).write_bytes(case.data)
        spec = place / "experiment.json"
        spec.write_text(json.dumps({"data": {"task": case.task}}))
        args = ["data", spec, "--data", place / case.name]
        commands.append(args + (["--target", case.target] if case.target else []))
    results = dict(zip(IDS, cli.run_batch(commands, cwd=folder), strict=True))
    firsts = {case.outcome: i for i, case in reversed(list(enumerate(CASES)))}
    for index in firsts.values():
        alone = cli.run(commands[index], cwd=folder)
        batched = results[IDS[index]]
        assert alone.returncode == batched.returncode, alone.stderr
        assert alone.stdout == batched.stdout
        assert alone.stderr.splitlines()[-1:] == batched.stderr.splitlines()[-1:]
    return results


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_command_line_handles_the_file(cli_results, case):
    result = cli_results[case.id]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    if case.outcome == "loads":
        assert result.returncode == 0, result.stderr[-2000:]
        summary = json.loads(result.stdout.strip().splitlines()[-1])
        assert {"task", "n_train", "n_val", "n_test", "warnings"} <= set(summary)
        assert case.cli_text in json.dumps(summary, ensure_ascii=False), summary
    else:
        cli.assert_one_error_line(result, case.cli_text)
