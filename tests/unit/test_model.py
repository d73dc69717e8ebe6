"""The network: model-spec validation, the output layer, parameter counts, building
it with Keras, and the network diagram."""

import json
from pathlib import Path

import pytest

from nncore.core.errors import SpecError
from nncore.plots.network import network_figure
from nncore.spec import (
    ACTIVATIONS,
    INITIALIZERS,
    validate_model_spec,
    validate_spec,
)
from nncore.train.model import (
    PRESET_DESCRIPTIONS,
    PRESETS,
    build_model,
    count_parameters,
    output_layer,
)
from tests.isolation import heavy_modules_after

ROOT = Path(__file__).resolve().parents[2]

DENSE = {"type": "dense", "units": 8}


def dense(**fields):
    return {**DENSE, **fields}


BAD_MODELS = [
    ("not-object", [1], r"The 'model' field must be an object with 'layers'"),
    (
        "unknown-field",
        {"optimizer": "adam"},
        r"'model' section has an unknown field "
        r"'optimizer'. Expected fields: layers, output.",
    ),
    (
        "output",
        {"output": "softmax"},
        r"'model.output' field must be 'auto'.*Got 'softmax'.",
    ),
    (
        "layers-not-list",
        {"layers": {"type": "dense"}},
        r"'model.layers' field must be a list of layers",
    ),
    (
        "too-many",
        {"layers": [DENSE] * 21},
        r"'model.layers' list has 21 layers; at most 20 are allowed",
    ),
    (
        "layer-not-object",
        {"layers": ["dense"]},
        r"'model.layers\[0\]' field must be an object such as",
    ),
    (
        "unknown-type",
        {"layers": [DENSE, {"type": "conv3d"}]},
        r"The 'model.layers\[1\].type' field must be one of \{'dense', 'dropout', "
        r"'batchnorm', 'conv2d', 'maxpool2d', 'avgpool2d', 'flatten', "
        r"'global_avg_pool'\}. Got 'conv3d'.",
    ),
    (
        "no-type",
        {"layers": [{"units": 3}]},
        r"'model.layers\[0\].type' field must be one of .* Got null.",
    ),
    (
        "unknown-layer-field",
        {"layers": [dense(units_count=3)]},
        r"The 'model.layers\[0\]' dense layer has an unknown field 'units_count'. "
        r"Expected fields: type, units, activation, kernel_initializer, l1, l2.",
    ),
    (
        "dropout-extra",
        {"layers": [{"type": "dropout", "rate": 0.1, "units": 3}]},
        r"'model.layers\[0\]' dropout layer has an unknown field 'units'",
    ),
    (
        "batchnorm-extra",
        {"layers": [{"type": "batchnorm", "momentum": 0.9}]},
        r"'model.layers\[0\]' batchnorm layer has an unknown field 'momentum'",
    ),
    (
        "units-missing",
        {"layers": [{"type": "dense"}]},
        r"'model.layers\[0\]' dense "
        r"layer needs the 'units' field, e.g. \{\"type\": \"dense\", \"units\": 32\}.",
    ),
    (
        "units-negative",
        {"layers": [DENSE, dense(units=-3)]},
        r"^The "
        r"'model.layers\[1\].units' field must be a whole number from 1 to 4096. Got "
        r"-3.$",
    ),
    (
        "units-zero",
        {"layers": [dense(units=0)]},
        r"units' field must be a whole number from 1 to 4096. Got 0.",
    ),
    ("units-too-many", {"layers": [dense(units=4097)]}, r"Got 4097."),
    (
        "units-float",
        {"layers": [dense(units=8.5)]},
        r"units' field must be a whole number .* Got 8.5.",
    ),
    (
        "units-text",
        {"layers": [dense(units="8")]},
        r"units' field must be a whole number .* Got '8'.",
    ),
    (
        "units-bool",
        {"layers": [dense(units=True)]},
        r"units' field must be a whole number .* Got true.",
    ),
    (
        "activation",
        {"layers": [dense(activation="ReLU")]},
        r"'model.layers\[0\]."
        r"activation' field must be one of \{'relu', 'tanh', .*'linear'\}. Got 'ReLU'.",
    ),
    (
        "initializer",
        {"layers": [dense(kernel_initializer="zeros")]},
        r"'model.layers\[0\].kernel_initializer' field must be one of "
        r"\{'glorot_uniform', .*'lecun_normal'\}. Got 'zeros'.",
    ),
    (
        "l1-negative",
        {"layers": [dense(l1=-0.1)]},
        r"'model.layers\[0\].l1' field must be a number from 0 to 1, e.g. 0.001 "
        r"\(0 switches the penalty off\). Got -0.1.",
    ),
    (
        "l2-too-big",
        {"layers": [dense(l2=1.5)]},
        r"'model.layers\[0\].l2' field must be a number from 0 to 1.* Got 1.5.",
    ),
    (
        "l2-text",
        {"layers": [dense(l2="0.1")]},
        r"'model.layers\[0\].l2' .* Got '0.1'.",
    ),
    (
        "l1-nan",
        {"layers": [dense(l1=float("nan"))]},
        r"'model.layers\[0\].l1' field must be a number",
    ),
    (
        "rate-missing",
        {"layers": [{"type": "dropout"}]},
        r"'model.layers\[0\]' dropout "
        r"layer needs the 'rate' field, e.g. \{\"type\": \"dropout\", \"rate\": 0.2\}.",
    ),
    (
        "rate-one",
        {"layers": [{"type": "dropout", "rate": 1}]},
        r"'model.layers\[0\]."
        r"rate' field must be a number from 0 up to \(not including\) 1, e.g. 0.2. Got "
        r"1.",
    ),
    (
        "rate-negative",
        {"layers": [{"type": "dropout", "rate": -0.2}]},
        r"rate' field must be a number from 0 up to .* Got -0.2.",
    ),
    (
        "rate-bool",
        {"layers": [{"type": "dropout", "rate": False}]},
        r"rate' field must be a number .* Got false.",
    ),
]


