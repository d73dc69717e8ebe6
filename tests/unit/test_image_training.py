"""Training pictures: the job manager, augmentation, the reference models, the
evaluation, the lab report and what refuses pictures (step mode, the network view),
on tiny image sets (8x8 digits, a few hundred shapes) and few epochs."""

from __future__ import annotations

import os

import numpy as np
import pytest

from nncore.core.errors import DataError, SpecError
from nncore.data.images import prepare_images
from nncore.spec import validate_spec
from nncore.train.model import IMAGE_PRESETS, build_model, network_inputs

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

TINY_CNN = [
    {"type": "conv2d", "filters": 8, "kernel_size": 3, "padding": "same"},
    {"type": "maxpool2d", "pool_size": 2},
    {"type": "flatten"},
    {"type": "dense", "units": 16},
]
AUGMENT = {"flip": True, "rotation": 20, "zoom": 0.2, "contrast": 0.3}


def image_spec(source="builtin:digits_images", layers=TINY_CNN, epochs=2, **data):
    return validate_spec(
        {
            "data": {"source": source, **data},
            "model": {"layers": layers},
            "compile": {"learning_rate": 0.01},
            "train": {"epochs": epochs, "early_stopping": {"enabled": False}},
        }
    )


@pytest.fixture(scope="module")
def digits():
    spec = image_spec()
    return spec, prepare_images(spec["data"])


def test_a_job_trains_digits_pictures_and_continues(digits, manager):
    spec, prepared = digits
    job_id = manager.submit(spec, prepared, owner="t")
    view = manager.wait(job_id, timeout=120)
    assert view.status == "finished", view.error
    assert view.epochs_done == 2 and len(view.history["val_loss"]) == 2
    # Far above the naive guess (one class in ten) after two epochs.
    assert view.metrics["val"]["accuracy"] > 0.6
    assert view.baseline["accuracy"] < 0.2
    assert set(view.reference["test"]) == {"logistic_regression", "gradient_boosting"}
    assert view.metrics_ci["test"]["accuracy"][0] < view.metrics["test"]["accuracy"]
    # The time machine keeps every epoch's weights, the conv kernels included.
    assert view.snapshots.epochs == (0, 1, 2)
    kernel = view.snapshots.at(2)[0]
    assert kernel.shape == (3, 3, 1, 8)
    assert not np.array_equal(kernel, view.snapshots.at(0)[0])
    # The layer health probe reads the dense layers of a conv network.
    assert view.health is not None
    names = [layer["name"] for layer in view.health.records()[0]["layers"]]
    assert names == ["Dense 1", "Output"]

    manager.continue_(job_id, 1)
    view = manager.wait(job_id, timeout=120)
    assert view.status == "finished", view.error
    assert view.epochs_done == 3 and len(view.history["loss"]) == 3
    assert view.snapshots.epochs == (0, 1, 2, 3)
    assert manager.store.get(view.run_id).status == "finished"
    from nncore.train.modelfiles import load_trained_model

    model = load_trained_model(manager.model_file(job_id))
    assert tuple(model.inputs[0].shape[1:]) == (8, 8, 1)


def test_augmentation_changes_training_but_never_predictions(digits):
    from nncore.train.compiling import compile_model
    from nncore.train.trainer import Trainer

    spec, prepared = digits
    plain = Trainer(spec, prepared)
    augmented_spec = image_spec(augment=AUGMENT)
    augmented_data = prepare_images(augmented_spec["data"])
    augmented = Trainer(augmented_spec, augmented_data)
    names = [layer.name for layer in augmented.model.layers]
    assert names[:5] == ["flip", "rotation", "zoom", "contrast", "rescaling"]
    # The same starting weights with and without augmentation.
    for mine, theirs in zip(
        plain.model.get_weights(), augmented.model.get_weights(), strict=True
    ):
        np.testing.assert_array_equal(mine, theirs)
    plain.fit(1)
    augmented.fit(1)
    assert plain.history["loss"] != augmented.history["loss"]
    # Predicting skips the augmentation: the same answers every time, and the
    # answers of the same weights in a network without it.
    first = augmented.predict(prepared.X_val)
    np.testing.assert_array_equal(first, augmented.predict(prepared.X_val))
    bare = build_model(spec["model"], network_inputs(prepared), "multiclass", 10)
    compile_model(bare, spec["compile"], "multiclass")
    bare.set_weights(augmented.model.get_weights())
    from nncore.train.fastfit import compiled_predict

    np.testing.assert_allclose(compiled_predict(bare, prepared.X_val), first, atol=1e-6)


