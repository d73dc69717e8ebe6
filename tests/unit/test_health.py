"""Layer health (issue 15): the probe's numbers are Keras' own (a GradientTape on
the real model) and leave the model as it was; the doctor's dead-ReLU, vanishing
and exploding findings fire on planted networks and stay silent on healthy runs;
their one-click fixes change the experiment as they say; the log stays bounded;
the figures show one panel (or line) per layer.
"""

import json
import os
import threading

import numpy as np
import pytest

from nncore.plots.health import dead_share_figure, gradient_size_figure, health_figure
from nncore.spec import default_spec, validate_spec
from nncore.train.compiled_loop import model_cache
from nncore.train.doctor import apply_fix
from nncore.train.doctor_fixes import changes_something
from nncore.train.health import (
    MAX_RECORDS,
    QUANTILES,
    HealthLog,
    HealthWatch,
    health_findings,
    probe,
    probe_rows,
)
from nncore.train.layer_doctor import layer_findings
from nncore.train.snapshots import Snapshots
from nncore.train.trainer import Trainer
from tests.support import prepared_for

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

RELU_8_8 = [{"type": "dense", "units": 8, "activation": "relu"}] * 2


def experiment(source="builtin:breast_cancer", layers=None, **sections) -> dict:
    """A validated spec: ``layers`` and any ``compile`` / ``train`` / ``data``
    fields over the default experiment; early stopping off (the runs are short)."""
    spec = default_spec()
    spec["data"]["source"] = source
    if layers is not None:
        spec["model"]["layers"] = layers
    for section, fields in sections.items():
        spec[section].update(fields)
    spec["train"]["early_stopping"]["enabled"] = False
    return validate_spec(spec)


class ProbeEveryEpoch(keras.callbacks.Callback):
    """Probes the network at the end of every epoch (the live view probes at its
    own pace; every epoch makes the tests exact)."""

    def __init__(self, watch: HealthWatch):
        super().__init__()
        self.watch = watch

    def on_epoch_end(self, epoch, logs=None):
        self.watch.record(self.model, epoch + 1, force=True)


def train(spec: dict, plant=None, prepared=None):
    """Train ``spec`` (after ``plant(model)``), probing every epoch.

    Returns:
        ``(trainer, watch)``.
    """
    prepared = prepared_for(spec) if prepared is None else prepared
    trainer = Trainer(spec, prepared)
    if plant is not None:
        plant(trainer.model)
    watch = HealthWatch(prepared)
    watch.record(trainer.model, 0, force=True)
    trainer.fit(spec["train"]["epochs"], [ProbeEveryEpoch(watch)])
    return trainer, watch


def dense(model) -> list:
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def kinds(findings) -> list[str]:
    return [finding.kind for finding in findings]


def labels(finding) -> list[str]:
    return [fix["label"] for fix in finding.fixes]


@pytest.fixture(scope="module")
def small_run():
    """A short run of a network with every layer type: relu, batch norm, dropout,
    tanh; probed after every epoch."""
    spec = experiment(
        layers=[
            {"type": "dense", "units": 16, "activation": "relu"},
            {"type": "batchnorm"},
            {"type": "dropout", "rate": 0.2},
            {"type": "dense", "units": 8, "activation": "tanh"},
        ],
        train={"epochs": 3},
    )
    prepared = prepared_for(spec)
    trainer, watch = train(spec, prepared=prepared)
    return spec, prepared, trainer, watch


# --- the probe ----------------------------------------------------------------------


def hand_gradients(model, x, y):
    """The loss and its gradients w.r.t. each dense kernel, by a GradientTape on
    the model itself in inference mode, with its compiled loss."""
    kernels = [layer.kernel for layer in dense(model)]
    with tf.GradientTape() as tape:
        predicted = model(x, training=False)
        loss = model.compute_loss(x, y, predicted, training=False)
    return float(loss), [g.numpy() for g in tape.gradient(loss, kernels)]