@pytest.mark.parametrize(
    ("model", "message"),
    [case[1:] for case in BAD_MODELS],
    ids=[case[0] for case in BAD_MODELS],
)
def test_bad_model_fields_are_named_by_path(model, message):
    with pytest.raises(SpecError, match=message):
        validate_model_spec(model)


def test_the_whole_spec_validates_its_model_section():
    with pytest.raises(SpecError, match=r"'model.layers\[0\].units' field"):
        validate_spec({"model": {"layers": [{"type": "dense", "units": 0}]}})
    spec = validate_spec({"model": {"layers": [{"type": "dropout", "rate": 0.5}]}})
    assert spec["model"] == {
        "layers": [{"type": "dropout", "rate": 0.5}],
        "output": "auto",
    }


def test_defaults_are_filled_into_every_layer():
    model = {
        "layers": [
            {"type": "dense", "units": 16},
            {"type": "dropout", "rate": 0},
            {"type": "batchnorm"},
            {"type": "dense", "units": 4, "activation": "tanh", "l2": 1},
        ]
    }
    checked = validate_model_spec(model)
    assert checked == {
        "layers": [
            {
                "type": "dense",
                "units": 16,
                "activation": "relu",
                "kernel_initializer": "glorot_uniform",
                "l1": 0.0,
                "l2": 0.0,
            },
            {"type": "dropout", "rate": 0.0},
            {"type": "batchnorm"},
            {
                "type": "dense",
                "units": 4,
                "activation": "tanh",
                "kernel_initializer": "glorot_uniform",
                "l1": 0.0,
                "l2": 1.0,
            },
        ],
        "output": "auto",
    }
    assert isinstance(checked["layers"][3]["l2"], float)
    assert model["layers"][0] == {"type": "dense", "units": 16}  # input untouched
    assert json.loads(json.dumps(checked)) == checked


