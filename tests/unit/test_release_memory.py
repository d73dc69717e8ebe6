"""An ended job gives its memory back: its network arrays are dropped (and built
again, identical, when needed) when they are big and no unfinished job shares the
data, while its results still show; small ones are kept for the next training;
idle library pages are unmapped and read back the same."""

import gc
import os
import threading
import time
import weakref

import numpy as np
import pytest

from nncore.core import memory
from nncore.runs.manager import JobManager
from nncore.runs.store import RunStore
from tests.support import experiment, prepared_for

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

LINUX = os.path.exists("/proc/self/smaps")


def released(prepared, timeout: float = 30.0) -> bool:
    """Whether ``prepared``'s network arrays are dropped within ``timeout`` seconds
    (the worker gives memory back just after the job shows as ended)."""
    deadline = time.monotonic() + timeout
    while prepared.inputs_built:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture
def dropping(tmp_path):
    """A job manager that drops every ended job's arrays, however small (as it
    does those over ``keep_inputs_mb`` megabytes)."""
    manager = JobManager(store=RunStore(tmp_path / "runs"), workers=1, keep_inputs_mb=0)
    yield manager
    manager.shutdown()


def test_an_ended_job_drops_its_arrays_and_still_shows_its_results(dropping):
    manager = dropping
    spec = experiment(epochs=2)
    prepared = prepared_for(spec)
    before = prepared.X_train.copy()
    held = weakref.ref(prepared.X_train)
    job = manager.submit(spec, prepared, owner="a")
    view = manager.wait(job, timeout=120)

    assert view.status == "finished"
    assert released(prepared)
    gc.collect()
    assert held() is None  # nothing (trainer, model, manager) kept the array
    # What the Train and Evaluate screens show is still there.
    assert view.metrics["test"]["accuracy"] > 0
    assert len(manager.history(job)["loss"]) == view.epochs_done
    assert manager.prepared(job) is prepared
    assert manager.model_file(job) is not None
    # Used again (Evaluate, Continue), the arrays come back the same to the bit.
    np.testing.assert_array_equal(prepared.X_train, before)


def test_a_released_job_continues_from_where_it_ended(dropping):
    manager = dropping
    spec = experiment(epochs=2)
    prepared = prepared_for(spec)
    job = manager.submit(spec, prepared, owner="a")
    first = manager.wait(job, timeout=120)
    assert released(prepared)

    manager.continue_(job, epochs=2)
    view = manager.wait(job, timeout=120)
    assert view.status == "finished"
    assert view.epochs_done == 4
    assert manager.history(job)["loss"][:2] == first.history["loss"]


# Iris' arrays (about 4 kB) against a limit of 16 MB and of 1 kB.
@pytest.mark.parametrize(("limit_mb", "kept"), [(16.0, True), (0.001, False)])
def test_small_arrays_are_kept_for_the_next_training_and_big_ones_dropped(
    tmp_path, limit_mb, kept
):
    spec = experiment(epochs=2)
    prepared = prepared_for(spec)
    held = prepared.X_train
    manager = JobManager(
        store=RunStore(tmp_path / "runs"), workers=1, keep_inputs_mb=limit_mb
    )
    try:
        first = manager.submit(spec, prepared, owner="a")
        assert manager.wait(first, timeout=120).status == "finished"
        if not kept:
            assert released(prepared)
            return
        assert prepared.X_train is held
        # The next training uses the very arrays, not a new build. (The one
        # worker released the first job's memory, had it done so, before this.)
        again = manager.submit(spec, prepared, owner="a")
        assert manager.wait(again, timeout=120).status == "finished"
        assert "train" in prepared.inputs_built
        assert prepared.X_train is held
    finally:
        manager.shutdown()


def test_arrays_another_unfinished_job_uses_are_kept_until_it_ends(tmp_path):
    spec = experiment(epochs=2)
    prepared = prepared_for(spec)
    release = threading.Event()

    def search(context):  # a long job on the same data, e.g. a search
        context.publish(rows=len(prepared.X_train))
        release.wait(60)
        return {"rows": len(prepared.X_train)}

    manager = JobManager(store=RunStore(tmp_path / "runs"), workers=2, keep_inputs_mb=0)
    try:
        # Queued first, so it is running when the training ends.
        task = manager.submit_task("tune", search, spec, prepared, owner="a")
        trained = manager.submit(spec, prepared, owner="b")
        assert manager.wait(trained, timeout=120).status == "finished"
        assert manager.view(task).status == "running"
        assert "train" in prepared.inputs_built

        release.set()
        assert manager.wait(task, timeout=60).status == "finished"
        assert released(prepared)
    finally:
        release.set()
        manager.shutdown()


@pytest.mark.skipif(not LINUX, reason="needs /proc/self/smaps (Linux)")
def test_released_library_pages_read_back_the_same():
    values = np.arange(1, 100_001, dtype="float64")
    before = (float(np.sum(np.sqrt(values))), np.linalg.det(np.eye(3) * 2.0))
    memory.release_library_pages(min_mb=0.5)
    after = (float(np.sum(np.sqrt(values))), np.linalg.det(np.eye(3) * 2.0))
    assert after == before


SMAPS = """\
7f0000000000-7f0000800000 r-xp 00000000 08:01 11 /venv/lib/libtensorflow_cc.so.2
Rss:                8192 kB
Anonymous:             0 kB
7f0000800000-7f0000c00000 r--p 00800000 08:01 11 /venv/lib/libtensorflow_cc.so.2
Rss:                4096 kB
Anonymous:            12 kB
7f0000c00000-7f0000d00000 rw-p 00c00000 08:01 11 /venv/lib/libtensorflow_cc.so.2
Rss:                1024 kB
Anonymous:             0 kB
7f0001000000-7f0001400000 r--p 00000000 08:01 12 /data/rows.parquet
Rss:                4096 kB
Anonymous:             0 kB
7f0002000000-7f0002400000 r--p 00000000 08:01 13 /venv/lib/_small.cpython-311.so
Rss:                 100 kB
Anonymous:             0 kB
7f0003000000-7f0003400000 r--p 00000000 00:00 0
Rss:                4096 kB
Anonymous:          4096 kB
7f0004000000-7f0004400000 r--s 00000000 08:01 14 /venv/lib/libshared.so
Rss:                4096 kB
Anonymous:             0 kB
"""


def test_only_unwritten_read_only_library_pages_are_released():
    found = memory._clean_library_mappings(SMAPS, min_kb=1024)
    # Not: relocated pages (written), writable data, data files, small
    # libraries, anonymous memory, shared mappings.
    assert found == [(0x7F0000000000, 0x7F0000800000, 8192)]
