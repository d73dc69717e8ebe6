"""Settings for the whole test suite."""

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def runs_folder(tmp_path_factory):
    """Runs recorded by any test go to a temporary folder, never ./nnstudio-runs."""
    folder = tmp_path_factory.mktemp("nnstudio-runs")
    previous = os.environ.get("NNSTUDIO_RUNS_DIR")
    os.environ["NNSTUDIO_RUNS_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("NNSTUDIO_RUNS_DIR", None)
    else:
        os.environ["NNSTUDIO_RUNS_DIR"] = previous


@pytest.fixture(scope="session", autouse=True)
def keras_before_any_warmup():
    """Import Keras in the main thread before any test.

    The Model and Train screens start loading TensorFlow in a background thread
    (``ui.warmup``). Imported there while an AppTest script runs, pytest's assertion
    rewriting (of tensorflow's test_util.py) and Streamlit's magic would both call
    ast.parse at once, which CPython 3.11 does not allow ("AST constructor
    recursion depth mismatch"); see ``tests.support.keras_in_the_main_thread``.
    Tests that check a module loads without TensorFlow run it in a new process.
    """
    import keras  # noqa: F401
