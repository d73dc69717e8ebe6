"""`python -m nncore data`: the JSON contract and bad input without tracebacks."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import files

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def runs_dir(tmp_path, monkeypatch):
    """This test's own runs folder."""
    folder = tmp_path / "runs"
    monkeypatch.setenv("NNSTUDIO_RUNS_DIR", str(folder))
    return folder


def run_cli(*args, cwd=None):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "nncore", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=env,
        timeout=120,
    )


def write_spec(tmp_path, data):
    path = tmp_path / "experiment.json"
    path.write_text(json.dumps({"data": data}))
    return path


def assert_bad_input(result, message):
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("error: ")
    assert message in lines[-1]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_data_command_prints_the_summary_as_the_last_line(tmp_path):
    result = run_cli("data", write_spec(tmp_path, {"source": "builtin:iris"}))
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["task"] == "multiclass"
    assert (summary["n_train"], summary["n_val"], summary["n_test"]) == (104, 23, 23)
    assert summary["n_features"] == 4
    assert summary["classes"] == ["setosa", "versicolor", "virginica"]
    assert summary["warnings"] == []
    assert "loading builtin:iris" in result.stderr


def test_data_and_target_override_the_spec(tmp_path):
    csv = tmp_path / "houses.csv"
    frame = files.simple_frame(80)
    frame.to_csv(csv, index=False)
    result = run_cli(
        "data",
        write_spec(tmp_path, {"source": "builtin:iris"}),
        "--data",
        csv,
        "--target",
        "x2",
    )
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["task"] == "regression"
    assert summary["classes"] is None
    assert summary["n_features"] == 6  # x1, three colours, label yes and no


def test_relative_source_is_found_beside_the_experiment(tmp_path):
    files.simple_frame(50).to_csv(tmp_path / "mine.csv", index=False)
    spec = write_spec(tmp_path, {"source": "mine.csv", "target": "label"})
    result = run_cli("data", spec, cwd=tmp_path.parent)
    assert json.loads(result.stdout.splitlines()[-1])["task"] == "binary"


def test_warnings_reach_the_json(tmp_path):
    csv = tmp_path / "messy.csv"
    csv.write_text(
        "id,x,y\n"
        + "".join(
            f"{i},{i % 7 if i != 4 else '?'},{[' yes', 'Yes', 'no'][i % 3]}\n"
            for i in range(40)
        )
    )
    summary = json.loads(
        run_cli(
            "data", write_spec(tmp_path, {"source": str(csv), "target": "y"})
        ).stdout.splitlines()[-1]
    )
    text = " ".join(summary["warnings"])
    assert "not numbers ('?')" in text
    assert "differ only by capital letters or spaces" in text


BAD_DATA = [
    (b"", "is empty (0 bytes)"),
    (b"a,b,c\n", "has a header but no data rows"),
    (files.random_bytes(), "looks like binary data, not text"),
    (files.zip_bytes(), "is a ZIP archive, not a table"),
    (b"a,b,y\n1,2,3\n", "Only 1 row of data"),
]


@pytest.mark.parametrize(
    ("data", "message"), BAD_DATA, ids=["empty", "header", "binary", "zip", "one-row"]
)
def test_bad_files_exit_2_with_one_error_line(tmp_path, data, message):
    csv = tmp_path / "bad.csv"
    csv.write_bytes(data)
    spec = write_spec(tmp_path, {"source": str(csv), "target": "y"})
    assert_bad_input(run_cli("data", spec), message)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--target", "nope"], "The target column 'nope' is not in the data"),
        (["--data", "/no/such/file.csv"], "does not exist"),
    ],
    ids=["wrong-target", "missing-file"],
)
def test_bad_overrides(tmp_path, extra, message):
    assert_bad_input(
        run_cli("data", write_spec(tmp_path, {"source": "builtin:wine"}), *extra),
        message,
    )


def test_target_not_chosen(tmp_path):
    files.simple_frame(30).to_csv(tmp_path / "d.csv", index=False)
    spec = write_spec(tmp_path, {"source": str(tmp_path / "d.csv"), "target": None})
    assert_bad_input(run_cli("data", spec), "No target column is chosen")


def test_bad_spec_and_bad_command(tmp_path):
    spec = write_spec(tmp_path, {"scaling": "std"})
    assert_bad_input(run_cli("data", spec), "The 'data.scaling' field must be one of")
    assert_bad_input(run_cli("data", tmp_path / "none.json"), "does not exist")
    assert_bad_input(run_cli("fly"), "invalid choice: 'fly'")


def test_run_trains_and_prints_the_contract_json(tmp_path, runs_dir):
    spec = {
        "data": {"source": "builtin:breast_cancer"},
        "model": {"layers": [{"type": "dense", "units": 8}]},
        "train": {"epochs": 3},
    }
    path = tmp_path / "experiment.json"
    path.write_text(json.dumps(spec))
    result = run_cli("run", path, "--out", tmp_path / "run")
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["task"] == "binary"
    for split in ("val", "test"):
        assert set(summary["metrics"][split]) == {
            "accuracy",
            "precision",
            "recall",
            "f1",
            "roc_auc",
            "balanced_accuracy",
            "pr_auc",
        }
    assert summary["baseline"]["accuracy"] == pytest.approx(54 / 86)
    assert summary["epochs_run"] == 3
    assert 1 <= summary["scored_epoch"] <= 3  # the epoch whose weights are scored
    assert isinstance(summary["warnings"], list) and summary["run_id"]
    assert "epoch 3/3" in result.stderr
    assert (tmp_path / "run" / "model.keras").stat().st_size > 0
    saved = json.loads((tmp_path / "run" / "result.json").read_text())
    assert saved["run_id"] == summary["run_id"]
    # The run is in the run store, where the app's Runs screen finds it.
    from nncore.runs.store import RunStore

    run = RunStore(runs_dir).get(summary["run_id"])
    assert run.status == "finished" and run.epochs_run == 3
    assert run.metrics["test"]["accuracy"] == summary["metrics"]["test"]["accuracy"]
    # Reference models on the test split, like the baseline, and the error bars.
    assert set(summary["reference"]) == {"logistic_regression", "gradient_boosting"}
    for scores in summary["reference"].values():
        assert set(scores) == set(summary["metrics"]["test"])
    assert summary["reference"]["logistic_regression"]["accuracy"] > 0.9
    assert set(summary["metrics_ci"]) == {"val", "test"}
    for split in ("val", "test"):
        intervals = summary["metrics_ci"][split]
        assert set(intervals) == set(summary["metrics"][split])
        for name, (low, high) in intervals.items():
            assert low <= summary["metrics"][split][name] <= high, name
    assert run.reference["test"] == summary["reference"]
    assert run.metrics_ci == summary["metrics_ci"] == saved["metrics_ci"]


def test_run_with_bad_input_exits_2(tmp_path):
    path = tmp_path / "experiment.json"
    path.write_text(json.dumps({"model": {"layers": [{"type": "dense", "units": 0}]}}))
    assert_bad_input(run_cli("run", path), "'model.layers[0].units' field must be")
    path.write_text(json.dumps({"data": {"source": "builtin:iris"}}))
    assert_bad_input(run_cli("run", path, "--target", "nope"), "is not in the data")
