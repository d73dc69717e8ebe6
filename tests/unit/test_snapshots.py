"""Snapshots of the weights (the time machine): every epoch's weights as Keras has
them, bounded for big networks, kept with the run, and off when the live view is."""

import os

import numpy as np
import pytest

from nncore.runs.manager import JobManager
from nncore.runs.store import RunStore
from nncore.train import fastfit
from nncore.train.snapshots import SNAPSHOTS_FILE, Snapshots
from tests.support import experiment, prepared_for

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(
        np.array_equal(x, y) for x, y in zip(a, b, strict=True)
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A 6-epoch job on Iris (8 ReLU neurons, then batch norm) through the manager."""
    spec = experiment(layers=(8,), epochs=6)
    spec["model"]["layers"].append({"type": "batchnorm"})
    spec["train"]["save_best"] = False
    prepared = prepared_for(spec)
    folder = tmp_path_factory.mktemp("runs")
    manager = JobManager(store=RunStore(folder))
    try:
        job_id = manager.submit(spec, prepared, owner="t")
        view = manager.wait(job_id, timeout=120)
        trainer = manager._job(job_id).trainer
        yield spec, prepared, view, trainer, manager.model_file(job_id)
    finally:
        manager.shutdown()


def test_a_job_keeps_its_weights_after_every_epoch(trained):
    _, _, view, trainer, _ = trained
    assert view.status == "finished"
    assert view.snapshots.epochs == tuple(range(7))  # the start, then 6 epochs
    # The last one is the trained network's (batch norm's statistics included).
    assert same(view.snapshots.at(6), trainer.model.get_weights())
    assert not same(view.snapshots.at(0), view.snapshots.at(6))


def test_each_snapshot_is_the_network_trained_that_many_epochs(trained):
    """Epoch 3's snapshot equals a fresh model of the same seed trained 3 epochs."""
    from nncore.train.trainer import Trainer

    spec, prepared, view, _, _ = trained
    again = Trainer(spec, prepared)
    assert same(again.model.get_weights(), view.snapshots.at(0))
    again.fit(3)
    np.testing.assert_allclose(
        np.concatenate([w.ravel() for w in again.model.get_weights()]),
        np.concatenate([w.ravel() for w in view.snapshots.at(3)]),
        rtol=1e-6,
        atol=1e-6,
    )


def test_snapshots_are_kept_with_the_run(trained):
    _, _, view, _, model_file = trained
    kept = Snapshots.load(model_file.with_name(SNAPSHOTS_FILE)).view()
    assert kept.epochs == view.snapshots.epochs
    assert all(same(kept.at(e), view.snapshots.at(e)) for e in view.snapshots.epochs)


def test_without_the_live_view_no_weights_are_kept(trained, tmp_path):
    spec, prepared, _, _, _ = trained
    manager = JobManager(store=RunStore(tmp_path))
    try:
        job_id = manager.submit(spec, prepared, owner="t", live_view=False)
        view = manager.wait(job_id, timeout=120)
    finally:
        manager.shutdown()
    assert view.status == "finished" and view.epochs_done == 6
    assert len(view.snapshots) == 0


def test_a_big_network_keeps_the_last_epoch_of_each_compiled_call(trained, monkeypatch):
    """Over the in-graph limit, the weights are read after each compiled call."""
    from nncore.train.trainer import Trainer

    spec, prepared, _, _, _ = trained
    monkeypatch.setattr(fastfit, "IN_GRAPH_SNAPSHOT_WEIGHTS", 0)
    trainer = Trainer(spec, prepared)
    kept = {}
    import keras

    class Taker(keras.callbacks.Callback):
        takes_snapshots = True
        chunk_safe = True

        def take_snapshot(self, epoch, weights):
            kept[epoch] = weights

    trainer.fit(4, [Taker()])
    assert kept and max(kept) == 3
    assert same(kept[3], trainer.model.get_weights())


def test_a_long_run_of_a_big_network_stays_within_its_memory():
    """Thinned evenly: the start and the latest always, then every 2nd, 4th, …"""
    weights = [np.zeros((100, 100), "float32")]  # 40 kB each
    snapshots = Snapshots(max_bytes=1_000_000)  # room for 25
    for epoch in range(201):
        snapshots.add(epoch, [w + epoch for w in weights])
    view = snapshots.view()
    assert len(view) <= 25
    assert view.epochs[0] == 0 and view.epochs[-1] == 200
    steps = np.diff(view.epochs)
    assert steps.max() == view.stride and view.stride > 1
    assert view.at(200)[0][0, 0] == 200
    # A scrub to an epoch that was not kept shows the nearest kept before it.
    assert view.nearest(view.epochs[3] + 1) == view.epochs[3]


def test_a_continued_run_replaces_the_epochs_it_trains_again():
    snapshots = Snapshots()
    for epoch in range(5):
        snapshots.add(epoch, [np.full(2, epoch, "float32")])
    snapshots.add(3, [np.full(2, 30, "float32")])
    view = snapshots.view()
    assert view.epochs == (0, 1, 2, 3)
    assert view.at(3)[0][0] == 30
