"""Every training ends with reference models and error bars, computed in the worker
and kept with the run; older run databases gain them without losing a run."""

import sqlite3

import pytest

from nncore.runs.store import DATABASE_NAME, SCHEMA_VERSION, RunStore
from nncore.spec import validate_spec
from nncore.train.reference import reference_models
from tests.support import prepared_for

SPEC = {"data": {"source": "builtin:iris"}, "train": {"epochs": 3}}


def make_spec(**split):
    spec = {
        "data": {"source": "builtin:iris"},
        "model": {"layers": [{"type": "dense", "units": 8}]},
        "train": {"epochs": 3, "batch_size": 32},
    }
    if split:
        spec["data"]["split"] = split
    return validate_spec(spec)


@pytest.fixture(scope="module")
def iris():
    spec = make_spec()
    return spec, prepared_for(spec)


def test_a_job_ends_with_reference_models_and_error_bars_kept_in_its_run(manager, iris):
    spec, prepared = iris
    job_id = manager.submit(spec, prepared, owner="a")
    view = manager.wait(job_id, timeout=120)
    assert view.status == "finished"
    assert set(view.reference) == {"val", "test"}
    assert set(view.reference["test"]) == {"logistic_regression", "gradient_boosting"}
    assert view.reference_problems == {}
    logistic = view.reference["val"]["logistic_regression"]
    assert set(logistic) == set(view.metrics["val"])
    for split in ("val", "test"):
        for name, (low, high) in view.metrics_ci[split].items():
            assert low <= view.metrics[split][name] <= high, name
    assert "accuracy" in view.metrics_ci["val"]
    run = manager.store.get(view.run_id)
    assert run.reference == view.reference
    assert run.metrics_ci == view.metrics_ci
    assert run.rows == {
        "train": len(prepared.y_train),
        "val": len(prepared.y_val),
        "test": len(prepared.y_test),
    }


def test_continue_keeps_the_reference_models_and_measures_again(manager, iris):
    spec, prepared = iris
    job_id = manager.submit(spec, prepared, owner="a")
    first = manager.wait(job_id, timeout=120)
    manager.continue_(job_id, epochs=2)
    training = manager.view(job_id)  # its metrics are gone until it ends again
    assert training.metrics_ci is None and training.reference is None
    again = manager.wait(job_id, timeout=120)
    assert again.status == "finished" and again.epochs_done == 5
    assert again.reference == first.reference
    assert again.metrics_ci["val"]["accuracy"][0] <= again.metrics["val"]["accuracy"]
    assert manager.store.get(again.run_id).metrics_ci == again.metrics_ci


def test_a_second_training_on_the_same_data_reuses_its_reference_models(
    manager, monkeypatch
):
    trained = []

    def counted(prepared, *, seed):
        trained.append(seed)
        return reference_models(prepared, seed=seed)

    monkeypatch.setattr("nncore.runs.verdict.reference_models", counted)
    spec = make_spec()
    prepared = prepared_for(spec)
    first = manager.wait(manager.submit(spec, prepared, owner="a"), timeout=120)
    second = manager.wait(manager.submit(spec, prepared, owner="a"), timeout=120)
    assert second.reference == first.reference
    assert trained == [spec["train"]["seed"]]  # once, not once per training
    assert second.metrics_ci == first.metrics_ci  # same network, same seed
    # Another seed is another gradient boosting: trained again.
    reseeded = validate_spec({**spec, "train": {**spec["train"], "seed": 7}})
    third = manager.wait(manager.submit(reseeded, prepared, owner="a"), timeout=120)
    assert trained == [spec["train"]["seed"], 7] and third.reference is not None


def test_a_split_too_small_for_error_bars_says_why(manager):
    spec = make_spec(train=0.8, val=0.1, test=0.1)
    prepared = prepared_for(spec)
    assert len(prepared.y_val) < 20
    view = manager.wait(manager.submit(spec, prepared, owner="a"), timeout=120)
    assert view.status == "finished"
    assert view.metrics_ci["val"] == {}
    assert view.interval_problems["val"].startswith(
        f"No error bars: the validation split has {len(prepared.y_val)} rows"
    )
    assert set(view.interval_problems) == {"val", "test"}  # 15 rows each
    # The network's metrics are there all the same.
    assert view.metrics["val"]["accuracy"] is not None


