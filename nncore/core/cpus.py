"""The CPUs this process may use, and TensorFlow's inter-op threads on a machine
with one.

The fast training loop runs on TensorFlow's single-threaded executor, which runs a
compiled loop inside one of TensorFlow's inter-op threads and waits there for work
that it hands to another. TensorFlow makes as many of those threads as the CPUs the
process may use, so on a machine with one CPU (a small virtual machine, a container
pinned to one core) training waited forever. ``nncore`` asks for two on such a
machine when it is imported, before TensorFlow starts (TensorFlow reads the setting
once), and ``nncore.train.compiled_loop`` does not use that executor with fewer
than two (TensorFlow started before, or ``TF_NUM_INTEROP_THREADS=1``).
"""

from __future__ import annotations

import os

INTER_OP_ENV = "TF_NUM_INTEROP_THREADS"


def usable_cpus() -> int:
    """The CPUs this process may run on: ``taskset`` or a container may allow fewer
    than the machine has."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def ask_for_two_inter_op_threads() -> None:
    """On a machine with one CPU, ask TensorFlow for two inter-op threads (unless
    ``TF_NUM_INTEROP_THREADS`` already says how many). Call before TensorFlow
    starts."""
    if INTER_OP_ENV not in os.environ and usable_cpus() < 2:
        os.environ[INTER_OP_ENV] = "2"


def inter_op_threads() -> int:
    """How many inter-op threads TensorFlow has, or will make when it starts."""
    import tensorflow as tf

    chosen = tf.config.threading.get_inter_op_parallelism_threads()
    if chosen > 0:
        return chosen
    try:
        chosen = int(os.environ.get(INTER_OP_ENV, ""))
    except ValueError:
        chosen = 0
    return chosen if chosen > 0 else usable_cpus()
