"""Settings for the whole test suite."""

import os

import pytest

# Where the browser tests are, as pytest names them (relative to the repository).
BROWSER_TESTS = "tests/e2e/"


def pytest_xdist_make_scheduler(config, log):
    """With xdist's default schedule, one worker runs every browser test in turn
    while the other runs the rest (and then helps with what is left).

    The browser tests are one scope, and the largest scope starts first. Spread
    over both workers (``--dist worksteal``), two browser tests ran at once, each
    a server and a Chromium on two shared cores, and each took about twice as
    long: no gain. Left to ``--dist load``, one worker got them all late in the
    run and the other waited 10 minutes. ``--dist loadgroup`` with an
    ``xdist_group`` mark would say the same, but pytest 9.2 ignores the node ids
    that xdist 3.8 rewrites for it (pytest-dev/pytest-xdist#1386).
    """
    if config.getvalue("dist") != "load":  # another schedule asked for by name
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BrowserTestsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return BROWSER_TESTS if nodeid.startswith(BROWSER_TESTS) else nodeid

    return BrowserTestsTogether(config, log)


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