def test_edge_values_are_accepted():
    layers = [
        dense(units=1, l1=0, l2=1.0),
        dense(units=4096, activation="leaky_relu", kernel_initializer="lecun_normal"),
        {"type": "dropout", "rate": 0.999},
    ]
    assert validate_model_spec({"layers": layers * 6 + layers[:2]})["layers"][2] == {
        "type": "dropout",
        "rate": 0.999,
    }
    assert validate_model_spec({"layers": []}) == {"layers": [], "output": "auto"}
    default = validate_model_spec({})
    assert [layer["type"] for layer in default["layers"]] == [
        "dense",
        "dropout",
        "dense",
    ]


@pytest.mark.parametrize("name", list(PRESETS), ids=list(PRESETS))
def test_presets_validate_and_are_described(name):
    checked = validate_model_spec({"layers": PRESETS[name]})
    assert checked["layers"][0]["type"] == "dense"
    assert PRESET_DESCRIPTIONS[name].endswith(".")


def test_presets_are_the_documented_networks():
    def units(name):
        return [layer.get("units", layer.get("rate")) for layer in PRESETS[name]]

    assert units("Start simple") == [8]
    assert units("Classic 128-64") == [128, 64]
    assert units("Deeper") == [64, 64, 32]
    assert units("Wide with dropout") == [256, 0.3, 128, 0.3]


@pytest.mark.parametrize(
    ("task", "n_classes", "units", "activation", "words"),
    [
        ("binary", None, 1, "sigmoid", "probability (from 0 to 1)"),
        ("binary", 2, 1, "sigmoid", "second class"),
        ("multiclass", 3, 3, "softmax", "3 neurons with a softmax activation"),
        ("multiclass", 10, 10, "softmax", "add up to 1"),
        ("regression", None, 1, "linear", "predicts the number itself"),
    ],
    ids=["binary", "binary-with-count", "three-classes", "ten-classes", "regression"],
)
def test_output_layer_follows_the_task(task, n_classes, units, activation, words):
    output = output_layer(task, n_classes)
    assert (output["units"], output["activation"]) == (units, activation)
    assert words in output["explanation"]
    assert output["explanation"].endswith(".")


def test_output_layer_rejects_unknown_tasks_and_missing_classes():
    with pytest.raises(ValueError, match=r"Received: task='auto'. Expected 'binary'"):
        output_layer("auto", None)
    with pytest.raises(ValueError, match=r"n_classes=None. Multiclass needs the"):
        output_layer("multiclass", None)
    with pytest.raises(ValueError, match=r"n_classes=1. Multiclass needs at least 2"):
        output_layer("multiclass", 1)


def test_count_parameters_by_layer():
    layers = validate_model_spec(
        {
            "layers": [
                {"type": "dense", "units": 16},
                {"type": "batchnorm"},
                {"type": "dropout", "rate": 0.5},
                {"type": "dense", "units": 4},
            ]
        }
    )["layers"]
    rows = count_parameters(layers, 10, "multiclass", 3)
    assert [(r["name"], r["type"], r["units"], r["parameters"]) for r in rows] == [
        ("Dense 1", "Dense", 16, 10 * 16 + 16),
        ("BatchNorm 1", "BatchNorm", 16, 64),
        ("Dropout 1", "Dropout", 16, 0),
        ("Dense 2", "Dense", 4, 16 * 4 + 4),
        ("Output", "Dense", 3, 4 * 3 + 3),
        ("Total", "", None, 176 + 64 + 68 + 15),
    ]
    assert rows[1]["trainable"] == 32
    assert rows[-1]["trainable"] == 176 + 32 + 68 + 15


def test_count_parameters_without_hidden_layers_is_a_linear_model():
    rows = count_parameters([], 30, "binary", None)
    assert [r["parameters"] for r in rows] == [31, 31]


STACKS = [
    ("empty", [], 5, "regression", None),
    ("one-dense", [DENSE], 4, "binary", None),
    (
        "all-types",
        [
            {"type": "batchnorm"},
            {"type": "dense", "units": 12, "l1": 0.01, "l2": 0.02},
            {"type": "dropout", "rate": 0.3},
            {"type": "batchnorm"},
            {"type": "dense", "units": 7, "activation": "leaky_relu"},
        ],
        9,
        "multiclass",
        5,
    ),
    ("preset-wide", PRESETS["Wide with dropout"], 30, "multiclass", 3),
]


