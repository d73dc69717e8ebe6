"""How many jobs the job manager trains at once, and its worker threads.

``NNSTUDIO_WORKERS`` worker threads (default: half the cores, at least 1) train
different jobs at the same time, in the one process, TensorFlow loaded once. It
pays because the fast loop runs TensorFlow's single-threaded executor: one job
keeps one core busy, so two jobs on two cores finish nearly twice as soon. Each
job seeds its own generators (``nncore.train.model.build_model``, ``fit_fast``'s
``seed``), so a job trains exactly as it would alone.

Example:

    resolve_workers(None)   # NNSTUDIO_WORKERS, else half the cores
    resolve_workers(2)      # 2
"""

from __future__ import annotations

import logging
import os
import threading
import time

from nncore.core.cpus import usable_cpus

__all__ = [
    "WORKERS_ENV",
    "WorkerThreads",
    "default_workers",
    "resolve_workers",
]

log = logging.getLogger(__name__)

WORKERS_ENV = "NNSTUDIO_WORKERS"
# More threads than this would only wait for one another (and for memory).
MAX_WORKERS = 64


def default_workers() -> int:
    """Half the cores this process may use, at least 1."""
    return max(1, usable_cpus() // 2)


def resolve_workers(workers: int | None = None) -> int:
    """The number of worker threads: ``workers``, else ``$NNSTUDIO_WORKERS``, else
    ``default_workers()``.

    A bad ``NNSTUDIO_WORKERS`` is logged as a warning and the default used, so a
    typo in a server's settings does not stop it from starting.

    Args:
        workers: a whole number from 1 to 64, or None to read the environment.
            Default: None.

    Raises:
        ValueError: ``workers`` is not a whole number from 1 to 64.
    """
    if workers is not None:
        if (
            isinstance(workers, bool)
            or not isinstance(workers, int)
            or not 1 <= workers <= MAX_WORKERS
        ):
            raise ValueError(
                f"Received: workers={workers!r}. Expected a whole number from 1 to "
                f"{MAX_WORKERS}, e.g. workers=2."
            )
        return workers
    text = os.environ.get(WORKERS_ENV, "").strip()
    if not text:
        return default_workers()
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_WORKERS:
        fallback = default_workers()
        log.warning(
            "%s=%r is not a whole number from 1 to %d; using %d (half the cores).",
            WORKERS_ENV,
            text,
            MAX_WORKERS,
            fallback,
        )
        return fallback
    return value


class WorkerThreads:
    """The job manager's worker threads, started as work comes, up to ``workers``.

    Args:
        target: what each thread runs (the manager's loop over its queue).
        workers: the most threads at once.
    """

    def __init__(self, target, workers: int):
        self._target = target
        self.workers = workers
        self._threads: list[threading.Thread] = []

    def grow(self, busy: int) -> None:
        """Start one more thread when fewer than ``busy`` (jobs queued or running,
        at most ``workers``) are alive; call it each time a job is queued."""
        self._threads = [thread for thread in self._threads if thread.is_alive()]
        if len(self._threads) < min(self.workers, busy):
            thread = threading.Thread(
                target=self._target,
                name=f"nnstudio-training-{len(self._threads) + 1}",
                daemon=True,
            )
            self._threads.append(thread)
            thread.start()

    def join(self, timeout: float) -> None:
        """Wait for every thread to end, ``timeout`` seconds at most in all."""
        deadline = time.monotonic() + timeout
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))
