"""`python -m nncore run | tune | export` on image experiments: the JSON contract of
the last stdout line, a folder of class folders passed with --data, a 2-trial
search that keeps the convolutions, the exported script reproducing the app's
validation accuracy, and bad input without a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nncore.spec import validate_spec
from nncore.tune.space import apply_params
from tests.pictures import class_files, write_tree

ROOT = Path(__file__).resolve().parents[2]
TINY_CNN = [
    {"type": "conv2d", "filters": 8, "kernel_size": 3, "padding": "same"},
    {"type": "maxpool2d", "pool_size": 2},
    {"type": "flatten"},
    {"type": "dense", "units": 32},
]
CONTRACT = {
    "task",
    "metrics",
    "baseline",
    "epochs_run",
    "warnings",
    "run_id",
    "reference",
    "metrics_ci",
}


def run_cli(*args, runs_dir, cwd=None):
    env = {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "TF_ENABLE_ONEDNN_OPTS": "0",
        "PYTHONPATH": str(ROOT),
        "NNSTUDIO_RUNS_DIR": str(runs_dir),
    }
    return subprocess.run(
        [sys.executable, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=env,
        timeout=180,
    )


def nncore(*args, runs_dir):
    return run_cli("-m", "nncore", *args, runs_dir=runs_dir)


def last_json(result) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def write_experiment(path: Path, **sections) -> Path:
    path.write_text(json.dumps(sections))
    return path


def digits_experiment(tmp_path, epochs=3, **extra) -> Path:
    return write_experiment(
        tmp_path / "digits.json",
        data={"source": "builtin:digits_images"},
        model={"layers": TINY_CNN},
        compile={"learning_rate": 0.01},
        train={"epochs": epochs, "batch_size": 32},
        **extra,
    )


def test_run_then_export_reproduces_the_validation_accuracy(tmp_path):
    experiment = digits_experiment(tmp_path)
    summary = last_json(nncore("run", experiment, runs_dir=tmp_path / "runs"))
    assert set(summary) >= CONTRACT
    assert summary["task"] == "multiclass" and summary["epochs_run"] == 3
    assert set(summary["metrics"]) == {"val", "test"}
    for split in ("val", "test"):
        assert {"accuracy", "precision", "recall", "f1", "roc_auc"} <= set(
            summary["metrics"][split]
        )
        assert set(summary["metrics_ci"][split]) >= {"accuracy", "f1"}
    assert summary["baseline"]["accuracy"] < 0.2
    assert set(summary["reference"]) == {"logistic_regression", "gradient_boosting"}
    app_accuracy = summary["metrics"]["val"]["accuracy"]
    assert app_accuracy > 0.8

    script = tmp_path / "experiment.py"
    last_json(nncore("export", experiment, "-o", script, runs_dir=tmp_path / "runs"))
    code = script.read_text()
    assert "keras.layers.Conv2D(8, 3" in code and "Rescaling(1 / 255)" in code
    result = run_cli(script, runs_dir=tmp_path / "runs", cwd=tmp_path)
    exported = last_json(result)
    assert "1797 pictures of 10 classes" in result.stdout
    # model.fit draws other batches than NN Studio's loop: a few points apart.
    assert abs(exported["metrics"]["val"]["accuracy"] - app_accuracy) < 0.05


def test_run_reads_a_folder_of_class_folders_given_with_data(tmp_path):
    folder = write_tree(
        tmp_path / "pets",
        class_files({"cats": 12, "dogs": 12}, size=(12, 10), wrapper="photos"),
    )
    experiment = digits_experiment(tmp_path, epochs=1)
    summary = last_json(
        nncore("run", experiment, "--data", folder, runs_dir=tmp_path / "runs")
    )
    assert summary["task"] == "binary" and summary["epochs_run"] == 1
    assert set(summary) >= CONTRACT


def test_tune_searches_the_dense_part_and_keeps_the_convolutions(tmp_path):
    spec = validate_spec(
        {"data": {"source": "builtin:digits_images"}, "model": {"layers": TINY_CNN}}
    )
    trial = apply_params(spec, {"hidden_layers": 2, "units": 64, "dropout_rate": 0.2})
    kinds = [layer["type"] for layer in trial["model"]["layers"]]
    assert kinds == ["conv2d", "maxpool2d", "flatten", *["dense", "dropout"] * 2]
    assert trial["model"]["layers"][0] == spec["model"]["layers"][0]

    experiment = digits_experiment(
        tmp_path,
        epochs=1,
        tune={"trials": 2, "space": {"units": [16, 32], "hidden_layers": [1, 2]}},
    )
    result = nncore("tune", experiment, "--method", "random", runs_dir=tmp_path)
    summary = last_json(result)
    assert summary["objective"] == "val_accuracy" and summary["trials"] == 2
    assert set(summary["best_params"]) == {"units", "hidden_layers"}
    assert summary["best_value"] > 0.3


@pytest.mark.parametrize(
    ("layers", "data", "message"),
    [
        (
            [{"type": "dense", "units": 8}],
            {"source": "builtin:digits_images"},
            "Flatten",
        ),
        (TINY_CNN, {"source": "no-such-pictures.zip"}, "does not exist"),
    ],
    ids=["dense-on-pictures", "missing-zip"],
)
def test_bad_image_experiments_exit_2_without_a_traceback(
    tmp_path, layers, data, message
):
    experiment = write_experiment(
        tmp_path / "bad.json", data=data, model={"layers": layers}
    )
    result = nncore("run", experiment, runs_dir=tmp_path / "runs")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and message in last


def exported_pictures(spec: dict, tmp_path: Path):
    """Run the exported script up to the network (no training); its variables,
    and the app's loaded and prepared pictures."""
    from nncore.data.inspect import inspect_data, load_source
    from nncore.report.export import export_script

    loaded = load_source(spec["data"])
    prepared = inspect_data(loaded, spec["data"]).prepared
    code = export_script(spec, loaded, prepared)
    head = code.split("# 3. Build the network")[0]
    namespace: dict = {}
    exec(compile(head, str(tmp_path / "experiment.py"), "exec"), namespace)
    return namespace, loaded, prepared