def test_probe_rows_are_a_fixed_sample_of_training_rows(small_run):
    _, prepared, _, _ = small_run
    x, y = probe_rows(prepared)
    again_x, again_y = probe_rows(prepared)
    assert len(x) == min(256, len(prepared.y_train))
    np.testing.assert_array_equal(x, again_x)
    np.testing.assert_array_equal(y, again_y)
    assert {tuple(row) for row in x} <= {tuple(row) for row in prepared.X_train}
    with pytest.raises(ValueError, match="Received: n=0"):
        probe_rows(prepared, n=0)


def test_probe_gradients_equal_a_hand_gradient_tape(small_run):
    _, prepared, trainer, _ = small_run
    model = trainer.model
    x, y = probe_rows(prepared)
    loss, gradients = hand_gradients(model, x, y)
    # The first probes of a model run eagerly, later ones traced: both are Keras'.
    for _ in range(2):
        results = [probe(model, x, y) for _ in range(21)]
        for result in (results[0], results[-1]):
            assert result["loss"] == pytest.approx(loss, rel=1e-5)
            for layer, gradient in zip(result["layers"], gradients, strict=True):
                expected = np.percentile(gradient.astype("float64"), QUANTILES)
                np.testing.assert_allclose(
                    layer["gradients"], expected, rtol=1e-4, atol=1e-9
                )
                norm = np.sqrt(np.sum(gradient.astype("float64") ** 2))
                assert layer["gradient_norm"] == pytest.approx(norm, rel=1e-4)
                assert layer["gradient_rms"] == pytest.approx(
                    norm / np.sqrt(gradient.size), rel=1e-4
                )


def test_a_second_model_of_the_network_gets_its_own_numbers(small_run):
    """Its probe reuses the first model's traced pass with its own weights."""
    spec, prepared, trainer, _ = small_run
    x, y = probe_rows(prepared)
    for _ in range(21):  # the first model's probe is traced by now
        probe(trainer.model, x, y)
    other = Trainer({**spec, "train": {**spec["train"], "seed": 7}}, prepared).model
    loss, gradients = hand_gradients(other, x, y)
    result = probe(other, x, y)
    assert model_cache(other)["health"]["functions"]  # the traced pass, reused
    assert result["loss"] == pytest.approx(loss, rel=1e-5)
    for layer, gradient in zip(result["layers"], gradients, strict=True):
        assert layer["gradient_norm"] == pytest.approx(
            np.sqrt(np.sum(gradient.astype("float64") ** 2)), rel=1e-4
        )


def test_a_network_that_trains_again_shares_one_traced_probe(small_run):
    """The first model of a network probes eagerly; the second traces its probe
    at its first one, and a third reuses that trace with its own weights."""
    from nncore.train import shared_traces

    spec, prepared, _, _ = small_run
    x, y = probe_rows(prepared)
    shared_traces.clear()

    def model(seed):
        train = {**spec["train"], "seed": seed}
        return Trainer({**spec, "train": train}, prepared).model

    first, second, third = model(1), model(2), model(3)
    probe(first, x, y)
    assert not model_cache(first)["health"]["functions"]  # eager
    probe(second, x, y)
    (traced,) = model_cache(second)["health"]["functions"].values()
    assert not isinstance(traced, shared_traces.Rebound)  # its own trace
    result = probe(third, x, y)
    (reused,) = model_cache(third)["health"]["functions"].values()
    assert isinstance(reused, shared_traces.Rebound)
    loss, gradients = hand_gradients(third, x, y)
    assert result["loss"] == pytest.approx(loss, rel=1e-5)
    for layer, gradient in zip(result["layers"], gradients, strict=True):
        assert layer["gradient_norm"] == pytest.approx(
            np.sqrt(np.sum(gradient.astype("float64") ** 2)), rel=1e-4
        )


