"""Training on a machine with one CPU (a small virtual machine, a container pinned to
one core): ``python -m nncore run`` waited forever there, in TensorFlow's
single-threaded executor, which needs two of TensorFlow's inter-op threads and got
as many as the CPUs."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from nncore.core.cpus import INTER_OP_ENV, ask_for_two_inter_op_threads
from nncore.spec import default_spec

from .cli import run

pytestmark = pytest.mark.skipif(
    not hasattr(os, "sched_setaffinity"), reason="pins a process to one CPU (Linux)"
)

EPOCHS = 3
# A 3-epoch Iris run takes 10 s here; before the fix it never ended.
TIMEOUT_S = 240


def train(tmp_path, name: str, **options) -> dict:
    spec = default_spec()
    spec["data"]["source"] = "builtin:iris"
    spec["train"]["epochs"] = EPOCHS
    experiment = tmp_path / "experiment.json"
    experiment.write_text(json.dumps(spec))
    try:
        result = run(
            ["run", experiment, "--out", tmp_path / name], timeout=TIMEOUT_S, **options
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"training ({options}) did not end within {TIMEOUT_S} s")
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_training_on_one_cpu_ends_with_the_same_numbers(tmp_path):
    one_cpu = train(tmp_path, "one-cpu", cpus={min(os.sched_getaffinity(0))})
    assert one_cpu["epochs_run"] == EPOCHS
    # One inter-op thread asked for by hand: the default executor trains instead
    # of the single-threaded one, and gives the same numbers.
    one_thread = train(tmp_path, "one-thread", env={INTER_OP_ENV: "1"})
    assert one_thread["epochs_run"] == EPOCHS
    assert one_cpu["metrics"] == one_thread["metrics"]
    assert one_cpu["metrics"]["test"]["accuracy"] > one_cpu["baseline"]["accuracy"]


@pytest.mark.parametrize(
    ("cpus", "before", "after"),
    [
        ({0}, None, "2"),  # one CPU: two threads asked for
        ({0}, "1", "1"),  # what a user set stays (training then avoids the executor)
        ({0, 1}, None, None),  # two CPUs: TensorFlow's own choice
    ],
)
def test_two_inter_op_threads_are_asked_for_on_one_cpu(
    monkeypatch, cpus, before, after
):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: cpus)
    if before is None:
        monkeypatch.delenv(INTER_OP_ENV, raising=False)
    else:
        monkeypatch.setenv(INTER_OP_ENV, before)
    ask_for_two_inter_op_threads()
    assert os.environ.get(INTER_OP_ENV) == after
