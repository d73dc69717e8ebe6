"""The live network view (issue 15): the NumPy forward pass of a weight snapshot
equals Keras's, and the figures show what the weights and neurons are."""

from __future__ import annotations

import numpy as np
import pytest

from nncore.data.prepare import prepare_data
from nncore.data.sources import load_builtin
from nncore.inside import forward, neuron_maps, unpack
from nncore.plots.inside import (
    NEGATIVE_COLOUR,
    POSITIVE_COLOUR,
    neuron_maps_figure,
    row_figure,
    weights_figure,
)
from nncore.runs.boundary import BoundaryGrid
from tests.isolation import heavy_modules_after
from tests.unit.test_palette import colour_problems

# Every activation the app offers, with dropout and batch normalisation before,
# between and after the dense layers.
NETWORKS = {
    "relu..selu, multiclass": (
        [
            {"type": "batchnorm"},
            {"type": "dense", "units": 5, "activation": "relu"},
            {"type": "dropout", "rate": 0.5},
            {"type": "dense", "units": 4, "activation": "tanh"},
            {"type": "batchnorm"},
            {"type": "dense", "units": 4, "activation": "sigmoid"},
            {"type": "dense", "units": 3, "activation": "elu"},
            {"type": "dropout", "rate": 0.3},
            {"type": "batchnorm"},
            {"type": "dense", "units": 3, "activation": "selu"},
        ],
        "multiclass",
        3,
    ),
    "gelu..linear, binary": (
        [
            {"type": "dense", "units": 4, "activation": "gelu"},
            {"type": "batchnorm"},
            {"type": "dense", "units": 4, "activation": "swish"},
            {"type": "dense", "units": 3, "activation": "leaky_relu"},
            {"type": "dropout", "rate": 0.2},
            {"type": "dense", "units": 2, "activation": "linear"},
        ],
        "binary",
        None,
    ),
}


def _keras_network(layers, n_inputs, task, n_classes):
    """A Keras network with random (not initial) weights and batch normalisation
    statistics, and its snapshot."""
    from nncore.train.model import build_model

    model = build_model({"layers": layers}, n_inputs, task, n_classes, seed=3)
    rng = np.random.default_rng(0)
    snapshot = []
    for layer in model.layers:
        norm = type(layer).__name__ == "BatchNormalization"
        for i, array in enumerate(layer.get_weights()):
            changed = array + rng.normal(0, 0.6, array.shape)
            if norm and i == 3:  # a variance
                changed = np.abs(changed) + 0.3
            snapshot.append(changed.astype("float32"))
    model.set_weights(snapshot)
    return model, model.get_weights()


def _keras_layer_outputs(model, X):
    """What Keras computes at inference after each dense layer and the dropout or
    batch normalisation that follow it (the inputs of the next dense layer)."""
    import keras

    layers = model.layers
    ends = [
        i
        for i, layer in enumerate(layers)
        if any(isinstance(before, keras.layers.Dense) for before in layers[: i + 1])
        and (i + 1 == len(layers) or isinstance(layers[i + 1], keras.layers.Dense))
    ]
    probe = keras.Model(model.inputs[0], [layers[i].output for i in ends])
    return [np.asarray(out) for out in probe(X, training=False)]