def test_probe_weights_and_activations_are_the_layers_own(small_run):
    _, prepared, trainer, _ = small_run
    model = trainer.model
    x, y = probe_rows(prepared)
    result = probe(model, x, y)
    assert [layer["name"] for layer in result["layers"]] == [
        "Dense 1",
        "Dense 2",
        "Output",
    ]
    assert [layer["activation"] for layer in result["layers"]] == [
        "relu",
        "tanh",
        "sigmoid",
    ]
    first = dense(model)[0]
    kernel = first.kernel.numpy().astype("float64")
    np.testing.assert_allclose(
        result["layers"][0]["weights"], np.percentile(kernel, QUANTILES), rtol=1e-5
    )
    outputs = np.maximum(x @ first.kernel.numpy() + first.bias.numpy(), 0)
    np.testing.assert_allclose(
        result["layers"][0]["activations"],
        np.percentile(outputs.astype("float64"), QUANTILES),
        rtol=1e-4,
        atol=1e-6,
    )
    dead = int(np.sum(outputs.max(axis=0) <= 0))
    assert result["layers"][0]["dead"] == dead
    assert result["layers"][0]["dead_share"] == dead / 16
    # Only ReLU layers have dead neurons.
    assert result["layers"][1]["dead"] is None
    assert result["layers"][2]["dead_share"] is None
    assert json.loads(json.dumps(result)) == result


def test_probe_changes_nothing_in_the_model(small_run):
    _, prepared, trainer, _ = small_run
    model = trainer.model
    x, y = probe_rows(prepared)
    state = [v.numpy().copy() for v in (*model.variables, *model.optimizer.variables)]
    predicted = model.predict(x, verbose=0)
    for _ in range(25):  # eager, then traced
        probe(model, x, y)
    after = [v.numpy() for v in (*model.variables, *model.optimizer.variables)]
    for before, now in zip(state, after, strict=True):
        np.testing.assert_array_equal(before, now)
    np.testing.assert_array_equal(model.predict(x, verbose=0), predicted)


