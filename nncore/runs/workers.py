"""How many jobs the job manager trains at once, and the warm-up's turn shared
by them.

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

import contextlib
import logging
import os
import threading
import time

from nncore.train import warmup

__all__ = [
    "WORKERS_ENV",
    "SharedTurn",
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
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, cores // 2)


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


class SharedTurn:
    """The jobs' side of ``nncore.train.warmup.exclusive``, shared by every worker.

    The warm-up and the jobs take turns, but jobs need not take turns among
    themselves: the first job to start takes the turn from the warm-up (waiting
    for a warm-up that runs), the last one to end gives it back. So the warm-up
    never builds a model while a job does, and two jobs still train at once.

    Example:

        turn = SharedTurn()
        with turn.held():
            train(job)
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._holders = 0
        self._turn: contextlib.ExitStack | None = None

    @contextlib.contextmanager
    def held(self):
        """Hold the turn (with any other job holding it) while the block runs."""
        with self._lock:
            if self._holders == 0:
                stack = contextlib.ExitStack()
                stack.enter_context(warmup.exclusive())
                self._turn = stack
            self._holders += 1
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1
                if self._holders == 0 and self._turn is not None:
                    # Given back by whichever job ends last: the turn is a plain
                    # lock, which any thread may release.
                    turn, self._turn = self._turn, None
                    turn.close()


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
