"""Storage faults: a runs folder that cannot be written, and a disk that fills up
while a network trains. Training still works and shows its results, with a warning
that says what happened and what to do; nothing shows a traceback.

A runs folder that cannot be created is a path under a regular file (that fails
for root too, where permissions do not). A full disk is real: a small tmpfs
mounted for the test and filled (ENOSPC) when the machine allows ``mount``, as
root in a container does; otherwise the process's file size limit
(``RLIMIT_FSIZE``) is lowered below the size of the run database, so every write
fails (EFBIG). Set ``NNSTUDIO_TEST_DISK=rlimit`` to use the second way anyway. The
disk fills while the network trains, after its run was recorded, in a child
process (the file size limit applies to a whole process).
"""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from nncore.runs.store import RunStore
from nncore.spec import default_spec, validate_spec
from tests.support import (
    go,
    keras_in_the_main_thread,  # noqa: F401
    plain,
    poll,
    status,
)

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


POLL_LIMIT_S = 120
NOT_KEPT = (
    "This run is not being kept: Could not create the runs folder '{folder}' (Not a "
    "directory). Set NNSTUDIO_RUNS_DIR to a folder you can write to, or free some "
    "disk space. Training works; the run will not appear among the recorded runs."
)
NOT_KEPT_COMPLETELY = re.compile(
    r"This run is not being kept completely: the runs folder '.+' could not be "
    r"written \((database or disk is full|disk I/O error)\)\. Free some disk space or "
    r"set NNSTUDIO_RUNS_DIR to a folder you can write to\. Training goes on, and its "
    r"results are shown here\."
)
STORE_UNWRITABLE = re.compile(
    r"Could not write to the runs folder '.+' \((database or disk is full|disk "
    r"I/O error)\): the disk is full, or the folder is read-only\. Free some disk "
    r"space, or set NNSTUDIO_RUNS_DIR to a folder you can write to\."
)
MODEL_NOT_SAVED = re.compile(
    r"The model could not be saved \((No space left on device|File too large)\)\. "
    r"Free some disk space or set NNSTUDIO_RUNS_DIR to a folder you can write to\."
)


def iris_spec(epochs: int = 5) -> dict:
    spec = default_spec()
    spec["data"]["source"] = "builtin:iris"
    spec["model"]["layers"] = [{"type": "dense", "units": 8, "activation": "relu"}]
    spec["train"].update(epochs=epochs, batch_size=16)
    spec["train"]["early_stopping"]["enabled"] = False
    return validate_spec(spec)


def long_spec() -> dict:
    """A run long enough that Stop comes before its plan ends, even on a busy
    machine (1,000 epochs of Iris can end first: they take a second or two)."""
    spec = iris_spec(epochs=1000)
    spec["data"]["source"] = "builtin:gaussian"
    spec["data"]["n_samples"] = 4000
    spec["train"]["batch_size"] = 8
    return spec


def epochs_done(at: AppTest) -> int:
    values = [m.value for m in at.metric if m.label == "Epoch"]
    return int(values[0].split("/")[0]) if values else 0


def curve_points(at: AppTest) -> int:
    """Epochs drawn on the learning-curve chart (its training line)."""
    for chart in at.get("plotly_chart"):
        figure = json.loads(chart.proto.spec)
        lines = [t for t in figure["data"] if t.get("name") == "training"]
        if lines:
            return len(lines[0]["x"])
    return 0


# --- a runs folder that cannot be created ------------------------------------------


