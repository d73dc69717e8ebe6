"""The trained models the Evaluate and Runs screens work with, and their data.

A user's model belongs to their session, never to a cache shared by every user:
loaded models and what was computed from them (evaluations, importance, batch
predictions) live in one session-state dict, keyed by the model file and its
modification time, so a model trained further (Continue) is a new entry. Only the
last few models are kept, to bound memory.

The data a run needs is prepared again from the run's spec: built-in data from the
shared cache of ``ui.reports``; an uploaded file only when it is the session's
current upload (the file itself is not part of the spec).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import streamlit as st

from nncore.core.errors import DataError
from nncore.core.text import quoted, short
from ui import state, training

# Models (and what was computed from them) kept per session.
KEEP_MODELS = 3


def cache() -> dict:
    """The session's dict of models and results (created on first use)."""
    if st.session_state.get(state.EVAL_CACHE) is None:
        st.session_state[state.EVAL_CACHE] = {"order": [], "models": {}}
    return st.session_state[state.EVAL_CACHE]


def results(name: str) -> dict:
    """One kind of result per model version, e.g. ``results("evaluations")``."""
    return cache().setdefault(name, {})


def token(prepared) -> str:
    """A name for one prepared dataset that no other object will ever get.

    Results are kept per model and per data; ``id()`` could be reused by a later
    object once this one is gone, so the name is stored on the object itself.
    """
    found = getattr(prepared, "_nnstudio_token", None)
    if found is None:
        found = uuid.uuid4().hex
        prepared._nnstudio_token = found
    return found


def model_version(path: Path | str | None) -> str:
    """The model file and its modification time: changes whenever it is saved.

    Raises:
        DataError: there is no model file (any more).
    """
    if path is None:
        raise DataError(
            "This training has no saved model (it ended before a model was saved). "
            "Train it again on the Train screen."
        )
    try:
        stamp = Path(path).stat().st_mtime_ns
    except OSError as error:
        raise DataError(
            f"The model file '{path}' is gone ({error.strerror or error}): the run may "
            "have been deleted, or the runs folder moved. Train the network again."
        ) from error
    return f"{path}:{stamp}"


def _forget_old(version: str) -> None:
    store = cache()
    order = store["order"]
    if version in order:
        order.remove(version)
    order.append(version)
    while len(order) > KEEP_MODELS:
        old = order.pop(0)
        for name, kept in store.items():
            if name == "order" or not isinstance(kept, dict):
                continue
            for key in [k for k in kept if k == old or (_first(k) == old)]:
                del kept[key]


def _first(key: Any) -> Any:
    return key[0] if isinstance(key, tuple) and key else None


def load_model(path: Path | str) -> tuple[Any, str]:
    """The Keras model saved at ``path`` (loaded once per session) and its version.

    Loaded with ``safe_mode=True``: a file that would run code on loading is
    refused.

    Raises:
        DataError: the file is missing or is not a model Keras can load.
    """
    version = model_version(path)
    models = cache()["models"]
    if version not in models:
        # Streamlit would otherwise clear Keras' session after this run, under a
        # job that may be training in the worker thread.
        training.keep_keras_state()
        import keras

        try:
            model = keras.saving.load_model(str(path), safe_mode=True)
            if getattr(model, "optimizer", None) is None:  # saved uncompiled
                model.compile(optimizer="adam")  # NN Studio's predict needs it
            models[version] = model
        except Exception as error:  # Keras raises many kinds for a bad file
            raise DataError(
                f"The model file '{path}' could not be loaded ({type(error).__name__}: "
                f"{error}). It may be damaged or from another version of Keras; "
                "train the network again."
            ) from error
    _forget_old(version)
    return models[version], version


def prepared_for_spec(spec: dict):
    """The data of an experiment, prepared again as when it was trained.

    Raises:
        DataError, SpecError: the data cannot be prepared (e.g. an uploaded file
            that this session does not have: the message says to load it first).
    """
    from nncore.data.inspect import inspect_data
    from nncore.spec.validation import validate_data_spec
    from ui.reports import _builtin_report, current_report

    data = validate_data_spec(spec["data"])
    if _session_data() == data:
        report = current_report()
        if report is not None:
            return report.prepared
    if data["source"].startswith("builtin:"):
        return _builtin_report(json.dumps(data, sort_keys=True)).prepared
    table = st.session_state.get(state.UPLOADED)
    if table is None or table.name != data["source"]:
        raise DataError(
            f"This model was trained on the file {quoted(data['source'], 60)}, which "
            "this session has not loaded. Upload it on the Data screen first (My own "
            "file), then come back."
        )
    prepared = results("prepared")
    key = (token(table), json.dumps(data, sort_keys=True))
    if key not in prepared:
        prepared.clear()  # one uploaded table's preparation at a time
        prepared[key] = inspect_data(table, data).prepared
    return prepared[key]