def test_exported_code_reads_a_zip_to_the_same_pixels_and_split(tmp_path):
    from tests.pictures import exif_rotated_jpeg, picture, zip_of

    files = class_files({"cats": 12, "dogs": 12}, size=(20, 16), fmt="JPEG")
    files.update(class_files({"owls": 4}, size=(30, 30), mode="RGBA", seed=500))
    files["dogs/upright.jpg"] = exif_rotated_jpeg()
    files["dogs/palette.png"] = picture("PNG", (12, 12), "P")
    files["dogs/not-read.tif"] = picture("TIFF", (12, 12), "RGB")
    files["README.txt"] = b"not a picture"
    archive = tmp_path / "pets.zip"
    archive.write_bytes(zip_of({f"pets/{name}": data for name, data in files.items()}))
    spec = validate_spec(
        {
            "data": {
                "source": str(archive),
                "images": {"size": [12, 10], "color": "rgb"},
                "augment": {"flip": True, "rotation": 10},
            },
            "model": {"layers": TINY_CNN},
        }
    )
    found, loaded, prepared = exported_pictures(spec, tmp_path)
    assert found["images"].shape == (30, 12, 10, 3)
    assert (found["images"] == loaded.images).all()
    assert list(found["y"]) == list(loaded.labels)
    for split in ("train", "val", "test"):
        assert list(found[split]) == list(getattr(prepared, f"{split}_index"))


def test_exported_code_draws_the_same_shapes(tmp_path):
    spec = validate_spec(
        {
            "data": {
                "source": "builtin:shapes",
                "n_samples": 200,
                "noise": 0.2,
                "shapes": {"rotation": 90},
                "images": {"color": "rgb"},
            },
            "model": {"layers": TINY_CNN},
        }
    )
    found, loaded, prepared = exported_pictures(spec, tmp_path)
    assert found["images"].shape == (200, 28, 28, 3)
    assert (found["images"] == loaded.images).all()
    assert list(found["val"]) == list(prepared.val_index)


def test_the_notebook_of_an_image_experiment_holds_the_network():
    import nbformat

    from nncore.data.inspect import inspect_data, load_source
    from nncore.report.export import export_notebook

    spec = validate_spec(
        {
            "data": {"source": "builtin:digits_images", "augment": {"zoom": 0.1}},
            "model": {"layers": TINY_CNN},
        }
    )
    loaded = load_source(spec["data"])
    prepared = inspect_data(loaded, spec["data"]).prepared
    notebook = nbformat.reads(export_notebook(spec, loaded, prepared), as_version=4)
    nbformat.validate(notebook)
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    assert "RandomZoom((-0.1, 0.1)" in code
    assert "keras.layers.MaxPooling2D(2)" in code and "keras.layers.Flatten()" in code
    assert "load_digits()" in code
