"""Hyper-parameter search (nncore.tune): space, cost, pruning, studies and the CLI.

Every search here is tiny: iris, a network of one small layer, two to six epochs.
"""

from __future__ import annotations

import copy
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import optuna
import pytest

from nncore.core.errors import DataError, SpecError
from nncore.data.inspect import inspect_data, load_source
from nncore.plots.tuning import (
    curves_figure,
    history_figure,
    importance_figure,
    parallel_figure,
)
from nncore.spec import default_spec, validate_space, validate_spec
from nncore.tune import (
    DEFAULT_SPACE,
    Search,
    Speed,
    StudySnapshot,
    apply_best,
    apply_params,
    estimate_cost,
    grid_size,
    list_studies,
    open_storage,
    resolve_space,
    study_snapshot,
    trials_csv,
)

ROOT = Path(__file__).resolve().parents[2]


def experiment(space=None, method="grid", trials=4, epochs=2, **tune) -> dict:
    spec = default_spec()
    spec["data"]["source"] = "builtin:iris"
    spec["model"]["layers"] = [{"type": "dense", "units": 8, "activation": "relu"}]
    spec["train"].update(epochs=epochs, batch_size=16)
    spec["train"]["early_stopping"]["enabled"] = False
    spec["tune"].update(
        method=method,
        trials=trials,
        space=space if space is not None else {"units": [4, 8]},
        **tune,
    )
    return validate_spec(spec)


@pytest.fixture(scope="module")
def prepared():
    spec = experiment()
    return inspect_data(load_source(spec["data"]), spec["data"]).prepared


@pytest.fixture
def storage(tmp_path):
    return str(tmp_path / "studies.log")


# --- the space ----------------------------------------------------------------------


def test_space_becomes_optuna_distributions():
    spec = experiment(
        {
            "hidden_layers": {"low": 1, "high": 3},
            "units": [16, 64, 128],
            "learning_rate": {"low": 0.0001, "high": 0.01},
            "dropout_rate": {"low": 0.0, "high": 0.3},
            "optimizer": ["adam", "sgd"],
        }
    )
    dimensions = resolve_space(spec)
    assert dimensions["hidden_layers"].distribution() == (
        optuna.distributions.IntDistribution(1, 3)
    )
    assert dimensions["units"].distribution() == (
        optuna.distributions.CategoricalDistribution([16, 64, 128])
    )
    rate = dimensions["learning_rate"].distribution()
    assert isinstance(rate, optuna.distributions.FloatDistribution)
    assert (rate.low, rate.high, rate.log) == (0.0001, 0.01, True)
    assert not dimensions["dropout_rate"].distribution().log
    # Not searched: fixed at the experiment's values.
    assert not dimensions["batch_size"].searched
    assert dimensions["batch_size"].value == 16
    assert dimensions["activation"].value == "relu"
    # A grid takes a log range one value per decade, a dropout range every 0.1.
    assert dimensions["learning_rate"].grid() == [0.0001, 0.001, 0.01]
    assert dimensions["dropout_rate"].grid() == [0.0, 0.1, 0.2, 0.3]
    assert grid_size(dimensions) == 3 * 3 * 3 * 4 * 2


def test_an_empty_space_searches_the_default_one():
    dimensions = resolve_space(experiment({}))
    searched = {name for name, d in dimensions.items() if d.searched}
    assert searched == set(DEFAULT_SPACE)


def test_the_efficiency_bench_space_has_54_combinations():
    spec = experiment(
        {
            "hidden_layers": {"low": 1, "high": 3},
            "units": [16, 64, 128],
            "learning_rate": [0.0003, 0.001, 0.003],
            "batch_size": [32, 128],
        }
    )
    assert grid_size(resolve_space(spec)) == 54