@pytest.mark.parametrize("name", list(NETWORKS), ids=list(NETWORKS))
def test_forward_pass_equals_keras_for_every_activation(name):
    layers, task, n_classes = NETWORKS[name]
    model, snapshot = _keras_network(layers, 4, task, n_classes)
    X = np.random.default_rng(1).normal(0, 2, (40, 4)).astype("float32")
    network = unpack(layers, 4, task, n_classes, snapshot)

    outputs = forward(network, X)

    assert [layer["name"] for layer in network][-2:] == [
        f"Dense {len(network) - 1}",
        "Output",
    ]
    assert len(outputs) == len(network) + 1
    np.testing.assert_array_equal(outputs[0], X)
    for ours, keras_output in zip(
        outputs[1:], _keras_layer_outputs(model, X), strict=True
    ):
        np.testing.assert_allclose(ours, keras_output, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(
        outputs[-1], model.predict(X, verbose=0), rtol=1e-5, atol=1e-5
    )
    if task == "multiclass":
        np.testing.assert_allclose(outputs[-1].sum(axis=1), 1.0)


def test_the_view_needs_no_tensorflow():
    code = (
        "import numpy as np\n"
        "from nncore.inside import unpack, forward, neuron_maps\n"
        "from nncore.plots.inside import weights_figure, neuron_maps_figure\n"
        "net = unpack([{'type': 'dense', 'units': 3}], 2, 'binary', None,\n"
        "             [np.ones((2, 3)), np.zeros(3), np.ones((3, 1)), np.zeros(1)])\n"
        "grid = {'xs': np.linspace(-1, 1, 5), 'ys': np.linspace(-1, 1, 4)}\n"
        "weights_figure(net, activations=forward(net, np.ones(2)))\n"
        "neuron_maps_figure(net, grid, neuron_maps(net, grid))\n"
    )
    assert heavy_modules_after(code) == []


def _tiny(kernel, task="regression", n_classes=None):
    """A network with one hidden layer whose kernel is ``kernel``."""
    kernel = np.asarray(kernel, dtype="float64")
    n_inputs, units = kernel.shape
    outputs = n_classes if task == "multiclass" else 1
    weights = [
        kernel,
        np.arange(units) / 10,
        np.linspace(-1, 1, units * outputs).reshape(units, outputs),
        np.zeros(outputs),
    ]
    layers = [{"type": "dense", "units": units, "activation": "tanh"}]
    return unpack(layers, n_inputs, task, n_classes, weights)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (
            [np.ones((3, 4)), np.zeros(4), np.ones((4, 1))],
            r"has 3 arrays; this network needs 4: Dense 1 kernel \(2, 4\)",
        ),
        (
            [np.ones((3, 4)), np.zeros(4), np.ones((4, 1)), np.zeros(1)],
            r"Dense 1's kernel has shape \(3, 4\); expected \(2, 4\)",
        ),
        (
            [np.ones((2, 4)), np.zeros(4), np.ones((4, 3)), np.zeros(3)],
            r"Output's kernel has shape \(4, 3\); expected \(4, 1\)",
        ),
    ],
    ids=["missing array", "wrong inputs", "wrong task"],
)
def test_a_snapshot_that_does_not_fit_the_network_is_refused(weights, message):
    layers = [{"type": "dense", "units": 4}]
    with pytest.raises(ValueError, match=message):
        unpack(layers, 2, "binary", None, weights)


def test_batchnorm_arrays_are_checked_and_named():
    layers = [{"type": "dense", "units": 2}, {"type": "batchnorm"}]
    good = [np.ones((3, 2)), np.zeros(2), *[np.ones(2)] * 4, np.ones((2, 1)), [0.0]]
    network = unpack(layers, 3, "regression", None, good)
    step = network[0]["after"][0]
    assert step["type"] == "batchnorm" and step["epsilon"] == 1e-3
    bad = [*good[:5], np.ones(3), *good[6:]]
    with pytest.raises(ValueError, match=r"BatchNorm 1's moving variance has shape"):
        unpack(layers, 3, "regression", None, bad)


def _segments(figure):
    """Every drawn connection: (x0, y0, x1, y1) -> (colour, width)."""
    found = {}
    for trace in figure.data:
        if trace.mode != "lines" or trace.name not in (
            "positive weight",
            "negative weight",
        ):
            continue
        xs, ys = np.asarray(trace.x, dtype=float), np.asarray(trace.y, dtype=float)
        for start in range(0, len(xs) - 2, 3):
            key = (xs[start], ys[start], xs[start + 1], ys[start + 1])
            if not np.isnan(key).any():
                found[tuple(round(v, 6) for v in key)] = (
                    trace.line.color,
                    trace.line.width,
                )
    return found


