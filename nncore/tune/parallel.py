"""Trials side by side: the state that a search's trial threads share.

``Search.run`` with ``jobs=N`` trains N trials at once, each in its own thread of
the one process (TensorFlow loaded once), as ``NNSTUDIO_WORKERS`` does for the job
manager's trainings. Each thread has its own Optuna study object over the same
storage, so its own sampler: the samplers reseed per trial number
(``sampling.sampler_for``), so a random search proposes the same settings for
each trial number whatever thread runs it, and each trial trains as it would
alone. Trials are created and given their settings one at a time
(``TrialLoop.claiming``), in the order of their numbers, as they would be one
after the other: a repeat of a running trial's settings is seen, and settings
queued for the next trial go to the next number. (TPE and the pruners learn from
the trials finished so far, which depends on timing when trials run side by
side.)
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait

__all__ = ["TrialLoop", "run_threads"]


class TrialLoop:
    """What the trial threads of one search share, guarded by ``lock``.

    Attributes:
        reason: why the search ended (``"budget"``, ``"time"``, …), None while it
            goes on; the first thread to end it says why.
        durations: seconds of each finished trial.
        lines: one line a finished trial, in the order they finished.
        failures: trials in a row that failed with an error.
        repeats: trials in a row skipped as repeats.
    """

    def __init__(self):
        self.lock = threading.RLock()
        self._claims = threading.Lock()
        self.reason: str | None = None
        self.durations: list[float] = []
        self.lines: list[str] = []
        self.failures = 0
        self.repeats = 0

    @contextlib.contextmanager
    def claiming(self) -> Iterator[Callable[[], None]]:
        """Start a trial while no other thread does; the block gets a function to
        call once the trial's settings are chosen, letting the next one start (it
        is called on leaving the block at the latest)."""
        self._claims.acquire()
        released = threading.Event()

        def claimed() -> None:
            if not released.is_set():
                released.set()
                self._claims.release()

        try:
            yield claimed
        finally:
            claimed()

    def end(self, reason: str) -> None:
        """End the search (the other threads finish their running trial)."""
        with self.lock:
            if self.reason is None:
                self.reason = reason


def run_threads(targets: list[Callable[[], None]]) -> None:
    """Run ``targets[0]`` here and the others in threads of their own; wait for
    all, and raise the first exception any of them raised."""
    if len(targets) == 1:
        targets[0]()
        return
    with ThreadPoolExecutor(
        len(targets) - 1, thread_name_prefix="nnstudio-trial"
    ) as pool:
        others = [pool.submit(target) for target in targets[1:]]
        try:
            targets[0]()
        finally:
            wait(others)
    for future in others:
        future.result()