@pytest.mark.parametrize(
    ("space", "message"),
    [
        ({"neurons": [8]}, "unknown setting 'neurons'"),
        ({"units": [-3, 8]}, "'tune.space.units' field may only hold whole numbers"),
        ({"units": {"low": 1, "high": 9}}, "'tune.space.units' field must be a list"),
        ({"units": []}, "'tune.space.units' field must list at least one value"),
        ({"learning_rate": {"low": 0.1, "high": 0.01}}, "'low' at most 'high'"),
        ({"learning_rate": [5.0]}, "'tune.space.learning_rate' field may only hold"),
        ({"activation": ["relu", "banana"]}, "'tune.space.activation' field"),
        ({"dropout_rate": {"low": 0.0, "high": 0.5, "step": 0}}, "'step' above 0"),
        ([16, 32], "'tune.space' field must be an object"),
        (
            {"class_weight": ["none", "heavy"]},
            "'tune.space.class_weight' field may only hold {'none', 'balanced'}",
        ),
    ],
    ids=[
        "unknown",
        "negative-units",
        "units-range",
        "empty",
        "low-above-high",
        "learning-rate-too-big",
        "bad-activation",
        "zero-step",
        "not-an-object",
        "bad-class-weight",
    ],
)
def test_bad_spaces_name_the_field(space, message):
    with pytest.raises(SpecError, match=message.replace("(", r"\(")):
        validate_space(space)


@pytest.mark.parametrize(
    ("tune", "message"),
    [
        ({"method": "bayes"}, "'tune.method' field must be one of"),
        ({"trials": 0}, "'tune.trials' field must be a whole number"),
        ({"minutes": -1}, "'tune.minutes' field must be a number of minutes"),
        ({"pruner": "sometimes"}, "'tune.pruner' field must be one of"),
        ({"budget": 3}, "'tune' section has an unknown field 'budget'"),
    ],
    ids=["method", "trials", "minutes", "pruner", "unknown"],
)
def test_bad_tune_sections_name_the_field(tune, message):
    spec = default_spec()
    spec["tune"].update(tune)
    with pytest.raises(SpecError, match=message):
        validate_spec(spec)


def test_apply_params_rebuilds_the_hidden_layers_and_the_rest():
    spec = default_spec()
    spec["model"]["layers"] = [
        {"type": "dense", "units": 128, "activation": "relu", "l2": 0.01},
        {"type": "dropout", "rate": 0.2},
        {"type": "dense", "units": 64, "activation": "relu"},
    ]
    spec = validate_spec(spec)
    new = apply_params(
        spec,
        {
            "hidden_layers": 3,
            "units": 32,
            "activation": "tanh",
            "dropout_rate": 0.1,
            "learning_rate": 0.003,
            "batch_size": 64,
            "optimizer": "rmsprop",
        },
    )
    dense = [layer for layer in new["model"]["layers"] if layer["type"] == "dense"]
    dropout = [layer for layer in new["model"]["layers"] if layer["type"] == "dropout"]
    assert [layer["units"] for layer in dense] == [32, 32, 32]
    assert {layer["activation"] for layer in dense} == {"tanh"}
    assert dense[0]["l2"] == 0.01  # the first layer's penalty is kept
    assert [layer["rate"] for layer in dropout] == [0.1, 0.1, 0.1]
    assert new["compile"]["learning_rate"] == 0.003
    assert new["compile"]["optimizer"] == "rmsprop"
    assert new["train"]["batch_size"] == 64
    assert spec["model"]["layers"][0]["units"] == 128  # the original is untouched
    # A dropout rate of 0 removes the dropout layers; other settings stay.
    plain = apply_params(spec, {"dropout_rate": 0.0})
    assert [layer["type"] for layer in plain["model"]["layers"]] == ["dense", "dense"]
    assert plain["compile"] == spec["compile"]


def test_class_weights_are_a_dimension_a_search_can_vary():
    spec = experiment({"class_weight": ["none", "balanced"]})
    dimension = resolve_space(spec)["class_weight"]
    assert dimension.searched and dimension.grid() == ["none", "balanced"]
    assert dimension.distribution() == (
        optuna.distributions.CategoricalDistribution(["none", "balanced"])
    )
    assert apply_params(spec, {"class_weight": "balanced"})["train"] == {
        **spec["train"],
        "class_weight": "balanced",
    }
    # Not searched: fixed at the experiment's own setting.
    fixed = resolve_space(experiment())["class_weight"]
    assert not fixed.searched and fixed.value == "none"
    weighted = experiment()
    weighted["train"]["class_weight"] = "balanced"
    assert resolve_space(weighted)["class_weight"].value == "balanced"


