"""An image network inside (issue 14): the NumPy forward pass of a weight snapshot
equals Keras's layer by layer, for every image layer, and the filters and feature
maps are drawn from it."""

from __future__ import annotations

import numpy as np
import pytest

from nncore.inside.convolution import (
    dense_only,
    feature_maps,
    first_filters,
    forward,
    is_convolutional,
    unpack,
)
from nncore.plots.filters import feature_maps_figure, filters_figure
from tests.isolation import heavy_modules_after

CONV = "conv2d"

NETWORKS = {
    "same padding, max pool, flatten": (
        [
            {"type": CONV, "filters": 4, "kernel_size": 3, "padding": "same"},
            {"type": "maxpool2d", "pool_size": 2},
            {"type": "flatten"},
            {"type": "dense", "units": 5, "activation": "tanh"},
        ],
        (9, 7, 1),
        "multiclass",
        3,
    ),
    "valid padding, strides 2, avg pool, global avg pool": (
        [
            {"type": CONV, "filters": 3, "kernel_size": 3, "padding": "valid"},
            {
                "type": CONV,
                "filters": 5,
                "kernel_size": 2,
                "strides": 2,
                "padding": "valid",
                "activation": "elu",
            },
            {"type": "avgpool2d", "pool_size": 2},
            {"type": "global_avg_pool"},
        ],
        (12, 11, 1),
        "binary",
        None,
    ),
    "rgb, same padding with strides, batchnorm, dropout": (
        [
            {
                "type": CONV,
                "filters": 6,
                "kernel_size": 4,
                "strides": 3,
                "padding": "same",
                "activation": "swish",
            },
            {"type": "batchnorm"},
            {"type": "maxpool2d", "pool_size": 3},
            {"type": "dropout", "rate": 0.4},
            {"type": "flatten"},
            {"type": "dense", "units": 4},
            {"type": "batchnorm"},
        ],
        (16, 17, 3),
        "multiclass",
        4,
    ),
}


def _keras_network(layers, shape, task, n_classes):
    """A Keras network with random (not initial) weights and batch normalisation
    statistics, and its snapshot."""
    from nncore.train.model import build_model

    model = build_model({"layers": layers}, shape, task, n_classes, seed=5)
    rng = np.random.default_rng(0)
    snapshot = []
    for layer in model.layers:
        norm = type(layer).__name__ == "BatchNormalization"
        for i, array in enumerate(layer.get_weights()):
            changed = array + rng.normal(0, 0.4, array.shape)
            if norm and i == 3:  # a variance
                changed = np.abs(changed) + 0.3
            snapshot.append(changed.astype("float32"))
    model.set_weights(snapshot)
    return model, model.get_weights()


def _keras_outputs(model, images):
    """Every Keras layer's output at inference, in order."""
    import keras

    probe = keras.Model(model.inputs[0], [layer.output for layer in model.layers])
    return [np.asarray(out) for out in probe(images, training=False)]


@pytest.mark.parametrize("name", list(NETWORKS), ids=list(NETWORKS))
def test_forward_pass_equals_keras_layer_by_layer(name):
    layers, shape, task, n_classes = NETWORKS[name]
    model, snapshot = _keras_network(layers, shape, task, n_classes)
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (6, *shape)).astype("uint8")
    network = unpack(layers, shape, task, n_classes, snapshot)

    outputs = forward(network, images)

    assert [step["name"] for step in network][:2] == ["Rescaling", "Conv2D 1"]
    assert network[-1]["name"] == "Output"
    assert len(outputs) == len(network) + 1 == len(model.layers) + 1
    for step, ours, theirs in zip(
        network, outputs[1:], _keras_outputs(model, images), strict=True
    ):
        assert ours.shape == theirs.shape == (6, *step["shape"]), step["name"]
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(
        outputs[-1], model.predict(images, verbose=0), rtol=1e-4, atol=1e-5
    )


def test_feature_maps_and_filters_of_one_picture():
    layers, shape, task, n_classes = NETWORKS["same padding, max pool, flatten"]
    _, snapshot = _keras_network(layers, shape, task, n_classes)
    network = unpack(layers, shape, task, n_classes, snapshot)
    picture = np.full(shape, 200, dtype="uint8")

    maps = feature_maps(network, picture)

    assert [(m["name"], m["maps"].shape) for m in maps] == [
        ("Conv2D 1", (9, 7, 4)),
        ("MaxPool 1", (4, 3, 4)),
    ]
    assert first_filters(network).shape == (3, 3, 1, 4)
    assert is_convolutional(layers)
    assert not is_convolutional([{"type": "flatten"}, {"type": "dense"}])
    assert dense_only([{"type": "flatten"}, {"type": "dense", "units": 3}]) == [
        {"type": "dense", "units": 3}
    ]
    assert dense_only(layers) is None


def test_a_snapshot_of_another_network_is_refused_with_what_it_needs():
    layers, shape, task, n_classes = NETWORKS["same padding, max pool, flatten"]
    _, snapshot = _keras_network(layers, shape, task, n_classes)
    with pytest.raises(ValueError, match=r"Conv2D 1's kernel has shape \(3, 3, 1, 4\)"):
        unpack(layers, (9, 7, 3), task, n_classes, snapshot)
    with pytest.raises(ValueError, match="this network needs 6"):
        unpack(layers, shape, task, n_classes, snapshot[:-1])
    with pytest.raises(ValueError, match="Expected an image shape"):
        unpack(layers, 63, task, n_classes, snapshot)
    network = unpack(layers, shape, task, n_classes, snapshot)
    with pytest.raises(ValueError, match=r"Expected \(n, 9, 7, 1\)"):
        forward(network, np.zeros((2, 7, 9, 1)))


def test_the_figures_show_every_filter_and_map_with_their_names():
    rgb = "rgb, same padding with strides, batchnorm, dropout"
    layers, shape, task, n_classes = NETWORKS[rgb]
    _, snapshot = _keras_network(layers, shape, task, n_classes)
    network = unpack(layers, shape, task, n_classes, snapshot)

    filters = filters_figure(first_filters(network), title="Filters after epoch 3")
    maps = feature_maps_figure(
        feature_maps(network, np.zeros(shape, dtype="uint8")), max_maps=4
    )

    assert filters.layout.title.text == "Filters after epoch 3"
    assert filters.data[0].type == "image"  # RGB filters are drawn in colour
    assert len(filters.layout.annotations) == 6  # one number per filter
    rows = [a.text for a in maps.layout.annotations]
    assert rows == ["Conv2D 1 · 6x6x6 (4 of 6 maps)", "MaxPool 1 · 2x2x6 (4 of 6 maps)"]
    assert [trace.type for trace in maps.data] == ["heatmap", "heatmap"]


def test_the_view_needs_no_tensorflow():
    code = (
        "import numpy as np\n"
        "from nncore.inside.convolution import unpack, feature_maps\n"
        "from nncore.plots.filters import filters_figure, feature_maps_figure\n"
        "layers = [{'type': 'conv2d', 'filters': 2}, {'type': 'flatten'}]\n"
        "weights = [np.zeros((3, 3, 1, 2)), np.zeros(2), np.zeros((32, 3)),"
        " np.zeros(3)]\n"
        "net = unpack(layers, (4, 4, 1), 'multiclass', 3, weights)\n"
        "feature_maps_figure(feature_maps(net, np.zeros((4, 4, 1))))\n"
        "filters_figure(net[1]['kernel'])\n"
    )
    assert heavy_modules_after(code) == []