@pytest.mark.parametrize(
    ("layers", "n_inputs", "task", "n_classes"),
    [case[1:] for case in STACKS],
    ids=[case[0] for case in STACKS],
)
def test_count_parameters_matches_keras(layers, n_inputs, task, n_classes):
    model_spec = validate_model_spec({"layers": layers})
    model = build_model(model_spec, n_inputs, task, n_classes)
    rows = count_parameters(model_spec["layers"], n_inputs, task, n_classes)
    assert rows[-1]["parameters"] == model.count_params()
    trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
    assert rows[-1]["trainable"] == trainable
    assert [r["parameters"] for r in rows[:-1]] == [
        layer.count_params() for layer in model.layers
    ]


def test_build_model_makes_every_layer_type():
    import keras

    model_spec = {
        "layers": [
            {
                "type": "dense",
                "units": 6,
                "activation": "leaky_relu",
                "kernel_initializer": "he_normal",
                "l1": 0.001,
                "l2": 0.01,
            },
            {"type": "batchnorm"},
            {"type": "dropout", "rate": 0.25},
            {"type": "dense", "units": 3, "activation": "selu"},
        ]
    }
    model = build_model(model_spec, 4, "multiclass", 5, seed=7)
    assert isinstance(model, keras.Sequential)
    assert not model.compiled
    assert model.input_shape == (None, 4)
    assert model.output_shape == (None, 5)
    kinds = [type(layer) for layer in model.layers]
    assert kinds == [
        keras.layers.Dense,
        keras.layers.BatchNormalization,
        keras.layers.Dropout,
        keras.layers.Dense,
        keras.layers.Dense,
    ]
    first, _, dropout, second, output = model.layers
    config = first.get_config()
    assert config["activation"] == "leaky_relu"
    assert config["kernel_initializer"]["class_name"] == "HeNormal"
    assert isinstance(first.kernel_regularizer, keras.regularizers.L1L2)
    assert first.kernel_regularizer.l1 == pytest.approx(0.001)
    assert first.kernel_regularizer.l2 == pytest.approx(0.01)
    assert (dropout.rate, dropout.seed) == (0.25, 7)
    assert second.get_config()["activation"] == "selu"
    assert second.get_config()["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert second.kernel_regularizer is None
    assert (output.units, output.get_config()["activation"]) == (5, "softmax")


def test_build_model_is_seeded_and_validates():
    import numpy as np

    spec = {"layers": [DENSE]}
    first = build_model(spec, 3, "regression", None, seed=1).get_weights()[0]
    again = build_model(spec, 3, "regression", None, seed=1).get_weights()[0]
    other = build_model(spec, 3, "regression", None, seed=2).get_weights()[0]
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)
    with pytest.raises(SpecError, match=r"'model.layers\[0\].units' field"):
        build_model({"layers": [dense(units=0)]}, 3, "regression", None)


def test_every_choice_is_a_keras_name():
    import keras

    for activation in ACTIVATIONS:
        assert callable(keras.activations.get(activation)), activation
    for initializer in INITIALIZERS:
        assert keras.initializers.get(initializer) is not None, initializer


def test_the_model_module_loads_without_tensorflow():
    loaded = heavy_modules_after(
        "from nncore.spec import validate_model_spec\n"
        "from nncore.train.model import count_parameters, PRESETS\n"
        "from nncore.plots.network import network_figure\n"
        "layers = validate_model_spec({'layers': PRESETS['Deeper']})['layers']\n"
        "count_parameters(layers, 4, 'binary', None)\n"
        "network_figure(layers, 4, 'binary', None)\n"
    )
    assert loaded == []


def node_traces(figure):
    return [trace for trace in figure.data if trace.mode == "markers"]


def annotations(figure):
    return [annotation.text for annotation in figure.layout.annotations]


