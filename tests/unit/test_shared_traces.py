"""A second training of the same network reuses the first one's traced loop, with
its own weights: the same numbers as tracing it again, nothing shared between
different networks, and jobs side by side never hang in TensorFlow's executor."""

import numpy as np
import pytest

from nncore.train import shared_traces
from nncore.train.compiled_loop import model_cache
from nncore.train.fastfit import compiled_predict, fit_fast
from tests.unit.test_fastfit import make_data, make_model

keras = pytest.importorskip("keras")


def train(model, data, epochs=4, **options):
    x, y, x_val, y_val = data
    return fit_fast(
        model, x, y, (x_val, y_val), epochs=epochs, batch_size=16, **options
    )


def loops(model) -> list:
    return [f for key, f in model_cache(model)["functions"].items() if key[0] == "fit"]


def weights(model) -> list:
    return [np.asarray(w) for w in model.get_weights()]


@pytest.mark.parametrize("extras", [False, True], ids=["mlp", "dropout+batchnorm+l2"])
def test_a_second_model_of_a_network_trains_on_the_first_ones_loop_to_the_bit(extras):
    data = make_data("multiclass", seed=3)
    early = keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True)
    shared_traces.clear()
    own = make_model("multiclass", extras=extras, seed=5)
    expected = train(own, data, epochs=6, callbacks=[early])
    assert not isinstance(loops(own)[0].function, shared_traces.Rebound)
    # Another model of the network, other first weights: it reuses the loop.
    first = make_model("multiclass", extras=extras, seed=11)
    train(first, data, epochs=6, callbacks=[early])
    assert isinstance(loops(first)[0].function, shared_traces.Rebound)
    before = weights(first)
    again = make_model("multiclass", extras=extras, seed=5)
    history = train(again, data, epochs=6, callbacks=[early])
    assert isinstance(loops(again)[0].function, shared_traces.Rebound)
    assert history == expected
    assert all(
        np.array_equal(a, b) for a, b in zip(weights(again), weights(own), strict=True)
    )
    # Each model's loop reads and writes its own weights only.
    assert all(
        np.array_equal(a, b) for a, b in zip(weights(first), before, strict=True)
    )
    x_val = data[2]
    assert np.array_equal(compiled_predict(again, x_val), compiled_predict(own, x_val))


def test_other_networks_and_settings_trace_their_own_loop():
    data = make_data("binary", seed=4)
    shared_traces.clear()
    train(make_model("binary", units=8), data)
    for other in (
        make_model("binary", units=6),  # another layer width
        make_model("binary", units=8, learning_rate=0.1),  # another optimiser
        make_model("binary", units=8, optimizer="sgd"),
    ):
        train(other, data)
        assert not isinstance(loops(other)[0].function, shared_traces.Rebound)
    # Another batch size is another loop as well.
    model = make_model("binary", units=8)
    x, y, x_val, y_val = data
    fit_fast(model, x, y, (x_val, y_val), epochs=2, batch_size=7)
    assert not isinstance(loops(model)[0].function, shared_traces.Rebound)


def test_a_subclassed_model_is_never_shared():
    class Custom(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1, activation="sigmoid")

        def call(self, inputs):
            return self.dense(inputs)

    data = make_data("binary", seed=6)
    shared_traces.clear()
    for _ in range(2):
        model = Custom()
        model.compile(optimizer="adam", loss="binary_crossentropy")
        train(model, data)
        assert not isinstance(loops(model)[0].function, shared_traces.Rebound)
    assert shared_traces.shared_count() == 0