def test_apply_best_validates_and_refuses_nothing():
    spec = experiment()
    new = apply_best(spec, {"units": 64, "learning_rate": 0.01})
    assert new["model"]["layers"][0]["units"] == 64
    assert new["compile"]["learning_rate"] == 0.01
    with pytest.raises(SpecError, match="no best settings"):
        apply_best(spec, {})
    with pytest.raises(SpecError, match="Unknown tuning setting 'colour'"):
        apply_best(spec, {"colour": "red"})


# --- the cost estimate --------------------------------------------------------------


def test_cost_estimate_says_trials_epochs_and_minutes():
    spec = experiment(
        {
            "units": [16, 32, 64, 128],
            "batch_size": [16, 32, 64],
            "learning_rate": [0.0003, 0.001, 0.003, 0.01],
        },
        trials=100,
        epochs=20,
        pruner="none",
    )
    speed = Speed(seconds_per_step=0.01, setup_seconds=1.0, n_train=1000, batch_size=32)
    estimate = estimate_cost(spec, 1000, speed)
    assert estimate.trials == 48  # the grid's size caps the trials
    assert estimate.grid_size == 48
    steps = (math.ceil(1000 / 16) + math.ceil(1000 / 32) + math.ceil(1000 / 64)) / 3
    assert estimate.seconds == pytest.approx(48 * (1.0 + 20 * steps * 0.01))
    assert estimate.text == (
        f"48 trials × 20 epochs ≈ {round(estimate.seconds / 60)} minutes at the "
        "measured speed."
    )
    assert estimate.warning is None

    unmeasured = estimate_cost(spec, 1000, None)
    assert unmeasured.seconds is None
    assert "once the speed is measured" in unmeasured.text


def test_a_large_grid_gets_a_warning_and_a_suggestion():
    spec = experiment(
        {
            "hidden_layers": {"low": 1, "high": 5},
            "units": [16, 32, 64, 128],
            "batch_size": [16, 32, 64],
            "activation": ["relu", "tanh", "elu"],
            "optimizer": ["adam", "sgd", "rmsprop"],
        },
        trials=10_000,
    )
    speed = Speed(0.001, 0.5, 1000, 32)
    estimate = estimate_cost(spec, 1000, speed)
    assert estimate.grid_size == 540
    assert "540 combinations" in estimate.warning
    assert "Random search, or Smart search" in estimate.warning
    assert estimate.suggestion == "tpe"

    partial = estimate_cost(experiment({"units": [4, 8, 16]}, trials=2), 1000, speed)
    assert "Only 2 of the grid's 3 combinations" in partial.warning


def test_time_budget_is_part_of_the_estimate():
    spec = experiment({"units": [4, 8]}, method="random", trials=50, minutes=1)
    estimate = estimate_cost(spec, 100, Speed(0.01, 2.0, 100, 16))
    assert "the 1-minute budget ends it after about" in estimate.text


# --- searching ----------------------------------------------------------------------


def test_pruning_stops_a_clearly_bad_trial(prepared, storage):
    spec = experiment(
        {"learning_rate": [0.05, 0.03, 0.02, 0.000001]},
        method="random",
        trials=4,
        epochs=6,
        pruner="median",
    )
    search = Search(spec, prepared, storage=storage, study_name="pruning")
    # The good settings first: the median rule waits for 3 finished trials.
    for rate in (0.05, 0.03, 0.02, 0.000001):
        search.study.enqueue_trial({"learning_rate": rate})
    result = search.run()
    rows = {
        row["params"]["learning_rate"]: row
        for row in study_snapshot(storage, "pruning").rows
    }
    assert rows[0.000001]["state"] == "pruned"
    assert rows[0.000001]["epochs"] < 6
    assert rows[0.000001]["note"].startswith("stopped after epoch")
    assert all(rows[rate]["state"] == "complete" for rate in (0.05, 0.03, 0.02))
    assert result["pruned"] == 1
    assert result["trials"] == 4
    assert result["epochs_total"] == 18 + rows[0.000001]["epochs"]