def test_a_network_the_probe_cannot_read_is_left_alone(small_run):
    _, prepared, _, _ = small_run
    inputs = keras.Input((prepared.n_features,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    with pytest.raises(ValueError, match="keras.Sequential"):
        probe(model, *probe_rows(prepared))
    watch = HealthWatch(prepared)
    assert not watch.record(model, 0, force=True)
    assert watch.unavailable.startswith("Layer health is not available: ")
    assert len(watch.log) == 0


# --- the doctor's findings --------------------------------------------------------


def test_dead_relu_fires_on_a_planted_layer_and_names_it():
    """Three quarters of the first layer's neurons get a bias of -10: their input
    is below 0 on every row, so they never switch on and never learn."""

    def plant(model):
        layer = dense(model)[0]
        bias = layer.bias.numpy()
        bias[:96] = -10.0
        layer.bias.assign(bias)

    spec = experiment(train={"epochs": 4})
    _, watch = train(spec, plant)
    (finding,) = health_findings(watch.log, spec)
    assert finding.kind == "dead_relu"
    layer = watch.log.records()[-1]["layers"][0]
    assert layer["dead"] >= 96
    share = f"{layer['dead_share'] * 100:.0f} %"
    assert finding.message.startswith(f"Dense 1: {share} of its neurons")
    assert f"({layer['dead']} of 128) never switch on (dead ReLU)" in finding.message
    assert f"works with {128 - layer['dead']} neurons instead of 128" in (
        finding.message
    )
    assert "learning rate" in finding.remedy and "leaky ReLU" in finding.remedy
    assert labels(finding) == [
        "Halve the learning rate",
        "Switch the ReLU layers to leaky ReLU",
        "Start the hidden layers from He initial weights",
    ]
    # Each fix does what its label says.
    fixed = [apply_fix(spec, fix) for fix in finding.fixes]
    assert fixed[0]["compile"]["learning_rate"] == spec["compile"]["learning_rate"] / 2
    assert [layer.get("activation") for layer in fixed[1]["model"]["layers"]] == [
        "leaky_relu",
        None,
        "leaky_relu",
    ]
    assert {
        layer["kernel_initializer"]
        for layer in fixed[2]["model"]["layers"]
        if layer["type"] == "dense"
    } == {"he_normal"}
    assert all(validate_spec(new) == new for new in fixed)


def test_a_whole_dead_layer_says_nothing_learns_through_it():
    def plant(model):
        layer = dense(model)[1]
        layer.bias.assign(np.full(layer.bias.shape, -10.0, "float32"))

    spec = experiment(train={"epochs": 3})
    _, watch = train(spec, plant)
    findings = health_findings(watch.log, spec)
    # No gradient passes a dead layer: that is the dead layer, not vanishing.
    assert kinds(findings) == ["dead_relu"]
    assert findings[0].message.startswith(
        "Dense 2: 100 % of its neurons (64 of 64) never switch on (dead ReLU), since "
        "epoch 1."
    )
    assert "the whole layer outputs 0" in findings[0].message


def test_vanishing_gradients_fire_on_a_deep_sigmoid_net_with_tiny_weights():
    def plant(model):
        for layer in dense(model):
            layer.kernel.assign(layer.kernel * 0.1)

    spec = experiment(
        layers=[{"type": "dense", "units": 32, "activation": "sigmoid"}] * 5,
        train={"epochs": 6},
    )
    _, watch = train(spec, plant)
    (finding,) = health_findings(watch.log, spec)
    assert finding.kind == "vanishing_gradients"
    assert finding.message.startswith("Vanishing gradients since epoch 1: the ")
    assert "first layer (Dense 1) are only" in finding.message
    last = watch.log.records()[-1]["layers"]
    ratio = last[0]["gradient_rms"] / last[-1]["gradient_rms"]
    assert ratio < 0.01
    assert labels(finding)[0] == "Switch the sigmoid and tanh hidden layers to ReLU"
    fixed = apply_fix(spec, finding.fixes[0])
    assert {layer["activation"] for layer in fixed["model"]["layers"]} == {"relu"}
    with_norm = apply_fix(spec, "add_batchnorm")["model"]["layers"]
    assert [layer["type"] for layer in with_norm] == ["dense", "batchnorm"] * 5


def test_exploding_gradients_fire_when_the_steps_are_too_large():
    """Gradient descent on the whole training set at once (one step per epoch), with
    a learning rate too large for a linear network on the diabetes target: every
    step overshoots further than the last."""
    spec = experiment(
        "builtin:diabetes",
        [{"type": "dense", "units": 8, "activation": "linear"}] * 2,
        compile={"optimizer": "sgd", "learning_rate": 0.001},
        train={"epochs": 10, "batch_size": 512},
    )
    _, watch = train(spec)
    (finding,) = health_findings(watch.log, spec)
    assert finding.kind == "exploding_gradients"
    assert finding.message.startswith(f"Exploding gradients from epoch {finding.epoch}")
    assert "times their size at the starting weights" in finding.message
    # The inputs are standardised already: the remedy says so, no such fix.
    assert "standardised already" in finding.remedy
    assert labels(finding) == [
        "Divide the learning rate by 10",
        "Add batch normalisation after each dense layer",
    ]
    assert apply_fix(spec, finding.fixes[0])["compile"]["learning_rate"] == 0.0001


def moons_csv(folder) -> str:
    """The W3 workload's data: scikit-learn's two moons, 1,000 rows, noise 0.2."""
    import pandas as pd
    from sklearn.datasets import make_moons

    X, y = make_moons(1000, noise=0.2, random_state=0)
    frame = pd.DataFrame(X, columns=["x0", "x1"]).assign(target=y)
    path = folder / "moons.csv"
    frame.to_csv(path, index=False)
    return str(path)


@pytest.mark.parametrize(
    "source, layers, train_fields",
    [
        ("builtin:breast_cancer", None, {"epochs": 20}),
        ("moons", RELU_8_8, {"epochs": 200, "batch_size": 10}),
        ("builtin:gaussian", RELU_8_8, {"epochs": 200, "batch_size": 10}),
    ],
    ids=["default network on breast cancer", "moons 8-8", "gaussian 8-8"],
)
def test_healthy_runs_get_no_finding_at_any_point(
    source, layers, train_fields, tmp_path
):
    if source == "moons":
        source = moons_csv(tmp_path)
    spec = experiment(source, layers, train=train_fields)
    _, watch = train(spec)
    records = watch.log.records()
    assert len(records) == min(train_fields["epochs"] + 1, MAX_RECORDS)
    for end in range(1, len(records) + 1):  # what the live view said at each epoch
        assert layer_findings(records[:end], spec) == []


# --- the new one-click fixes --------------------------------------------------------


def test_fixes_change_the_layers_they_name():
    spec = experiment(
        layers=[
            {"type": "dense", "units": 16, "activation": "sigmoid"},
            {"type": "dropout", "rate": 0.2},
            {"type": "dense", "units": 8, "activation": "relu"},
            {"type": "dense", "units": 4, "activation": "elu"},
        ]
    )
    layers = apply_fix(spec, "use_relu")["model"]["layers"]
    assert [layer.get("activation") for layer in layers] == [
        "relu",
        None,
        "relu",
        "elu",
    ]
    layers = apply_fix(spec, "leaky_relu")["model"]["layers"]
    assert [layer.get("activation") for layer in layers] == [
        "sigmoid",
        None,
        "leaky_relu",
        "elu",
    ]
    layers = apply_fix(spec, "add_batchnorm")["model"]["layers"]
    assert [layer["type"] for layer in layers] == [
        "dense",
        "batchnorm",
        "dropout",
        "dense",
        "batchnorm",
        "dense",
        "batchnorm",
    ]
    assert apply_fix(spec, "he_initial_weights") != spec
    # Applied once, a fix is in place: the doctor does not offer it again.
    for name in ("use_relu", "leaky_relu", "add_batchnorm", "he_initial_weights"):
        assert not changes_something(apply_fix(spec, name), name)
    assert spec["model"]["layers"][0]["activation"] == "sigmoid"  # a copy changed


def test_batch_normalisation_keeps_within_the_layer_limit():
    spec = experiment(
        layers=[{"type": "dense", "units": 8}, {"type": "dropout", "rate": 0.1}] * 9
    )
    layers = apply_fix(spec, "add_batchnorm")["model"]["layers"]
    assert len(layers) == 20
    assert validate_spec({**spec, "model": {**spec["model"], "layers": layers}})


# --- the log ------------------------------------------------------------------------


def record(loss: float) -> dict:
    return {"loss": loss, "rows": 1, "layers": [{"name": "Output"}]}


def test_the_log_thins_evenly_and_keeps_the_first_and_last_epochs():
    log = HealthLog()
    for epoch in range(1000):
        log.add(epoch, record(float(epoch)))
    epochs = log.epochs()
    assert len(log) == MAX_RECORDS
    assert epochs[0] == 0 and epochs[-1] == 999
    gaps = np.diff(epochs)
    even = 999 / (MAX_RECORDS - 1)
    assert gaps.max() <= 2 * even and gaps.min() >= even / 2
    assert [r["loss"] for r in log.records()] == [float(e) for e in epochs]


def test_the_log_takes_probes_from_several_threads():
    log = HealthLog(max_records=50)

    def add(start):
        for epoch in range(start, 400, 4):
            log.add(epoch, record(1.0))

    threads = [threading.Thread(target=add, args=(start,)) for start in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    epochs = log.epochs()
    assert len(epochs) == 50 and epochs == sorted(set(epochs))
    assert epochs[0] == 0 and epochs[-1] == 399


def test_the_log_round_trips_through_json_and_replaces_an_epoch(small_run):
    _, _, _, watch = small_run
    plain = json.loads(json.dumps(watch.log.to_plain()))
    again = HealthLog.from_plain(plain)
    assert again.records() == watch.log.records()
    assert health_findings(plain) == health_findings(watch.log)
    again.add(2, record(0.5))
    assert again.epochs() == watch.log.epochs()
    assert again.records()[2]["loss"] == 0.5


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: HealthLog().add(-1, record(1.0)), "Expected 0"),
        (lambda: HealthLog().add(1, {"loss": 1.0}), "what probe\\(\\) returns"),
        (lambda: HealthLog.from_plain({"rows": []}), "'records' list"),
        (lambda: HealthLog(max_records=2), "at least 3"),
        (lambda: health_figure({"records": []}, "biases"), "'what' argument"),
    ],
    ids=["negative epoch", "not a probe", "not a log", "too small", "unknown what"],
)
def test_wrong_input_gets_a_clear_message(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_the_watch_probes_at_most_a_small_share_of_the_time(small_run):
    _, prepared, trainer, _ = small_run
    watch = HealthWatch(prepared)
    assert watch.record(trainer.model, 1)
    assert not watch.record(trainer.model, 2)  # at once again: too soon
    assert watch.record(trainer.model, 2, force=True)
    assert watch.log.epochs() == [1, 2]
    with pytest.raises(ValueError, match="share=0"):
        HealthWatch(prepared, share=0)


def test_the_starting_probe_does_not_hold_the_next_one_back(small_run):
    """A model's first probe pays for a first call, or for tracing the probe of a
    network trained before (a tenth of a second or more): at a 5 % share, that
    held the next probe back for seconds, past the end of most short trainings."""
    _, prepared, trainer, _ = small_run
    watch = HealthWatch(prepared)
    assert watch.record(trainer.model, 0, force=True)
    assert watch.record(trainer.model, 1)
    assert not watch.record(trainer.model, 2)  # this one's time does count
    assert watch.log.epochs() == [0, 1]
    with pytest.raises(ValueError, match="share=0"):
        HealthWatch(prepared, share=0)


# --- the end of a training ---------------------------------------------------------


def same_probe(mine: dict, theirs: dict) -> None:
    for layer, other in zip(mine["layers"], theirs["layers"], strict=True):
        assert layer["name"] == other["name"]
        assert layer["dead"] == other["dead"]
        for what in ("weights", "gradients", "activations"):
            assert layer[what] == pytest.approx(other[what], rel=1e-4, abs=1e-6)


class KeepEveryEpoch(keras.callbacks.Callback):
    """Keeps the weights after every epoch, as the live view's snapshots do."""

    def __init__(self, snapshots: Snapshots):
        super().__init__()
        self.snapshots = snapshots

    def on_epoch_end(self, epoch, logs=None):
        self.snapshots.add(epoch + 1, self.model.get_weights())


def test_fill_in_probes_the_snapshots_widest_gap_first_and_restores_the_model():
    spec = experiment(layers=RELU_8_8, train={"epochs": 8})
    prepared = prepared_for(spec)
    trainer = Trainer(spec, prepared)
    snapshots = Snapshots()
    snapshots.add(0, trainer.model.get_weights())
    every, watch = HealthWatch(prepared), HealthWatch(prepared)
    every.record(trainer.model, 0, force=True)
    watch.record(trainer.model, 0, force=True)  # as the live view: start and end
    trainer.fit(8, [KeepEveryEpoch(snapshots), ProbeEveryEpoch(every)])
    trained = trainer.model.get_weights()
    watch.record(trainer.model, 8, force=True)

    # One probe whatever the budget, in the widest gap: 4, then 2, then 6.
    order = []
    for _ in range(3):
        before = set(watch.log.epochs())
        assert watch.fill_in(trainer.model, snapshots.view(), after=0, budget=0) == 1
        order += sorted(set(watch.log.epochs()) - before)
    assert order == [4, 2, 6]
    # More while the budget lasts.
    assert watch.fill_in(trainer.model, snapshots.view(), after=0, budget=60) == 4
    assert watch.log.epochs() == list(range(9))
    # Each probe is that epoch's network, as probing it after that epoch gives.
    for mine, theirs in zip(watch.log.records(), every.log.records(), strict=True):
        same_probe(mine, theirs)
    # The model is the trained one again.
    for now, then in zip(trainer.model.get_weights(), trained, strict=True):
        np.testing.assert_array_equal(now, then)
    # Only epochs after where this training started (a continued run).
    watch = HealthWatch(prepared)
    assert watch.fill_in(trainer.model, snapshots.view(), after=8, budget=60) == 0
    assert watch.fill_in(trainer.model, snapshots.view(), after=6, budget=60) == 2
    assert watch.log.epochs() == [7, 8]


def test_a_finished_job_keeps_the_health_of_the_network_it_scored(manager):
    """A short training is over before the live view probes more than once or
    twice: its end probes the network it keeps, so the layers' health runs from
    the start to the network the job scored."""
    spec = experiment(source="builtin:iris", train={"epochs": 40, "save_best": True})
    prepared = prepared_for(spec)
    view = manager.wait(manager.submit(spec, prepared, owner="a"), timeout=120)
    assert view.status == "finished"
    epochs = view.health.epochs()
    assert epochs[0] == 0 and view.scored_epoch in epochs
    # The probe of the scored epoch is of the network the job kept.
    kept = Trainer(spec, prepared).model
    kept.set_weights(view.snapshots.at(view.scored_epoch))
    scored = view.health.records()[epochs.index(view.scored_epoch)]
    same_probe(scored, probe(kept, *probe_rows(prepared)))


def test_the_doctor_keeps_its_layer_findings_when_training_ends(manager):
    """Adam at a learning rate of 0.5 leaves most of the second ReLU layer dead
    (36 of 64 neurons on iris from epoch 120 or so, 42 at epoch 300). The live
    view said so while training; the finished job's doctor says so too. The
    doctor needs two probes after the start: the end probes the network kept
    and one snapshot in the widest gap, whatever the live view managed."""
    spec = experiment(
        source="builtin:iris",
        compile={"learning_rate": 0.5},
        train={"epochs": 300, "save_best": False},  # kept: epoch 300's network
    )
    prepared = prepared_for(spec)
    view = manager.wait(manager.submit(spec, prepared, owner="a"), timeout=120)
    assert view.status == "finished"
    assert "dead_relu" in kinds(view.findings)
    (dead,) = [f for f in view.findings if f.kind == "dead_relu"]
    assert dead.message.startswith("Dense 2: ")
    assert dead.message == health_findings(view.health, spec)[0].message


# --- the figures --------------------------------------------------------------------


@pytest.mark.parametrize("what", ["weights", "gradients", "activations"])
def test_health_figure_has_one_panel_with_bands_per_layer(small_run, what):
    _, _, _, watch = small_run
    figure = health_figure(watch.log.to_plain(), what, epoch=2)
    titles = [note.text for note in figure.layout.annotations]
    assert titles == [
        "Dense 1 · relu · 16 neurons",
        "Dense 2 · tanh · 8 neurons",
        "Output · sigmoid · 1 neuron",
    ]
    bands = [trace for trace in figure.data if trace.fill == "tonexty"]
    medians = [trace for trace in figure.data if trace.name == "median"]
    assert len(bands) == 2 * 3 and len(medians) == 3
    assert {trace.xaxis for trace in medians} == {"x", "x2", "x3"}
    assert list(medians[0].x) == watch.log.epochs()
    expected = [r["layers"][0][what][2] for r in watch.log.records()]
    assert list(medians[0].y) == pytest.approx(expected)
    assert [shape.x0 for shape in figure.layout.shapes] == [2, 2, 2]
    assert "epoch 2" in figure.layout.title.text


def test_dead_share_and_gradient_size_figures_have_one_line_per_layer(small_run):
    _, _, _, watch = small_run
    dead = dead_share_figure(watch.log)
    assert [trace.name for trace in dead.data] == ["Dense 1"]  # the ReLU layer
    sizes = gradient_size_figure(watch.log.to_plain(), epoch=1)
    assert [trace.name for trace in sizes.data] == ["Dense 1", "Dense 2", "Output"]
    assert sizes.layout.yaxis.type == "log"
    empty = health_figure({"records": []})
    assert "appears once training starts" in empty.layout.annotations[0].text
    tanh_only = {
        "records": [
            {**r, "layers": r["layers"][1:]} for r in watch.log.to_plain()["records"]
        ]
    }
    assert "No ReLU layer" in dead_share_figure(tanh_only).layout.annotations[0].text
