"""Loading TensorFlow in the background as soon as a session reaches Model or Train.

The first training after a server start would otherwise spend about ten seconds on
"batch 0" importing TensorFlow and tracing its loop. ``start`` hands that to
``nncore.train.warmup`` (a daemon thread, once per process), so by the time the
user presses Train it is done. The Data screen and Home never call it: they stay
free of TensorFlow.
"""

from __future__ import annotations

from ui import training

__all__ = ["start"]


def start() -> None:
    """Start loading TensorFlow in the background (once per process)."""
    from nncore.train.warmup import start_warmup

    # Keras is about to be imported: keep Streamlit from clearing its session
    # after each script run while the warm-up (or a job) builds a model.
    training.keep_keras_state()
    start_warmup()
