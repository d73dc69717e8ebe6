"""Early stopping and keep-best, tracked inside ``fit_fast``'s compiled loop.

Keras' ``EarlyStopping`` (with or without ``restore_best_weights``) and a keep-best
callback (one with ``keeps_best = True``, see ``nncore.train.trainer``) look at the
weights at every epoch end, so in Python they need one compiled call per epoch.
``EpochWatch`` does their bookkeeping in the graph instead, with the same rules:
the best validation loss, the patience counter and a copy of the best epoch's
weights live in TensorFlow variables, and the loop ends at the epoch where
``EarlyStopping`` would stop. After each compiled call ``sync`` copies that state
back into the callbacks, so ``on_train_end`` (which restores the best weights) and
whoever reads them afterwards see what the per-epoch path would have left.

TensorFlow is imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import math

__all__ = ["EpochWatch", "muted"]

# The one monitored quantity supported in the graph.
_MONITOR = "val_loss"


def _watchable_stopping(callback) -> bool:
    """Whether an ``EarlyStopping`` uses only what the graph implements:
    ``val_loss``, lower is better, no ``min_delta``, baseline or warm-up."""
    import keras

    return (
        isinstance(callback, keras.callbacks.EarlyStopping)
        and type(callback).on_epoch_end is keras.callbacks.EarlyStopping.on_epoch_end
        and callback.monitor == _MONITOR
        and callback.mode in ("auto", "min")
        and not callback.min_delta
        and callback.baseline is None
        and not callback.start_from_epoch
    )


def muted(callback):
    """A stand-in for ``callback`` in the callback list that passes on every hook
    but ``on_epoch_end`` (done in the graph, then ``EpochWatch.sync``)."""
    import keras

    class Muted(keras.callbacks.Callback):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def set_model(self, model):
            super().set_model(model)
            self.inner.set_model(model)

        def set_params(self, params):
            super().set_params(params)
            self.inner.set_params(params)

        def on_train_begin(self, logs=None):
            self.inner.on_train_begin(logs)

        def on_epoch_begin(self, epoch, logs=None):
            self.inner.on_epoch_begin(epoch, logs)

        def on_train_end(self, logs=None):
            self.inner.on_train_end(logs)

    return Muted(callback)


class EpochWatch:
    """The early stopping and keep-best callbacks among ``callbacks`` that the
    compiled loop tracks itself.

    Args:
        callbacks: the callbacks of a ``fit_fast`` call.
        names: the names of one row of logs, training then validation.
    """

    def __init__(self, callbacks: list, names: list[str]):
        stopping = [c for c in callbacks if _watchable_stopping(c)]
        keepers = [c for c in callbacks if getattr(c, "keeps_best", False)]
        self.stopping = stopping[0] if len(stopping) == 1 else None
        self.keeper = keepers[0] if len(keepers) == 1 else None
        if _MONITOR not in names:
            self.stopping = self.keeper = None
        self.index = names.index(_MONITOR) if _MONITOR in names else None
        self.watched = [c for c in (self.stopping, self.keeper) if c is not None]
        self.variables = None
        self._synced = (None, None)

    def watches(self, callback) -> bool:
        """Whether the compiled loop does ``callback``'s bookkeeping."""
        return any(callback is watched for watched in self.watched)

    @property
    def key(self) -> tuple:
        """What the traced loop depends on (part of its cache key)."""
        restore = bool(self.stopping and self.stopping.restore_best_weights)
        return (self.stopping is not None, restore, self.keeper is not None, self.index)

    def begin(self, cache: dict, model) -> None:
        """Set the graph's state from the callbacks (after ``on_train_begin``)."""
        if not self.watched:
            return
        self.variables = _variables(cache, model)
        v = self.variables
        if self.stopping is not None:
            v["stop_has_best"].assign(False)
            v["stop_best"].assign(math.inf)
            v["stop_wait"].assign(0)
            v["stop_epoch"].assign(0)
            v["stop_best_epoch"].assign(0)
            v["patience"].assign(int(self.stopping.patience))
        if self.keeper is not None:
            v["keep_best"].assign(float(self.keeper.best_value))
            v["keep_best_epoch"].assign(-1)
        self._synced = (None, None)

    def update(self, epoch, row):
        """In the graph, at an epoch end: the callbacks' bookkeeping for ``row``;
        returns whether early stopping ends training here (a bool tensor)."""
        import tensorflow as tf

        v = self.variables
        current = row[self.index]
        stop_now = tf.constant(False)
        if self.stopping is not None:
            # EarlyStopping.on_epoch_end: the first value is always the best so far.
            improved = tf.logical_or(
                tf.logical_not(v["stop_has_best"]), current < v["stop_best"]
            )
            if self.stopping.restore_best_weights:
                _copy_if(improved, self.model_weights, v["stop_weights"])
            v["stop_has_best"].assign(True)
            v["stop_best"].assign(tf.where(improved, current, v["stop_best"]))
            v["stop_best_epoch"].assign(tf.where(improved, epoch, v["stop_best_epoch"]))
            wait = tf.where(improved, tf.constant(0, "int64"), v["stop_wait"] + 1)
            v["stop_wait"].assign(wait)
            stop_now = tf.logical_and(
                tf.logical_not(improved),
                tf.logical_and(wait >= v["patience"], epoch > 0),
            )
            v["stop_epoch"].assign(tf.where(stop_now, epoch, v["stop_epoch"]))
        if self.keeper is not None:
            better = tf.logical_and(
                tf.math.is_finite(current), current < v["keep_best"]
            )
            _copy_if(better, self.model_weights, v["keep_weights"])
            v["keep_best"].assign(tf.where(better, current, v["keep_best"]))
            v["keep_best_epoch"].assign(tf.where(better, epoch, v["keep_best_epoch"]))
        return stop_now

    def sync(self) -> None:
        """Copy the graph's state into the callbacks, as their ``on_epoch_end``
        would have left it; the weights only when a new best was copied."""
        if not self.watched:
            return
        v = self.variables
        stop_best_epoch = keep_best_epoch = None
        if self.stopping is not None:
            es = self.stopping
            es.wait = int(v["stop_wait"].numpy())
            es.stopped_epoch = int(v["stop_epoch"].numpy())
            if bool(v["stop_has_best"].numpy()):
                es.best = float(v["stop_best"].numpy())
                stop_best_epoch = int(v["stop_best_epoch"].numpy())
                es.best_epoch = stop_best_epoch
                if es.restore_best_weights and stop_best_epoch != self._synced[0]:
                    es.best_weights = [w.numpy() for w in v["stop_weights"]]
        if self.keeper is not None:
            keep_best_epoch = int(v["keep_best_epoch"].numpy())
            if keep_best_epoch >= 0 and keep_best_epoch != self._synced[1]:
                self.keeper.take_best(
                    keep_best_epoch,
                    float(v["keep_best"].numpy()),
                    [w.numpy() for w in v["keep_weights"]],
                )
        self._synced = (stop_best_epoch, keep_best_epoch)

    @property
    def model_weights(self):
        return self.variables["model_weights"]


