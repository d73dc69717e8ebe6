"""Which model the Evaluate screen evaluates: this session's latest training, a run
opened on the Runs screen or an uploaded ``.keras`` file, and whether it fits the
data as prepared now.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from nncore.core.errors import DataError, SpecError
from nncore.core.text import plural, short
from nncore.report.compare import dataset_title, network_summary, run_name
from ui import models, page, safe, state, training

# Only .keras files are opened; the others are accepted so that they get a message.
MODEL_TYPES = ["keras", "h5", "hdf5", "pkl", "pickle", "joblib", "pt", "pth", "onnx"]


@dataclass
class Candidate:
    """A model the screen can evaluate."""

    key: str  # "job:<job id>" or "run:<run id>"
    label: str
    spec: dict
    model_path: Path | None
    run_id: str | None
    dataset: str
    prepared: Any = None  # known for this session's job; prepared again for runs
    problem: str | None = None
    name: str | None = None  # the run's name on the Runs screen, for opened runs


def job_candidate(notes: list[str]) -> Candidate | None:
    try:
        view = training.current_view()
    except DataError as problem:  # the runs folder cannot be used
        notes.append(str(problem))
        return None
    if view is None or view.kind != "train":
        return None
    if not training.belongs_here(view):
        # Its network must not be scored on the data the session has now.
        notes.append(
            f"Your last training ran on other data ({dataset_title(view.dataset)}, "
            f"network {network_summary(view.spec)}), so it is not evaluated on the "
            "data you have now. Train a network on this data on the Train screen "
            "(or open that run on the Runs screen to evaluate it on its own data)."
        )
        return None
    if view.status in training.ACTIVE:
        notes.append(
            f"Your network is still training ({view.message}). Evaluate it when it "
            "has ended; the Train screen shows how it goes."
        )
        return None
    manager = training.manager()
    candidate = Candidate(
        key=f"job:{view.job_id}",
        label=f"Your latest training: {view.message}",
        spec=view.spec,
        model_path=manager.model_file(view.job_id),
        run_id=view.run_id,
        dataset=view.dataset,
        prepared=manager.prepared(view.job_id),
    )
    if view.status == "failed" or candidate.model_path is None:
        candidate.problem = "Your latest training has no model to evaluate: " + (
            view.error or "it ended before a model was saved."
        )
    return candidate


def run_candidate(notes: list[str], job: Candidate | None) -> Candidate | None:
    from nncore.runs.store import UnknownRunError

    opened = st.session_state[state.OPENED_RUN]
    if not opened:
        return None
    try:
        store = training.manager().store
        if store is None:
            return None
        run = store.get(opened["run_id"])
    except UnknownRunError:
        st.session_state[state.OPENED_RUN] = None
        notes.append("The run you opened on the Runs screen has been deleted.")
        return None
    except DataError as problem:
        notes.append(str(problem))
        return None
    if job is not None and job.run_id == run.run_id:
        return None  # the same model: this session's training
    candidate = Candidate(
        key=f"run:{run.run_id}",
        label=(
            f"{run_name(run)}, from the Runs screen: {dataset_title(run.dataset)}, "
            f"network {network_summary(run.spec)}, {run.status}"
        ),
        spec=run.spec,
        model_path=run.model_path,
        run_id=run.run_id,
        dataset=run.dataset or run.spec["data"]["source"],
        name=run_name(run),
    )
    if run.status == "interrupted":
        candidate.problem = (
            "This run was interrupted before it ended, so it has no final model. "
            "Resume it on the Runs screen, then evaluate it."
        )
    elif run.model_path is None or not Path(run.model_path).exists():
        candidate.problem = (
            f"The run {short(run_name(run), 80)} has no saved model ({run.status}"
            + (f": {run.error}" if run.error else "")
            + "). Train it again."
        )
    return candidate


def remember_choice() -> None:
    st.session_state[state.EVAL_CHOICE] = {
        "model": st.session_state.get("evaluate_model"),
        "job_id": st.session_state[state.JOB],
    }


def file_candidate() -> Candidate | None:
    """The "Evaluate a model file" expander: a .keras upload, loaded safely."""
    from ui.reports import current_report

    with st.expander("Evaluate a model file (.keras)", icon=":material/upload_file:"):
        st.caption(
            "A model saved by Keras 3 (model.save('model.keras')) for the active "
            "data: it is evaluated like a network trained here. Files that would "
            "run code on this server (Lambda layers, pickles) are refused."
        )
        upload = st.file_uploader(
            "Model file (.keras)",
            type=MODEL_TYPES,
            key="evaluate_model_file",
            help="A trained network saved as a Keras file, e.g. downloaded from the "
            "Train or Runs screen. It must take the active data's inputs and predict "
            "its target.",
        )
        if upload is None:
            return None
        try:
            report = current_report()
            if report is None:
                safe.info(
                    "Choose the data on the Data screen first: the model file is "
                    "checked against the active data."
                )
                return None
            with st.spinner("Checking the model file…"):
                path = models.open_model_file(
                    upload.name, upload.getvalue(), report.prepared
                )
        except (DataError, SpecError) as problem:
            safe.error(problem)
            return None
        prepared = report.prepared
        st.caption(
            safe.escape(
                f"{short(upload.name, 60)} loaded safely: it takes "
                f"{inputs_text(prepared)} and predicts {short(prepared.target)} "
                f"({prepared.task}), as the active data needs."
            )
        )
    spec = st.session_state[state.SPEC]
    return Candidate(
        key=f"file:{path.stem}",
        label=f"The model file {short(upload.name, 60)}",
        spec=spec,
        model_path=path,
        run_id=None,
        dataset=spec["data"]["source"],
        prepared=prepared,
    )


def choose_candidate(uploaded: Candidate | None = None) -> Candidate | None:
    notes: list[str] = []
    job = job_candidate(notes)
    run = run_candidate(notes, job)
    for note in notes:
        safe.info(note)
    found = [c for c in (uploaded, job, run) if c is not None]
    if not found:
        if not notes:
            safe.info(
                "Nothing to evaluate yet: train a network on the Train screen, or "
                "open a recorded run on the Runs screen."
            )
        page.link("train", "Go to the Train screen", ":material/model_training:")
        page.link("runs", "Go to the Runs screen", ":material/history:")
        return None
    if len(found) == 1:
        return found[0]
    keys = [c.key for c in found]
    choice = st.session_state[state.EVAL_CHOICE] or {}
    default = keys[0]
    if (
        choice.get("model") in keys
        and choice.get("job_id") == st.session_state[state.JOB]
    ):
        default = choice["model"]
    if st.session_state.get("evaluate_model") not in keys:
        st.session_state.pop("evaluate_model", None)
    labels = {c.key: c.label for c in found}
    key = st.selectbox(
        "Model to evaluate",
        keys,
        index=keys.index(default),
        format_func=labels.get,
        key="evaluate_model",
        on_change=remember_choice,
        help="Your latest training, or the run you opened on the Runs screen: the "
        "one whose scores and charts this screen shows.",
    )
    return next(c for c in found if c.key == key)


def inputs_text(prepared) -> str:
    """What the network reads: ``"30 inputs"``, or ``"pictures of 8×8×1"``."""
    from nncore.spec.stack import input_shape_of
    from nncore.train.model import network_inputs

    return _shape_text(input_shape_of(network_inputs(prepared)))


def _shape_text(shape: tuple) -> str:
    if len(shape) == 1:
        return plural(shape[0], "input")
    return "pictures of " + "×".join(str(side) for side in shape)


def check_fit(model, prepared) -> None:
    """Raise DataError when the data prepared now does not fit the model."""
    from nncore.spec.stack import input_shape_of
    from nncore.train.model import network_inputs

    try:
        takes = tuple(int(side) for side in model.inputs[0].shape[1:])
        outputs = int(model.outputs[0].shape[-1])
    except (AttributeError, IndexError, TypeError, ValueError):
        return  # not a model we can inspect: let predicting tell
    needs = input_shape_of(network_inputs(prepared))
    expected = 1 if prepared.task in ("binary", "regression") else len(prepared.classes)
    if takes != needs or outputs != expected:
        raise DataError(
            f"The data as prepared now gives {_shape_text(needs)} and "
            f"{plural(expected, 'output')}, but the model takes {_shape_text(takes)} "
            f"and gives {outputs}: the data or its settings changed since it was "
            "trained. Load the data it was trained on, or train again."
        )
