"""Issue 18, item 10: the first training after a server start says that TensorFlow
is starting, and the background warm-up (``nncore.train.warmup``) leaves
TensorFlow warm without changing what a training learns."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.isolation import ROOT

# Trains iris in a fresh process, with or without the warm-up started just before
# the job (so the job starts while the warm-up runs and must wait for it); prints
# the job's first message once it left the queue, its history and metrics.
FIRST_TRAINING = """
import json, sys, tempfile, time

from nncore.runs.manager import JobManager
from nncore.runs.store import RunStore
from nncore.train import warmup
from tests.support import experiment, prepared_for

spec = experiment("builtin:iris", layers=(8,), epochs=3)
prepared = prepared_for(spec)
manager = JobManager(store=RunStore(tempfile.mkdtemp()))
fresh = "tensorflow" not in sys.modules
if sys.argv[1] == "warm":
    warmup.start_warmup()
job = manager.submit(spec, prepared, owner="test")
first = None
while first is None:
    view = manager.view(job)
    if view.status != "queued":
        first = view.message
    time.sleep(0.001)
view = manager.wait(job, timeout=240)
print(json.dumps({
    "fresh": fresh,
    "first": first,
    "status": view.status,
    "history": view.history,
    "metrics": view.metrics,
    "warm": warmup.is_warm(),
    "warmed_up": warmup.wait_for_warmup(60),
}))
manager.shutdown()
"""


def test_the_first_training_says_tensorflow_is_starting_and_warmup_changes_nothing(
    tmp_path,
):
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "TF_ENABLE_ONEDNN_OPTS": "0",
    }
    processes = {
        how: subprocess.Popen(
            [sys.executable, "-c", FIRST_TRAINING, how],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for how in ("cold", "warm")
    }
    results = {}
    for how, process in processes.items():
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err[-2000:]
        results[how] = json.loads(out.strip().splitlines()[-1])
    cold, warm = results["cold"], results["warm"]
    for result in (cold, warm):
        assert result["fresh"]  # nothing had loaded TensorFlow before the job
        assert result["status"] == "finished"
        # Before its first batch, the job says why it seems stuck.
        assert result["first"] == "Starting TensorFlow: the first time takes about 10 s"
        assert result["warm"]
    assert not cold["warmed_up"] and warm["warmed_up"]  # the warm-up ran to its end
    # The warm-up left Keras as it was: the same seeded training, bit for bit.
    assert warm["history"] == cold["history"]
    assert warm["metrics"] == cold["metrics"]
