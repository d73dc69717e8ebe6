"""Code export: the script runs on its own and reproduces NN Studio's numbers."""

import json
import os

import nbformat
import pytest

from nncore.data.inspect import load_source
from nncore.data.prepare import prepare_from_spec
from nncore.report.export import export_notebook, export_script
from nncore.spec import validate_spec
from nncore.train.trainer import train_and_evaluate
from tests import files
from tests.isolation import run_exported_script
from tests.unit.test_cli import assert_bad_input, run_cli

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def experiment(data, layers=None, **train):
    return validate_spec(
        {
            "data": data,
            "model": {
                "layers": layers
                or [
                    {"type": "dense", "units": 16, "activation": "tanh"},
                    {"type": "dropout", "rate": 0.1},
                    {"type": "batchnorm"},
                ]
            },
            "compile": {"optimizer": "adam", "learning_rate": 0.01},
            "train": {"epochs": 4, "batch_size": 16, **train},
        }
    )


def run_script(code: str, folder) -> tuple[dict, list[str]]:
    """Run an exported script where nncore cannot be imported."""
    path = folder / "experiment.py"
    path.write_text(code)
    return run_exported_script(path)


def assert_reproduced(spec, folder):
    table = load_source(spec["data"])
    prepared = prepare_from_spec(table.frame, spec["data"])
    code = export_script(spec, table, prepared)
    assert "nncore" not in code
    expected = train_and_evaluate(spec, prepared)
    printed, lines = run_script(code, folder)
    sizes = len(prepared.y_train), len(prepared.y_val), len(prepared.y_test)
    assert f"rows: {sizes[0]} train, {sizes[1]} validation, {sizes[2]} test" in lines
    assert printed["task"] == prepared.task
    # The script trains with model.fit, NN Studio with its compiled loop: the same
    # network, seeds and epochs, mini-batches in another order. Early stopping may
    # end an epoch or two apart; the metrics agree within a few flipped examples.
    assert abs(printed["epochs_run"] - expected.epochs_run) <= 2
    for split in ("val", "test"):
        assert printed["metrics"][split].keys() == expected.metrics[split].keys()
        for name, value in expected.metrics[split].items():
            tolerance = 0.06 if prepared.task != "regression" else 0.1 * abs(value)
            assert printed["metrics"][split][name] == pytest.approx(
                value, abs=tolerance
            ), (split, name)
    for name in expected.metrics["test"]:
        assert f"test {name}: {printed['metrics']['test'][name]:.4f}" in lines
    return code, prepared


def test_builtin_dataset_script_reproduces_the_metrics(tmp_path):
    code, prepared = assert_reproduced(
        experiment({"source": "builtin:breast_cancer"}), tmp_path
    )
    assert code.startswith('"""NN Studio experiment. Breast cancer (binary)')
    assert "python experiment.py" in code.split('"""')[1]
    assert "from sklearn.datasets import load_breast_cancer" in code
    assert "keras.layers.Dropout(0.1, seed=TRAIN_SEED)" in code
    assert 'keras.layers.Dense(1, activation="sigmoid")' in code
    assert "stratify=y" in code
    assert prepared.task == "binary"


def test_generated_dataset_script_reproduces_the_metrics(tmp_path):
    spec = experiment(
        {"source": "builtin:spiral", "n_samples": 300, "noise": 0.2, "seed": 7},
        layers=[{"type": "dense", "units": 12, "l2": 0.001}],
        early_stopping={"enabled": True, "patience": 1},
        epochs=6,
        seed=3,
    )
    code, _ = assert_reproduced(spec, tmp_path)
    assert "def make_spiral(" in code and "DATA_SEED = 7" in code
    assert "kernel_regularizer=keras.regularizers.L1L2(l1=0.0, l2=0.001)" in code
    assert "TRAIN_SEED = 3" in code