@pytest.fixture
def blocked_runs(tmp_path, monkeypatch):
    """NNSTUDIO_RUNS_DIR set to a folder that cannot be created, even by root."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    folder = blocker / "runs"
    monkeypatch.setenv("NNSTUDIO_RUNS_DIR", str(folder))
    return folder


def test_the_train_screen_trains_and_says_the_runs_folder_cannot_be_written(
    blocked_runs,
):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["spec"] = iris_spec(epochs=5)
    at.run()
    go(at, "train")
    assert not at.exception and not at.error
    at.button(key="train_start").click().run()
    assert not at.exception and not at.error
    poll(
        at,
        lambda at: status(at).startswith("Finished"),
        "the training to end",
        limit_s=POLL_LIMIT_S,
    )
    assert status(at) == "Finished: 5 epochs"
    assert curve_points(at) == 5  # the history is shown
    assert {m.label for m in at.metric} >= {"Accuracy", "Epoch"}
    warnings = [plain(w.value) for w in at.warning]
    assert NOT_KEPT.format(folder=blocked_runs) in warnings
    assert any(b.label == "Model (.keras)" for b in at.get("download_button"))

    go(at, "runs")
    assert not at.exception
    assert [plain(e.value) for e in at.error] == [
        "Runs are not being kept here: Could not create the runs folder "
        f"'{blocked_runs}' (Not a directory). Set NNSTUDIO_RUNS_DIR to a folder you "
        "can write to, or free some disk space."
    ]
    go(at, "evaluate")  # the session's model is still there to evaluate
    assert not at.exception


def test_cli_run_with_an_unwritable_runs_folder_prints_the_result_and_a_warning(
    blocked_runs, tmp_path
):
    experiment = tmp_path / "experiment.json"
    experiment.write_text(json.dumps(iris_spec(epochs=3)))
    result = subprocess.run(
        [sys.executable, "-m", "nncore", "run", str(experiment)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["run_id"] is None and summary["epochs_run"] == 3
    assert summary["metrics"]["val"]["accuracy"] is not None
    assert NOT_KEPT.format(folder=blocked_runs) in summary["warnings"]
    assert f"warning: Could not create the runs folder '{blocked_runs}'" in (
        result.stderr
    )


# --- a disk that fills up while training -------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A folder for the runs on a disk that can be filled: ``(folder, how)``.

    ``how`` is ``"tmpfs"`` (a 2 MB tmpfs mounted there, filled with a file) or
    ``"rlimit"`` (a plain folder; the writing process lowers its file size limit).
    """
    folder = tmp_path / "disk"
    folder.mkdir()
    how = "rlimit"
    if os.environ.get("NNSTUDIO_TEST_DISK", "tmpfs") == "tmpfs":
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)],
            capture_output=True,
        )
        how = "tmpfs" if mounted.returncode == 0 else "rlimit"
    try:
        yield folder, how
    finally:
        if how == "tmpfs":
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def fill_disk(folder: str, how: str) -> None:
    """Make every further write to ``folder`` fail (run in the writing process)."""
    if how == "tmpfs":
        descriptor = os.open(os.path.join(folder, "filler"), os.O_WRONLY | os.O_CREAT)
        for size in (1 << 16, 1 << 12, 1):
            try:
                while True:
                    os.write(descriptor, b"\0" * size)
            except OSError:
                pass  # no space left on the device: the next smaller size
        os.close(descriptor)
    else:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, hard))


def run_scenario(name: str, folder: str, how: str) -> None:
    """Run a disk-full scenario in this (child) process; print its findings as JSON."""
    print(json.dumps(SCENARIOS[name](folder, how), default=str))


def wait_for_epochs(manager, job: str, epochs: int) -> None:
    deadline = time.monotonic() + POLL_LIMIT_S
    while (view := manager.view(job)).epochs_done < epochs:
        assert view.status in ("queued", "running"), view.error
        assert time.monotonic() < deadline, f"gave up waiting for epoch {epochs}"
        time.sleep(0.01)


