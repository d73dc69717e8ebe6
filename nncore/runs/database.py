"""The run store's SQLite schema: its tables, its versions and the steps that bring
an older database up to date, and the SQLite result codes that mean the runs folder
cannot be written.

Versions (``PRAGMA user_version``):

1. the runs and their epochs;
2. every look at a test set (``test_looks``);
3. each run's reference models, error bars and rows per split (``reference``,
   ``reference_problems``, ``metrics_ci``, ``rows``; NULL for older runs);
4. each run's readable ``name`` (older runs get their default name:
   ``nncore.runs.naming.default_run_name``).

A database from an older NN Studio is brought up to date when a ``RunStore`` opens
it, in one transaction; its runs keep every value they had.
"""

from __future__ import annotations

import json
import sqlite3

from nncore.runs.naming import default_run_name, unique_name

__all__ = ["SCHEMA_VERSION", "WRITE_FAILURES", "migrate"]

SCHEMA_VERSION = 4

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN
        ('queued', 'running', 'finished', 'stopped', 'interrupted', 'failed')),
    spec TEXT NOT NULL,
    dataset TEXT,
    task TEXT,
    epochs_planned INTEGER,
    epochs_run INTEGER NOT NULL DEFAULT 0,
    metrics TEXT,
    baseline TEXT,
    error TEXT,
    model_path TEXT,
    checkpoint_path TEXT,
    owner TEXT
);
CREATE INDEX IF NOT EXISTS runs_created ON runs (created);
CREATE TABLE IF NOT EXISTS epochs (
    run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL,
    logs TEXT NOT NULL,
    PRIMARY KEY (run_id, epoch)
);
"""
# Schema 2: every look at a test set (Evaluate's "Evaluate on the test set"), by the
# test set's fingerprint, so the app can say how often it was used. Looks stay when
# their run is deleted: the test set was seen all the same.
_LOOKS_SCHEMA = """
CREATE TABLE IF NOT EXISTS test_looks (
    identity TEXT NOT NULL,
    run_id TEXT,
    looked TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS test_looks_identity ON test_looks (identity);
CREATE INDEX IF NOT EXISTS test_looks_run ON test_looks (run_id);
"""
# Schema 3: the reference models' scores on the same rows and their problems, the
# bootstrap intervals of the run's metrics, and how many rows each split had (so a
# comparison can say how many validation rows its noise is measured on). JSON, like
# the metrics.
_VERDICT_COLUMNS = ("reference", "reference_problems", "metrics_ci", "rows")

# SQLite result codes (the low byte of ``sqlite_errorcode``) that mean the runs
# folder cannot be written: the disk is full, it is read-only, or it is gone.
_SQLITE_PERM, _SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_FULL, _SQLITE_CANTOPEN = (
    3,
    8,
    10,
    13,
    14,
)
WRITE_FAILURES = {
    _SQLITE_PERM,
    _SQLITE_READONLY,
    _SQLITE_IOERR,
    _SQLITE_FULL,
    _SQLITE_CANTOPEN,
}


def migrate(connection: sqlite3.Connection, version: int) -> None:
    """Bring the schema from ``version`` to ``SCHEMA_VERSION``, in a transaction."""
    if version == 0:
        _execute(connection, _SCHEMA)
    if version < 2:
        _execute(connection, _LOOKS_SCHEMA)
    if version < 3:
        for column in _VERDICT_COLUMNS:
            connection.execute(f"ALTER TABLE runs ADD COLUMN {column} TEXT")
    if version < 4:
        connection.execute("ALTER TABLE runs ADD COLUMN name TEXT")
        _name_runs(connection)
    # Later versions add steps here: `if version < 5: ...`.
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _name_runs(connection: sqlite3.Connection) -> None:
    """Give every run without a name its default one (schema 4)."""
    rows = connection.execute(
        "SELECT run_id, spec, dataset, created FROM runs WHERE name IS NULL "
        "ORDER BY created, rowid"
    ).fetchall()
    taken = {row[0] for row in connection.execute("SELECT name FROM runs")}
    names = []
    for run_id, spec_text, dataset, created in rows:
        try:
            spec = json.loads(spec_text)
        except (TypeError, ValueError):
            spec = {}  # an unreadable spec still gets a name from its data
        name = unique_name(
            default_run_name(spec, dataset=dataset, created=created), taken
        )
        taken.add(name)
        names.append((name, run_id))
    connection.executemany("UPDATE runs SET name = ? WHERE run_id = ?", names)


def _execute(connection: sqlite3.Connection, script: str) -> None:
    for statement in script.split(";"):
        if statement.strip():
            connection.execute(statement)
