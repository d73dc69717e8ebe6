"""One step at a time (nncore.train.stepping, nncore.plots.stepping): every number
a learner sees is Keras's own, checked against Keras done by hand."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nncore.core.errors import SpecError
from nncore.plots.stepping import (
    forward_figure,
    gradients_figure,
    predictions_figure,
    update_figure,
)
from nncore.spec import validate_spec
from nncore.train.stepping import Stepper, check_steppable, update_rule
from tests.isolation import heavy_modules_after
from tests.support import experiment, prepared_for

CASES = {
    "binary": ("builtin:circle", [{"type": "dense", "units": 4, "activation": "tanh"}]),
    "multiclass, batchnorm": (
        "builtin:iris",
        [
            {"type": "dense", "units": 4, "activation": "relu"},
            {"type": "batchnorm"},
        ],
    ),
    "regression, l2": (
        "builtin:diabetes",
        [{"type": "dense", "units": 3, "activation": "relu", "l2": 0.01}],
    ),
}


def small(case: str, **train) -> tuple[dict, object]:
    """A network of CASES[case] on its data (3 epochs, batches of 16)."""
    source, layers = CASES[case]
    spec = experiment(source, epochs=3, batch_size=16)
    spec["model"]["layers"] = layers
    spec["train"].update(train)
    spec = validate_spec(spec)
    return spec, prepared_for(spec)


def fresh_model(spec: dict, prepared):
    """The spec's network built and compiled anew, as a training run makes it."""
    from nncore.train.compiling import compile_model
    from nncore.train.model import build_model

    n_classes = len(prepared.classes) if prepared.classes else None
    model = build_model(
        spec["model"],
        prepared.n_features,
        prepared.task,
        n_classes,
        seed=spec["train"]["seed"],
    )
    compile_model(model, spec["compile"], prepared.task)
    return model


def batch_of(record):
    """The record's batch as the arrays Keras trains on."""
    y = record.answers
    return record.inputs.astype("float32"), y.astype("float32") if y.dtype.kind == (
        "f"
    ) else y


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_one_batch_by_hand_with_gradient_tape_gives_what_the_step_shows(case):
    import tensorflow as tf

    spec, prepared = small(case)
    record = Stepper(spec, prepared).step()

    model = fresh_model(spec, prepared)
    x, y = batch_of(record)
    with tf.GradientTape() as tape:
        predictions = model(x, training=True)
        loss = model.compute_loss(x=x, y=y, y_pred=predictions, training=True)
    gradients = tape.gradient(loss, model.trainable_variables)

    assert record.loss == pytest.approx(float(loss), rel=1e-6)
    np.testing.assert_allclose(record.predictions, predictions.numpy(), atol=1e-6)
    np.testing.assert_allclose(record.layer_outputs[-1], predictions.numpy())
    assert len(record.layer_outputs) == len(model.layers)
    first = model.layers[0](x)
    np.testing.assert_allclose(record.layer_outputs[0], first.numpy(), atol=1e-6)
    assert len(record.weights) == len(gradients)
    for shown, gradient in zip(record.weights, gradients, strict=True):
        np.testing.assert_allclose(shown.gradient, gradient.numpy(), atol=1e-6)
    # The optimiser's own step, by hand: the weights after agree too.
    model.optimizer.apply_gradients(
        zip(gradients, model.trainable_variables, strict=True)
    )
    for shown, variable in zip(record.weights, model.trainable_variables, strict=True):
        np.testing.assert_allclose(shown.after, variable.numpy(), atol=1e-6)
        np.testing.assert_array_equal(shown.change, shown.after - shown.before)


def test_the_first_step_starts_from_the_weights_of_a_fresh_build():
    spec, prepared = small("binary")
    record = Stepper(spec, prepared).step()
    fresh = [variable.numpy() for variable in fresh_model(spec, prepared).weights]
    assert [w.layer for w in record.weights] == ["Dense 1"] * 2 + ["Output"] * 2
    assert [w.kind for w in record.weights] == ["weights", "biases"] * 2
    for shown, weights in zip(record.weights, fresh, strict=True):
        np.testing.assert_array_equal(shown.before, weights)


def test_an_sgd_step_changes_every_weight_by_minus_learning_rate_times_gradient():
    spec, prepared = small("binary")
    spec["compile"].update(optimizer="sgd", learning_rate=0.1, momentum=0.0)
    stepper = Stepper(spec, prepared)
    for _ in range(3):
        record = stepper.step()
        for weight in record.weights:
            np.testing.assert_allclose(
                weight.change, -0.1 * weight.gradient, atol=1e-6, rtol=0
            )
    assert record.learning_rate == pytest.approx(0.1)
    assert "−0.1 × gradient" in update_rule(record)
    assert "change = −0.1 × gradient" in update_figure(record).layout.title.text


@pytest.mark.parametrize(
    "case", ["binary", "regression, l2"], ids=["binary", "with regularisation"]
)
def test_the_loss_is_keras_evaluate_on_the_batch(case):
    spec, prepared = small(case)
    record = Stepper(spec, prepared).step()
    x, y = batch_of(record)
    model = fresh_model(spec, prepared)
    evaluated = model.evaluate(x, y, batch_size=len(x), verbose=0, return_dict=True)
    assert record.loss == pytest.approx(evaluated["loss"], rel=1e-5)