def test_a_failure_of_the_reference_models_costs_a_warning_not_the_run(
    manager, iris, monkeypatch
):
    def broken(prepared, *, seed):
        raise RuntimeError("the disk ate it")

    monkeypatch.setattr("nncore.runs.verdict.reference_models", broken)
    spec = iris[0]
    prepared = prepared_for(spec)  # data whose reference models never ran
    view = manager.wait(manager.submit(spec, prepared, owner="a"), timeout=120)
    assert view.status == "finished"
    assert view.metrics["val"]["accuracy"] is not None
    assert view.reference is None and view.reference_problems == {}
    assert "accuracy" in view.metrics_ci["val"]
    assert (
        "The reference models could not be computed (RuntimeError: the disk ate it). "
        "The network's own results are complete; if it happens again, export the "
        "experiment and report it."
    ) in view.warnings
    run = manager.store.get(view.run_id)
    assert run.status == "finished" and run.reference is None
    assert run.metrics == view.metrics


def test_the_store_keeps_reference_models_and_error_bars(tmp_path):
    store = RunStore(tmp_path)
    run_id = store.create(SPEC, task="binary", rows={"train": 7, "val": 2, "test": 2})
    reference = {"val": {"gradient_boosting": {"accuracy": 0.9}}, "test": {}}
    intervals = {"val": {"accuracy": [0.8, 0.95]}, "test": {}}
    problems = {"logistic_regression": "Logistic regression could not be trained."}
    store.finish(
        run_id,
        {"val": {"accuracy": 0.9}, "test": {}},
        {"accuracy": 0.5},
        reference=reference,
        reference_problems=problems,
        metrics_ci=intervals,
    )
    run = RunStore(tmp_path).list_runs()[0]
    assert (run.reference, run.reference_problems) == (reference, problems)
    assert run.metrics_ci == intervals
    assert run.rows == {"train": 7, "val": 2, "test": 2}


# The database as NN Studio's schema 2 wrote it.
SCHEMA_2 = """
CREATE TABLE runs (
    run_id TEXT PRIMARY KEY, created TEXT NOT NULL, updated TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN
        ('queued', 'running', 'finished', 'stopped', 'interrupted', 'failed')),
    spec TEXT NOT NULL, dataset TEXT, task TEXT, epochs_planned INTEGER,
    epochs_run INTEGER NOT NULL DEFAULT 0, metrics TEXT, baseline TEXT, error TEXT,
    model_path TEXT, checkpoint_path TEXT, owner TEXT
);
CREATE INDEX runs_created ON runs (created);
CREATE TABLE epochs (
    run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL, logs TEXT NOT NULL, PRIMARY KEY (run_id, epoch)
);
CREATE TABLE test_looks (identity TEXT NOT NULL, run_id TEXT, looked TEXT NOT NULL);
INSERT INTO runs VALUES ('0123456789ab', '2024-05-12T08:31:00+00:00',
    '2024-05-12T08:32:00+00:00', 'finished', '{"data": {}}', 'builtin:iris',
    'multiclass', 3, 3, '{"val": {"accuracy": 0.9}, "test": {"accuracy": 0.8}}',
    '{"accuracy": 0.33}', NULL, NULL, NULL, 'host:1:token');
INSERT INTO epochs VALUES ('0123456789ab', 0, '{"loss": 1.0}');
INSERT INTO test_looks VALUES ('fingerprint', '0123456789ab', '2024-05-12');
PRAGMA user_version = 2;
"""


def test_a_version_2_database_is_upgraded_and_keeps_its_runs(tmp_path):
    connection = sqlite3.connect(tmp_path / DATABASE_NAME)
    connection.executescript(SCHEMA_2)
    connection.close()

    store = RunStore(tmp_path)

    old = store.get("0123456789ab")
    assert old.metrics == {"val": {"accuracy": 0.9}, "test": {"accuracy": 0.8}}
    assert old.history == {"loss": [1.0]} and old.test_looks == 1
    assert old.reference is None and old.metrics_ci is None and old.rows is None
    assert old.reference_problems == {}
    connection = sqlite3.connect(tmp_path / DATABASE_NAME)
    assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    connection.close()
    assert SCHEMA_VERSION == 4
    assert old.name.startswith("Iris flowers")  # schema 4: a name from its data
    # New runs keep the new fields beside the old run.
    run_id = store.create(SPEC, rows={"train": 1, "val": 1, "test": 1})
    store.finish(run_id, None, None, metrics_ci={"val": {}, "test": {}})
    assert store.get(run_id).metrics_ci == {"val": {}, "test": {}}
    assert len(RunStore(tmp_path).list_runs()) == 2
