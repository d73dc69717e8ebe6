"""Issue 18, item 6: with "Keep the best model" on, a job is scored with its best
epoch's weights (lowest validation loss), not the last epoch's; its model file is
that network, and the last epoch's stays downloadable beside it."""

from __future__ import annotations

import math

import pytest

from nncore.core.metrics import metrics_from_outputs
from nncore.runs.manager import JobManager
from nncore.runs.store import RunStore
from nncore.train.fastfit import compiled_predict
from nncore.train.modelfiles import load_trained_model
from tests.support import experiment, keras_in_the_main_thread, prepared_for  # noqa: F401

EPOCHS = 12


def overfitting_spec(save_best: bool = True) -> dict:
    """Diabetes with a big network and a high learning rate: the validation loss
    is lowest around epoch 4 and worse at the end (seeded, so every time)."""
    spec = experiment(
        "builtin:diabetes", layers=(64, 64), epochs=EPOCHS, save_best=save_best
    )
    spec["compile"]["learning_rate"] = 0.01
    return spec


def val_scores(path, prepared) -> dict:
    model = load_trained_model(path)
    outputs = compiled_predict(model, prepared.X_val)
    return metrics_from_outputs(prepared.y_val, outputs, prepared.task)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The same seeded training with "Keep the best model" on and off."""
    prepared = prepared_for(overfitting_spec())
    manager = JobManager(store=RunStore(tmp_path_factory.mktemp("runs")))
    try:
        results = {}
        for keep in (True, False):
            job = manager.submit(overfitting_spec(keep), prepared, owner="test")
            view = manager.wait(job, timeout=180)
            assert view.status == "finished", view.error
            results[keep] = (view, manager.model_file(job), manager.last_file(job))
    finally:
        manager.shutdown()
    return prepared, results


def test_the_best_epochs_weights_are_scored_and_saved(trained):
    prepared, results = trained
    view, model_file, last_file = results[True]
    losses = view.history["val_loss"]
    best = min(range(EPOCHS), key=losses.__getitem__) + 1
    assert losses[-1] > min(losses) * 1.02  # the end is clearly worse than the best
    assert view.epochs_done == EPOCHS
    assert view.scored_epoch == view.best_epoch == best < EPOCHS
    # The loss is the mean squared error: the scores are the best epoch's.
    val = view.metrics["val"]
    assert val["rmse"] ** 2 == pytest.approx(min(losses), rel=1e-4)
    assert set(view.metrics) == {"val", "test"}
    # The model file (what Evaluate and the download use) is that network.
    assert val_scores(model_file, prepared) == pytest.approx(val, rel=1e-5)
    # The last epoch's network is kept beside it, with its own (worse) scores.
    end = view.last_epoch_metrics["val"]
    assert end["rmse"] ** 2 == pytest.approx(losses[-1], rel=1e-4)
    assert end["rmse"] > val["rmse"]
    assert last_file.exists() and last_file != model_file
    assert val_scores(last_file, prepared) == pytest.approx(end, rel=1e-5)


def test_without_keep_best_the_last_epochs_weights_are_scored(trained):
    prepared, results = trained
    view, model_file, last_file = results[False]
    best_view = results[True][0]
    losses = view.history["val_loss"]
    # The same seeded training: only which weights are scored differs.
    assert losses == best_view.history["val_loss"]
    assert view.scored_epoch == view.epochs_done == EPOCHS
    assert view.last_epoch_metrics is None and last_file is None
    assert view.metrics["val"]["rmse"] ** 2 == pytest.approx(losses[-1], rel=1e-4)
    assert view.metrics["val"] == best_view.last_epoch_metrics["val"]
    assert val_scores(model_file, prepared) == pytest.approx(
        view.metrics["val"], rel=1e-5
    )
    assert math.isfinite(view.metrics["test"]["rmse"])
