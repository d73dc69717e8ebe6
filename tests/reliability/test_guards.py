"""Resource guards for a shared server (``nncore.core.limits``): each limit, set small
through its environment variable, refuses what is over it with the message a user
reads (what limit, the value asked for, the limit, how to fix it), in the job
manager, the search, the screens and the command line; what is under it runs."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time

import pytest
from streamlit.testing.v1 import AppTest

from nncore.core import limits
from nncore.core.limits import LimitError
from nncore.runs.manager import JobManager
from nncore.runs.store import RunStore
from nncore.spec import default_spec, validate_spec
from nncore.train.model import trainable_parameters
from nncore.tune import Search
from tests import files
from tests.app.conftest import ROOT
from tests.support import (
    go,
    keras_in_the_main_thread,  # noqa: F401
    plain,
    prepared_for,
)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


IRIS_TRAIN_ROWS = 104  # 70 % of iris' 150 rows, stratified
# Trainable parameters on iris (4 inputs, 3 classes): Dense 8 = 4*8+8 + 8*3+3.
PARAMS_8 = 67
PARAMS_16 = 131

PARAMS_MESSAGE = (
    "This network has 131 parameters to learn; this server trains at most 100 per "
    "network (NNSTUDIO_MAX_PARAMS). Use fewer neurons or layers; the server admin "
    "can raise NNSTUDIO_MAX_PARAMS."
)
ROWS_EPOCHS_MESSAGE = (
    "Training on 104 rows for 10 epochs is 1,040 rows × epochs; this server allows "
    "at most 1,000 per training (NNSTUDIO_MAX_ROWS_EPOCHS). Use fewer epochs (at "
    "most 9 on these rows) or a smaller sample of the data; the server admin can "
    "raise NNSTUDIO_MAX_ROWS_EPOCHS."
)
CONTINUE_MESSAGE = (
    "Continuing by 5 epochs would train on 104 rows for 10 epochs in all (1,040 "
    "rows × epochs); this server allows at most 1,000 per training "
    "(NNSTUDIO_MAX_ROWS_EPOCHS). Continue with at most 4 more epochs, or use a "
    "smaller sample of the data; the server admin can raise "
    "NNSTUDIO_MAX_ROWS_EPOCHS."
)
QUEUED_MESSAGE = (
    "You already have 1 training job waiting or running (a search counts as one); "
    "this server allows at most 1 at once per session (NNSTUDIO_MAX_QUEUED). Wait "
    "for it to finish, or stop it; the server admin can raise "
    "NNSTUDIO_MAX_QUEUED."
)
TRIALS_MESSAGE = (
    "This search asks for 5 trials; this server runs at most 3 per search "
    "(NNSTUDIO_MAX_TRIALS). Ask for fewer trials (the best settings are usually "
    "found in 20 to 50); the server admin can raise NNSTUDIO_MAX_TRIALS."
)
UPLOAD_MESSAGE = (
    "This file is 1.5 MB; this server accepts files of up to 1 MB "
    "(NNSTUDIO_MAX_UPLOAD_MB). Upload a smaller sample of the data (fewer rows, or "
    "only the columns you need); the server admin can raise NNSTUDIO_MAX_UPLOAD_MB "
    "(Streamlit's server.maxUploadSize is the upper bound)."
)


def iris_spec(units: int = 8, epochs: int = 3, **tune) -> dict:
    spec = default_spec()
    spec["data"]["source"] = "builtin:iris"
    spec["model"]["layers"] = [{"type": "dense", "units": units, "activation": "relu"}]
    spec["train"].update(epochs=epochs, batch_size=16)
    spec["train"]["early_stopping"]["enabled"] = False
    spec["tune"].update(tune)
    return validate_spec(spec)


@pytest.fixture(scope="module")
def iris():
    return prepared_for(iris_spec())


@pytest.fixture
def manager(tmp_path):
    manager = JobManager(store=RunStore(tmp_path / "runs"))
    yield manager
    manager.shutdown()


# --- reading the limits ------------------------------------------------------------


def test_each_limit_has_a_default_and_an_environment_variable(monkeypatch):
    for variable in limits.LIMITS:
        monkeypatch.delenv(variable, raising=False)
    assert {v: limits.current(v) for v in limits.LIMITS} == {
        "NNSTUDIO_MAX_PARAMS": 2_000_000,
        "NNSTUDIO_MAX_ROWS_EPOCHS": 50_000_000,
        "NNSTUDIO_MAX_QUEUED": 2,
        "NNSTUDIO_MAX_TRIALS": 200,
        "NNSTUDIO_MAX_UPLOAD_MB": 200,
        "NNSTUDIO_MAX_IMAGE_PIXELS": 50_000_000,
        "NNSTUDIO_MAX_ZIP_MB": 1000,
        "NNSTUDIO_MAX_IMAGE_FILES": 20_000,
    }
    monkeypatch.setenv("NNSTUDIO_MAX_PARAMS", "500_000")
    monkeypatch.setenv("NNSTUDIO_MAX_TRIALS", " 50 ")
    monkeypatch.setenv("NNSTUDIO_MAX_ROWS_EPOCHS", "1e6")
    assert limits.current("NNSTUDIO_MAX_PARAMS") == 500_000
    assert limits.current("NNSTUDIO_MAX_TRIALS") == 50
    assert limits.current("NNSTUDIO_MAX_ROWS_EPOCHS") == 1_000_000
    assert limits.problems() == []


@pytest.mark.parametrize(
    "text", ["abc", "-5", "0", "2.5"], ids=["word", "negative", "zero", "fraction"]
)
def test_a_bad_value_falls_back_to_the_default_and_names_the_variable(
    monkeypatch, caplog, text
):
    monkeypatch.setenv("NNSTUDIO_MAX_PARAMS", text)
    expected = (
        f"The environment variable NNSTUDIO_MAX_PARAMS={text!r} is not a positive "
        "whole number, so the default 2,000,000 applies (trainable parameters of one "
        "network). Set it to a whole number of 1 or more, e.g. "
        "NNSTUDIO_MAX_PARAMS=2000000."
    )
    limits._warned.discard(("NNSTUDIO_MAX_PARAMS", text))
    with caplog.at_level(logging.WARNING, logger="nncore.core.limits"):
        assert limits.current("NNSTUDIO_MAX_PARAMS") == 2_000_000
        assert limits.current("NNSTUDIO_MAX_PARAMS") == 2_000_000
    assert [r.getMessage() for r in caplog.records] == [expected]  # said once
    assert limits.problems() == [expected]


def test_every_built_in_preset_on_the_widest_built_in_data_fits_the_defaults():
    from nncore.train.model import PRESETS

    spec = iris_spec()
    spec["data"]["source"] = "builtin:digits"
    digits = prepared_for(spec)
    for layers in PRESETS.values():
        model = {"layers": layers, "output": "auto"}
        assert trainable_parameters(model, digits) < 60_000
        limits.check_parameters(trainable_parameters(model, digits))
    # The longest built-in training the screens allow (2,000 points, 1,000 epochs)
    # and bench/train_speed.py's W1 (100,000 rows, 10 epochs) fit.
    limits.check_rows_epochs(1400, 1000)
    limits.check_rows_epochs(100_000, 10)


# --- the job manager ---------------------------------------------------------------


def test_a_network_over_max_params_is_refused_and_one_under_it_trains(
    monkeypatch, manager, iris
):
    monkeypatch.setenv("NNSTUDIO_MAX_PARAMS", "100")
    with pytest.raises(LimitError) as refused:
        manager.submit(iris_spec(units=16), iris, owner="a")
    assert str(refused.value) == PARAMS_MESSAGE
    assert manager.jobs_for("a") == []
    assert manager.store.list_runs() == []  # nothing recorded for a refused job

    job = manager.submit(iris_spec(units=8), iris, owner="a")  # 67 parameters
    assert manager.wait(job, timeout=120).status == "finished"


def test_rows_times_epochs_is_checked_at_submit_and_at_continue(
    monkeypatch, manager, iris
):
    monkeypatch.setenv("NNSTUDIO_MAX_ROWS_EPOCHS", "1000")
    with pytest.raises(LimitError) as refused:
        manager.submit(iris_spec(epochs=10), iris, owner="a")
    assert str(refused.value) == ROWS_EPOCHS_MESSAGE

    job = manager.submit(iris_spec(epochs=5), iris, owner="a")
    assert manager.wait(job, timeout=120).epochs_done == 5
    with pytest.raises(LimitError) as refused:
        manager.continue_(job, epochs=5)
    assert str(refused.value) == CONTINUE_MESSAGE
    assert manager.view(job).epochs_planned == 5  # the refused Continue changed nothing

    manager.continue_(job, epochs=4)  # 9 epochs in all: 936 rows × epochs
    view = manager.wait(job, timeout=120)
    assert (view.status, view.epochs_done) == ("finished", 9)
    with pytest.raises(LimitError, match="has trained as long as this server allows"):
        manager.continue_(job, epochs=1)


def test_the_queue_message_counts_the_jobs_in_words():
    """One job is "1 training job ... wait for it"; two are "2 training jobs"."""
    assert limits.queued_problem(1, 1) == QUEUED_MESSAGE
    assert limits.queued_problem(2, 2).startswith(
        "You already have 2 training jobs waiting or running (a search counts as "
        "one); this server allows at most 2 at once per session "
        "(NNSTUDIO_MAX_QUEUED). Wait for them to finish, or stop one;"
    )
    assert limits.queued_problem(1, 2) is None  # room for one more


def test_unfinished_jobs_per_session_come_from_max_queued(monkeypatch, manager, iris):
    monkeypatch.setenv("NNSTUDIO_MAX_QUEUED", "1")
    spec = iris_spec(epochs=1000)  # long enough to be running when we submit again
    first = manager.submit(spec, iris, owner="a")
    with pytest.raises(LimitError) as refused:
        manager.submit(iris_spec(), iris, owner="a")
    assert str(refused.value) == QUEUED_MESSAGE
    other = manager.submit(iris_spec(), iris, owner="b")  # others are not affected
    manager.stop(first)
    assert manager.wait(first, timeout=120).status == "stopped"
    again = manager.submit(iris_spec(), iris, owner="a")  # one ended: room again
    assert manager.wait(again, timeout=120).status == "finished"
    assert manager.wait(other, timeout=120).status == "finished"


# --- the search --------------------------------------------------------------------


def search_spec(trials: int, **space) -> dict:
    return iris_spec(
        epochs=2,
        method="random",
        trials=trials,
        pruner="none",
        space=space or {"units": [4, 6, 8]},
    )


def test_a_search_over_max_trials_is_refused_and_one_under_it_runs(
    monkeypatch, tmp_path, iris
):
    monkeypatch.setenv("NNSTUDIO_MAX_TRIALS", "3")
    storage = str(tmp_path / "studies.log")
    with pytest.raises(LimitError) as refused:
        Search(search_spec(5), iris, storage=storage)
    assert str(refused.value) == TRIALS_MESSAGE
    with pytest.raises(LimitError, match="asks for 4 trials"):  # --trials too
        Search(search_spec(2), iris, storage=storage, trials=4)
    result = Search(search_spec(3), iris, storage=storage).run()
    assert result["trials"] == 3


def test_a_search_whose_largest_network_or_trial_is_over_a_limit_is_refused(
    monkeypatch, tmp_path, iris
):
    storage = str(tmp_path / "studies.log")
    monkeypatch.setenv("NNSTUDIO_MAX_PARAMS", "100")
    spec = search_spec(3, units=[4, 16], hidden_layers={"low": 1, "high": 2})
    with pytest.raises(LimitError) as refused:
        Search(spec, iris, storage=storage)
    # Two hidden layers of 16: 4*16+16 + 16*16+16 + 16*3+3.
    assert str(refused.value).startswith(
        "The largest network of this search has 403 parameters to learn; this "
        "server trains at most 100 per network (NNSTUDIO_MAX_PARAMS)."
    )
    monkeypatch.delenv("NNSTUDIO_MAX_PARAMS")
    monkeypatch.setenv("NNSTUDIO_MAX_ROWS_EPOCHS", "150")
    with pytest.raises(LimitError) as refused:
        Search(search_spec(3), iris, storage=storage)
    assert str(refused.value) == (
        "Training on 104 rows for 2 epochs (each trial of this search) is 208 rows × "
        "epochs; this server allows at most 150 per training "
        "(NNSTUDIO_MAX_ROWS_EPOCHS). Use fewer epochs per trial (at most 1 on these "
        "rows) or a smaller sample of the data; the server admin can raise "
        "NNSTUDIO_MAX_ROWS_EPOCHS."
    )


# --- uploads -----------------------------------------------------------------------


def test_check_upload_size_allows_up_to_the_limit(monkeypatch):
    monkeypatch.setenv("NNSTUDIO_MAX_UPLOAD_MB", "1")
    limits.check_upload_size(1024 * 1024)  # exactly 1 MB is allowed
    with pytest.raises(LimitError) as refused:
        limits.check_upload_size(int(1.5 * 1024 * 1024))
    assert str(refused.value) == UPLOAD_MESSAGE


def test_the_data_screen_refuses_a_file_over_the_upload_limit(monkeypatch):
    monkeypatch.setenv("NNSTUDIO_MAX_UPLOAD_MB", "1")
    at = AppTest.from_file(str(ROOT / "screens" / "data.py"), default_timeout=60)
    at.run()
    at.radio(key="data_source_kind").set_value("My own file").run()
    small = files.csv_bytes(files.simple_frame())
    frame = files.simple_frame(n=40_000)
    big = files.csv_bytes(frame)
    big = big + b"\n" * (int(1.5 * 1024 * 1024) - len(big))  # exactly 1.5 MB
    upload = at.file_uploader(key="data_upload")
    upload.set_value(("big.csv", big, "text/csv")).run()
    assert not at.exception
    assert [plain(e.value) for e in at.error] == [UPLOAD_MESSAGE]
    upload = at.file_uploader(key="data_upload")
    upload.set_value(("small.csv", small, "text/csv")).run()
    assert not at.exception
    assert not at.error
    assert at.session_state["spec"]["data"]["source"] == "small.csv"


# --- the screens -------------------------------------------------------------------


def app_on(screen: str, spec: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["spec"] = spec
    at.run()
    go(at, screen)
    assert not at.exception
    return at


def test_the_model_screen_warns_before_train_and_train_refuses(monkeypatch):
    monkeypatch.setenv("NNSTUDIO_MAX_PARAMS", "100")
    at = app_on("model", iris_spec(units=16))
    assert PARAMS_MESSAGE in [plain(w.value) for w in at.warning]
    go(at, "train")
    at.button(key="train_start").click().run()
    assert not at.exception
    assert [plain(e.value) for e in at.error] == [PARAMS_MESSAGE]
    assert at.session_state["job_id"] is None  # nothing was submitted

    monkeypatch.setenv("NNSTUDIO_MAX_PARAMS", "1000")
    go(at, "model")
    assert not any("NNSTUDIO_MAX_PARAMS" in w.value for w in at.warning)


def test_the_train_screen_says_when_a_training_is_too_long(monkeypatch):
    monkeypatch.setenv("NNSTUDIO_MAX_ROWS_EPOCHS", "1000")
    at = app_on("train", iris_spec(epochs=10))
    at.button(key="train_start").click().run()
    assert not at.exception
    assert [plain(e.value) for e in at.error] == [ROWS_EPOCHS_MESSAGE]
    assert at.session_state["job_id"] is None
    at.number_input(key="train_epochs").set_value(3).run()
    at.button(key="train_start").click().run()
    assert not at.exception and not at.error
    assert at.session_state["job_id"] is not None
    deadline = time.monotonic() + 120
    while not any(p.proto.text.startswith("Finished") for p in at.get("progress")):
        assert time.monotonic() < deadline, "the training did not finish"
        time.sleep(0.3)
        at.run()
    assert not at.exception


def test_the_tune_screen_says_when_a_search_has_too_many_trials(monkeypatch):
    monkeypatch.setenv("NNSTUDIO_MAX_TRIALS", "3")
    at = app_on("tune", search_spec(5))
    at.number_input(key="tune_trials").set_value(5).run()
    at.button(key="tune_start").click().run()
    assert not at.exception
    assert TRIALS_MESSAGE in [plain(e.value) for e in at.error]
    assert at.session_state["tuning_job"] is None


# --- the command line --------------------------------------------------------------


def cli(tmp_path, *args, **env):
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "NNSTUDIO_RUNS_DIR": str(tmp_path / "runs"),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "nncore", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=300,
    )


def write(tmp_path, spec: dict):
    path = tmp_path / "experiment.json"
    path.write_text(json.dumps(spec))
    return path


def assert_refused(result, message: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == f"error: {message}"


def test_cli_run_and_tune_honour_the_limits(tmp_path):
    experiment = write(tmp_path, iris_spec(units=16))
    assert_refused(
        cli(tmp_path, "run", experiment, NNSTUDIO_MAX_PARAMS="100"), PARAMS_MESSAGE
    )
    experiment = write(tmp_path, iris_spec(epochs=10))
    assert_refused(
        cli(tmp_path, "run", experiment, NNSTUDIO_MAX_ROWS_EPOCHS="1000"),
        ROWS_EPOCHS_MESSAGE,
    )
    experiment = write(tmp_path, search_spec(2))
    assert_refused(
        cli(tmp_path, "tune", experiment, "--trials", 5, NNSTUDIO_MAX_TRIALS="3"),
        TRIALS_MESSAGE,
    )


def test_cli_run_under_the_limits_runs_and_a_bad_value_is_only_a_warning(tmp_path):
    experiment = write(tmp_path, iris_spec(units=8, epochs=9))
    result = cli(
        tmp_path,
        "run",
        experiment,
        NNSTUDIO_MAX_PARAMS="100",
        NNSTUDIO_MAX_ROWS_EPOCHS="1000",
        NNSTUDIO_MAX_QUEUED="many",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["epochs_run"] == 9
    assert (
        "The environment variable NNSTUDIO_MAX_QUEUED='many' is not a positive whole "
        "number, so the default 2 applies" in result.stderr
    )
    assert "Traceback" not in result.stderr
