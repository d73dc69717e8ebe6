"""Loading TensorFlow in the background, before the first Train click.

Importing TensorFlow and tracing the first compiled training loop takes about ten
seconds on a fresh server: the first training would sit on "batch 0" that long.
``start_warmup`` does that work once per process in a daemon thread, as soon as a
session reaches the Model or Train screen (``ui.warmup``), so the first training
starts at once. ``is_warm`` says whether it is done (or a training already ran), so
a job can say why its first batch is slow.

The warm-up keeps to itself: its tiny model is built inside one function with
seeded initialisers, registered nowhere and dropped afterwards; it never seeds the
global random generators nor clears Keras' session. The warm-up and the jobs take
turns (``exclusive``: the job manager trains inside it): a job that starts while the
warm-up runs waits for it, and a warm-up asked for during a job waits, then finds
TensorFlow warm and does nothing. So the two never build models at the same time
and a job trains exactly as it would have without the warm-up.

Example:

    start_warmup()      # returns at once; idempotent
    is_warm()           # False for a few seconds, then True
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
from collections.abc import Iterator

import numpy as np

from nncore.core import memory

__all__ = ["exclusive", "is_warm", "mark_warm", "start_warmup", "wait_for_warmup"]

log = logging.getLogger(__name__)

_LOCK = threading.Lock()  # guards _thread
_TURNS = threading.Lock()  # the warm-up and the jobs take turns
_JOBS = threading.Lock()  # guards _training
_training = 0  # jobs inside exclusive()
_thread: threading.Thread | None = None
_warmed_up = threading.Event()  # the warm-up ran to its end
_trained = threading.Event()  # a training's first epoch ran in this process


def start_warmup() -> None:
    """Import TensorFlow and Keras and trace a tiny model through the fast loop,
    in a daemon thread; does nothing when it was already started.

    Never raises: a warm-up that fails is logged, and the first training then
    loads TensorFlow itself, as it would without the warm-up.
    """
    global _thread
    with _LOCK:
        if _thread is not None or _trained.is_set():
            return
        _thread = threading.Thread(target=_warm_up, name="nnstudio-warmup", daemon=True)
        _thread.start()
    # A daemon thread killed inside TensorFlow at interpreter exit aborts the
    # process: let it finish first.
    atexit.register(wait_for_warmup, timeout=60.0)


def is_warm() -> bool:
    """Whether TensorFlow is loaded and traced: the warm-up ended, or a training's
    first epoch ran in this process."""
    return _warmed_up.is_set() or _trained.is_set()


def mark_warm() -> None:
    """Note that a training ran (the job manager calls it after a job's first
    epoch): TensorFlow is warm."""
    _trained.set()


def wait_for_warmup(timeout: float | None = None) -> bool:
    """Wait until a started warm-up ends (at most ``timeout`` seconds).

    Returns:
        Whether the warm-up ran to its end (False when it was never started,
        failed, or is still running after ``timeout``).
    """
    thread = _thread
    if thread is not None and thread is not threading.current_thread():
        thread.join(timeout)
    return _warmed_up.is_set()


@contextlib.contextmanager
def exclusive() -> Iterator[None]:
    """Hold off the warm-up while the block runs (a job trains inside it).

    Waits for a warm-up that is running to end first. Jobs need not take turns
    among themselves (the job manager's workers train several at once): the first
    job to enter takes the turn from the warm-up, the last one to leave gives it
    back.
    """
    global _training
    with _JOBS:
        if _training == 0:
            _TURNS.acquire()
        _training += 1
    try:
        yield
    finally:
        with _JOBS:
            _training -= 1
            if _training == 0:
                _TURNS.release()  # a plain lock: any job's thread may release it


def _warm_up() -> None:
    with _TURNS:
        if _trained.is_set():  # a job ran meanwhile: TensorFlow is warm
            _warmed_up.set()
            return
        try:
            _trace_a_tiny_model()
        except Exception:  # the first training will load TensorFlow itself
            log.exception("the TensorFlow warm-up failed")
            return
        _warmed_up.set()
        # Loading touched far more of TensorFlow's libraries than training reads
        # again: a server where nobody trains yet need not keep it resident.
        memory.release_library_pages()


def _trace_a_tiny_model() -> None:
    """Build, train for one epoch and predict with a tiny network, then drop it."""
    import keras

    from nncore.train.fastfit import compiled_predict, fit_fast

    rows = np.random.default_rng(0).normal(size=(32, 2)).astype("float32")
    labels = (rows[:, 0] > 0).astype("float32")
    model = keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(
                4,
                activation="relu",
                kernel_initializer=keras.initializers.GlorotUniform(seed=1),
            ),
            keras.layers.Dense(
                1,
                activation="sigmoid",
                kernel_initializer=keras.initializers.GlorotUniform(seed=2),
            ),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    fit_fast(
        model,
        rows,
        labels,
        (rows[:8], labels[:8]),
        epochs=1,
        batch_size=8,
        seed=0,
    )
    compiled_predict(model, rows)