@pytest.mark.parametrize("batch_size", [16, 4], ids=["eager", "compiled rest"])
def test_a_stepped_epoch_is_the_first_epoch_of_a_training_run(batch_size):
    from nncore.train.trainer import Trainer

    spec, prepared = small("binary", batch_size=batch_size, epochs=1)
    stepper = Stepper(spec, prepared)
    stepper.step()
    summary = stepper.next_epoch()

    trainer = Trainer(spec, prepared)
    trainer.fit(1)
    for stepped, trained in zip(
        stepper.weights(), trainer.model.get_weights(), strict=True
    ):
        np.testing.assert_allclose(stepped, trained, atol=1e-5)
    assert summary.loss == pytest.approx(trainer.history["loss"][0], rel=1e-4)
    assert summary.val_loss == pytest.approx(trainer.history["val_loss"][0], rel=1e-4)


def test_next_epoch_ends_the_epoch_and_the_next_batch_starts_the_next():
    spec, prepared = small("binary")
    stepper = Stepper(spec, prepared)
    first = stepper.step()
    assert (first.epoch, first.batch) == (1, 1)
    assert first.batches_per_epoch == stepper.batches_per_epoch == 18  # 279 rows

    summary = stepper.next_epoch()
    assert summary.epoch == 1
    assert (summary.record.epoch, summary.record.batch) == (1, 18)
    assert stepper.epochs_done == 1 and (stepper.epoch, stepper.batch) == (2, 0)
    following = stepper.step()
    assert (following.epoch, following.batch) == (2, 1)
    # Each epoch has its own order of the rows, and covers every row once.
    assert not np.array_equal(following.rows, first.rows)


def test_run_to_end_trains_the_planned_epochs_and_then_stops_stepping():
    spec, prepared = small("multiclass, batchnorm")
    stepper = Stepper(spec, prepared)
    stepper.step()
    finish = stepper.run_to_end()
    assert finish.epochs_run == 3 and finish.ending == "completed"
    assert stepper.finished
    assert 0 <= finish.val_metrics["accuracy"] <= 1
    assert np.isfinite(finish.val_loss)
    assert len(finish.history["loss"]) == 3
    with pytest.raises(
        SpecError, match="Training has ended after 3 epochs. Press 'Start over'"
    ):
        stepper.step()


@pytest.mark.parametrize(
    ("source", "layers", "columns", "message"),
    [
        (
            "builtin:breast_cancer",
            (128, 64),
            None,
            r"at most 200 weights; this one has 12,289 \(30 inputs, 1 output "
            r"neuron\).*one hidden layer of 6 neurons gives 193 weights",
        ),
        (
            "builtin:digits",
            (8,),
            None,
            r"this one has 586 \(61 inputs, 10 output neurons\).*one hidden layer "
            r"of 2 neurons gives 154 weights",
        ),
        (
            "builtin:circle",
            (),
            250,
            r"this one has 251.*with 250 inputs even a network without hidden "
            r"layers has too many weights: choose data with fewer columns",
        ),
    ],
    ids=["fewer neurons", "two neurons", "fewer columns"],
)
def test_a_network_over_200_weights_gets_how_to_shrink_it(
    source, layers, columns, message
):
    spec = experiment(source, layers=layers)
    prepared = prepared_for(spec)
    if columns:  # a table this wide: only the column names matter to the count
        names = [f"pixel {i}" for i in range(columns)]
        prepared = dataclasses.replace(prepared, feature_names=names)
    with pytest.raises(SpecError, match=message):
        check_steppable(spec, prepared)
    with pytest.raises(SpecError, match=message):
        Stepper(spec, prepared)


def test_the_figures_draw_the_records_numbers():
    spec, prepared = small("binary")
    record = Stepper(spec, prepared).step()

    forward = forward_figure(record)
    assert [trace.name for trace in forward.data] == ["Inputs", "Dense 1", "Output"]
    np.testing.assert_allclose(forward.data[1].z, record.layer_outputs[0])
    assert forward.data[2].x == ("P(1)",)
    assert "epoch 1, batch 1 of 18" in forward.layout.title.text

    gradients = gradients_figure(record)
    dense = gradients.data[0]
    assert dense.y == ("x1", "x2", "bias") and len(dense.x) == 4
    expected = np.vstack([record.weights[0].gradient, record.weights[1].gradient])
    np.testing.assert_allclose(np.asarray(dense.z, dtype=float), expected)
    assert dense.text[0][0] == f"{expected[0, 0]:.3g}"  # the number in its cell

    update = update_figure(record)
    output = update.data[1]
    assert output.y == ("Dense 1 n1", "Dense 1 n2", "Dense 1 n3", "Dense 1 n4", "bias")
    np.testing.assert_allclose(
        np.asarray(output.z, dtype=float)[:4, 0], record.weights[2].change[:, 0]
    )
    assert "Adam's step" in update.layout.title.text

    predictions = predictions_figure(record)
    assert f"loss {record.loss:.4g}" in predictions.layout.title.text
    assert "Binary cross-entropy" in predictions.layout.title.text
    assert sum(len(trace.y) for trace in predictions.data) == len(record.answers)
    assert [trace.name for trace in predictions.data] == [
        "predicted the right class",
        "predicted a wrong class",
    ]


def test_importing_the_step_mode_loads_no_tensorflow():
    loaded = heavy_modules_after(
        "import nncore.train.stepping, nncore.plots.stepping, ui.stepping"
    )
    assert "tensorflow" not in loaded and "keras" not in loaded
