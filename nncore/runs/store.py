"""The run store: every training run, kept in SQLite next to its model files.

A runs folder (default ``./nnstudio-runs/``, or ``$NNSTUDIO_RUNS_DIR``) holds
``runs.sqlite`` and one sub-folder per run for its ``model.keras`` and
``checkpoint.keras``. The store records specs, per-epoch logs, metrics, statuses and
file paths; it never imports Keras or Streamlit, so the runs screen opens fast.

Threads: every method opens its own connection and closes it before returning, so a
worker thread (writing epochs) and the UI thread (listing runs) never share one and
need no lock. Writes start with ``BEGIN IMMEDIATE`` and wait up to
``BUSY_TIMEOUT_S`` for another writer, which also covers a second process (the CLI)
using the same folder. WAL mode lets readers go on while a run writes.

Example:

    store = RunStore()
    run_id = store.create(spec, dataset="builtin:iris", task="multiclass",
                          epochs_planned=20)
    store.set_status(run_id, "running")
    store.add_epoch(run_id, 0, {"loss": 0.9, "val_loss": 1.1})
    store.finish(run_id, metrics={"val": {...}, "test": {...}}, baseline={...})

The tables, their versions and the migrations of older databases are in
``nncore.runs.database``.
"""

from __future__ import annotations

import json
import numbers
import os
import shutil
import socket
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from nncore.core.errors import DataError
from nncore.runs.database import SCHEMA_VERSION, WRITE_FAILURES, migrate
from nncore.runs.encoding import (
    history_from_logs,
    numbers_from_json,
    numbers_json,
    spec_json,
)
from nncore.runs.naming import check_run_name, default_run_name, unique_name

RUNS_DIR_ENV = "NNSTUDIO_RUNS_DIR"
DEFAULT_RUNS_DIR = "nnstudio-runs"
DATABASE_NAME = "runs.sqlite"
BUSY_TIMEOUT_S = 30.0
STATUSES = ("queued", "running", "finished", "stopped", "interrupted", "failed")
FINAL_STATUSES = ("finished", "stopped", "failed")
MODEL_FILE = "model.keras"
CHECKPOINT_FILE = "checkpoint.keras"