def test_connections_are_coloured_by_sign_and_thicker_when_larger():
    kernel = [[1.0, -0.5, 0.05], [0.3, -0.9, -0.2]]
    figure = weights_figure(_tiny(kernel))
    lines = _segments(figure)
    # Inputs at heights 0.5, -0.5; the three hidden neurons at 1, 0, -1.
    left, right = [0.5, -0.5], [1.0, 0.0, -1.0]
    width = {}
    for i, row in enumerate(kernel):
        for j, weight in enumerate(row):
            colour, width[weight] = lines[(0, left[i], 1, right[j])]
            expected = POSITIVE_COLOUR if weight > 0 else NEGATIVE_COLOUR
            red, green, blue = (int(expected[k : k + 2], 16) for k in (1, 3, 5))
            assert colour.startswith(f"rgba({red}, {green}, {blue},"), (weight, colour)
    ordered = sorted(width, key=abs)
    widths = [width[w] for w in ordered]
    assert widths == sorted(widths)
    assert width[1.0] > width[0.3] > width[0.05]
    assert width[-0.9] == max(widths)  # 0.9 is 90 % of the layer's largest
    # Few traces, whatever the network's size: its layers share the buckets.
    assert len(figure.data) <= 12
    assert len(_segments(figure)) == 6 + 3  # and the hidden-to-output lines
    assert not colour_problems(figure)


def test_hover_shows_each_weight_and_each_bias():
    kernel = [[1.25, -0.5], [0.3, -0.875]]
    figure = weights_figure(_tiny(kernel), feature_names=["age", "<b>income</b>"])
    weights = next(t for t in figure.data if t.name == "weights")
    assert "age → Dense 1 · 1: weight = 1.25" in weights.hovertext
    assert "&lt;b&gt;income&lt;/b&gt; → Dense 1 · 2: weight = -0.875" in (
        weights.hovertext
    )
    assert len(set(zip(weights.x, weights.y, strict=True))) == len(weights.x)
    neurons = next(t for t in figure.data if t.name == "neurons")
    hover = "\n".join(neurons.hovertext)
    assert "Dense 1 · 2</b><br>bias = 0.1<br>activation: tanh" in hover
    notes = [note.text for note in figure.layout.annotations]
    assert "&lt;b&gt;income&lt;/b&gt;" in notes and "<b>income</b>" not in notes


def test_a_diverged_weight_is_not_drawn_but_named_on_hover():
    figure = weights_figure(_tiny([[np.nan, 1.0], [0.5, -2.0]]))
    lines = _segments(figure)
    assert (0, 0.5, 1, 0.5) not in lines  # the NaN weight
    assert lines[(0, 0.5, 1, -0.5)][1] < lines[(0, -0.5, 1, -0.5)][1]  # 1 < |-2|
    weights = next(t for t in figure.data if t.name == "weights")
    assert "input 1 → Dense 1 · 1: weight = nan" in weights.hovertext


def test_wide_layers_show_their_first_neurons_and_how_many_more():
    rng = np.random.default_rng(0)
    layers = [
        {"type": "dense", "units": 256, "activation": "relu"},
        {"type": "dropout", "rate": 0.3},
    ]
    weights = [rng.normal(size=(64, 256)), np.zeros(256), rng.normal(size=(256, 10))]
    network = unpack(layers, 64, "multiclass", 10, [*weights, np.zeros(10)])
    figure = weights_figure(network, max_neurons=10)
    neurons = next(t for t in figure.data if t.name == "neurons")
    per_column = np.bincount(np.asarray(neurons.x, dtype=int))
    assert per_column.tolist() == [10, 10, 10]
    notes = [note.text for note in figure.layout.annotations]
    assert "+54 more" in notes
    assert "+246 more<br>then dropout 30%" in notes
    assert len(figure.data) <= 12


