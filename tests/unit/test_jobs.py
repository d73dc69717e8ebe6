"""The job manager: background training one job at a time, queue positions, stop
within a batch, continue, errors and NaN surfaced, runs recorded, resume after a
killed process."""

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from nncore.runs.manager import JobError, JobManager
from nncore.runs.store import RunStore
from nncore.spec import validate_spec
from tests.support import prepared_for

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def make_spec(source="builtin:iris", epochs=3, batch_size=32, units=8, **train):
    return validate_spec(
        {
            "data": {"source": source},
            "model": {"layers": [{"type": "dense", "units": units}]},
            "train": {"epochs": epochs, "batch_size": batch_size, **train},
        }
    )


@pytest.fixture(scope="module")
def iris():
    spec = make_spec()
    return spec, prepared_for(spec)


@pytest.fixture(scope="module")
def big():
    """Enough rows at batch size 1 that one epoch takes many seconds."""
    spec = make_spec(
        "builtin:gaussian",
        epochs=5,
        batch_size=1,
        early_stopping={"enabled": False},
    )
    spec["data"]["n_samples"] = 20_000
    return spec, prepared_for(spec)


def wait_until(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_a_job_trains_in_the_background_and_is_recorded(manager, iris):
    spec, prepared = iris
    job_id = manager.submit(spec, prepared, owner="a")
    view = manager.wait(job_id, timeout=120)
    assert view.status == "finished"
    assert view.epochs_done == 3 == len(view.history["loss"])
    assert set(view.metrics) == {"val", "test"}
    assert 0 <= view.metrics["val"]["accuracy"] <= 1
    assert view.baseline["accuracy"] == pytest.approx(1 / 3, abs=0.05)
    assert view.message == "Finished: 3 epochs"
    assert not view.can_stop and view.can_continue
    # Recorded: a fresh store over the same folder (a restarted server) has it all.
    run = RunStore(manager.store.folder).get(view.run_id)
    assert run.status == "finished"
    assert run.epochs_run == 3
    assert run.history["loss"] == pytest.approx(view.history["loss"])
    assert run.metrics["val"]["accuracy"] == view.metrics["val"]["accuracy"]
    assert manager.model_file(job_id).exists()
    import keras

    model = keras.saving.load_model(manager.model_file(job_id), safe_mode=True)
    assert model.output_shape == (None, 3)


def test_jobs_run_one_at_a_time_in_queue_order(manager, big, iris):
    first = manager.submit(*big, owner="a")
    second = manager.submit(*iris, owner="b")
    third = manager.submit(*iris, owner="c")
    assert wait_until(lambda: manager.view(first).status == "running")
    assert manager.view(second).queue_position == 1
    assert manager.view(third).queue_position == 2
    assert manager.view(third).message.startswith("Waiting: 2nd in the queue")
    assert manager.view(second).status == "queued"
    manager.stop(first)
    assert manager.wait(third, timeout=120).status == "finished"
    views = [manager.view(job) for job in (first, second, third)]
    assert [v.status for v in views] == ["stopped", "finished", "finished"]
    runs = {run.run_id: run for run in manager.store.list_runs()}
    # The second job ended before the third started.
    assert runs[views[1].run_id].updated <= runs[views[2].run_id].updated


def test_stop_takes_effect_within_one_batch_and_keeps_the_model(manager, big):
    spec, prepared = big
    job_id = manager.submit(spec, prepared, owner="a")
    assert wait_until(lambda: manager.view(job_id).batch > 20)
    view = manager.view(job_id)
    assert view.batches_per_epoch == len(prepared.y_train)
    assert view.samples_per_second is None  # no epoch finished yet
    manager.stop(job_id)
    stopped = manager.wait(job_id, timeout=30)
    assert stopped.status == "stopped"
    # Stopped inside the first epoch: no epoch completed, far from its end.
    assert stopped.epochs_done == 0
    assert stopped.message == "Stopped by you after epoch 0 of 5"
    assert stopped.can_continue
    assert manager.store.get(stopped.run_id).status == "stopped"


def test_continue_trains_more_epochs_from_the_model_as_it_is(manager, iris):
    spec, prepared = iris
    job_id = manager.submit(spec, prepared, owner="a")
    first = manager.wait(job_id, timeout=120)
    manager.continue_(job_id, epochs=2)
    view = manager.wait(job_id, timeout=120)
    assert view.status == "finished"
    assert view.epochs_done == 5 == view.epochs_planned
    assert view.history["loss"][:3] == first.history["loss"]
    # Continued, not restarted: the 4th epoch starts from the 3rd's weights, so its
    # loss is below the first epoch's.
    assert view.history["loss"][3] < first.history["loss"][0]
    run = manager.store.get(view.run_id)
    assert (run.epochs_run, run.epochs_planned) == (5, 5)


def test_continue_is_refused_while_training_and_for_unknown_jobs(manager, big):
    job_id = manager.submit(*big, owner="a")
    with pytest.raises(JobError, match="still training"):
        manager.continue_(job_id, epochs=2)
    manager.stop(job_id)
    manager.wait(job_id, timeout=30)
    with pytest.raises(JobError, match="no longer known"):
        manager.continue_("nope", epochs=2)
    with pytest.raises(JobError, match="whole number of epochs"):
        manager.continue_(job_id, epochs=0)


def test_an_owner_may_not_queue_more_than_the_limit(manager, big, iris):
    manager.max_active_per_owner = 2
    first = manager.submit(*big, owner="a")
    manager.submit(*iris, owner="a")
    with pytest.raises(JobError, match="already have 2 training jobs"):
        manager.submit(*iris, owner="a")
    manager.submit(*iris, owner="b")  # others are not affected
    manager.stop(first)


def test_a_queued_job_can_be_stopped_before_it_starts(manager, big, iris):
    first = manager.submit(*big, owner="a")
    second = manager.submit(*iris, owner="b")
    manager.stop(second)
    view = manager.view(second)
    assert view.status == "stopped" and view.queue_position is None
    assert not view.can_continue  # it never trained
    manager.stop(first)


def test_a_training_error_is_surfaced_not_raised(manager, iris):
    spec, prepared = iris
    # labels outside the 3 classes
    broken = dataclasses.replace(prepared, y_train=prepared.y_train + 5)
    job_id = manager.submit(spec, broken, owner="a")
    view = manager.wait(job_id, timeout=120)
    assert view.status == "failed"
    assert view.error.startswith("Training failed:")
    assert "smaller network" in view.error
    assert manager.store.get(view.run_id).status == "failed"
    # The worker survives: the next job trains.
    again = manager.submit(spec, prepared, owner="a")
    assert manager.wait(again, timeout=120).status == "finished"


def test_nan_loss_stops_the_run_and_explains_it(manager):
    spec = make_spec(
        "builtin:diabetes",
        epochs=30,
        early_stopping={"enabled": False},
    )
    spec["data"]["scaling"] = "none"
    spec["compile"].update(optimizer="sgd", learning_rate=1.0)
    prepared = prepared_for(spec)
    prepared.X_train = prepared.X_train * 1e3
    job_id = manager.submit(spec, prepared, owner="a")
    view = manager.wait(job_id, timeout=120)
    assert view.status == "failed"
    assert view.epochs_done < 30
    assert "NaN" in view.error and "learning rate" in view.error
    assert not np.isfinite(view.history["loss"][-1])
    assert any(f.kind == "divergence" for f in view.findings)


def test_early_stopping_keeps_the_best_epoch_and_says_so(manager, iris):
    spec = make_spec(
        epochs=200,
        units=64,
        early_stopping={"enabled": True, "patience": 2},
    )
    spec["compile"]["learning_rate"] = 0.05
    job_id = manager.submit(spec, iris[1], owner="a")
    view = manager.wait(job_id, timeout=120)
    assert view.ending == "early_stopping"
    assert view.epochs_done < 200
    assert view.best_epoch == view.epochs_done - 2
    assert any("Early stopping ended training" in w for w in view.warnings)
    # Early stopping went back to the best epoch: those weights are scored.
    assert view.scored_epoch == view.best_epoch
    assert manager.model_file(job_id).exists() and manager.last_file(job_id) is None


def test_two_feature_data_gets_a_decision_boundary(manager):
    spec = make_spec("builtin:circle", epochs=3)
    prepared = prepared_for(spec)
    job_id = manager.submit(spec, prepared, owner="a")
    view = manager.wait(job_id, timeout=120)
    boundary = view.boundary
    assert boundary["kind"] == "probability"
    assert len(boundary["z"]) == len(boundary["y"]) == 60
    assert all(len(row) == len(boundary["x"]) for row in boundary["z"])
    assert all(0 <= value <= 1 for row in boundary["z"] for value in row)
    assert len(boundary["points"]["x"]) == len(prepared.y_train)
    assert boundary["epoch"] == 3
    assert boundary["feature_names"] == prepared.feature_names


def test_forget_drops_the_job_but_keeps_its_run(manager, iris):
    job_id = manager.submit(*iris, owner="a")
    view = manager.wait(job_id, timeout=120)
    manager.forget(job_id)
    assert manager.view(job_id) is None
    assert manager.jobs_for("a") == []
    assert manager.store.get(view.run_id).status == "finished"


def test_an_unwritable_runs_folder_still_trains_with_a_warning(
    tmp_path, iris, monkeypatch
):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("NNSTUDIO_RUNS_DIR", str(blocker / "runs"))
    manager = JobManager()
    try:
        assert manager.store is None
        job_id = manager.submit(*iris, owner="a")
        view = manager.wait(job_id, timeout=120)
        assert view.status == "finished" and view.run_id is None
        assert any("not being kept" in w for w in view.warnings)
        assert manager.model_file(job_id).exists()  # still downloadable
    finally:
        manager.shutdown()


EPOCHS_TO_KILL = 150  # long enough that the process is still training when killed


def test_a_killed_process_leaves_an_interrupted_run_that_resumes(tmp_path, big):
    """kill -9 the CLI mid-training: a new manager marks the run interrupted and
    resuming it trains the remaining epochs from the last checkpoint."""
    spec = make_spec(
        "builtin:gaussian",
        epochs=EPOCHS_TO_KILL,
        batch_size=8,
        early_stopping={"enabled": False},
    )
    spec["data"]["n_samples"] = 4000
    path = tmp_path / "experiment.json"
    path.write_text(json.dumps(spec))
    runs = tmp_path / "runs"
    env = {
        **os.environ,
        "NNSTUDIO_RUNS_DIR": str(runs),
        "NNSTUDIO_CHECKPOINT_SECONDS": "0.2",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "nncore", "run", str(path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        for line in process.stderr:
            lines.append(line)
            if line.startswith("epoch 6/"):
                break
        else:
            pytest.fail("the CLI did not train:\n" + "".join(lines))
        # Kill as soon as a checkpoint has landed, whatever the machine's speed
        # (a sleep let a fast machine finish all the epochs first).
        deadline = time.monotonic() + 60
        while not list(runs.rglob("checkpoint.keras")) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert process.poll() is None, "the CLI finished before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    manager = JobManager(store=RunStore(runs))
    try:
        assert len(manager.interrupted) == 1
        run_id = manager.interrupted[0]
        run = manager.store.get(run_id)
        assert run.status == "interrupted"
        start, checkpoint = manager.store.resume_point(run_id)
        assert checkpoint is not None and start >= 1
        job_id = manager.resume(run_id, prepared_for(spec), owner="a")
        view = manager.wait(job_id, timeout=300)
        assert view.status == "finished"
        assert view.epochs_done == EPOCHS_TO_KILL == len(view.history["loss"])
        assert view.run_id == run_id
        assert view.metrics["val"]["accuracy"] > 0.8
        again = manager.store.get(run_id)
        assert again.status == "finished" and again.epochs_run == EPOCHS_TO_KILL
        # A resumed run ends with its reference models and error bars too.
        assert set(view.reference["test"]) == {
            "logistic_regression",
            "gradient_boosting",
        }
        assert "accuracy" in view.metrics_ci["val"]
        assert (again.reference, again.metrics_ci) == (view.reference, view.metrics_ci)
        with pytest.raises(JobError, match="not interrupted"):
            manager.resume(run_id, prepared_for(spec), owner="a")
    finally:
        manager.shutdown()


def test_a_task_job_waits_its_turn_publishes_progress_and_returns(manager, iris):
    """Searches run as task jobs: queued behind training, stoppable, results kept."""
    spec, prepared = iris
    steps = []

    def work(context):
        for step in range(200):
            if context.stop_requested:
                break
            steps.append(step)
            context.publish(message=f"Trial {step + 1}", step=step)
            time.sleep(0.01)
        return {"steps": len(steps)}

    training = manager.submit(spec, prepared, owner="a")
    task = manager.submit_task("tune", work, spec, prepared, owner="b")
    assert manager.view(task).kind == "tune"
    assert manager.view(task).status in ("queued", "running")
    manager.wait(training, timeout=120)
    assert wait_until(lambda: manager.view(task).progress.get("step", 0) >= 3)
    assert manager.view(task).message.startswith("Trial ")
    manager.stop(task)
    view = manager.wait(task, timeout=30)
    assert view.status == "stopped"
    assert view.progress["result"] == {"steps": len(steps)} and len(steps) < 200
    with pytest.raises(JobError, match="cannot continue"):
        manager.continue_(task, epochs=2)


def test_a_paced_demo_shows_its_epochs_one_by_one_and_stops_at_once(manager):
    # A demo's training is slowed down so a class can watch its curves grow: half
    # way through, part of the epochs are shown; Stop does not wait for the pace.
    spec = make_spec(epochs=40, early_stopping={"enabled": False})
    job_id = manager.submit(spec, prepared_for(spec), owner="a", min_seconds=8.0)
    deadline = time.monotonic() + 120
    view = manager.view(job_id)
    while view.epochs_done < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
        view = manager.view(job_id)
    assert view.status == "running" and 5 <= view.epochs_done < 40
    assert len(view.history["loss"]) == view.epochs_done
    manager.stop(job_id)
    view = manager.wait(job_id, timeout=60)
    assert view.status == "stopped" and view.epochs_done < 40


def test_a_follower_is_woken_by_each_epoch_not_by_a_clock(manager, iris):
    """``wait(changed_since=...)`` returns as soon as the job changed: a follower
    (the speed bench, a live view) sees epochs as they end, without polling."""
    spec, prepared = iris
    spec = {**spec, "train": {**spec["train"], "epochs": 30}}
    job_id = manager.submit(spec, prepared, owner="a")
    seen, updated = [], manager.view(job_id).updated
    started = time.monotonic()
    while True:
        # A timeout far beyond the whole run: only a change can wake it early.
        view = manager.wait(job_id, timeout=300, changed_since=updated)
        assert view.updated != updated  # never woken without a change
        seen.append(view)
        updated = view.updated
        if view.status not in ("queued", "running"):
            break
    assert time.monotonic() - started < 300
    assert seen[-1].status == "finished"
    # Woken while it trained, with the epochs growing, not only once at its end.
    running = [view.epochs_done for view in seen if view.status == "running"]
    assert running and running == sorted(running)
    assert min(running) < 30
    # A change it has not seen yet (an older counter) returns at once.
    again = manager.wait(job_id, timeout=300, changed_since=updated - 1)
    assert again.updated == updated