def test_an_augmented_network_resumes_from_its_checkpoint(tmp_path):
    from nncore.runs.checkpoint import (
        ResumePoint,
        load_checkpoint,
        seed_states,
        write_checkpoint,
    )
    from nncore.train.trainer import Trainer

    spec = image_spec(augment=AUGMENT)
    prepared = prepare_images(spec["data"])
    trainer = Trainer(spec, prepared)
    trainer.fit(1)
    path = tmp_path / "checkpoint.keras"
    write_checkpoint(trainer.model, path, epochs=1)
    model = load_checkpoint(ResumePoint.read(path, recorded=1))
    assert [layer.name for layer in model.layers][:4] == list(AUGMENT)
    # The augmentation's random generators go on where they were.
    assert seed_states(model) == seed_states(trainer.model)
    resumed = Trainer(spec, prepared, model=model, history=trainer.history)
    assert resumed.fit(2) == "completed"
    assert len(resumed.history["loss"]) == 2


def test_reference_models_on_pictures_are_quick_and_say_what_was_left_out():
    from nncore.train.reference import reference_models

    # 279 training shapes of 40x40 pixels: too many pixels for gradient boosting.
    spec = image_spec("builtin:shapes", n_samples=400, images={"size": 40})
    prepared = prepare_images(spec["data"])
    reference = reference_models(prepared)
    assert list(reference.metrics["val"]) == ["logistic_regression"]
    assert reference.problems["gradient_boosting"].startswith(
        "Gradient boosting was left out: on 279 training pictures of 40×40×1"
    )
    # The logistic regression reads pixels/255, as the network does.
    assert reference.metrics["val"]["logistic_regression"]["accuracy"] > 0.3


def test_the_reference_verdict_speaks_of_pictures():
    from nncore.train.reference import reference_sentence

    sentence = reference_sentence(
        "multiclass",
        {"accuracy": 0.5},
        {"logistic_regression": {"accuracy": 0.9}},
        pictures=True,
    )
    assert "For these pictures a linear model does better" in sentence
    assert "table" not in sentence


def test_step_mode_refuses_pictures(digits):
    from nncore.train.stepping import Stepper, check_steppable

    spec, prepared = digits
    with pytest.raises(SpecError, match="works on small dense networks for tables"):
        check_steppable(spec, prepared)
    with pytest.raises(SpecError, match=r"8×8×1 = 64 inputs each"):
        Stepper(spec, prepared)


@pytest.mark.parametrize(
    ("layers", "inputs", "message"),
    [
        (TINY_CNN, (8, 8, 1), "this one has convolutions: see its filters"),
        (IMAGE_PRESETS["Just Dense: see why convolutions help"], (8, 8, 1), "reads"),
        ([{"type": "dense", "units": 4}], (8, 8, 1), "this one reads pictures"),
    ],
    ids=["conv", "flatten", "image-inputs"],
)
def test_the_network_view_refuses_image_networks(layers, inputs, message):
    from nncore.inside.network import unpack

    with pytest.raises(ValueError, match=message):
        unpack(layers, inputs, "multiclass", 10, [])


