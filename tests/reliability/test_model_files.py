"""Model files uploaded on the Evaluate screen: only safe .keras files that fit.

The screen opens ``.keras`` files with Keras' ``safe_mode`` and refuses, with a
message saying why and what to do, anything that would run code on the server (a
Lambda layer, a function from outside Keras, a pickle), anything that is not a
.keras file, and a model whose inputs or outputs do not fit the active data. A
refused file runs nothing: its code would write a marker file, which must not
appear. A model that fits is evaluated like a network trained in the app.
"""

from __future__ import annotations

import ast
import io
import json
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT
from tests.support import plain, texts

N_INPUTS = 30  # breast cancer, the default data: 30 inputs, binary


class WritesMarker:
    """Unpickling this writes the marker file (what a hostile pickle would do)."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "pickle ran"))


def keras_bytes(model, name: str, folder: Path) -> bytes:
    path = folder / name
    model.save(path)
    return path.read_bytes()


def dense_model(n_inputs: int, units: int, activation: str):
    import keras

    return keras.Sequential(
        [
            keras.Input((n_inputs,)),
            keras.layers.Dense(4, activation="relu"),
            keras.layers.Dense(units, activation=activation),
        ]
    )


def with_config_edit(data: bytes, edit) -> bytes:
    """The .keras archive ``data`` with its config.json changed by ``edit``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "config.json":
                content = json.dumps(edit(json.loads(content))).encode()
            archive.writestr(item, content)
    return out.getvalue()


def os_system_activation(config: dict) -> dict:
    """Point the last layer's activation at os.system (a hand-edited file)."""
    config["config"]["layers"][-1]["config"]["activation"] = {
        "module": "os",
        "class_name": "function",
        "config": "system",
        "registered_name": "function",
    }
    return config


@pytest.fixture(scope="module")
def model_files(tmp_path_factory):
    """The files a user might upload, and the marker their code would write."""
    import keras

    folder = tmp_path_factory.mktemp("models")
    marker = folder / "code-ran.txt"
    # A Lambda whose function writes the marker whenever it runs.
    code = f"__import__('pathlib').Path({str(marker)!r}).write_text('ran')"
    writes = eval(f"lambda x: ({code}, x)[1]")  # a real lambda: its code is saved
    inputs = keras.Input((N_INPUTS,))
    hidden = keras.layers.Lambda(writes, name="sneaky")(inputs)
    lambda_model = keras.Model(
        inputs, keras.layers.Dense(1, activation="sigmoid")(hidden)
    )
    lambda_file = keras_bytes(lambda_model, "lambda.keras", folder)
    assert marker.exists()  # building the model ran the function: the marker works
    marker.unlink()
    keras.saving.load_model(folder / "lambda.keras", safe_mode=False)
    assert marker.exists()  # an unsafe load runs the file's code
    marker.unlink()

    hostile_pickle = pickle.dumps(WritesMarker(marker))
    pickle.loads(hostile_pickle)
    assert marker.exists()  # unpickling it runs its code
    marker.unlink()

    good = dense_model(N_INPUTS, 1, "sigmoid")
    good_file = keras_bytes(good, "good.keras", folder)
    good.save(folder / "good.h5")
    return {
        "marker": marker,
        "good": good_file,
        "lambda": lambda_file,
        "os-system": with_config_edit(good_file, os_system_activation),
        "inputs": keras_bytes(dense_model(7, 1, "sigmoid"), "seven.keras", folder),
        "outputs": keras_bytes(
            dense_model(N_INPUTS, 3, "softmax"), "three.keras", folder
        ),
        "not-probabilities": keras_bytes(
            dense_model(N_INPUTS, 1, "linear"), "linear.keras", folder
        ),
        "h5": (folder / "good.h5").read_bytes(),
        "pickle": hostile_pickle,
        "random": np.random.default_rng(0).bytes(5000),
        "zip": _zip_without_config(),
    }


def _zip_without_config() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("weights.bin", b"\0" * 100)
    return out.getvalue()


REFUSED = [
    (
        "lambda-layer",
        "lambda",
        "sneaky.keras",
        "contains a Lambda layer ('sneaky'), i.e. Python code that would run on this "
        "server; NN Studio refuses to load it (Keras safe_mode)",
    ),
    (
        "function-from-os",
        "os-system",
        "edited.keras",
        "contains code from outside Keras (module 'os'), i.e. Python code that would "
        "run on this server; NN Studio refuses to load it (Keras safe_mode)",
    ),
    (
        "pickle",
        "pickle",
        "model.pkl",
        "NN Studio only opens .keras files saved by Keras 3 "
        "(model.save('model.keras')); 'model.pkl' is a Python pickle",
    ),
    (
        "h5",
        "h5",
        "model.h5",
        "NN Studio only opens .keras files saved by Keras 3 "
        "(model.save('model.keras')); 'model.h5' is an HDF5 file",
    ),
    (
        "random-bytes-named-keras",
        "random",
        "noise.keras",
        "'noise.keras' is named .keras but is not one",
    ),
    (
        "zip-without-config",
        "zip",
        "empty.keras",
        "'empty.keras' is named .keras but is not one",
    ),
    (
        "seven-inputs",
        "inputs",
        "seven.keras",
        "'seven.keras' takes 7 inputs per row, but the active data ('target' "
        "predicted from 30 inputs after preparation",
    ),
    (
        "three-outputs",
        "outputs",
        "three.keras",
        "'three.keras' gives 3 outputs, but the task of the active data is binary, "
        "which needs 1 output",
    ),
    (
        "not-probabilities",
        "not-probabilities",
        "linear.keras",
        "gives outputs that are not probabilities",
    ),
]