def test_a_rows_forward_pass_fills_the_neurons_and_titles_the_prediction():
    network = _tiny([[1.0, -2.0], [0.5, 0.25]], "multiclass", 3)
    activations = forward(network, [0.5, -1.0])
    figure = row_figure(
        network,
        activations,
        feature_names=["a", "b"],
        class_names=["cat", "dog", "<i>eel</i>"],
        task="multiclass",
    )
    probabilities = activations[-1][0]
    best = ["cat", "dog", "&lt;i&gt;eel&lt;/i&gt;"][int(probabilities.argmax())]
    assert figure.layout.title.text == (
        f"Prediction: {best} ({probabilities.max():.0%})"
    )
    neurons = next(t for t in figure.data if t.name == "neurons")
    expected = np.concatenate([a[0] for a in activations])
    np.testing.assert_allclose(neurons.marker.color, expected)
    assert neurons.marker.cmin == -neurons.marker.cmax
    assert "output = " in neurons.hovertext[2]
    with pytest.raises(ValueError, match="the forward pass of one row"):
        weights_figure(network, activations=forward(network, np.ones((2, 2))))


@pytest.mark.parametrize(
    ("task", "output", "title"),
    [
        ("binary", [0.8], "Prediction: yes (P(yes) = 0.80)"),
        ("binary", [0.2], "Prediction: no (P(yes) = 0.20)"),
        ("regression", [152.345], "Prediction: 152.3"),
        ("regression", [np.nan], "Prediction: none (the network's output is not"),
    ],
    ids=["binary yes", "binary no", "regression", "diverged"],
)
def test_the_prediction_reads_in_words(task, output, title):
    from nncore.plots.inside import prediction_title

    names = ["no", "yes"] if task == "binary" else None
    assert prediction_title(output, names, task).startswith(title)


@pytest.fixture(scope="module")
def circle():
    return prepare_data(load_builtin("circle", n_samples=120), "target")


def test_each_neuron_map_is_that_neurons_output_over_the_plane(circle):
    grid = BoundaryGrid(circle)
    layers = [
        {"type": "dense", "units": 3, "activation": "relu"},
        {"type": "batchnorm"},
        {"type": "dense", "units": 2, "activation": "elu"},
    ]
    rng = np.random.default_rng(2)
    shapes = [(2, 3), (3,), (3,), (3,), (3,), (3,), (3, 2), (2,), (2, 1), (1,)]
    weights = [rng.uniform(0.5, 1.5, shape) for shape in shapes]
    network = unpack(layers, 2, "binary", None, weights)

    maps = neuron_maps(network, grid)

    assert [m.shape for m in maps] == [(3, 60, 60), (2, 60, 60), (1, 60, 60)]
    row, column = 17, 42
    point = [grid.xs[column], grid.ys[row]]
    for layer_maps, outputs in zip(maps, forward(network, point)[1:], strict=True):
        np.testing.assert_allclose(layer_maps[:, row, column], outputs[0])


def test_the_output_map_is_the_decision_boundary(circle):
    layers = [{"type": "dense", "units": 4, "activation": "tanh"}]
    from nncore.train.model import build_model

    model = build_model({"layers": layers}, 2, "binary", None, seed=5)
    network = unpack(layers, 2, "binary", None, model.get_weights())
    grid = BoundaryGrid(circle)
    drawing = grid.boundary(lambda X: model.predict(X, verbose=0), epoch=0)

    maps = neuron_maps(network, grid)
    figure = neuron_maps_figure(network, grid, maps, points=drawing["points"])

    boundary = np.asarray(drawing["z"], dtype=float)
    np.testing.assert_allclose(maps[-1][0], boundary, atol=1e-5)
    output = next(t for t in figure.data if t.name == "output")
    np.testing.assert_allclose(np.asarray(output.z, dtype=float), boundary, atol=1e-5)
    assert (output.zmin, output.zmax) == (0, 1)
    # The training rows lie on the output's map, one trace per class.
    rows = [t for t in figure.data if t.type == "scatter"]
    assert [t.name for t in rows] == [str(c) for c in circle.classes]
    assert all(t.xaxis == output.xaxis for t in rows)
    assert sum(len(t.x) for t in rows) == len(drawing["points"]["x"])
    # A neuron map the same grid gives by a boundary dict is the same map.
    again = neuron_maps(network, drawing)
    np.testing.assert_allclose(again[0], maps[0], atol=1e-6)