# Identifies this process in the ``owner`` column, so mark_interrupted() never
# touches runs that this process (or another live one on this host) is training.
_HOST = socket.gethostname()
_PROCESS_TOKEN = f"{_HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class StoreWriteError(DataError):
    """The runs folder cannot be written: the disk is full, or the folder is
    read-only or gone. ``reason`` is the system's short explanation."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


class UnknownRunError(KeyError):
    """A run id that the store does not hold."""

    def __str__(self) -> str:
        # KeyError would show the message in quotes; a user should read it plainly.
        return str(self.args[0]) if self.args else ""


@dataclass
class Run:
    """One recorded run, every field decoded.

    Attributes:
        run_id: short unique id, e.g. ``"3f9c2a1b7d4e"``.
        status: one of ``STATUSES``.
        created: when the run was created, UTC ISO 8601.
        updated: when it last changed, UTC ISO 8601.
        spec: the experiment spec it ran.
        dataset: the data source, e.g. ``"builtin:iris"`` or a file path.
        task: ``"binary"``, ``"multiclass"`` or ``"regression"`` (None if unknown).
        epochs_planned: the epochs asked for.
        epochs_run: epochs completed (the last recorded epoch + 1).
        history: metric name -> one value per recorded epoch, in epoch order (None
            where an epoch did not log that metric).
        metrics: ``{"val": {...}, "test": {...}}`` once finished, else None.
        baseline: the baseline's test metrics once finished, else None.
        error: what went wrong, for failed runs.
        model_path: where the model is (or will be) saved, None if never asked.
        checkpoint_path: where the last checkpoint is, None if never asked.
        test_looks: how often its test set was looked at with this run's model
            (``record_test_look``); its test metrics are shown only after one.
        reference: the reference models' scores on the same rows, ``{"val":
            {model_name: metrics}, "test": {...}}`` (``nncore.train.reference``);
            None for runs without them (older runs, unfinished ones).
        reference_problems: model name -> why it could not be trained.
        metrics_ci: the error bars of ``metrics``, ``{"val": {metric: [low,
            high]}, "test": {...}}``; None for runs without them.
        rows: rows per split, ``{"train": 120, "val": 15, "test": 15}``; None for
            older runs.
        name: what people call the run, e.g. ``"Iris flowers · 128-64 · 10:31"``
            (``nncore.runs.naming``); ``rename`` changes it.
    """

    run_id: str
    status: str
    created: str
    updated: str
    spec: dict
    dataset: str | None
    task: str | None
    epochs_planned: int | None
    epochs_run: int
    history: dict[str, list[float | None]] = field(default_factory=dict)
    metrics: dict | None = None
    baseline: dict | None = None
    error: str | None = None
    model_path: Path | None = None
    checkpoint_path: Path | None = None
    test_looks: int = 0
    reference: dict | None = None
    reference_problems: dict[str, str] = field(default_factory=dict)
    metrics_ci: dict | None = None
    rows: dict[str, int] | None = None
    name: str = ""


class RunStore:
    """Runs recorded in ``<folder>/runs.sqlite`` plus one sub-folder per run.

    Args:
        folder: the runs folder. Defaults to ``$NNSTUDIO_RUNS_DIR`` when that is set,
            else ``./nnstudio-runs``. Created if missing. Default: None.

    Raises:
        DataError: the folder cannot be created or written (``StoreWriteError``:
            the disk is full or the folder read-only), or ``runs.sqlite`` is not a
            run database NN Studio can read (the message says to move it away).

    Any method that writes raises ``StoreWriteError`` when the disk is full or the
    folder has become read-only.
    """

    def __init__(self, folder: str | os.PathLike | None = None):
        if folder is None:
            folder = os.environ.get(RUNS_DIR_ENV) or DEFAULT_RUNS_DIR
        self.folder = Path(folder).expanduser().absolute()
        self.database = self.folder / DATABASE_NAME
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            reason = error.strerror or str(error)
            raise StoreWriteError(
                f"Could not create the runs folder '{self.folder}' ({reason}). Set "
                f"{RUNS_DIR_ENV} to a folder you can write to, or free some disk "
                "space.",
                reason,
            ) from error
        self._open_schema()

    def __repr__(self) -> str:
        return f"RunStore(folder={str(self.folder)!r})"

    # Writing runs.

    def create(
        self,
        spec: dict,
        *,
        dataset: str | None = None,
        task: str | None = None,
        epochs_planned: int | None = None,
        rows: dict[str, int] | None = None,
        name: str | None = None,
    ) -> str:
        """Record a new run with status ``"queued"``; return its id.

        Args:
            spec: the experiment spec (a JSON-serialisable dict).
            dataset: the data source, e.g. ``"builtin:iris"``. Default: None.
            task: ``"binary"``, ``"multiclass"`` or ``"regression"``. Default: None.
            epochs_planned: the epochs asked for. Default: None.
            rows: rows per split, e.g. ``{"train": 120, "val": 15, "test": 15}``.
                Default: None.
            name: what to call the run. Default: None (its data, network and
                time, ``"Iris flowers · 128-64 · 10:31"``, with `` (2)`` added
                when another run has that name).

        Returns:
            The new run's id, 12 hexadecimal characters.

        Raises:
            ValueError: an empty name or one over 80 characters.
        """
        if not isinstance(spec, dict):
            raise TypeError(
                f"Received: spec of type {type(spec).__name__}. Expected the "
                "experiment spec as a dict."
            )
        if epochs_planned is not None and (
            isinstance(epochs_planned, bool)
            or not isinstance(epochs_planned, numbers.Integral)
            or epochs_planned < 1
        ):
            raise ValueError(
                f"Received: epochs_planned={epochs_planned!r}. Expected a positive "
                "integer, e.g. epochs_planned=20."
            )
        spec_text = spec_json(spec)
        now = _now()
        default = name is None
        name = check_run_name(
            default_run_name(spec, dataset=dataset, created=now) if default else name
        )
        with self._connect(write=True) as connection:
            if default:
                taken = connection.execute("SELECT name FROM runs").fetchall()
                name = unique_name(name, {row["name"] for row in taken})
            for _ in range(5):
                run_id = uuid.uuid4().hex[:12]
                try:
                    connection.execute(
                        "INSERT INTO runs (run_id, created, updated, status, spec, "
                        "dataset, task, epochs_planned, owner, rows, name) "
                        "VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?)",
                        (
                            run_id,
                            now,
                            now,
                            spec_text,
                            dataset,
                            task,
                            None if epochs_planned is None else int(epochs_planned),
                            _PROCESS_TOKEN,
                            numbers_json(rows),
                            name,
                        ),
                    )
                    return run_id
                except sqlite3.IntegrityError:  # an id collision: draw another
                    continue
        raise RuntimeError("Could not draw a unique run id after 5 tries.")

    def rename(self, run_id: str, name: str) -> str:
        """Give a run a new name; return the name as kept (spaces tidied).

        Raises:
            ValueError: the name is empty or over 80 characters.
            UnknownRunError: no run has this id.
        """
        name = check_run_name(name)
        with self._connect(write=True) as connection:
            self._update(connection, run_id, "name = ?", (name,))
        return name

    def set_status(self, run_id: str, status: str, error: str | None = None) -> None:
        """Set a run's status (and its error message, cleared when None).

        Args:
            run_id: the run.
            status: one of ``"queued"``, ``"running"``, ``"finished"``,
                ``"stopped"``, ``"interrupted"``, ``"failed"``.
            error: what went wrong, for ``"failed"``. Default: None.

        Raises:
            ValueError: an unknown status.
            UnknownRunError: no run has this id.
        """
        _check_status(status, STATUSES)
        with self._connect(write=True) as connection:
            self._update(
                connection,
                run_id,
                "status = ?, error = ?, owner = ?",
                (status, error, _PROCESS_TOKEN),
            )

    def add_epoch(self, run_id: str, epoch: int, logs: dict | None) -> None:
        """Record one epoch's logs, as Keras passes them to ``on_epoch_end``.

        ``epoch`` counts from 0 like Keras; recording it again replaces it (a
        resumed run repeats epochs after its checkpoint). ``epochs_run`` becomes
        the highest recorded epoch + 1. NaN and infinities are kept.

        Args:
            run_id: the run.
            epoch: the epoch's index, from 0.
            logs: metric name -> value, e.g. ``{"loss": 0.31, "val_loss": 0.35}``.

        Raises:
            UnknownRunError: no run has this id.
        """
        self.add_epochs(run_id, {epoch: logs})

    def add_epochs(self, run_id: str, epochs: dict[int, dict | None]) -> None:
        """Record several epochs' logs in one transaction (see ``add_epoch``).

        Args:
            run_id: the run.
            epochs: epoch index from 0 -> its logs.

        Raises:
            UnknownRunError: no run has this id.
        """
        rows = []
        for epoch, logs in epochs.items():
            if (
                isinstance(epoch, bool)
                or not isinstance(epoch, numbers.Integral)
                or epoch < 0
            ):
                raise ValueError(
                    f"Received: epoch={epoch!r}. Expected the epoch's index from 0, "
                    "as Keras passes it to on_epoch_end, e.g. epoch=0."
                )
            if logs is not None and not isinstance(logs, dict):
                raise TypeError(
                    f"Received: logs of type {type(logs).__name__}. Expected a dict "
                    "of metric name -> value, e.g. {'loss': 0.31}."
                )
            rows.append((run_id, int(epoch), numbers_json(logs or {})))
        if not rows:
            return
        with self._connect(write=True) as connection:
            self._update(
                connection,
                run_id,
                "epochs_run = MAX(epochs_run, ?)",
                (max(row[1] for row in rows) + 1,),
            )
            connection.executemany(
                "INSERT OR REPLACE INTO epochs (run_id, epoch, logs) VALUES (?, ?, ?)",
                rows,
            )

    def set_planned(self, run_id: str, epochs_planned: int) -> None:
        """Change the epochs a run is to train (Continue adds epochs to a run).

        Raises:
            UnknownRunError: no run has this id.
        """
        with self._connect(write=True) as connection:
            self._update(
                connection, run_id, "epochs_planned = ?", (int(epochs_planned),)
            )

    def finish(
        self,
        run_id: str,
        metrics: dict | None,
        baseline: dict | None,
        *,
        status: str = "finished",
        reference: dict | None = None,
        reference_problems: dict[str, str] | None = None,
        metrics_ci: dict | None = None,
    ) -> None:
        """Record a run's final metrics and baseline and end it.

        Args:
            run_id: the run.
            metrics: ``{"val": {...}, "test": {...}}``, as ``TrainResult.metrics``.
            baseline: as ``TrainResult.baseline``.
            status: ``"finished"``, ``"stopped"`` or ``"failed"``. Default:
                ``"finished"``.
            reference: the reference models' scores, ``{"val": {model_name:
                metrics}, "test": {...}}`` (``nncore.train.reference``). Default:
                None.
            reference_problems: model name -> why it could not be trained.
                Default: None.
            metrics_ci: the metrics' error bars, ``{"val": {metric: [low, high]},
                "test": {...}}``. Default: None.

        Raises:
            ValueError: a status that does not end a run.
            UnknownRunError: no run has this id.
        """
        _check_status(status, FINAL_STATUSES)
        with self._connect(write=True) as connection:
            self._update(
                connection,
                run_id,
                "status = ?, metrics = ?, baseline = ?, reference = ?, "
                "reference_problems = ?, metrics_ci = ?",
                (
                    status,
                    numbers_json(metrics),
                    numbers_json(baseline),
                    numbers_json(reference),
                    numbers_json(reference_problems),
                    numbers_json(metrics_ci),
                ),
            )

    def model_path(self, run_id: str) -> Path:
        """Where to save the run's model: ``<folder>/<run_id>/model.keras``.

        Creates the run's folder and records the path; it does not save anything.

        Raises:
            UnknownRunError: no run has this id.
        """
        return self._file_path(run_id, "model_path", MODEL_FILE)

    def checkpoint_path(self, run_id: str) -> Path:
        """Where to save the run's checkpoint: ``<folder>/<run_id>/checkpoint.keras``.

        Creates the run's folder and records the path; it does not save anything.
        Save the checkpoint before calling ``add_epoch`` for that epoch, so the
        recorded epochs never run ahead of it.

        Raises:
            UnknownRunError: no run has this id.
        """
        return self._file_path(run_id, "checkpoint_path", CHECKPOINT_FILE)

    def delete(self, run_id: str) -> None:
        """Delete a run: its row, its epochs and its folder with the model files.

        Raises:
            ValueError: the run is queued or running (stop it first).
            UnknownRunError: no run has this id.
        """
        with self._connect(write=True) as connection:
            row = self._row(connection, run_id)
            if row["status"] in ("queued", "running") and not self._owner_is_gone(
                row["owner"]
            ):
                raise ValueError(
                    f"Run '{run_id}' is {row['status']}. Stop it first, then delete it."
                )
            connection.execute("DELETE FROM epochs WHERE run_id = ?", (run_id,))
            connection.execute("DELETE FROM runs WHERE run_id = ?", (run_id,))
            # The looks stay (the test set was seen), no longer tied to the run.
            connection.execute(
                "UPDATE test_looks SET run_id = NULL WHERE run_id = ?", (run_id,)
            )
        shutil.rmtree(self.folder / run_id, ignore_errors=True)

    def mark_interrupted(self) -> list[str]:
        """Mark runs left queued or running by a process that has ended.

        Call it once when a process starts. A run still ``"queued"`` or
        ``"running"`` whose process is gone becomes ``"interrupted"``, so the UI can
        offer to resume it from ``resume_point``. Runs of this process, and of other
        live processes on this machine, are left alone.

        Returns:
            The ids of the runs marked, newest first.
        """
        with self._connect(write=True) as connection:
            rows = connection.execute(
                "SELECT run_id, owner FROM runs WHERE status IN ('queued', 'running') "
                "ORDER BY created DESC, rowid DESC"
            ).fetchall()
            marked = [
                row["run_id"] for row in rows if self._owner_is_gone(row["owner"])
            ]
            now = _now()
            connection.executemany(
                "UPDATE runs SET status = 'interrupted', updated = ?, error = ? "
                "WHERE run_id = ?",
                [
                    (now, "The process running it ended before the run did.", run_id)
                    for run_id in marked
                ],
            )
        return marked

    def record_test_look(self, identity: str, run_id: str | None = None) -> int:
        """Record one look at a test set; return how many looks it has had.

        Args:
            identity: the test set's fingerprint
                (``nncore.train.evaluation.holdout_fingerprint``).
            run_id: the run whose model was evaluated, if any. Default: None.
        """
        if not isinstance(identity, str) or not identity:
            raise ValueError(
                f"Received: identity={identity!r}. Expected the test set's "
                "fingerprint, a non-empty string."
            )
        with self._connect(write=True) as connection:
            connection.execute(
                "INSERT INTO test_looks (identity, run_id, looked) VALUES (?, ?, ?)",
                (identity, run_id, _now()),
            )
            return connection.execute(
                "SELECT COUNT(*) FROM test_looks WHERE identity = ?", (identity,)
            ).fetchone()[0]

    def test_looks(self, identity: str) -> int:
        """How often the test set with this fingerprint has been looked at."""
        with self._connect() as connection:
            return connection.execute(
                "SELECT COUNT(*) FROM test_looks WHERE identity = ?", (identity,)
            ).fetchone()[0]

    # Reading runs.

    def get(self, run_id: str) -> Run:
        """The run with this id, every field decoded.

        Raises:
            UnknownRunError: no run has this id.
        """
        with self._connect() as connection:
            row = self._row(connection, run_id)
            epochs = connection.execute(
                "SELECT run_id, logs FROM epochs WHERE run_id = ? ORDER BY epoch",
                (run_id,),
            ).fetchall()
            looks = connection.execute(
                "SELECT COUNT(*) FROM test_looks WHERE run_id = ?", (run_id,)
            ).fetchone()[0]
        return self._decode(row, [epoch["logs"] for epoch in epochs], looks)

    def list_runs(self) -> list[Run]:
        """Every run, newest first."""
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT * FROM runs ORDER BY created DESC, rowid DESC"
            ).fetchall()
            epochs = connection.execute(
                "SELECT run_id, logs FROM epochs ORDER BY run_id, epoch"
            ).fetchall()
            looks = dict(
                connection.execute(
                    "SELECT run_id, COUNT(*) FROM test_looks "
                    "WHERE run_id IS NOT NULL GROUP BY run_id"
                ).fetchall()
            )
        logs_by_run: dict[str, list[str]] = {}
        for epoch in epochs:
            logs_by_run.setdefault(epoch["run_id"], []).append(epoch["logs"])
        return [
            self._decode(
                row, logs_by_run.get(row["run_id"], []), looks.get(row["run_id"], 0)
            )
            for row in rows
        ]

    def resume_point(self, run_id: str) -> tuple[int, Path | None]:
        """Where to resume a run: the epoch to start at and the checkpoint to load.

        Returns:
            ``(initial_epoch, checkpoint)``: the number of completed epochs (pass it
            to ``model.fit(initial_epoch=...)``) and the checkpoint file. When no
            checkpoint file exists there is nothing to resume from: ``(0, None)``.

        Raises:
            UnknownRunError: no run has this id.
        """
        with self._connect() as connection:
            row = self._row(connection, run_id)
        checkpoint = self._absolute(row["checkpoint_path"])
        if checkpoint is None or not checkpoint.exists():
            return 0, None
        return int(row["epochs_run"]), checkpoint

    # Private helpers.

    def _open_schema(self) -> None:
        try:
            connection = sqlite3.connect(
                self.database, timeout=BUSY_TIMEOUT_S, isolation_level=None
            )
        except sqlite3.Error as error:
            raise self._failure(error) from error
        try:
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise DataError(
                    f"The run store '{self.database}' was written by a newer NN "
                    f"Studio (schema {version}; this one reads up to "
                    f"{SCHEMA_VERSION}). Upgrade NN Studio, or set {RUNS_DIR_ENV} to "
                    "another folder."
                )
            # WAL is a property of the file: set once, outside any transaction.
            connection.execute("PRAGMA journal_mode = WAL")
            if version < SCHEMA_VERSION:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    # Another process may have created it while we waited.
                    version = connection.execute("PRAGMA user_version").fetchone()[0]
                    if version < SCHEMA_VERSION:
                        migrate(connection, version)
                    connection.execute("COMMIT")
                except BaseException:
                    _roll_back(connection)
                    raise
        except sqlite3.Error as error:
            raise self._failure(error) from error
        finally:
            connection.close()

    @contextmanager
    def _connect(self, *, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A fresh connection for one call, in one transaction when writing."""
        try:
            connection = sqlite3.connect(
                self.database, timeout=BUSY_TIMEOUT_S, isolation_level=None
            )
        except sqlite3.Error as error:
            raise self._failure(error) from error
        connection.row_factory = sqlite3.Row
        try:
            connection.execute("PRAGMA foreign_keys = ON")
            # Durable across crashes of the process; WAL keeps the file consistent.
            connection.execute("PRAGMA synchronous = NORMAL")
            if write:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    yield connection
                    connection.execute("COMMIT")
                except BaseException:
                    _roll_back(connection)
                    raise
            else:
                yield connection
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise DataError(
                    f"The run store '{self.database}' stayed locked by another "
                    f"program for {BUSY_TIMEOUT_S:.0f} s. Close other NN Studio "
                    "processes using this folder, then try again."
                ) from error
            raise self._failure(error) from error
        except sqlite3.DatabaseError as error:
            raise self._failure(error) from error
        finally:
            connection.close()

    def _failure(self, error: sqlite3.Error) -> DataError:
        """The error to raise for a failed SQLite call: the folder cannot be
        written (disk full, read-only), or the file is not a run database."""
        code = getattr(error, "sqlite_errorcode", None)
        if code is not None and code & 0xFF in WRITE_FAILURES:
            return self._unwritable(str(error))
        return self._unreadable(error)

    def _unwritable(self, reason: str) -> StoreWriteError:
        return StoreWriteError(
            f"Could not write to the runs folder '{self.folder}' ({reason}): the "
            "disk is full, or the folder is read-only. Free some disk space, or set "
            f"{RUNS_DIR_ENV} to a folder you can write to.",
            reason,
        )

    def _unreadable(self, error: Exception) -> DataError:
        return DataError(
            f"Could not read the run store '{self.database}' ({error}). Expected an "
            "SQLite database written by NN Studio. Move the file away (e.g. rename "
            f"it to {DATABASE_NAME}.broken) and NN Studio will start a new, empty "
            f"one; or set {RUNS_DIR_ENV} to another folder."
        )

    def _unknown(self, run_id: str) -> UnknownRunError:
        return UnknownRunError(
            f"No run with run_id={run_id!r} in the run store '{self.folder}'. Use "
            "list_runs() to see the runs it holds, or check the runs folder "
            f"({RUNS_DIR_ENV})."
        )

    def _row(self, connection: sqlite3.Connection, run_id: str) -> sqlite3.Row:
        row = connection.execute(
            "SELECT * FROM runs WHERE run_id = ?", (run_id,)
        ).fetchone()
        if row is None:
            raise self._unknown(run_id)
        return row

    def _update(
        self,
        connection: sqlite3.Connection,
        run_id: str,
        assignments: str,
        values: tuple,
    ) -> None:
        cursor = connection.execute(
            f"UPDATE runs SET {assignments}, updated = ? WHERE run_id = ?",
            (*values, _now(), run_id),
        )
        if cursor.rowcount == 0:
            raise self._unknown(run_id)

    def _file_path(self, run_id: str, column: str, name: str) -> Path:
        relative = f"{run_id}/{name}"
        with self._connect(write=True) as connection:
            self._update(connection, run_id, f"{column} = ?", (relative,))
        path = self.folder / relative
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise self._unwritable(error.strerror or str(error)) from error
        return path

    def _absolute(self, relative: str | None) -> Path | None:
        # Paths are kept relative to the runs folder so the folder can be moved.
        return None if relative is None else self.folder / relative

    def _decode(self, row: sqlite3.Row, epoch_logs: list[str], looks: int = 0) -> Run:
        spec = json.loads(row["spec"])
        return Run(
            run_id=row["run_id"],
            status=row["status"],
            created=row["created"],
            updated=row["updated"],
            spec=spec,
            dataset=row["dataset"],
            task=row["task"],
            epochs_planned=row["epochs_planned"],
            epochs_run=row["epochs_run"],
            history=history_from_logs([numbers_from_json(logs) for logs in epoch_logs]),
            metrics=numbers_from_json(row["metrics"]),
            baseline=numbers_from_json(row["baseline"]),
            error=row["error"],
            model_path=self._absolute(row["model_path"]),
            checkpoint_path=self._absolute(row["checkpoint_path"]),
            test_looks=int(looks),
            reference=numbers_from_json(row["reference"]),
            reference_problems=numbers_from_json(row["reference_problems"]) or {},
            metrics_ci=numbers_from_json(row["metrics_ci"]),
            rows=numbers_from_json(row["rows"]),
            name=row["name"]
            or default_run_name(spec, dataset=row["dataset"], created=row["created"]),
        )

    @staticmethod
    def _owner_is_gone(owner: str | None) -> bool:
        """Whether the process that last ran a run has ended."""
        # Another machine (or an unreadable owner): we cannot ask, and a store
        # folder is local to one machine, so it is from a previous process.
        return process_is_gone(owner, _PROCESS_TOKEN, elsewhere=True)
        return False


