"""The run store: runs survive a restart, keep their history and report clearly."""

import math
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from nncore.core.errors import DataError
from nncore.runs.store import (
    DATABASE_NAME,
    SCHEMA_VERSION,
    STATUSES,
    RunStore,
    UnknownRunError,
)
from tests.isolation import heavy_modules_after

ROOT = Path(__file__).resolve().parents[2]
SPEC = {"data": {"source": "builtin:iris"}, "train": {"epochs": 3}}


def new_run(store, epochs_planned=3):
    return store.create(
        SPEC, dataset="builtin:iris", task="multiclass", epochs_planned=epochs_planned
    )


def test_a_finished_run_reads_back_after_a_restart(tmp_path):
    store = RunStore(tmp_path)
    run_id = new_run(store)
    store.set_status(run_id, "running")
    for epoch in range(3):
        store.add_epoch(run_id, epoch, {"loss": 1.0 - epoch / 10, "val_loss": 1.2})
    store.model_path(run_id).write_bytes(b"model")
    metrics = {"val": {"accuracy": 0.9}, "test": {"accuracy": 0.8, "roc_auc": None}}
    store.finish(run_id, metrics, {"accuracy": 0.33})

    run = RunStore(tmp_path).get(run_id)  # a new process opening the same folder

    assert len(run_id) == 12
    assert run.status == "finished"
    assert run.spec == SPEC
    assert (run.dataset, run.task) == ("builtin:iris", "multiclass")
    assert (run.epochs_planned, run.epochs_run) == (3, 3)
    assert run.history == {"loss": [1.0, 0.9, 0.8], "val_loss": [1.2, 1.2, 1.2]}
    assert run.metrics == metrics
    assert run.baseline == {"accuracy": 0.33}
    assert run.model_path == tmp_path / run_id / "model.keras"
    assert run.model_path.read_bytes() == b"model"
    assert run.checkpoint_path is None
    assert run.created <= run.updated
    assert run.created.endswith("+00:00")


def test_schema_is_versioned_and_in_wal_mode(tmp_path):
    RunStore(tmp_path)
    connection = sqlite3.connect(tmp_path / DATABASE_NAME)
    try:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        connection.close()


def test_folder_comes_from_the_environment_when_not_given(tmp_path, monkeypatch):
    monkeypatch.setenv("NNSTUDIO_RUNS_DIR", str(tmp_path / "from-env"))
    store = RunStore()
    assert store.folder == tmp_path / "from-env"
    assert (tmp_path / "from-env" / DATABASE_NAME).is_file()
    explicit = RunStore(tmp_path / "explicit")
    assert explicit.folder == tmp_path / "explicit"