def test_network_figure_draws_columns_of_neurons_and_connections():
    layers = validate_model_spec(
        {"layers": [dense(units=4), {"type": "dropout", "rate": 0.25}, dense(units=3)]}
    )["layers"]
    figure = network_figure(layers, 2, "binary", None)
    nodes = node_traces(figure)
    assert [t.name for t in nodes] == ["Input", "Dense 1", "Dense 2", "Output"]
    assert [len(t.y) for t in nodes] == [2, 4, 3, 1]
    assert [set(t.x) for t in nodes] == [{0}, {1}, {2}, {3}]
    assert len({t.marker.color for t in nodes}) == 3  # input, hidden, output
    (edges,) = [t for t in figure.data if t.mode == "lines"]
    assert list(edges.x).count(None) == 2 * 4 + 4 * 3 + 3 * 1
    texts = annotations(figure)
    assert "<b>Input</b><br>2 inputs" in texts
    assert "<b>Dense 1</b><br>4 · relu" in texts
    assert "<b>Output</b><br>1 · sigmoid" in texts
    assert "then dropout 25%" in texts
    assert not any("more" in text for text in texts)


def test_network_figure_caps_wide_layers():
    layers = [dense(units=128, activation="tanh"), {"type": "batchnorm"}]
    figure = network_figure(layers, 30, "multiclass", 12, max_neurons=10)
    nodes = node_traces(figure)
    assert [len(t.y) for t in nodes] == [10, 10, 10]
    texts = annotations(figure)
    assert "+20 more" in texts  # the 30 inputs
    assert "+118 more<br>then batch norm" in texts
    assert "+2 more" in texts  # the 12 classes
    assert "<b>Output</b><br>12 · softmax" in texts
    (edges,) = [t for t in figure.data if t.mode == "lines"]
    assert list(edges.x).count(None) == 10 * 10 * 2


def test_network_figure_names_inputs_and_classes_as_text():
    names = ["<b>size</b>", "rooms"]
    figure = network_figure(
        [],
        2,
        "multiclass",
        3,
        feature_names=names,
        class_names=["a&b", "<i>c</i>", "d"],
    )
    texts = annotations(figure)
    assert "&lt;b&gt;size&lt;/b&gt;" in texts and "rooms" in texts
    assert "a&amp;b" in texts and "&lt;i&gt;c&lt;/i&gt;" in texts
    assert "<b>size</b>" not in texts
    binary = annotations(
        network_figure([], 2, "binary", None, class_names=["no", "yes"])
    )
    assert "P(yes)" in binary
    many = annotations(
        network_figure([], 11, "regression", None, feature_names=list("abcdefghijk"))
    )
    assert "a" not in many and "+1 more" in many


def test_a_second_network_of_the_same_seed_keeps_tensorflows_compiled_functions(
    monkeypatch,
):
    """Seeding again with the same seed must not empty TensorFlow's kernel cache
    (``tf.random.set_seed`` does, so every job's loop would be instantiated again,
    0.15 s a job); the weights are still the seed's, NumPy is reseeded, and another
    seed still reseeds TensorFlow."""
    import numpy as np
    from tensorflow.python.eager import context

    from nncore.train.model import build_model, seed_globals

    spec = {"layers": [{"type": "dense", "units": 4}]}
    first = build_model(spec, 3, "binary", 2, seed=7)
    emptied = []
    empty = context.pywrap_tfe.TFE_ContextClearCaches

    def spy(handle):  # records each emptying, then empties as before
        emptied.append(handle)
        return empty(handle)

    monkeypatch.setattr(context.pywrap_tfe, "TFE_ContextClearCaches", spy)
    second = build_model(spec, 3, "binary", 2, seed=7)
    for a, b in zip(first.get_weights(), second.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    seed_globals(7)
    draws = np.random.rand(3)
    seed_globals(7)
    np.testing.assert_array_equal(np.random.rand(3), draws)
    assert emptied == [] and context.global_seed() == 7
    seed_globals(8)
    assert len(emptied) == 1 and context.global_seed() == 8
