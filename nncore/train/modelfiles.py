"""Model files: saving and loading ``.keras`` files, always in Keras' safe mode.

A ``.keras`` file is a ZIP archive of the model's config and weights. Keras'
``safe_mode=True`` refuses a file whose config would run Python code on loading (a
Lambda layer, a serialised lambda); NN Studio never loads a model any other way.
The run manager saves trained models and checkpoints with ``save_model`` and reads
checkpoints with ``read_model``; the Evaluate and Runs screens load trained models
with ``load_trained_model`` and an uploaded file with ``check_model_file``,
``load_uploaded_model`` and ``check_model_fits``.

TensorFlow is imported inside the functions, so importing this module is cheap.

Example:

    save_model(trainer.model, "runs/abc/model.keras")
    model = load_trained_model("runs/abc/model.keras")
"""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from nncore.core.errors import DataError
from nncore.core.text import plural, quoted, short

__all__ = [
    "MAX_MODEL_BYTES",
    "ONLY_KERAS",
    "OTHER_MODEL_FILES",
    "check_model_file",
    "check_model_fits",
    "discard_file",
    "load_trained_model",
    "load_uploaded_model",
    "model_version",
    "read_model",
    "save_model",
]

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
ONLY_KERAS = (
    "NN Studio only opens .keras files saved by Keras 3 (model.save('model.keras'))"
)


# --- saving ------------------------------------------------------------------------


def save_model(model, path: Path | str) -> None:
    """Save ``model`` to ``path`` (a ``.keras`` file).

    A failed save (a full disk shows as ``OSError``, or as h5py's or zipfile's own
    errors) deletes what it had written, so nothing tries to load it later, and
    raises the error again.
    """
    try:
        model.save(path)
    except BaseException:
        discard_file(path)
        raise


def discard_file(path: Path | str | None) -> None:
    """Delete a partly written file (nothing when ``path`` is None or missing)."""
    if path is not None:
        with contextlib.suppress(OSError):
            Path(path).unlink(missing_ok=True)


# --- loading -----------------------------------------------------------------------


def read_model(path: Path | str, *, compile: bool = True):
    """The Keras model saved at ``path``, loaded with ``safe_mode=True``.

    Keras' own errors pass through unchanged (the run manager reports them as a
    failed training); ``load_trained_model`` turns them into a message for people.

    Args:
        path: the ``.keras`` file.
        compile: whether to restore the file's training settings (optimizer, loss,
            metrics). Default: True.
    """
    import keras

    return keras.saving.load_model(str(path), safe_mode=True, compile=compile)


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


def load_trained_model(path: Path | str):
    """A model NN Studio trained and saved, ready to predict.

    Loaded with ``safe_mode=True``: a file that would run code on loading is
    refused. A model saved uncompiled is compiled (NN Studio's predict needs it).

    Raises:
        DataError: the file is not a model Keras can load.
    """
    try:
        model = read_model(path)
        if getattr(model, "optimizer", None) is None:  # saved uncompiled
            model.compile(optimizer="adam")  # NN Studio's predict needs it
    except Exception as error:  # Keras raises many kinds for a bad file
        raise DataError(
            f"The model file '{path}' could not be loaded ({type(error).__name__}: "
            f"{error}). It may be damaged or from another version of Keras; "
            "train the network again."
        ) from error
    return model


# --- a model file from a user ------------------------------------------------------


def check_model_file(name: str, data: bytes) -> None:
    """Refuse a file that is not a ``.keras`` archive free of Python code.

    Checked before anything loads it: the extension, the archive, its expanded
    size, and its config (no Lambda layer, no function from outside Keras).

    Args:
        name: the file name, as uploaded.
        data: the file's bytes.

    Raises:
        DataError: saying what is wrong with the file and what to do.
    """
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


def load_uploaded_model(path: Path | str, name: str):
    """Load a checked upload (``check_model_file``) saved at ``path``, safely.

    The file's own training settings (loss, metrics) are not needed to evaluate
    it; the model is compiled anew because NN Studio's fast predict runs compiled
    models. On failure the file at ``path`` is deleted.

    Args:
        path: where the uploaded bytes were written.
        name: the file name, as uploaded (for the message).

    Raises:
        DataError: Keras could not load it, or refused its code (safe mode).
    """
    shown = quoted(name, 60)
    try:
        model = read_model(path, compile=False)
        model.compile(optimizer="adam")
    except Exception as error:  # Keras raises many kinds for a bad file
        Path(path).unlink(missing_ok=True)
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
    return model


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
    image_shape = getattr(prepared, "image_shape", None)
    if image_shape is not None:
        _check_picture_input(shown, in_shape, tuple(image_shape))
    elif len(in_shape) != 2 or len(out_shape) != 2:
        raise DataError(
            f"{shown} takes inputs of shape {in_shape[1:]} and gives {out_shape[1:]}; "
            "NN Studio's data is a table: each row is one list of numbers."
        )
    if len(out_shape) != 2:
        raise DataError(
            f"{shown} gives outputs of shape {out_shape[1:]}; NN Studio evaluates "
            "models that give one list of numbers per example."
        )
    if image_shape is None and in_shape[1] != prepared.n_features:
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
            f"{shown} gives {plural(out_shape[1], 'output')}, but the task of the "
            "active data "
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


def _check_picture_input(shown: str, in_shape: tuple, image_shape: tuple) -> None:
    """Refuse a model that does not take pictures of the active data's shape.

    NN Studio gives a model the pixels as stored (0 to 255); its own networks
    rescale them in their first layer."""
    if tuple(in_shape[1:]) == image_shape:
        return
    height, width, channels = image_shape
    colour = "grayscale" if channels == 1 else "RGB"
    takes = "×".join("?" if side is None else str(side) for side in in_shape[1:])
    raise DataError(
        f"{shown} takes inputs of shape {takes}, but the active data are pictures "
        f"of {height}×{width}×{channels} ({colour}). Load the pictures at the size "
        "and colour mode the model was made for (Data screen), or upload a model "
        "made for these pictures."
    )