def manager_scenario(folder: str, how: str) -> dict:
    from nncore.core.errors import DataError
    from nncore.data.inspect import load_source
    from nncore.data.prepare import prepare_from_spec
    from nncore.runs.manager import JobManager
    from nncore.runs.store import RunStore

    spec = long_spec()
    prepared = prepare_from_spec(load_source(spec["data"]).frame, spec["data"])
    store = RunStore(os.path.join(folder, "runs"))
    manager = JobManager(store=store, checkpoint_seconds=0.2)
    job = manager.submit(spec, prepared, owner="a")
    found = {"recorded_before": [r.status for r in store.list_runs()]}
    wait_for_epochs(manager, job, 2)
    fill_disk(folder, how)
    full_at = manager.view(job).epochs_done
    wait_for_epochs(manager, job, full_at + 5)
    manager.stop(job)
    view = manager.wait(job, timeout=POLL_LIMIT_S)
    found.update(
        status=view.status,
        epochs=view.epochs_done,
        full_at=full_at,
        history=len(view.history["loss"]),
        metrics=view.metrics,
        warnings=view.warnings,
        error=view.error,
        can_continue=view.can_continue,
    )
    try:
        store.create(spec)
    except DataError as error:
        found["create_error"] = [type(error).__name__, str(error)]
    try:  # SQLite may need to write to read (its WAL index): it says why
        found["listed"] = [r.status for r in store.list_runs()]
    except DataError as error:
        found["listed"] = str(error)
    manager.continue_(job, epochs=2)
    view = manager.wait(job, timeout=POLL_LIMIT_S)
    found["continued"] = [view.status, view.epochs_done]
    manager.shutdown()
    return found


def screen_scenario(folder: str, how: str) -> dict:
    os.environ["NNSTUDIO_RUNS_DIR"] = os.path.join(folder, "runs")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["spec"] = long_spec()
    at.run()
    go(at, "train")
    at.button(key="train_start").click().run()
    poll(at, lambda at: epochs_done(at) >= 2, "two epochs", limit_s=POLL_LIMIT_S)
    fill_disk(folder, how)
    full_at = epochs_done(at)
    poll(
        at,
        lambda at: epochs_done(at) >= full_at + 5,
        "more epochs",
        limit_s=POLL_LIMIT_S,
    )
    at.button(key="train_stop").click().run()
    poll(
        at,
        lambda at: status(at).startswith("Stopped"),
        "the training to stop",
        limit_s=POLL_LIMIT_S,
    )
    found = {
        "status": status(at),
        "full_at": full_at,
        "curve": curve_points(at),
        "metrics": sorted(m.label for m in at.metric),
        "warnings": [plain(w.value) for w in at.warning],
        "errors": [plain(e.value) for e in at.error],
        "exception": bool(at.exception),
    }
    go(at, "runs")
    found["runs_exception"] = bool(at.exception)
    found["runs_errors"] = [plain(e.value) for e in at.error]
    return found


SCENARIOS = {"manager": manager_scenario, "screen": screen_scenario}


def in_child(name: str, folder: Path, how: str) -> tuple[dict, str]:
    code = (
        "from tests.reliability.test_storage import run_scenario; "
        f"run_scenario({name!r}, {str(folder)!r}, {how!r})"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "NNSTUDIO_RUNS_DIR": str(folder / "runs"),
        },
        timeout=400,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stderr


def test_a_disk_full_mid_run_keeps_the_result_and_warns(small_disk):
    folder, how = small_disk
    found, stderr = in_child("manager", folder, how)
    # The run was recorded before the disk filled up.
    assert found["recorded_before"] in (["queued"], ["running"])
    assert found["status"] == "stopped"  # ended cleanly, as asked
    assert found["epochs"] >= found["full_at"] + 5
    assert found["history"] == found["epochs"]
    assert found["metrics"]["val"]["accuracy"] is not None
    assert found["error"] is None
    assert any(NOT_KEPT_COMPLETELY.fullmatch(w) for w in found["warnings"]), found
    if how == "rlimit":  # a tmpfs leaves the temporary folder for the model
        assert any(MODEL_NOT_SAVED.fullmatch(w) for w in found["warnings"]), found
    # A new run cannot be recorded; the message says why and what to do, and never
    # to move the database away (it is fine).
    kind, message = found["create_error"]
    assert kind == "StoreWriteError"
    assert STORE_UNWRITABLE.fullmatch(message), message
    # The runs recorded before are listed, or the same message says why not.
    assert found["listed"] in (["running"], message), found["listed"]
    assert found["continued"] == ["finished", found["epochs"] + 2]
    assert "Traceback" not in stderr


