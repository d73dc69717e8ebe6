"""Several trainings at once: NNSTUDIO_WORKERS worker threads, each job trained
exactly as it would be alone, queue positions counting only waiting jobs, Stop of
one job leaving the other running, and a search's trials run side by side."""

import json
import logging

import pytest

from nncore.runs.manager import JobManager
from nncore.runs.store import RunStore
from nncore.runs.workers import WORKERS_ENV, default_workers, resolve_workers
from tests.support import keras_in_the_main_thread, prepared_for  # noqa: F401
from tests.unit.test_jobs import make_spec, wait_until


@pytest.fixture
def two_workers(tmp_path):
    manager = JobManager(store=RunStore(tmp_path / "runs"), workers=2)
    yield manager
    manager.shutdown()


@pytest.fixture(scope="module")
def iris():
    spec = make_spec(epochs=6, batch_size=8, early_stopping={"enabled": False})
    return spec, prepared_for(spec)


@pytest.fixture(scope="module")
def wine():
    spec = make_spec("builtin:wine", epochs=5, batch_size=8, units=12, seed=7)
    return spec, prepared_for(spec)


@pytest.fixture(scope="module")
def slow():
    """One epoch of many batches of one row: long enough to watch it run."""
    spec = make_spec(
        "builtin:gaussian", epochs=5, batch_size=1, early_stopping={"enabled": False}
    )
    spec["data"]["n_samples"] = 20_000
    return spec, prepared_for(spec)


def alone(spec, prepared, folder) -> dict:
    manager = JobManager(store=RunStore(folder), workers=1)
    try:
        job_id = manager.submit(spec, prepared, owner="alone")
        view = manager.wait(job_id, timeout=180)
        assert view.status == "finished", view.error
        return {"history": view.history, "metrics": view.metrics}
    finally:
        manager.shutdown()


def test_two_workers_train_two_jobs_at_once(two_workers, slow):
    spec, prepared = slow
    first = two_workers.submit(spec, prepared, owner="a")
    second = two_workers.submit(spec, prepared, owner="b")
    both = wait_until(
        lambda: (
            two_workers.view(first).status
            == two_workers.view(second).status
            == "running"
        )
    )
    assert both, (two_workers.view(first).message, two_workers.view(second).message)
    assert two_workers.view(second).queue_position is None
    two_workers.shutdown()


def test_each_job_trains_as_it_would_alone(two_workers, iris, wine, tmp_path):
    expected = [
        alone(*iris, tmp_path / "alone-iris"),
        alone(*wine, tmp_path / "alone-wine"),
    ]
    ids = [
        two_workers.submit(*iris, owner="a"),
        two_workers.submit(*wine, owner="b"),
        two_workers.submit(*iris, owner="c"),
    ]
    views = [two_workers.wait(job_id, timeout=180) for job_id in ids]
    got = [{"history": v.history, "metrics": v.metrics} for v in views]
    assert [v.status for v in views] == ["finished"] * 3
    # Exactly equal, to the bit: the same seeds, no shared generator.
    assert got[0] == expected[0]
    assert got[1] == expected[1]
    assert got[2] == expected[0]


def test_queue_positions_count_only_the_waiting_jobs(two_workers, slow):
    spec, prepared = slow
    ids = [two_workers.submit(spec, prepared, owner=f"user-{n}") for n in range(3)]
    assert wait_until(
        lambda: (
            [two_workers.view(i).status for i in ids]
            == ["running", "running", "queued"]
        )
    )
    third = two_workers.view(ids[2])
    assert third.queue_position == 1 and third.queue_length == 1
    two_workers.stop(ids[0])
    # The waiting job takes the freed worker.
    assert wait_until(lambda: two_workers.view(ids[2]).status == "running")
    assert two_workers.view(ids[2]).queue_position is None
    two_workers.shutdown()


def test_stopping_one_job_leaves_the_other_running(two_workers, slow):
    spec, prepared = slow
    first = two_workers.submit(spec, prepared, owner="a")
    second = two_workers.submit(spec, prepared, owner="b")
    assert wait_until(
        lambda: (
            two_workers.view(first).status
            == two_workers.view(second).status
            == "running"
        )
    )
    two_workers.stop(first)
    stopped = two_workers.wait(first, timeout=60)
    assert stopped.status == "stopped"
    other = two_workers.view(second)
    assert other.status == "running" and other.can_stop
    # It goes on training: its batch count still grows.
    where = (other.epochs_done, other.batch)
    assert wait_until(
        lambda: (
            (two_workers.view(second).epochs_done, two_workers.view(second).batch)
            != where
        )
    )
    two_workers.forget(first)
    assert two_workers.view(first) is None
    assert two_workers.view(second).status == "running"
    two_workers.shutdown()