def test_a_search_never_sees_the_test_split(prepared, storage):
    poisoned = copy.copy(prepared)
    poisoned.X_test = np.full_like(prepared.X_test, np.nan)
    poisoned.y_test = np.full_like(prepared.y_test, 99)
    search = Search(experiment(trials=2), poisoned, storage=storage, study_name="t")
    assert len(search.prepared.y_test) == 0
    result = search.run()
    assert result["trials"] == 2
    assert 0 <= result["best_value"] <= 1


def test_stop_ends_after_the_running_trial_and_the_study_resumes(prepared, storage):
    spec = experiment({"units": [4, 8, 16]}, trials=3, pruner="none")
    search = Search(spec, prepared, storage=storage, study_name="resumable")
    started = []

    def publish(**fields):
        if fields.get("running"):
            started.append(fields["running"]["trial"])

    result = search.run(should_stop=lambda: bool(started), progress=publish)
    assert result["reason"] == "stopped"
    assert result["trials"] == 1  # the running trial finished, no other started
    assert study_snapshot(storage, "resumable").rows[0]["state"] == "complete"

    # Resumed by name later (a new process would do the same): the trials left.
    again = Search.resume(storage, "resumable", prepared)
    assert again.spec["tune"]["space"] == {"units": [4, 8, 16]}
    result = again.run()
    assert result["reason"] == "budget"
    assert result["trials"] == 3
    params = [
        row["params"]["units"] for row in study_snapshot(storage, "resumable").rows
    ]
    assert sorted(params) == [4, 8, 16]  # every grid point once
    assert [s["name"] for s in list_studies(storage)] == ["resumable"]


def test_failed_trials_are_recorded_and_repeated_errors_stop_the_search(
    prepared, storage, monkeypatch
):
    from nncore.train.trainer import Trainer

    def broken_fit(self, epochs, callbacks=None, stop_flag=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(Trainer, "fit", broken_fit)
    spec = experiment({"units": [4, 8, 16, 32, 64]}, trials=5)
    result = Search(spec, prepared, storage=storage, study_name="broken").run()
    assert result["reason"] == "failures"
    assert result["failed"] == 3  # it stopped after three errors in a row
    assert "3 trials in a row failed (RuntimeError: boom)" in result["warnings"][0]
    rows = study_snapshot(storage, "broken").rows
    assert {row["state"] for row in rows} == {"failed"}
    assert rows[0]["note"] == "RuntimeError: boom"
    assert rows[0]["value"] is None


def test_a_study_refuses_another_experiment(prepared, storage):
    Search(experiment({"units": [4, 8]}), prepared, storage=storage, study_name="s")
    other = experiment({"units": [4, 8, 16]})
    with pytest.raises(SpecError, match="tunes a different experiment"):
        Search(other, prepared, storage=storage, study_name="s")


def test_nothing_to_search_is_refused(prepared, storage):
    with pytest.raises(SpecError, match="searches nothing"):
        Search(experiment({"units": [8]}), prepared, storage=storage)


def test_a_trial_left_running_by_a_dead_process_is_skipped(prepared, storage):
    spec = experiment({"units": [4, 8]}, trials=2)
    search = Search(spec, prepared, storage=storage, study_name="crashed")
    trial = search.study.ask()
    host = __import__("socket").gethostname()
    trial.set_user_attr("worker", f"{host}:999999999:deadbeef")
    Search(spec, prepared, storage=storage, study_name="crashed")
    frozen = search.study.get_trials()[0]
    assert frozen.state.name == "FAIL"
    assert frozen.user_attrs["skipped"].startswith("interrupted")
    assert study_snapshot(storage, "crashed").rows == []


def test_storages_explain_what_is_wrong(tmp_path):
    with pytest.raises(DataError, match="no study storage at"):
        open_storage(str(tmp_path / "missing.log"), create=False)
    with pytest.raises(DataError) as error:
        open_storage("postgresql://ann:secret@127.0.0.1:1/studies")
    assert "secret" not in str(error.value)
    assert "ann:***@" in str(error.value)
    with pytest.raises(DataError, match="Could not open the study storage"):
        open_storage(f"sqlite:///{tmp_path}/no/such/folder/studies.db")


# --- tables and charts --------------------------------------------------------------


def snapshot_of(rows, curves=None, importances=None) -> StudySnapshot:
    return StudySnapshot(
        study="s",
        storage="mem",
        objective="val_accuracy",
        objective_title="validation accuracy",
        direction="maximize",
        method="tpe",
        budget=5,
        rows=rows,
        curves=curves or {},
        params=["units", "learning_rate"],
        distributions={
            "units": {"kind": "categorical", "log": False, "choices": [4, 8]},
            "learning_rate": {"kind": "float", "log": True, "low": 1e-3, "high": 0.1},
        },
        best=None,
        importances=importances,
    )


def row(trial, state, value, units=4, rate=0.01, note=""):
    return {
        "trial": trial,
        "state": state,
        "value": value,
        "epochs": 3,
        "seconds": 1.5,
        "params": {"units": units, "learning_rate": rate},
        "note": note,
    }


def test_trials_csv_neutralises_formulas_but_keeps_numbers():
    snapshot = snapshot_of(
        [
            row(1, "complete", 0.5, note='=HYPERLINK("http://x")'),
            row(2, "failed", None, note="-1.5"),
            row(3, "pruned", 0.25, note="@SUM(A1)"),
        ]
    )
    lines = trials_csv(snapshot).decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "Trial,State,Validation accuracy,Epochs,Seconds,Units per layer,"
        "Learning rate,Note"
    )
    assert lines[1].endswith('\'=HYPERLINK(""http://x"")"')
    assert lines[2].endswith(",-1.5")
    assert lines[3].endswith(",'@SUM(A1)")