def _session_data() -> dict | None:
    """The session's data settings, validated; None when they are not valid."""
    from nncore.core.errors import SpecError
    from nncore.spec.validation import validate_data_spec

    try:
        return validate_data_spec(st.session_state[state.SPEC]["data"])
    except SpecError:
        return None


# --- a model file uploaded on the Evaluate screen ----------------------------------

# What other model files are, for the message that refuses them.
OTHER_MODEL_FILES = {
    ".h5": "an HDF5 file (.h5, the format of older Keras versions)",
    ".hdf5": "an HDF5 file (.hdf5, the format of older Keras versions)",
    ".pkl": "a Python pickle, which runs any code it contains when it is opened",
    ".pickle": "a Python pickle, which runs any code it contains when it is opened",
    ".joblib": "a joblib pickle, which runs any code it contains when it is opened",
    ".pt": "a PyTorch file",
    ".pth": "a PyTorch file",
    ".onnx": "an ONNX file",
    ".pb": "a TensorFlow SavedModel file",
    ".zip": "a ZIP archive",
}
# A .keras file is a ZIP archive; refuse one that expands beyond this.
MAX_MODEL_BYTES = 1024**3
# Uploaded model files kept per session (each is written to a temporary file).
KEEP_UPLOADS = 3
ONLY_KERAS = (
    "NN Studio only opens .keras files saved by Keras 3 (model.save('model.keras'))"
)


def open_model_file(name: str, data: bytes, prepared) -> Path:
    """Check an uploaded model file, load it safely and check it fits the data.

    The file is refused unless it is a ``.keras`` archive without Python code in
    it (no Lambda layer, no function from outside Keras); it is then written to a
    temporary file of this session and loaded with Keras' ``safe_mode=True``,
    which also refuses code. The loaded model joins the session's models, so the
    Evaluate screen evaluates it like a trained one.

    Args:
        name: the file name, as uploaded.
        data: the file's bytes.
        prepared: the active prepared data, which the model must fit.

    Returns:
        The path of the saved copy (give it to ``load_model``).

    Raises:
        DataError: saying what is wrong with the file and what to do.
    """
    import hashlib

    kept, refused = results("model_files"), results("model_refusals")
    digest = hashlib.sha256(data).hexdigest()[:20]
    named = (digest, name)  # a refusal's message names the file
    if digest not in kept and named not in refused:
        try:
            kept[digest] = _load_model_file(name, data, digest)
        except DataError as problem:
            refused[named] = problem
        while len(kept) > KEEP_UPLOADS:
            kept.pop(next(iter(kept))).unlink(missing_ok=True)
        while len(refused) > 20:
            refused.pop(next(iter(refused)))
    if named in refused:
        raise refused[named]
    model, _ = load_model(kept[digest])
    check_model_fits(model, prepared, name)
    return kept[digest]


def _load_model_file(name: str, data: bytes, digest: str) -> Path:
    import io
    import tempfile
    import zipfile

    shown = quoted(name, 60)
    suffix = Path(name).suffix.lower()
    if suffix != ".keras":
        kind = OTHER_MODEL_FILES.get(
            suffix, f"a '{suffix}' file" if suffix else "a file without an extension"
        )
        raise DataError(
            f"{ONLY_KERAS}; {shown} is {kind}. Load the model in Python, save it "
            "with model.save('model.keras') and upload that."
        )
    not_keras = (
        f"{ONLY_KERAS}; {shown} is named .keras but is not one (a .keras file is a "
        "ZIP archive holding the model's config and weights): it may be damaged or "
        "renamed. Save the model again with model.save('model.keras')."
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "config.json" not in archive.namelist():
                raise DataError(not_keras)
            if sum(item.file_size for item in archive.infolist()) > MAX_MODEL_BYTES:
                raise DataError(
                    f"{shown} expands to more than {MAX_MODEL_BYTES // 1024**3} GB; "
                    "NN Studio opens smaller models only."
                )
            config = json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, ValueError, OSError, RecursionError) as error:
        raise DataError(not_keras) from error
    code = _code_in(config)
    if code:
        raise DataError(
            f"{shown} contains {code}, i.e. Python code that would run on this "
            "server; NN Studio refuses to load it (Keras safe_mode). Rebuild the "
            "model from Keras' own layers only and save it again."
        )
    folder = cache().get("upload_folder")
    if folder is None or not Path(folder).is_dir():
        folder = cache()["upload_folder"] = tempfile.mkdtemp(prefix="nnstudio-model-")
    path = Path(folder) / f"{digest}.keras"
    path.write_bytes(data)
    training.keep_keras_state()  # as in load_model: the worker may be training
    import keras

    try:
        model = keras.saving.load_model(str(path), safe_mode=True, compile=False)
        # NN Studio's fast predict runs compiled models; the file's own training
        # settings (loss, metrics) are not needed to evaluate it.
        model.compile(optimizer="adam")
    except Exception as error:  # Keras raises many kinds for a bad file
        path.unlink(missing_ok=True)
        text = str(error)
        if "safe_mode" in text or "lambda" in text.lower():
            raise DataError(
                f"{shown} contains Python code that would run on this server; NN "
                "Studio refuses to load it (Keras safe_mode). Rebuild the model "
                "from Keras' own layers only and save it again."
            ) from error
        raise DataError(
            f"{shown} could not be loaded by Keras ({type(error).__name__}: "
            f"{short(text, 160)}). It may be damaged, from another Keras version or "
            "use custom layers; save it again with model.save('model.keras')."
        ) from error
    version = model_version(path)
    cache()["models"][version] = model
    _forget_old(version)
    return path