def test_the_owner_limit_holds_with_several_workers(tmp_path, slow):
    from nncore.core.limits import LimitError

    spec, prepared = slow
    manager = JobManager(
        store=RunStore(tmp_path / "runs"), workers=2, max_active_per_owner=2
    )
    try:
        manager.submit(spec, prepared, owner="a")
        manager.submit(spec, prepared, owner="a")
        with pytest.raises(LimitError, match="2"):
            manager.submit(spec, prepared, owner="a")
    finally:
        manager.shutdown()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3", 3), ("1", 1), ("", None), ("zero", None), ("0", None), ("-2", None)],
    ids=["three", "one", "unset", "not-a-number", "zero", "negative"],
)
def test_the_number_of_workers_comes_from_the_environment(
    monkeypatch, caplog, text, expected
):
    monkeypatch.setenv(WORKERS_ENV, text)
    with caplog.at_level(logging.WARNING, logger="nncore.runs.workers"):
        workers = resolve_workers()
    assert workers == (expected or default_workers())
    if text and expected is None:
        assert f"{WORKERS_ENV}={text!r} is not a whole number" in caplog.text


@pytest.mark.parametrize("workers", [0, -1, 1.5, "2", True], ids=str)
def test_a_bad_number_of_workers_is_refused(workers):
    with pytest.raises(ValueError, match=r"Expected a whole number from 1 to 64"):
        JobManager(store=None, workers=workers)


def test_default_workers_is_half_the_cores_and_at_least_one():
    assert default_workers() >= 1


# --- a search's trials side by side ---------------------------------------------------


def tune_experiment(trials=4):
    from tests.unit.test_tuning import experiment

    return experiment(
        {"units": [4, 6, 8, 12, 16, 24], "learning_rate": [0.01, 0.02, 0.03, 0.1]},
        method="random",
        trials=trials,
        pruner="none",
    )


def trial_results(storage, name) -> dict:
    from nncore.tune import study_snapshot

    rows = study_snapshot(storage, name).rows
    return {row["trial"]: (row["params"], row["value"], row["state"]) for row in rows}


def test_trials_side_by_side_give_the_same_results_as_one_at_a_time(tmp_path):
    from nncore.data.inspect import inspect_data, load_source
    from nncore.tune import Search

    spec = tune_experiment()
    prepared = inspect_data(load_source(spec["data"]), spec["data"]).prepared
    storage = str(tmp_path / "studies.log")
    one = Search(spec, prepared, storage=storage, study_name="one").run()
    two = Search(spec, prepared, storage=storage, study_name="two", jobs=2).run()
    assert one["trials"] == two["trials"] == 4
    assert two["reason"] == "budget"
    alone = trial_results(storage, "one")
    together = trial_results(storage, "two")
    assert len(together) == 4
    # Each trial number: the same settings, trained to the same score.
    assert together == alone
    assert two["best_value"] == one["best_value"]


def test_tune_jobs_2_on_the_command_line_runs_the_requested_trials(tmp_path):
    from tests.unit.test_tuning import finish, run_cli, write_experiment

    path = write_experiment(tmp_path, tune_experiment(trials=4))
    storage = tmp_path / "studies.log"
    status, stdout, stderr = finish(
        run_cli(
            "tune",
            path,
            "--jobs",
            "2",
            "--storage",
            storage,
            "--study",
            "cli",
            runs=tmp_path / "runs",
        )
    )
    assert status == 0, stderr
    assert "2 at once" in stderr
    summary = json.loads(stdout.strip().splitlines()[-1])
    assert summary["trials"] == 4
    assert summary["epochs_total"] == 4 * 2
    results = trial_results(str(storage), "cli")
    assert len(results) == 4
    assert summary["best_trial"] in results
    assert {state for _, _, state in results.values()} == {"complete"}
    assert stderr.count("complete val_accuracy=") == 4


@pytest.mark.parametrize("jobs", ["0", "two"], ids=["zero", "words"])
def test_tune_with_a_bad_number_of_jobs_exits_2(tmp_path, jobs):
    from tests.unit.test_tuning import finish, run_cli, write_experiment

    path = write_experiment(tmp_path, tune_experiment())
    status, stdout, stderr = finish(
        run_cli("tune", path, "--jobs", jobs, runs=tmp_path / "runs")
    )
    assert status == 2, stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("error: ")
    assert "jobs" in last
    assert "Traceback" not in stderr and stdout == ""


def test_two_jobs_continued_at_once_both_finish(two_workers, iris, wine):
    # Their compiled loops ran before: two such calls at once on TensorFlow's
    # single-threaded executor used to hang both jobs.
    ids = [two_workers.submit(*iris, owner="a"), two_workers.submit(*wine, owner="b")]
    for job_id in ids:
        assert two_workers.wait(job_id, timeout=180).status == "finished"
    for _ in range(2):
        for job_id in ids:
            two_workers.continue_(job_id, epochs=4)
        views = [two_workers.wait(job_id, timeout=180) for job_id in ids]
        assert [v.status for v in views] == ["finished", "finished"]
    assert [v.epochs_done for v in views] == [6 + 8, 5 + 8]