def test_figures_follow_the_trials():
    rows = [
        row(1, "complete", 0.6, units=4, rate=0.001),
        row(2, "pruned", 0.3, units=8, rate=0.1),
        row(3, "complete", 0.9, units=8, rate=0.01),
        row(4, "running", None, units=4, rate=0.03),
    ]
    curves = {1: [0.4, 0.6], 2: [0.3], 3: [0.7, 0.9], 4: [0.5]}
    snapshot = snapshot_of(
        rows, curves, importances={"units": 0.7, "learning_rate": 0.3}
    )
    snapshot.best = {"trial": 3, "value": 0.9, "params": rows[2]["params"]}

    history = history_figure(snapshot)
    best_line = next(t for t in history.data if t.name == "best so far")
    assert list(best_line.y) == [0.6, 0.9]
    pruned = next(t for t in history.data if t.name.startswith("pruned"))
    assert list(pruned.x) == [2]

    curves_fig = curves_figure(snapshot)
    names = {t.name for t in curves_fig.data}
    assert {"trial 3 (best)", "running trial", "pruned", "completed"} <= names
    assert len(curves_fig.data) == 4

    parallel = parallel_figure(snapshot)
    axes = parallel.data[0].dimensions
    assert [axis.label for axis in axes] == [
        "Units per layer",
        "Learning rate (log)",
        "Validation accuracy",
    ]
    assert list(axes[2].values) == [0.6, 0.9]  # completed trials only

    bars = importance_figure(snapshot).data[0]
    assert list(bars.y) == ["Learning rate", "Units per layer"]

    empty = snapshot_of([])
    assert parallel_figure(empty) is None
    assert importance_figure(empty) is None
    assert history_figure(empty).layout.annotations


def test_importance_needs_ten_completed_trials(prepared, storage):
    search = Search(experiment(trials=1), prepared, storage=storage, study_name="one")
    search.run()
    snapshot = study_snapshot(storage, "one", importances=True)
    assert snapshot.importances is None
    assert snapshot.importance_note == (
        "Importance appears after 10 completed trials; it would be guesswork with 1."
    )
    space = {"units": [2, 4, 8, 16, 32], "batch_size": [16, 32]}
    ten = experiment(space, trials=10, epochs=1, pruner="none")
    Search(ten, prepared, storage=storage, study_name="ten").run()
    snapshot = study_snapshot(storage, "ten", importances=True)
    assert set(snapshot.importances) == {"units", "batch_size"}
    assert snapshot.importance_trials == 10


