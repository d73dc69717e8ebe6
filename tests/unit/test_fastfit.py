"""fit_fast against Keras' own model.fit on tiny data: the same logs, the same
training, the stock callbacks, the stop flag from another thread, continuing,
chunking, compiled_predict, and that importing the module does not load TensorFlow.
"""

import math
import os
import threading
import time

import numpy as np
import pytest

from nncore.train.fastfit import StopFlag, compiled_predict, fit_fast
from tests.isolation import heavy_modules_after

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

keras = pytest.importorskip("keras")


def make_data(task="binary", n=200, n_features=4, seed=0, noise=0.0):
    """Training and validation rows (75/25) for a task, easy unless ``noise``."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, n_features)).astype("float32")
    signal = x[:, 0] + 0.5 * x[:, 1] + noise * rng.normal(size=n)
    if task == "binary":
        y = (signal > 0).astype("int64")
    elif task == "multiclass":
        y = np.digitize(signal, [-0.5, 0.5]).astype("int64")
    else:
        y = (2.0 * signal + 1.0).astype("float32")
    cut = 3 * n // 4
    return x[:cut], y[:cut], x[cut:], y[cut:]


def make_model(
    task="binary",
    n_features=4,
    units=8,
    optimizer="adam",
    learning_rate=0.01,
    loss=None,
    metrics=None,
    extras=False,
    seed=1,
):
    """A small compiled MLP; ``extras`` adds L2, Dropout and BatchNormalization."""
    keras.utils.set_random_seed(seed)
    outputs = {"binary": (1, "sigmoid"), "multiclass": (3, "softmax")}
    units_out, activation = outputs.get(task, (1, None))
    layers = [keras.Input((n_features,))]
    if extras:
        layers += [
            keras.layers.Dense(units, activation="relu", kernel_regularizer="l2"),
            keras.layers.Dropout(0.2),
            keras.layers.BatchNormalization(),
        ]
    else:
        layers += [keras.layers.Dense(units, activation="relu")]
    layers += [keras.layers.Dense(units_out, activation=activation)]
    model = keras.Sequential(layers)
    default_loss = {
        "binary": "binary_crossentropy",
        "multiclass": "sparse_categorical_crossentropy",
    }.get(task, "mse")
    optimizers = {
        "adam": lambda: keras.optimizers.Adam(learning_rate),
        "sgd": lambda: keras.optimizers.SGD(learning_rate, momentum=0.9),
        "nesterov": lambda: keras.optimizers.SGD(
            learning_rate, momentum=0.9, nesterov=True
        ),
        "rmsprop": lambda: keras.optimizers.RMSprop(learning_rate),
    }
    model.compile(
        optimizer=optimizers[optimizer](),
        loss=loss or default_loss,
        metrics=metrics if metrics is not None else default_metrics(task),
    )
    return model


def default_metrics(task):
    if task == "binary":
        return [keras.metrics.BinaryAccuracy(name="accuracy")]
    if task == "multiclass":
        return [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]
    return [keras.metrics.RootMeanSquaredError(name="rmse")]


def weights_sum(model):
    return float(sum(np.sum(w) for w in model.get_weights()))


class EpochRecorder(keras.callbacks.Callback):
    """Records each epoch hook: (hook, epoch, logs, sum of the first kernel)."""

    def __init__(self, chunk_safe=False):
        super().__init__()
        self.chunk_safe = chunk_safe
        self.events = []

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(("begin", epoch, None, None))

    def on_epoch_end(self, epoch, logs=None):
        kernel = float(self.model.get_weights()[0].sum())
        self.events.append(("end", epoch, dict(logs), kernel))

    def ends(self):
        return [event for event in self.events if event[0] == "end"]


# --- the same logs and the same training as model.fit ---------------------------

# (task, loss, optimizer, units, extras, metrics). Small layers are updated with
# TensorFlow's fused optimiser kernels, 300 units with the op-for-op copy of
# Keras' update, RMSprop with Keras' own.
CASES = {
    "binary": ("binary", None, "adam", 8, True, lambda: [
        keras.metrics.BinaryAccuracy(name="accuracy"),
        keras.metrics.AUC(name="auc"),
        keras.metrics.Precision(name="precision"),
        keras.metrics.Recall(name="recall"),
    ]),
    "multiclass": ("multiclass", None, "sgd", 300, False, lambda: [
        keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
    ]),
    "regression-mse": ("regression", "mse", "rmsprop", 8, False, lambda: [
        keras.metrics.RootMeanSquaredError(name="rmse"),
        keras.metrics.MeanAbsoluteError(name="mae"),
    ]),
    "regression-mae": ("regression", "mae", "adam", 300, False, lambda: [
        keras.metrics.RootMeanSquaredError(name="rmse"),
    ]),
    "regression-huber": ("regression", "huber", "nesterov", 8, True, lambda: [
        keras.metrics.MeanAbsoluteError(name="mae"),
    ]),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_unshuffled_history_and_weights_equal_model_fit(case):
    # Without shuffling both see the same batches in the same order, so the logs
    # and the weights must agree to float rounding (validation is summed over
    # other batch sizes), with Dropout, BatchNorm and L2 in some cases.
    task, loss, optimizer, units, extras, metrics = CASES[case]
    x, y, x_val, y_val = make_data(task, n=203)  # 203 rows: a smaller last batch
    settings = dict(
        task=task, loss=loss, optimizer=optimizer, extras=extras, units=units
    )
    reference = make_model(**settings, metrics=metrics())
    expected = reference.fit(
        x,
        y,
        validation_data=(x_val, y_val),
        epochs=3,
        batch_size=16,
        shuffle=False,
        verbose=0,
    ).history
    model = make_model(**settings, metrics=metrics())
    history = fit_fast(
        model, x, y, (x_val, y_val), epochs=3, batch_size=16, shuffle=False
    )
    assert list(history) == list(expected)
    for name, values in history.items():
        assert all(type(value) is float for value in values)
        np.testing.assert_allclose(values, expected[name], rtol=1e-4, atol=1e-5)
    for ours, theirs in zip(model.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    assert int(model.optimizer.iterations) == int(reference.optimizer.iterations)


# (task, optimizer, units, extras, class weights). Keras weighs each row's loss
# and training metrics by its class's weight and leaves validation unweighted.
WEIGHTED = {
    "binary": ("binary", "adam", 8, True, {0: 0.6, 1: 2.5}),
    "multiclass": ("multiclass", "sgd", 300, False, {0: 1.5, 1: 0.5, 2: 3.0}),
    "keras-update": ("binary", "rmsprop", 8, False, {0: 0.2}),  # class 1: 1
}


@pytest.mark.parametrize("case", list(WEIGHTED), ids=list(WEIGHTED))
def test_class_weights_give_model_fits_history_and_weights(case):
    task, optimizer, units, extras, class_weight = WEIGHTED[case]
    x, y, x_val, y_val = make_data(task, n=203)
    settings = dict(task=task, optimizer=optimizer, extras=extras, units=units)
    metrics = CASES[task][5]
    reference = make_model(**settings, metrics=metrics())
    expected = reference.fit(
        x, y, validation_data=(x_val, y_val), epochs=3, batch_size=16,
        shuffle=False, verbose=0, class_weight=class_weight,
    ).history  # fmt: skip
    model = make_model(**settings, metrics=metrics())
    history = fit_fast(
        model, x, y, (x_val, y_val), epochs=3, batch_size=16, shuffle=False,
        class_weight=class_weight,
    )  # fmt: skip
    assert list(history) == list(expected)
    for name, values in history.items():
        np.testing.assert_allclose(values, expected[name], rtol=1e-4, atol=1e-5)
    for ours, theirs in zip(model.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    # The weights changed the training: without them the loss is another.
    plain = fit_fast(
        make_model(**settings, metrics=metrics()), x, y, (x_val, y_val), epochs=1,
        batch_size=16, shuffle=False,
    )  # fmt: skip
    assert abs(plain["loss"][0] - history["loss"][0]) > 1e-3


def test_class_weights_must_map_classes_to_numbers():
    x, y, x_val, y_val = make_data("binary", n=40)
    with pytest.raises(ValueError, match="Expected a dict of class index"):
        fit_fast(
            make_model(), x, y, (x_val, y_val), epochs=1, batch_size=8,
            class_weight={"yes": 2.0},
        )  # fmt: skip


def test_shuffled_training_reaches_model_fit_accuracy():
    x, y, x_val, y_val = make_data("binary", n=320, noise=0.3)
    expected = make_model().fit(
        x, y, validation_data=(x_val, y_val), epochs=6, batch_size=32, verbose=0
    )
    history = fit_fast(make_model(), x, y, (x_val, y_val), epochs=6, batch_size=32)
    assert len(history["val_accuracy"]) == 6
    assert history["val_accuracy"][-1] > 0.85
    assert (
        abs(history["val_accuracy"][-1] - expected.history["val_accuracy"][-1]) < 0.05
    )


def test_same_seed_gives_the_same_history_and_another_seed_does_not():
    x, y, x_val, y_val = make_data("binary")
    runs = [
        fit_fast(
            make_model(extras=True), x, y, (x_val, y_val), epochs=2, batch_size=32,
            seed=seed,
        )
        for seed in (7, 7, 8)
    ]  # fmt: skip
    assert runs[0] == runs[1]
    assert runs[0]["loss"] != runs[2]["loss"]


# --- stock callbacks ---------------------------------------------------------------


def test_early_stopping_stops_and_restores_the_best_weights():
    # Pure-noise labels: the validation loss soon rises, so training stops early.
    x, y, x_val, y_val = make_data("binary", n=160, noise=50.0, seed=3)
    model = make_model(units=64, learning_rate=0.05)
    stopping = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=2, restore_best_weights=True
    )
    history = fit_fast(
        model, x, y, (x_val, y_val), epochs=60, batch_size=8, callbacks=[stopping]
    )
    assert 3 <= len(history["val_loss"]) < 60
    assert stopping.stopped_epoch > 0
    assert model.stop_training
    val_loss = model.evaluate(x_val, y_val, verbose=0, return_dict=True)["loss"]
    assert val_loss == pytest.approx(min(history["val_loss"]), abs=1e-5)


def test_model_checkpoint_saves_the_best_epoch_as_a_loadable_file(tmp_path):
    x, y, x_val, y_val = make_data("binary", n=160, noise=50.0, seed=3)
    path = tmp_path / "best.keras"
    checkpoint = keras.callbacks.ModelCheckpoint(
        str(path), monitor="val_loss", save_best_only=True
    )
    model = make_model(units=64, learning_rate=0.05)
    history = fit_fast(
        model, x, y, (x_val, y_val), epochs=8, batch_size=8, callbacks=[checkpoint]
    )
    loaded = keras.models.load_model(path)
    val_loss = loaded.evaluate(x_val, y_val, verbose=0, return_dict=True)["loss"]
    assert val_loss == pytest.approx(min(history["val_loss"]), abs=1e-5)


def test_reduce_lr_on_plateau_lowers_the_learning_rate_and_logs_it_like_fit():
    x, y, x_val, y_val = make_data("binary")

    def reduce():
        # min_delta so large that no epoch counts as an improvement.
        return keras.callbacks.ReduceLROnPlateau(
            monitor="val_loss", factor=0.5, patience=1, min_delta=100.0
        )

    reference = make_model()
    expected = reference.fit(
        x, y, validation_data=(x_val, y_val), epochs=4, batch_size=16, verbose=0,
        callbacks=[reduce()],
    ).history  # fmt: skip
    model = make_model()
    history = fit_fast(
        model, x, y, (x_val, y_val), epochs=4, batch_size=16, callbacks=[reduce()]
    )
    assert list(history) == list(expected)
    assert history["learning_rate"] == expected["learning_rate"]
    learning_rate = float(model.optimizer.learning_rate)
    assert learning_rate == float(reference.optimizer.learning_rate) < 0.01


def test_terminate_on_nan_stops_in_the_epoch_where_the_loss_became_nan():
    x, y, x_val, y_val = make_data("binary")
    x[5, 0] = np.inf  # model.fit stops in the first epoch too
    model = make_model()
    history = fit_fast(
        model, x, y, (x_val, y_val), epochs=5, batch_size=16,
        callbacks=[keras.callbacks.TerminateOnNaN()],
    )  # fmt: skip
    assert len(history["loss"]) == 1
    assert math.isnan(history["loss"][0])
    assert model.stop_training


# --- the stop flag ---------------------------------------------------------------


def test_stop_flag_set_from_another_thread_stops_the_run_early():
    # Where the stop lands depends on thread scheduling (a loaded machine can train
    # many batches between reading the progress and pressing Stop), so this checks
    # what the user sees: training ended early, the history holds the
    # whole epochs only, and the partial epoch's updates are kept.
    epochs = 50
    x, y, x_val, y_val = make_data("binary", n=8000)
    model = make_model(units=64)
    before = weights_sum(model)
    flag = StopFlag()
    result = {}

    def train():
        result["history"] = fit_fast(
            model, x, y, (x_val, y_val), epochs=epochs, batch_size=2, stop_flag=flag
        )

    def position():
        return flag.epoch * flag.batches_per_epoch + flag.batch

    worker = threading.Thread(target=train, daemon=True)
    worker.start()
    deadline = time.monotonic() + 60
    while position() < 20 and worker.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    pressed_at = position()
    flag.set()
    worker.join(60)
    assert not worker.is_alive()
    history = result["history"]
    assert flag.batches_per_epoch == 3000
    assert 20 <= pressed_at <= position() < epochs * flag.batches_per_epoch
    assert model.stop_training
    # One entry per completed epoch; an epoch cut short by Stop is not one.
    completed = flag.epoch + (flag.batch == flag.batches_per_epoch)
    assert completed < epochs
    assert set(history) == {"accuracy", "loss", "val_accuracy", "val_loss"}
    assert all(len(values) == completed for values in history.values())
    assert all(math.isfinite(v) for values in history.values() for v in values)
    assert weights_sum(model) != before  # the partial epoch's updates are kept


def test_a_set_stop_flag_trains_nothing_and_clear_lets_it_train():
    x, y, x_val, y_val = make_data("binary")
    model = make_model()
    before = weights_sum(model)
    flag = StopFlag()
    flag.set()
    history = fit_fast(model, x, y, (x_val, y_val), epochs=3, batch_size=16,
                       stop_flag=flag)  # fmt: skip
    assert history == {"accuracy": [], "loss": [], "val_accuracy": [], "val_loss": []}
    assert weights_sum(model) == before
    flag.clear()
    history = fit_fast(model, x, y, (x_val, y_val), epochs=3, batch_size=16,
                       stop_flag=flag)  # fmt: skip
    assert len(history["loss"]) == 3
    assert (flag.epoch, flag.batch, flag.batches_per_epoch) == (2, 10, 10)


# --- continuing, chunking, callbacks that need the weights -------------------------


def test_continuing_with_initial_epoch_equals_one_longer_run():
    # Epoch e is shuffled the same way in any call, and the optimiser state is
    # kept, so 2 + 2 epochs train exactly like 4.
    x, y, x_val, y_val = make_data("binary")
    whole = EpochRecorder()
    one_run = fit_fast(
        make_model(), x, y, (x_val, y_val), epochs=4, batch_size=16, callbacks=[whole]
    )
    parts = EpochRecorder()
    model = make_model()
    first = fit_fast(
        model, x, y, (x_val, y_val), epochs=2, batch_size=16, callbacks=[parts]
    )
    second = fit_fast(
        model, x, y, (x_val, y_val), epochs=4, batch_size=16, initial_epoch=2,
        callbacks=[parts],
    )  # fmt: skip
    assert len(first["loss"]) == len(second["loss"]) == 2
    assert first["loss"] + second["loss"] == pytest.approx(one_run["loss"], abs=1e-6)
    assert [e[1] for e in parts.ends()] == [0, 1, 2, 3]
    assert int(model.optimizer.iterations) == 40


def test_a_callback_that_is_not_chunk_safe_sees_the_weights_of_each_epoch():
    x, y, x_val, y_val = make_data("binary")
    recorder = EpochRecorder()
    model = make_model()
    fit_fast(
        model, x, y, (x_val, y_val), epochs=4, batch_size=16, callbacks=[recorder],
        max_chunk_seconds=60,
    )  # fmt: skip
    kernels = [kernel for *_, kernel in recorder.ends()]
    assert len(set(kernels)) == 4
    assert kernels[-1] == float(model.get_weights()[0].sum())
    # Training the first two epochs alone ends with the weights seen at epoch 1.
    short = make_model()
    fit_fast(short, x, y, (x_val, y_val), epochs=2, batch_size=16)
    assert float(short.get_weights()[0].sum()) == pytest.approx(kernels[1], abs=1e-6)
    assert [e[:2] for e in recorder.events[:4]] == [
        ("begin", 0), ("end", 0), ("begin", 1), ("end", 1)
    ]  # fmt: skip


def test_chunk_safe_callbacks_get_each_epoch_replayed_with_its_logs():
    x, y, x_val, y_val = make_data("binary")
    per_epoch = fit_fast(
        make_model(), x, y, (x_val, y_val), epochs=12, batch_size=16,
        callbacks=[EpochRecorder()],
    )  # fmt: skip
    recorder = EpochRecorder(chunk_safe=True)
    history = fit_fast(
        make_model(), x, y, (x_val, y_val), epochs=12, batch_size=16,
        callbacks=[recorder], max_chunk_seconds=60,
    )  # fmt: skip
    assert history == per_epoch  # chunking does not change the training
    assert [e[:2] for e in recorder.events] == [
        (hook, epoch) for epoch in range(12) for hook in ("begin", "end")
    ]
    for index, (_, _, logs, _) in enumerate(recorder.ends()):
        assert logs == {name: values[index] for name, values in history.items()}
    # Replayed after the chunk: fewer distinct weights than epochs.
    assert len({kernel for *_, kernel in recorder.ends()}) < 12


def test_batch_hooks_get_one_call_per_epoch_with_the_last_batch():
    class BatchCounter(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.calls = []

        def on_train_batch_end(self, batch, logs=None):
            self.calls.append((batch, sorted(logs)))

    x, y, x_val, y_val = make_data("binary")
    counter = BatchCounter()
    fit_fast(make_model(), x, y, (x_val, y_val), epochs=3, batch_size=16,
             callbacks=[counter])  # fmt: skip
    assert counter.calls == [(9, ["accuracy", "loss"])] * 3


# --- compiled_predict, errors, imports ----------------------------------------------


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_compiled_predict_equals_model_predict(task):
    model = make_model(task, extras=True)
    grid = np.random.default_rng(0).normal(size=(2500, 4)).astype("float32")
    expected = model.predict(grid, verbose=0)
    np.testing.assert_allclose(compiled_predict(model, grid), expected, atol=1e-5)
    small = compiled_predict(model, grid, batch_size=1000)  # several calls
    np.testing.assert_allclose(small, expected, atol=1e-5)
    assert compiled_predict(model, grid[:1]).shape == expected[:1].shape


def test_a_model_with_a_tf_function_inside_trains_without_hanging():
    import tensorflow as tf

    class Double(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.double = tf.function(lambda inputs: inputs * 2.0)

        def call(self, inputs):
            return self.double(inputs)

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((4,)), Double(), keras.layers.Dense(1, activation="sigmoid")]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy")
    x, y, x_val, y_val = make_data("binary")
    result = {}

    def train():
        result["history"] = fit_fast(
            model, x, y, (x_val, y_val), epochs=2, batch_size=16
        )

    worker = threading.Thread(target=train, daemon=True)
    worker.start()
    worker.join(60)
    assert not worker.is_alive()
    assert len(result["history"]["loss"]) == 2


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"epochs": 3, "batch_size": 0}, "batch_size=0. Expected a positive"),
        ({"epochs": -1, "batch_size": 8}, "epochs=-1. Expected a non-negative"),
        ({"epochs": 2.5, "batch_size": 8}, "epochs=2.5. Expected an integer"),
        ({"epochs": 3, "batch_size": 8, "max_chunk_seconds": 0}, "max_chunk_seconds"),
    ],
    ids=["batch-size", "epochs", "float-epochs", "chunk-seconds"],
)
def test_invalid_options_are_refused(options, match):
    x, y, x_val, y_val = make_data("binary", n=40)
    with pytest.raises(ValueError, match=match):
        fit_fast(make_model(), x, y, (x_val, y_val), **options)


def test_invalid_data_and_uncompiled_models_are_refused():
    x, y, x_val, y_val = make_data("binary", n=40)
    with pytest.raises(ValueError, match="Expected one target per row"):
        fit_fast(make_model(), x, y[:-1], (x_val, y_val), epochs=1, batch_size=8)
    with pytest.raises(ValueError, match="Expected a pair"):
        fit_fast(make_model(), x, y, x_val, epochs=1, batch_size=8)
    uncompiled = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="not compiled"):
        fit_fast(uncompiled, x, y, (x_val, y_val), epochs=1, batch_size=8)


def test_importing_fastfit_and_making_a_stop_flag_do_not_load_tensorflow():
    code = (
        "import nncore.train.fastfit as f\n"
        "flag = f.StopFlag(); flag.set(); flag.clear()\n"
        "assert (flag.epoch, flag.batch, flag.is_set()) == (0, 0, False)\n"
    )
    assert heavy_modules_after(code) == []