def test_neuron_maps_share_one_scale_centred_on_zero():
    grid = {"xs": np.linspace(-2, 2, 30), "ys": np.linspace(-1, 1, 20)}
    network = _tiny(np.random.default_rng(4).normal(size=(2, 12)), "multiclass", 3)
    maps = neuron_maps(network, grid)

    figure = neuron_maps_figure(network, grid, maps, max_neurons=8)

    hidden = [t for t in figure.data if t.type == "heatmap" and t.name != "output"]
    assert [t.name for t in hidden] == [f"Dense 1 · {i}" for i in range(1, 9)]
    largest = np.abs(maps[0][:8]).max()
    assert {(t.zmin, t.zmax, t.colorscale) for t in hidden} == {
        (-largest, largest, hidden[0].colorscale)
    }
    assert [t.showscale for t in hidden] == [True] + [False] * 7
    np.testing.assert_allclose(hidden[3].z, maps[0][3])
    titles = [note.text for note in figure.layout.annotations]
    assert "Dense 1 · 8" in titles and "+4 more" in titles
    assert _axes(figure)
    assert all(axis["showticklabels"] is False for axis in _axes(figure))
    output = next(t for t in figure.data if t.name == "output")
    np.testing.assert_array_equal(output.z, maps[-1].argmax(axis=0))


def _axes(figure):
    layout = figure.layout.to_plotly_json()
    return [layout[key] for key in layout if key.startswith(("xaxis", "yaxis"))]


SHAPES = {
    "no hidden layer": [],
    "1 hidden layer": [{"type": "dense", "units": 3, "activation": "relu"}],
    "3 hidden layers": [
        {"type": "dense", "units": 4, "activation": "relu"},
        {"type": "dropout", "rate": 0.2},
        {"type": "dense", "units": 3, "activation": "tanh"},
        {"type": "batchnorm"},
        {"type": "dense", "units": 2, "activation": "sigmoid"},
    ],
    "256 wide": [{"type": "dense", "units": 256, "activation": "relu"}],
}
TASKS = {"binary": None, "multiclass": 3, "regression": None}


@pytest.mark.parametrize("task", list(TASKS), ids=list(TASKS))
@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
def test_every_figure_draws_any_network(shape, task):
    layers = SHAPES[shape]
    n_classes = TASKS[task]
    outputs = 3 if task == "multiclass" else 1
    rng = np.random.default_rng(0)
    weights, width = [], 2
    for layer in layers:
        if layer["type"] == "dense":
            weights += [
                rng.normal(size=(width, layer["units"])),
                np.zeros(layer["units"]),
            ]
            width = layer["units"]
        elif layer["type"] == "batchnorm":
            weights += [
                np.ones(width),
                np.zeros(width),
                np.zeros(width),
                np.ones(width),
            ]
    weights += [rng.normal(size=(width, outputs)), np.zeros(outputs)]
    network = unpack(layers, 2, task, n_classes, weights)
    grid = {"xs": np.linspace(-1, 1, 12), "ys": np.linspace(-1, 1, 10)}
    points = {"x": [0.1, -0.5], "y": [0.2, 0.4], "label": [0, 1]}
    names = ["a", "b", "c"][:outputs] if task == "multiclass" else ["no", "yes"]

    figures = [
        weights_figure(network),
        neuron_maps_figure(network, grid, neuron_maps(network, grid), points=points),
        row_figure(
            network,
            forward(network, [0.3, -0.2]),
            feature_names=["x", "y"],
            class_names=None if task == "regression" else names,
            task=task,
        ),
    ]

    for figure in figures:
        assert 300 <= figure.layout.height <= 1400
        assert not colour_problems(figure)