def test_a_disk_full_mid_run_on_the_train_screen_shows_the_result(small_disk):
    folder, how = small_disk
    found, stderr = in_child("screen", folder, how)
    assert not found["exception"] and not found["errors"]
    assert found["status"].startswith("Stopped by you after epoch")
    assert found["curve"] >= found["full_at"] + 5  # the history is shown
    assert "Accuracy" in found["metrics"]  # and the validation results
    assert any(NOT_KEPT_COMPLETELY.fullmatch(w) for w in found["warnings"]), found
    # The Runs screen lists the runs, or says that the disk is full and what to do.
    assert not found["runs_exception"]
    assert all(STORE_UNWRITABLE.fullmatch(e) for e in found["runs_errors"]), found
    assert "Traceback" not in stderr


def test_cli_run_with_a_disk_full_mid_run_prints_the_result_with_a_warning(
    tmp_path,
):
    """The disk of a running CLI fills up: its file size limit drops (prlimit) to
    less than its run database; the result JSON still comes, with a warning.

    The run is long (400 epochs, a few seconds) and the process is paused while
    its limit drops: 40 epochs ran in half a second, and in CI the whole run was
    once over before the limit came."""
    spec = iris_spec(epochs=400)
    spec["data"]["source"] = "builtin:gaussian"
    spec["data"]["n_samples"] = 4000
    spec["train"]["batch_size"] = 8
    experiment = tmp_path / "experiment.json"
    experiment.write_text(json.dumps(spec))
    runs = tmp_path / "runs"
    process = subprocess.Popen(
        [sys.executable, "-m", "nncore", "run", str(experiment)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "NNSTUDIO_RUNS_DIR": str(runs),
            "NNSTUDIO_CHECKPOINT_SECONDS": "0.2",
        },
    )
    lines = []
    try:
        for line in process.stderr:
            lines.append(line)
            if line.startswith("epoch 2/"):
                process.send_signal(signal.SIGSTOP)
                _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
                resource.prlimit(process.pid, resource.RLIMIT_FSIZE, (1024, hard))
                process.send_signal(signal.SIGCONT)
                break
        stdout, stderr = process.communicate(timeout=400)
    finally:
        process.kill()
    stderr = "".join(lines) + stderr
    assert process.returncode == 0, stderr[-3000:]
    assert "Traceback" not in stderr
    summary = json.loads(stdout.strip().splitlines()[-1])
    assert summary["epochs_run"] == 400
    assert summary["metrics"]["val"]["accuracy"] is not None
    warnings = summary["warnings"]
    assert any(NOT_KEPT_COMPLETELY.fullmatch(w) for w in warnings), warnings
    assert any(MODEL_NOT_SAVED.fullmatch(w) for w in warnings), warnings


# The child: a run store whose disk has room for the run and some 90 epochs more,
# then fills up partway through a write (SQLite rolls that transaction back itself).
FILLS_PARTWAY = """
import json, resource, sys
from nncore.runs.store import RunStore
store = RunStore(sys.argv[1])
run_id = store.create({"data": {}}, epochs_planned=1000)
_, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (store.database.stat().st_size + 8192, hard))
for epoch in range(1000):
    try:
        store.add_epochs(run_id, {epoch: {"loss": 0.5, "val_loss": 0.25}})
    except Exception as error:
        print(json.dumps([run_id, epoch, type(error).__name__, str(error)]))
        break
"""


def test_a_disk_that_fills_partway_through_a_write_says_it_is_full(tmp_path):
    """The disk fills in the middle of recording an epoch. The error says the
    folder cannot be written, never that the database is unreadable and should be
    moved away (SQLite had already rolled back; a second ROLLBACK hid why); the
    epochs recorded before are all there."""
    folder = tmp_path / "runs"
    result = subprocess.run(
        [sys.executable, "-c", FILLS_PARTWAY, str(folder)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    run_id, full_at, kind, message = json.loads(result.stdout)
    assert kind == "StoreWriteError", message
    assert STORE_UNWRITABLE.fullmatch(message), message
    assert "Move the file away" not in message
    run = RunStore(folder).get(run_id)
    assert 0 < full_at == len(run.history["loss"])