def _code_in(config: Any) -> str | None:
    """What in a .keras config would run Python code: a Lambda layer, a serialised
    lambda, or an object from a module outside Keras (None when there is none)."""
    stack = [config]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            kind = item.get("class_name")
            if kind == "Lambda":
                layer = (item.get("config") or {}).get("name")
                return "a Lambda layer" + (f" ({quoted(layer, 30)})" if layer else "")
            if kind == "__lambda__":
                return "a Python lambda function"
            module = item.get("module")
            if isinstance(module, str) and not module.startswith("keras"):
                return f"code from outside Keras (module {quoted(module, 30)})"
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def check_model_fits(model, prepared, name: str) -> None:
    """Refuse a model whose inputs or outputs do not match the prepared data.

    Raises:
        DataError: naming the numbers the model has and the data needs.
    """
    import numpy as np

    shown = quoted(name, 60)
    data_words = (
        f"the active data ({quoted(prepared.target, 30)} predicted from "
        f"{prepared.n_features} inputs after preparation, as the Data screen shows)"
    )
    inputs, outputs = list(model.inputs), list(model.outputs)
    if len(inputs) != 1 or len(outputs) != 1:
        raise DataError(
            f"{shown} has {len(inputs)} inputs and {len(outputs)} outputs; NN Studio "
            "evaluates models with one input (a row of numbers) and one output."
        )
    in_shape, out_shape = tuple(inputs[0].shape), tuple(outputs[0].shape)
    if len(in_shape) != 2 or len(out_shape) != 2:
        raise DataError(
            f"{shown} takes inputs of shape {in_shape[1:]} and gives {out_shape[1:]}; "
            "NN Studio's data is a table: each row is one list of numbers."
        )
    if in_shape[1] != prepared.n_features:
        raise DataError(
            f"{shown} takes {in_shape[1]} inputs per row, but {data_words} gives "
            f"{prepared.n_features}. Load the data the model was made for, with the "
            "same settings, or upload a model made for this data."
        )
    task = prepared.task
    needed = 1 if task in ("binary", "regression") else len(prepared.classes)
    what = {
        "binary": "1 output (the probability of the second class)",
        "multiclass": f"{needed} outputs (one probability per class)",
        "regression": "1 output (the predicted number)",
    }[task]
    if out_shape[1] != needed:
        raise DataError(
            f"{shown} gives {out_shape[1]} output(s), but the task of the active data "
            f"is {task}, which needs {what}. Upload a model made for this target, or "
            "change the target or the task on the Data screen."
        )
    if task == "regression":
        return
    from nncore.train.evaluation import model_predictor

    sample = model_predictor(model)(prepared.X_val[:64])
    inside = np.all((sample >= -1e-6) & (sample <= 1 + 1e-6))
    sums_to_one = task == "binary" or np.allclose(sample.sum(axis=1), 1, atol=1e-3)
    if not (inside and sums_to_one):
        last = "sigmoid" if task == "binary" else "softmax"
        raise DataError(
            f"{shown} gives outputs that are not probabilities (e.g. "
            f"{float(sample.flat[0]):.3g}): for {task} classification its last "
            f"layer needs the {last} activation."
        )
