"""Runs have readable names (issue 18, item 14): data · network · time, editable,
and an older run database gives its runs names when it is opened."""

from __future__ import annotations

import re
import sqlite3

import pytest

from nncore.core.catalog import dataset_title
from nncore.runs.database import SCHEMA_VERSION
from nncore.runs.store import RunStore, UnknownRunError
from tests.support import experiment

TIME = r"\d\d:\d\d"


def test_a_new_run_is_named_after_its_data_network_and_time(tmp_path):
    store = RunStore(tmp_path)
    spec = experiment("builtin:iris", layers=(128, 64))
    first = store.get(store.create(spec, dataset="builtin:iris"))
    second = store.get(store.create(spec, dataset="builtin:iris"))
    upload = store.get(
        store.create(experiment(layers=(8,)), dataset="/srv/uploads/penguins.csv")
    )

    iris = re.escape(dataset_title("builtin:iris"))
    assert re.fullmatch(f"{iris} · 128-64 · {TIME}", first.name), first.name
    # The same network on the same data in the same minute stays apart.
    assert second.name != first.name
    assert re.fullmatch(f"{iris} · 128-64 · {TIME}( \\(2\\))?", second.name)
    assert re.fullmatch(f"penguins.csv · 8 · {TIME}", upload.name), upload.name
    assert first.run_id not in first.name


def test_rename_keeps_a_tidy_name_and_refuses_bad_ones(tmp_path):
    store = RunStore(tmp_path)
    run_id = store.create(experiment(), dataset="builtin:iris")

    assert store.rename(run_id, "  Iris,\n wider layers ") == "Iris, wider layers"
    assert store.get(run_id).name == "Iris, wider layers"
    assert [run.name for run in store.list_runs()] == ["Iris, wider layers"]
    with pytest.raises(ValueError, match="empty run name"):
        store.rename(run_id, "   ")
    with pytest.raises(ValueError, match="81 characters. Expected at most 80"):
        store.rename(run_id, "x" * 81)
    with pytest.raises(TypeError, match="as text"):
        store.rename(run_id, None)
    with pytest.raises(UnknownRunError, match="No run with run_id='nope'"):
        store.rename("nope", "A name")
    assert store.get(run_id).name == "Iris, wider layers"  # refused: unchanged


def test_an_older_database_gives_its_runs_names(tmp_path):
    store = RunStore(tmp_path)
    kept = store.create(experiment(layers=(16, 8)), dataset="builtin:wine")
    # Make it a schema-3 database, as NN Studio wrote it before runs had names.
    with sqlite3.connect(store.database) as connection:
        connection.execute("ALTER TABLE runs DROP COLUMN name")
        connection.execute("PRAGMA user_version = 3")
    connection.close()

    reopened = RunStore(tmp_path)
    with sqlite3.connect(reopened.database) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        [(stored,)] = connection.execute("SELECT name FROM runs").fetchall()
    connection.close()
    wine = re.escape(dataset_title("builtin:wine"))
    assert re.fullmatch(f"{wine} · 16-8 · {TIME}", stored), stored
    assert reopened.get(kept).name == stored