def messy_csv(path):
    """Semicolons, decimal commas, '?' in a number column, messy labels, an ID,
    missing values and rows without a target."""
    lines = ["id;size;weight;colour;label"]
    for i in range(150):
        size = f"{(i * 37 % 101) / 10:.2f}".replace(".", ",") if i % 17 else "?"
        weight = f"{(i * 53 % 89) / 7:.3f}".replace(".", ",")
        colour = ["red", "green", "blue", ""][i * 7 % 4]
        label = ["yes", "yes", " Yes", "no", "no", "No "][i % 6] if i % 41 else ""
        lines.append(f"{1000 + i};{size};{weight};{colour};{label}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_csv_file_script_reproduces_the_split_and_metrics(tmp_path):
    source = messy_csv(tmp_path / "messy data.csv")
    spec = experiment({"source": str(source), "target": "label", "scaling": "minmax"})
    code, prepared = assert_reproduced(spec, tmp_path)
    assert f"DATA_FILE = {json.dumps(str(source))}" in code
    assert 'sep=";"' in code and 'decimal=","' in code
    assert 'NUMERIC_TEXT = ["size"]' in code
    assert "differ only by capital letters or spaces" in code
    assert 'DROPPED = ["id"]' in code
    assert "MinMaxScaler()" in code
    assert prepared.classes == ["no", "yes"]
    assert len(prepared.frame) == 146  # four rows had no label


def test_balanced_class_weights_script_reproduces_the_metrics(tmp_path):
    source = tmp_path / "imbalanced.csv"
    files.imbalanced_frame(2000, apart=2.5).to_csv(source, index=False)
    spec = experiment(
        {"source": str(source), "target": "outcome"}, class_weight="balanced"
    )
    code, prepared = assert_reproduced(spec, tmp_path)
    assert 'compute_class_weight("balanced", classes=present, y=y_train)' in code
    assert "    class_weight=class_weight,\n" in code
    assert prepared.classes == ["common", "rare"]
    # Without class weights the script has none; regression ignores them.
    for plain in (
        experiment({"source": str(source), "target": "outcome"}),
        experiment({"source": "builtin:diabetes"}, class_weight="balanced"),
    ):
        table = load_source(plain["data"])
        other = export_script(
            plain, table, prepare_from_spec(table.frame, plain["data"])
        )
        assert "compute_class_weight" not in other and "class_weight=" not in other


def test_notebook_validates_and_holds_the_scripts_code():
    spec = experiment({"source": "builtin:iris"})
    table = load_source(spec["data"])
    prepared = prepare_from_spec(table.frame, spec["data"])
    notebook = nbformat.reads(export_notebook(spec, table, prepared), as_version=4)
    nbformat.validate(notebook)
    script = export_script(spec, table, prepared)
    code_cells = [c.source for c in notebook.cells if c.cell_type == "code"]
    markdown = [c.source for c in notebook.cells if c.cell_type == "markdown"]
    assert len(code_cells) == 10
    assert all(cell in script for cell in code_cells)
    assert "model.fit(" in "".join(code_cells)
    assert "A network learns by guessing" in markdown[0]
    assert markdown[1].startswith("## Setup")
    assert markdown[-1].startswith("## 9. Evaluate")


def test_cli_writes_both_formats(tmp_path):
    spec = tmp_path / "experiment.json"
    spec.write_text(json.dumps({"data": {"source": "builtin:wine"}}))
    for kind in ("py", "ipynb"):
        out = tmp_path / f"out.{kind}"
        result = run_cli("export", spec, "--format", kind, "-o", out)
        assert result.returncode == 0, result.stderr
        summary = json.loads(result.stdout.strip().splitlines()[-1])
        assert summary == {
            "format": kind,
            "output": str(out),
            "bytes": len(out.read_bytes()),
        }
    compile(out.with_suffix(".py").read_text(), "out.py", "exec")
    nbformat.validate(nbformat.read(str(tmp_path / "out.ipynb"), as_version=4))
    csv = messy_csv(tmp_path / "m.csv")
    result = run_cli(
        "export", spec, "-o", tmp_path / "m.py", "--data", csv, "--target", "label"
    )
    assert result.returncode == 0, result.stderr
    assert "DATA_FILE" in (tmp_path / "m.py").read_text()


def test_cli_export_bad_input(tmp_path):
    spec = tmp_path / "experiment.json"
    spec.write_text(json.dumps({"data": {"source": "builtin:wine"}}))
    out = tmp_path / "x.py"
    assert_bad_input(
        run_cli("export", spec, "--format", "r", "-o", out),
        "argument --format: invalid choice: 'r'",
    )
    assert_bad_input(run_cli("export", spec), "the following arguments are required")
    assert_bad_input(
        run_cli("export", spec, "-o", tmp_path / "no" / "x.py"),
        "Could not write",
    )
    assert_bad_input(
        run_cli("export", spec, "-o", out, "--target", "nope"),
        "The target column 'nope' is not in the data",
    )
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"compile": {"loss": "mse"}}))
    assert_bad_input(run_cli("export", bad, "-o", out), "cannot train this binary task")
    assert not out.exists()