def process_is_gone(owner: str | None, current: str, *, elsewhere: bool) -> bool:
    """Whether the process named by ``owner`` (``"host:pid:token"``) has ended.

    Args:
        owner: the recorded ``"host:pid:token"``.
        current: this process's own token (never gone).
        elsewhere: the answer for another machine's (or an unreadable) owner,
            which cannot be asked.
    """
    if owner == current:
        return False
    host, _, rest = (owner or "").partition(":")
    pid_text = rest.partition(":")[0]
    if host != _HOST or not pid_text.isdigit():
        return elsewhere
    pid = int(pid_text)
    if pid == os.getpid():
        return True  # this pid, another token: a previous process with our pid
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive but not ours to signal
        return False
    return False


def _check_status(status: str, allowed: tuple[str, ...]) -> None:
    if status not in allowed:
        choices = "{" + ", ".join(repr(choice) for choice in allowed) + "}"
        raise ValueError(f"The 'status' must be one of {choices}. Got {status!r}.")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _roll_back(connection: sqlite3.Connection) -> None:
    """End a failed write transaction without hiding why it failed.

    SQLite rolls a transaction back by itself when a statement fails for want of
    space (``SQLITE_FULL``); a plain ``ROLLBACK`` then raises "no transaction is
    active" in place of the disk-full error. ``Connection.rollback`` does nothing
    when no transaction is open; and a rollback that fails (the disk is gone) is
    left to SQLite's journal, which undoes it on the next open.
    """
    with suppress(sqlite3.Error):
        connection.rollback()