def test_health_probe_reads_the_dense_layers_of_a_conv_network(digits):
    from nncore.train.compiling import compile_model
    from nncore.train.health import probe, probe_rows

    spec, prepared = digits
    model = build_model(spec["model"], (8, 8, 1), "multiclass", 10)
    compile_model(model, spec["compile"], "multiclass")
    x, y = probe_rows(prepared, n=32)
    assert x.shape == (32, 8, 8, 1)
    record = probe(model, x, y)
    assert [layer["name"] for layer in record["layers"]] == ["Dense 1", "Output"]
    assert record["layers"][0]["dead_share"] is not None


def test_a_model_for_other_pictures_is_refused(digits):
    from nncore.train.compiling import compile_model
    from nncore.train.modelfiles import check_model_fits

    spec, prepared = digits
    model = build_model({"layers": TINY_CNN}, (16, 16, 3), "multiclass", 10)
    compile_model(model, spec["compile"], "multiclass")
    with pytest.raises(DataError, match=r"takes inputs of shape 16×16×3.*8×8×1"):
        check_model_fits(model, prepared, "rgb.keras")
    fits = build_model({"layers": TINY_CNN}, (8, 8, 1), "multiclass", 10)
    compile_model(fits, spec["compile"], "multiclass")
    check_model_fits(fits, prepared, "digits.keras")


def test_the_test_pictures_have_a_fingerprint(digits):
    from nncore.train.evaluation import holdout_fingerprint

    spec, prepared = digits
    fingerprint = holdout_fingerprint(prepared)
    assert fingerprint == holdout_fingerprint(prepare_images(spec["data"]))
    other = image_spec(split={"train": 0.6, "val": 0.2, "test": 0.2})
    assert fingerprint != holdout_fingerprint(prepare_images(other["data"]))


def test_the_lab_report_shows_the_pictures(digits, manager):
    from nncore.report.lab import lab_report

    spec, prepared = digits
    view = manager.wait(manager.submit(spec, prepared, owner="t"), timeout=120)
    page = lab_report(view, prepared)
    assert "Classes and sample pictures" in page
    assert page.count('title="') >= 40  # 4 of each digit, named
    assert 'alt="3/0001.png"' in page
    assert "8×8 pixels, grayscale" in page
    assert "Conv2D 1" in page and "8x8x8" in page


def test_cross_validation_says_it_is_for_tables(digits):
    """The Train screen's cross-validation section says so for pictures, and why,
    instead of failing on data that have no table."""
    from nncore.train.crossval import crossval_problem

    _, prepared = digits
    problem = crossval_problem(prepared)
    assert problem is not None
    assert "not on pictures" in problem and "seed" in problem


def test_a_conv_network_trains_on_the_default_executor_a_dense_one_on_the_single():
    """Convolutions are a few large operations whose two gradients the default
    executor runs side by side (1.25x faster on 2 cores); a Dense network's many
    tiny steps run faster inline, on the single-threaded executor."""
    from nncore.train.compiled_loop import model_cache, single_threaded_suits
    from nncore.train.fastfit import fit_fast

    cnn = build_model({"layers": TINY_CNN}, (8, 8, 1), "multiclass", 3)
    dense = build_model({"layers": [{"type": "dense", "units": 4}]}, 5, "binary", 2)
    assert not single_threaded_suits(cnn)
    assert single_threaded_suits(dense)
    rng = np.random.default_rng(0)
    for model, x, y in (
        (cnn, rng.random((12, 8, 8, 1), "float32"), rng.integers(0, 3, 12)),
        (dense, rng.random((12, 5), "float32"), rng.integers(0, 2, 12)),
    ):
        loss = (
            "binary_crossentropy"
            if model is dense
            else "sparse_categorical_crossentropy"
        )
        model.compile(optimizer="adam", loss=loss)
        fit_fast(model, x, y, (x, y), epochs=1, batch_size=4)
        (runner,) = model_cache(model)["functions"].values()
        on_single = runner.function.single_threaded
        assert on_single == (model is dense)
