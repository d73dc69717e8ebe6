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
from nncore.core.text import quoted
from nncore.train.modelfiles import (
    check_model_file,
    check_model_fits,
    load_trained_model,
    load_uploaded_model,
    model_version,
)
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

    Loaded with ``safe_mode=True`` (``nncore.train.modelfiles``): a file that would
    run code on loading is refused.

    Raises:
        DataError: the file is missing or is not a model Keras can load.
    """
    version = model_version(path)
    models = cache()["models"]
    if version not in models:
        # Streamlit would otherwise clear Keras' session after this run, under a
        # job that may be training in the worker thread.
        training.keep_keras_state()
        models[version] = load_trained_model(path)
    _forget_old(version)
    return models[version], version


def prepared_for_spec(spec: dict):
    """The data of an experiment, prepared again as when it was trained.

    Raises:
        DataError, SpecError: the data cannot be prepared (e.g. an uploaded file
            that this session does not have: the message says to load it first).
    """
    from nncore.data.inspect import inspect_data
    from nncore.spec import validate_data_spec
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
    from nncore.spec import validate_data_spec

    try:
        return validate_data_spec(st.session_state[state.SPEC]["data"])
    except SpecError:
        return None


# --- a model file uploaded on the Evaluate screen ----------------------------------

# Uploaded model files kept per session (each is written to a temporary file).
KEEP_UPLOADS = 3


def open_model_file(name: str, data: bytes, prepared) -> Path:
    """Check an uploaded model file, load it safely and check it fits the data.

    The file is refused unless it is a ``.keras`` archive without Python code in
    it (no Lambda layer, no function from outside Keras); it is then written to a
    temporary file of this session and loaded with Keras' ``safe_mode=True``,
    which also refuses code (``nncore.train.modelfiles``). The loaded model joins
    the session's models, so the Evaluate screen evaluates it like a trained one.

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
    """Check the upload, write it to the session's folder and load it into the
    session's models; return the written file."""
    import tempfile

    check_model_file(name, data)
    folder = cache().get("upload_folder")
    if folder is None or not Path(folder).is_dir():
        folder = cache()["upload_folder"] = tempfile.mkdtemp(prefix="nnstudio-model-")
    path = Path(folder) / f"{digest}.keras"
    path.write_bytes(data)
    training.keep_keras_state()  # as in load_model: the worker may be training
    model = load_uploaded_model(path, name)
    version = model_version(path)
    cache()["models"][version] = model
    _forget_old(version)
    return path