# --- the command line ---------------------------------------------------------------


def run_cli(*args, cwd=None, runs=None):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": str(ROOT)}
    if runs is not None:
        env["NNSTUDIO_RUNS_DIR"] = str(runs)
    return subprocess.Popen(
        [sys.executable, "-m", "nncore", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd or ROOT,
        env=env,
    )


def finish(process, timeout=240):
    stdout, stderr = process.communicate(timeout=timeout)
    return process.returncode, stdout, stderr


def write_experiment(tmp_path, spec) -> Path:
    path = tmp_path / "experiment.json"
    path.write_text(json.dumps(spec))
    return path


def test_two_workers_share_one_study_without_repeating_a_grid_point(tmp_path):
    spec = experiment({"units": [4, 8, 16], "learning_rate": [0.01, 0.1]}, trials=6)
    path = write_experiment(tmp_path, spec)
    storage = tmp_path / "shared.log"
    args = ("tune", path, "--storage", storage, "--study", "shared", "--pruner", "none")
    workers = [run_cli(*args, runs=tmp_path / f"runs{i}") for i in range(2)]
    results = [finish(worker) for worker in workers]
    for status, stdout, stderr in results:
        assert status == 0, stderr
        assert "Traceback" not in stderr
        summary = json.loads(stdout.strip().splitlines()[-1])
        assert summary["objective"] == "val_accuracy"
        assert summary["direction"] == "maximize"
        assert set(summary["best_params"]) == {"units", "learning_rate"}
        assert 0 <= summary["best_value"] <= 1
        assert summary["pruned"] == 0
        assert 1 <= summary["trials"] <= 6
        assert summary["epochs_total"] == 2 * summary["trials"]
        assert summary["study"] == "shared"
    snapshot = study_snapshot(str(storage), "shared")
    points = [tuple(sorted(r["params"].items())) for r in snapshot.rows]
    assert len(points) == 6
    assert len(set(points)) == 6  # every grid point once, none twice
    assert {r["state"] for r in snapshot.rows} == {"complete"}
    # Each worker trained some of them.
    lines = [stderr.count("complete val_accuracy=") for _, _, stderr in results]
    assert sum(lines) == 6


@pytest.mark.parametrize(
    ("extra", "space", "message"),
    [
        (("--method", "bayes"), {"units": [4, 8]}, "invalid choice: 'bayes'"),
        (("--trials", "0"), {"units": [4, 8]}, "'tune.trials' field must be"),
        (("--trials", "many"), {"units": [4, 8]}, "expected a whole number"),
        ((), {"units": [8]}, "searches nothing"),
        ((), {"units": [-1]}, "'tune.space.units' field may only hold"),
        (
            ("--storage", "postgresql://ann:secret@127.0.0.1:1/db"),
            {"units": [4, 8]},
            "The storage 'postgresql://ann:***@127.0.0.1:1/db' needs a database",
        ),
        (
            ("--storage", "sqlite:////no/such/folder/studies.db"),
            {"units": [4, 8]},
            "Could not open the study storage 'sqlite:////no/such/folder/studies.db'",
        ),
    ],
    ids=[
        "method",
        "zero-trials",
        "words",
        "nothing",
        "bad-space",
        "storage-driver",
        "storage-folder",
    ],
)
def test_tune_with_bad_input_exits_2_with_one_error_line(
    tmp_path, extra, space, message
):
    spec = experiment()
    spec["tune"]["space"] = space
    path = write_experiment(tmp_path, spec)
    status, stdout, stderr = finish(run_cli("tune", path, *extra, runs=tmp_path / "r"))
    assert status == 2, stderr
    lines = stderr.strip().splitlines()
    assert lines[-1].startswith("error: ")
    assert message in lines[-1]
    assert "secret" not in stderr
    assert "Traceback" not in stderr
    assert stdout == ""
