"""Helpers the test files share: the text a user reads on an AppTest page, opening
a screen, training through the Train screen and waiting for a background job, and
preparing a spec's data.

``run_every`` fragments never tick under AppTest, so ``poll`` reruns the page; its
loop is bounded by a deadline, never asserted on.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# How long ``poll`` waits by default (a few epochs of a tiny network, on a busy
# machine).
POLL_LIMIT_S = 90


@pytest.fixture(scope="module", autouse=True)
def keras_in_the_main_thread():
    """Import Keras (TensorFlow) before any test, in the main thread.

    Imported first by a training job while an AppTest script runs, pytest's
    assertion rewriting (of tensorflow's test_util.py) and Streamlit's magic would
    both call ast.parse at once, which CPython 3.11 does not allow ("AST
    constructor recursion depth mismatch").

    A module that needs it imports it (``from tests.support import
    keras_in_the_main_thread  # noqa: F401``).
    """
    import keras  # noqa: F401


# --- what a user reads ----------------------------------------------------------------


def plain(text: str) -> str:
    """The text a user reads: Streamlit's Markdown escapes removed."""
    return re.sub(r"\\(.)", r"\1", text)


def texts(elements) -> list[str]:
    return [plain(element.value) for element in elements]


def charts(at) -> dict[str, dict]:
    """The page's Plotly figures by their title."""
    figures = {}
    for chart in at.get("plotly_chart"):
        figure = json.loads(chart.proto.spec)
        title = figure["layout"].get("title", {})
        figures[title.get("text", "") if isinstance(title, dict) else title] = figure
    return figures


def status(at) -> str:
    """The text of the page's first progress bar ("" when there is none)."""
    bars = [plain(p.proto.text) for p in at.get("progress")]
    return bars[0] if bars else ""


def ended(at) -> bool:
    return status(at).startswith(("Finished", "Stopped", "Failed"))


# --- what a user does -----------------------------------------------------------------


def go(at, screen: str) -> None:
    """Open a screen; AppTest resolves page paths against the last page it ran."""
    main = str(at._script_path)
    at.switch_page(f"{screen}.py" if "/screens/" in main else f"screens/{screen}.py")
    at.run()


def poll(
    at, done, what: str, *, limit_s: float = POLL_LIMIT_S, pause_s: float = 0.2
) -> None:
    """Rerun until ``done(at)``; fail (saying ``what``) after ``limit_s`` seconds.

    Args:
        limit_s: how long to wait at the most. Defaults to ``POLL_LIMIT_S``.
        pause_s: the pause between two reruns. Defaults to 0.2.
    """
    deadline = time.monotonic() + limit_s
    while True:
        at.run()
        assert not at.exception, at.exception
        if done(at):
            return
        assert time.monotonic() < deadline, f"gave up waiting for {what}: {status(at)}"
        time.sleep(pause_s)


def upload_frame(at, key: str, name: str, frame) -> None:
    """Put ``frame`` as a CSV file named ``name`` into the uploader ``key``."""
    data = frame.to_csv(index=False).encode()
    at.file_uploader(key=key).set_value((name, data, "text/csv")).run()
    assert not at.exception, at.exception


def experiment(source="builtin:iris", layers=(8,), **train) -> dict:
    """A small experiment on ``source``: dense ``layers``, 5 epochs, no early stop."""
    from nncore.spec import default_spec, validate_spec

    spec = default_spec()
    spec["data"]["source"] = source
    spec["model"]["layers"] = [
        {"type": "dense", "units": units, "activation": "relu"} for units in layers
    ]
    spec["train"].update(epochs=5, batch_size=16)
    spec["train"]["early_stopping"]["enabled"] = False
    spec["train"].update(train)
    return validate_spec(spec)


def train_screen(spec: dict):
    """The app with ``spec`` as its experiment, on the Train screen."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["spec"] = spec
    at.run()
    go(at, "train")
    assert not at.exception
    return at


# --- the engine -----------------------------------------------------------------------


def prepared_for(spec: dict):
    """The spec's data, loaded and prepared (no Streamlit, no report)."""
    from nncore.data.inspect import load_source
    from nncore.data.prepare import prepare_from_spec

    return prepare_from_spec(load_source(spec["data"]).frame, spec["data"])


def plain_fit(prepared, frame):
    """The network's arrays as one ColumnTransformer.fit on every training row gives.

    Returns:
        ``(the refitted preprocessor, {"train"|"val"|"test": its array})``.
    """
    from sklearn.base import clone

    from nncore.train.prediction import model_input

    reference = clone(prepared.preprocessor)
    rows = {
        "train": prepared.train_index,
        "val": prepared.val_index,
        "test": prepared.test_index,
    }
    inputs = {k: model_input(prepared, frame.iloc[v])[0] for k, v in rows.items()}
    arrays = {"train": reference.fit_transform(inputs["train"])}
    for split in ("val", "test"):
        arrays[split] = reference.transform(inputs[split])
    return reference, arrays


def trained_run(spec: dict, prepared, folder: Path, split: str = "val"):
    """Train ``spec`` with a job manager of its own (runs in ``folder``), as the app
    and the command line do; wait for its reference models too.

    Returns:
        ``(the Run from the run store, the network's Evaluation on split)``.
    """
    from nncore.runs.manager import JobManager
    from nncore.runs.store import RunStore
    from nncore.train.evaluation import evaluate, model_predictor
    from nncore.train.modelfiles import load_trained_model

    store = RunStore(folder)
    manager = JobManager(store=store)
    try:
        job_id = manager.submit(spec, prepared, owner="test")
        deadline = time.monotonic() + POLL_LIMIT_S
        view = manager.wait(job_id, timeout=POLL_LIMIT_S)
        # The reference models and intervals are worked out after the metrics.
        while view.status == "finished" and not (
            view.reference is not None or view.reference_problems
        ):
            assert time.monotonic() < deadline, "gave up waiting for the references"
            time.sleep(0.1)
            view = manager.view(job_id)
        assert view.status == "finished", view.error
        model = load_trained_model(manager.model_file(job_id))
    finally:
        manager.shutdown()
    return store.get(view.run_id), evaluate(model_predictor(model), prepared, split)