def _copy_if(condition, sources, targets) -> None:
    """``targets = sources`` where ``condition`` holds. A select, not a
    ``tf.cond``: TensorFlow's single-threaded executor can hang on a condition
    with side effects inside a loop, and the copy of a small network's weights
    costs less than one training step."""
    import tensorflow as tf

    for source, target in zip(sources, targets, strict=True):
        target.assign(tf.where(condition, source.value, target.value()))


def _variables(cache: dict, model) -> dict:
    """The watch's TensorFlow variables for ``model``, made once per compiled
    model: the state of both callbacks and two copies of the weights."""
    import tensorflow as tf

    variables = cache.get("watch")
    if variables is not None:
        return variables
    weights = list(model.weights)

    def copies(name):
        return [
            tf.Variable(w.value, trainable=False, name=f"fastfit_{name}")
            for w in weights
        ]

    with tf.device("/CPU:0"):
        variables = {
            "model_weights": weights,
            "stop_has_best": tf.Variable(False, trainable=False),
            "stop_best": tf.Variable(math.inf, dtype="float64", trainable=False),
            "stop_wait": tf.Variable(0, dtype="int64", trainable=False),
            "stop_epoch": tf.Variable(0, dtype="int64", trainable=False),
            "stop_best_epoch": tf.Variable(0, dtype="int64", trainable=False),
            "patience": tf.Variable(0, dtype="int64", trainable=False),
            "keep_best": tf.Variable(math.inf, dtype="float64", trainable=False),
            "keep_best_epoch": tf.Variable(-1, dtype="int64", trainable=False),
        }
    variables["stop_weights"] = copies("stop_weights")
    variables["keep_weights"] = copies("keep_weights")
    cache["watch"] = variables
    return variables