@pytest.fixture(scope="module")
def evaluate_screen() -> AppTest:
    return AppTest.from_file(
        str(ROOT / "screens" / "evaluate.py"), default_timeout=90
    ).run()


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="evaluate_model_file").set_value(
        (name, data, "application/octet-stream")
    ).run()
    return at


@pytest.mark.parametrize(
    ("file", "name", "message"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED]
)
def test_a_model_file_that_is_unsafe_or_does_not_fit_is_refused(
    evaluate_screen, model_files, file, name, message
):
    at = upload(evaluate_screen, name, model_files[file])
    assert not at.exception, at.exception
    errors = texts(at.error)
    assert len(errors) == 1 and message in errors[0], errors
    assert not any("How good it is" in s for s in texts(at.subheader))
    assert any("Nothing to evaluate yet" in i for i in texts(at.info))
    assert not model_files["marker"].exists()  # nothing in the file ran


def test_refused_files_are_never_loaded(evaluate_screen, model_files):
    """Files refused for what they are never reach Keras or the disk."""
    at = evaluate_screen

    def loaded() -> tuple[int, int]:
        kept = at.session_state["eval_cache"] or {}
        folder = kept.get("upload_folder")
        files_written = len(list(Path(folder).iterdir())) if folder else 0
        return len(kept.get("models", {})), files_written

    before = loaded()
    for file, name in (("lambda", "a.keras"), ("os-system", "b.keras")):
        upload(at, name, model_files[file])
        assert at.error and loaded() == before
    for file, name in (("pickle", "c.pkl"), ("h5", "d.h5"), ("random", "e.keras")):
        upload(at, name, model_files[file])
        assert at.error and loaded() == before
    assert not model_files["marker"].exists()


def test_a_fitting_model_file_is_evaluated_like_a_trained_one(model_files):
    at = AppTest.from_file(str(ROOT / "screens" / "evaluate.py"), default_timeout=90)
    at.run()
    upload(at, "good.keras", model_files["good"])
    assert not at.exception, at.exception
    assert not at.error, texts(at.error)
    captions = texts(at.caption)
    assert any(
        "good.keras loaded safely: it takes 30 inputs and predicts target (binary)" in c
        for c in captions
    ), captions
    assert any("The model file good.keras" in c for c in captions)
    assert "How good it is on the 86 validation rows" in texts(at.subheader)
    labels = {plain(m.label) for m in at.metric}
    assert {"Accuracy", "ROC AUC"} <= labels
    assert at.get("plotly_chart")  # the confusion matrix and curves are drawn
    # The uploaded file can be downloaded back, as a trained model can.
    assert any(
        b.label == "Download the model (.keras)" for b in at.get("download_button")
    )


# --- no pickle for user data -------------------------------------------------------

SOURCES = sorted(
    [*ROOT.glob("nncore/**/*.py"), *ROOT.glob("ui/*.py"), *ROOT.glob("screens/*.py")]
) + [ROOT / "app.py"]
UNSAFE_MODULES = {"pickle", "cPickle", "joblib", "dill", "cloudpickle", "shelve"}


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = (
                func.attr
                if isinstance(func, ast.Attribute)
                else getattr(func, "id", "")
            )
            keywords = {k.arg: k.value for k in node.keywords}
            yield node, name, keywords


def _is_true(node) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


@pytest.mark.parametrize(
    "path", SOURCES, ids=[str(p.relative_to(ROOT)) for p in SOURCES]
)
def test_no_pickle_is_used_for_user_data(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert not {a.name.split(".")[0] for a in node.names} & UNSAFE_MODULES
        if isinstance(node, ast.ImportFrom):
            assert (node.module or "").split(".")[0] not in UNSAFE_MODULES
    for node, name, keywords in _calls(tree):
        where = f"{path.name}:{node.lineno}"
        assert name not in ("read_pickle", "to_pickle"), where
        assert not _is_true(keywords.get("allow_pickle")), where
        if name == "load_model":  # Keras' loader: always in safe mode
            assert "safe_mode" not in keywords or _is_true(keywords["safe_mode"]), where
            if ast.unparse(node.func).startswith(("keras.", "tf.", "tensorflow.")):
                assert _is_true(keywords.get("safe_mode")), where
