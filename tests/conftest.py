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
