"""Issue 16: early stopping (with restore-best) and keep-best tracked inside the
compiled loop, so several epochs run per compiled call, stop at the same epoch and
keep the same best weights as Keras' callbacks running in Python after every
epoch."""

from __future__ import annotations

import math
from types import SimpleNamespace

import keras
import numpy as np
import pytest
from sklearn.datasets import make_moons

from nncore.train.fastfit import fit_fast
from nncore.train.trainer import _keep_best
from nncore.train.watch import EpochWatch

EPOCHS = 200


class PythonEarlyStopping(keras.callbacks.EarlyStopping):
    """Keras' EarlyStopping run in Python after every epoch: overriding its epoch
    hook keeps it out of the compiled loop."""

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)


def python_keep_best(trainer):
    """The app's keep-best callback run in Python after every epoch."""
    callback = _keep_best(trainer)
    callback.keeps_best = False
    callback.chunk_safe = False
    return callback


def moons():
    X, y = make_moons(400, noise=0.35, random_state=0)
    X = X.astype("float32")
    return X[:300], y[:300], (X[300:], y[300:])


def network(learning_rate: float = 0.05):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dropout(0.1),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


def train(in_graph: bool, patience: int, restore: bool, initial_epoch: int = 0):
    """One seeded training with early stopping and keep-best, either way."""
    model = network()
    trainer = SimpleNamespace(_best_loss=math.inf, best_epoch=None, best_weights=None)
    stopping_class = keras.callbacks.EarlyStopping if in_graph else PythonEarlyStopping
    stopping = stopping_class(patience=patience, restore_best_weights=restore)
    keep = _keep_best(trainer) if in_graph else python_keep_best(trainer)
    x, y, validation = moons()
    history = fit_fast(
        model,
        x,
        y,
        validation,
        epochs=EPOCHS,
        batch_size=16,
        callbacks=[stopping, keep],
        initial_epoch=initial_epoch,
        max_chunk_seconds=10.0,  # big chunks: the stop falls inside one
    )
    return SimpleNamespace(
        history=history,
        stopped_epoch=stopping.stopped_epoch,
        best_epoch=stopping.best_epoch,
        weights=model.get_weights(),
        kept_epoch=trainer.best_epoch,
        kept_weights=trainer.best_weights,
        kept_loss=trainer._best_loss,
    )


@pytest.mark.parametrize(
    ("patience", "restore", "initial_epoch"),
    [(3, True, 0), (8, True, 0), (3, False, 0), (5, True, 4)],
    ids=["patience-3", "patience-8", "no-restore", "continued"],
)
def test_in_graph_early_stopping_matches_keras_per_epoch(
    patience, restore, initial_epoch
):
    graph = train(True, patience, restore, initial_epoch)
    python = train(False, patience, restore, initial_epoch)

    assert 0 < python.stopped_epoch < EPOCHS - 1, "the fixture must stop early"
    assert graph.stopped_epoch == python.stopped_epoch
    assert graph.best_epoch == python.best_epoch
    assert graph.history == python.history
    for mine, theirs in zip(graph.weights, python.weights, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    assert graph.kept_epoch == python.kept_epoch
    assert graph.kept_loss == python.kept_loss
    for mine, theirs in zip(graph.kept_weights, python.kept_weights, strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_restored_weights_are_the_best_epochs():
    run = train(True, patience=3, restore=True)
    losses = run.history["val_loss"]
    best = int(np.argmin(losses))
    assert run.best_epoch == best
    assert run.kept_epoch == best
    for mine, kept in zip(run.weights, run.kept_weights, strict=True):
        np.testing.assert_array_equal(mine, kept)
    assert len(losses) == run.stopped_epoch + 1


@pytest.mark.parametrize(
    "options",
    [{"min_delta": 0.01}, {"monitor": "val_accuracy"}, {"baseline": 0.5}],
    ids=["min-delta", "accuracy", "baseline"],
)
def test_other_early_stopping_settings_stay_in_python(options):
    stopping = keras.callbacks.EarlyStopping(patience=2, **options)
    watch = EpochWatch([stopping], ["loss", "accuracy", "val_loss", "val_accuracy"])
    assert watch.watched == []