def test_default_folder_is_nnstudio_runs_in_the_working_directory(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("NNSTUDIO_RUNS_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert RunStore().folder == tmp_path / "nnstudio-runs"


def test_history_is_in_epoch_order_and_keeps_nan_and_infinity(tmp_path):
    store = RunStore(tmp_path)
    run_id = new_run(store)
    # Written out of order, and epoch 1 written twice (a resumed run repeats it).
    store.add_epoch(run_id, 2, {"loss": math.inf, "val_loss": -math.inf})
    store.add_epoch(run_id, 0, {"loss": 0.5, "val_loss": 0.6})
    store.add_epoch(run_id, 1, {"loss": 9.9})
    store.add_epoch(run_id, 1, {"loss": math.nan, "val_loss": 0.7})
    store.finish(run_id, {"val": {"r2": math.nan}}, {"r2": -math.inf})

    run = RunStore(tmp_path).get(run_id)

    assert run.epochs_run == 3
    assert run.history["loss"][0] == 0.5
    assert math.isnan(run.history["loss"][1])
    assert run.history["loss"][2] == math.inf
    assert run.history["val_loss"] == [0.6, 0.7, -math.inf]
    assert math.isnan(run.metrics["val"]["r2"])
    assert run.baseline == {"r2": -math.inf}
    # Stored as valid JSON, readable by any JSON reader (no bare NaN tokens).
    connection = sqlite3.connect(tmp_path / DATABASE_NAME)
    try:
        texts = [row[0] for row in connection.execute("SELECT logs FROM epochs")]
        texts.append(connection.execute("SELECT metrics FROM runs").fetchone()[0])
        assert all(
            connection.execute("SELECT json_valid(?)", (text,)).fetchone()[0]
            for text in texts
        )
    finally:
        connection.close()


def test_numpy_scalars_in_logs_are_stored_as_numbers(tmp_path):
    np = pytest.importorskip("numpy")
    store = RunStore(tmp_path)
    run_id = new_run(store)
    store.add_epoch(run_id, 0, {"loss": np.float32(0.25), "count": np.int64(4)})
    assert store.get(run_id).history == {"loss": [0.25], "count": [4]}


def test_missing_metric_in_an_epoch_is_none_so_lists_stay_aligned(tmp_path):
    store = RunStore(tmp_path)
    run_id = new_run(store)
    store.add_epoch(run_id, 0, {"loss": 0.5})
    store.add_epoch(run_id, 1, {"loss": 0.4, "val_loss": 0.45})
    assert store.get(run_id).history == {"loss": [0.5, 0.4], "val_loss": [None, 0.45]}


@pytest.mark.parametrize("status", STATUSES, ids=STATUSES)
def test_every_status_can_be_set(tmp_path, status):
    store = RunStore(tmp_path)
    run_id = new_run(store)
    assert store.get(run_id).status == "queued"
    store.set_status(run_id, status, error="boom" if status == "failed" else None)
    run = store.get(run_id)
    assert run.status == status
    assert run.error == ("boom" if status == "failed" else None)


def test_an_invalid_status_names_the_allowed_ones(tmp_path):
    store = RunStore(tmp_path)
    run_id = new_run(store)
    with pytest.raises(ValueError, match=r"must be one of \{'queued', .*Got 'done'"):
        store.set_status(run_id, "done")
    with pytest.raises(ValueError, match=r"\{'finished', 'stopped', 'failed'\}"):
        store.finish(run_id, {}, {}, status="running")
    assert store.get(run_id).status == "queued"


@pytest.mark.parametrize(
    "call",
    [
        lambda store: store.get("nope"),
        lambda store: store.set_status("nope", "running"),
        lambda store: store.add_epoch("nope", 0, {"loss": 1.0}),
        lambda store: store.finish("nope", {}, {}),
        lambda store: store.model_path("nope"),
        lambda store: store.checkpoint_path("nope"),
        lambda store: store.resume_point("nope"),
        lambda store: store.delete("nope"),
    ],
    ids=[
        "get",
        "set_status",
        "add_epoch",
        "finish",
        "model_path",
        "checkpoint_path",
        "resume_point",
        "delete",
    ],
)
def test_unknown_run_id_says_which_and_what_to_do(tmp_path, call):
    store = RunStore(tmp_path)
    with pytest.raises(UnknownRunError, match=r"No run with run_id='nope'.*list_runs"):
        call(store)
    assert isinstance(UnknownRunError("x"), KeyError)
    assert not (tmp_path / "nope").exists()


@pytest.mark.parametrize(
    ("epoch", "logs", "error", "match"),
    [
        (-1, {}, ValueError, r"Received: epoch=-1"),
        (1.5, {}, ValueError, r"Received: epoch=1.5"),
        (0, [0.1], TypeError, r"logs of type list"),
        (0, {"loss": object()}, TypeError, r"Expected numbers, strings or None"),
    ],
    ids=["negative", "float", "not-a-dict", "object-value"],
)
def test_bad_epoch_input_is_rejected(tmp_path, epoch, logs, error, match):
    store = RunStore(tmp_path)
    run_id = new_run(store)
    with pytest.raises(error, match=match):
        store.add_epoch(run_id, epoch, logs)
    assert store.get(run_id).epochs_run == 0


def test_bad_create_input_is_rejected(tmp_path):
    store = RunStore(tmp_path)
    with pytest.raises(ValueError, match=r"epochs_planned=0. Expected a positive"):
        store.create(SPEC, epochs_planned=0)
    with pytest.raises(TypeError, match=r"spec of type str"):
        store.create("spec.json")
    with pytest.raises(ValueError, match=r"spec cannot be stored as JSON"):
        store.create({"train": {"epochs": math.nan}})
    assert store.list_runs() == []


def test_mark_interrupted_catches_runs_of_a_dead_process(tmp_path):
    store = RunStore(tmp_path)
    finished = new_run(store)
    store.finish(finished, {}, {})
    # A previous process created and started these, then died.
    code = (
        "import sys; from nncore.runs.store import RunStore\n"
        "store = RunStore(sys.argv[1])\n"
        "running = store.create({}); store.set_status(running, 'running')\n"
        "store.add_epoch(running, 0, {'loss': 1.0})\n"
        "queued = store.create({})\n"
        "print(running, queued)\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    dead_running, dead_queued = output.split()
    ours = new_run(store)  # queued by this live process: left alone
    store.set_status(ours, "running")

    marked = RunStore(tmp_path).mark_interrupted()

    assert marked == [dead_queued, dead_running]
    assert store.get(dead_running).status == "interrupted"
    assert "process running it ended" in store.get(dead_running).error
    assert store.get(dead_queued).status == "interrupted"
    assert store.get(ours).status == "running"
    assert store.get(finished).status == "finished"
    assert store.mark_interrupted() == []


def test_resume_point_is_the_last_epoch_with_its_checkpoint(tmp_path):
    store = RunStore(tmp_path)
    run_id = new_run(store, epochs_planned=10)
    assert store.resume_point(run_id) == (0, None)
    checkpoint = store.checkpoint_path(run_id)
    assert checkpoint == tmp_path / run_id / "checkpoint.keras"
    assert checkpoint.parent.is_dir()
    for epoch in range(4):
        store.add_epoch(run_id, epoch, {"loss": 1.0})
    assert store.resume_point(run_id) == (0, None)  # no checkpoint file yet
    checkpoint.write_bytes(b"weights")
    store.set_status(run_id, "interrupted")

    assert RunStore(tmp_path).resume_point(run_id) == (4, checkpoint)


def test_list_runs_is_newest_first(tmp_path):
    store = RunStore(tmp_path)
    run_ids = [new_run(store) for _ in range(4)]
    store.add_epoch(run_ids[1], 0, {"loss": 0.5})
    runs = RunStore(tmp_path).list_runs()
    assert [run.run_id for run in runs] == run_ids[::-1]
    assert runs[2].history == {"loss": [0.5]}
    assert runs[0].history == {}


def test_delete_removes_the_row_its_epochs_and_its_files(tmp_path):
    store = RunStore(tmp_path)
    kept, deleted = new_run(store), new_run(store)
    for run_id in (kept, deleted):
        store.add_epoch(run_id, 0, {"loss": 1.0})
        store.model_path(run_id).write_bytes(b"model")
        store.checkpoint_path(run_id).write_bytes(b"weights")
        store.finish(run_id, {}, {})

    store.delete(deleted)

    assert not (tmp_path / deleted).exists()
    assert (tmp_path / kept / "model.keras").exists()
    assert [run.run_id for run in store.list_runs()] == [kept]
    with pytest.raises(UnknownRunError):
        store.get(deleted)
    connection = sqlite3.connect(tmp_path / DATABASE_NAME)
    try:
        rows = connection.execute("SELECT run_id FROM epochs").fetchall()
    finally:
        connection.close()
    assert rows == [(kept,)]


def test_a_running_run_of_this_process_cannot_be_deleted(tmp_path):
    store = RunStore(tmp_path)
    run_id = new_run(store)
    store.set_status(run_id, "running")
    with pytest.raises(ValueError, match=r"is running. Stop it first"):
        store.delete(run_id)
    store.set_status(run_id, "stopped")
    store.delete(run_id)
    assert store.list_runs() == []


def test_two_threads_write_epochs_to_different_runs(tmp_path):
    store = RunStore(tmp_path)
    run_ids = [new_run(store, epochs_planned=100) for _ in range(2)]
    errors = []

    def train(run_id, own_store):
        try:
            own_store.set_status(run_id, "running")
            for epoch in range(100):
                own_store.add_epoch(run_id, epoch, {"loss": float(epoch)})
                own_store.list_runs()  # the UI thread reads while workers write
            own_store.finish(run_id, {"val": {"loss": 0.0}}, {})
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [
        threading.Thread(target=train, args=(run_ids[0], store)),
        threading.Thread(target=train, args=(run_ids[1], RunStore(tmp_path))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    for run_id in run_ids:
        run = store.get(run_id)
        assert run.status == "finished"
        assert run.epochs_run == 100
        assert run.history["loss"] == [float(epoch) for epoch in range(100)]


def test_a_corrupt_database_says_which_file_and_to_move_it_away(tmp_path):
    (tmp_path / DATABASE_NAME).write_bytes(b"this is not an sqlite database\n" * 200)
    with pytest.raises(DataError, match=r"runs\.sqlite.*Move the file away") as info:
        RunStore(tmp_path)
    assert str(tmp_path / DATABASE_NAME) in str(info.value)


def test_a_database_from_a_newer_version_is_refused(tmp_path):
    RunStore(tmp_path)
    connection = sqlite3.connect(tmp_path / DATABASE_NAME)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    with pytest.raises(DataError, match=r"newer NN Studio.*Upgrade NN Studio"):
        RunStore(tmp_path)


def test_a_folder_that_cannot_be_created_says_how_to_fix_it(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(DataError, match=r"Could not create the runs folder.*NNSTUDIO"):
        RunStore(blocker / "runs")


def test_importing_the_store_pulls_in_no_tensorflow_or_streamlit():
    assert heavy_modules_after("import nncore.runs.store") == []
