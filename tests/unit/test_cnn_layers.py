"""Convolutional networks: the image layers in the spec, their shapes and weights
without TensorFlow (equal to Keras' own), the stacks that cannot work, building
them, the image presets, the summary and the diagram."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from nncore.core.errors import SpecError
from nncore.core.limits import parameters_problem
from nncore.plots.network import network_figure
from nncore.spec import validate_model_spec, validate_spec
from nncore.spec.stack import check_stack, input_shape_of, layer_shapes
from nncore.train.model import (
    IMAGE_PRESET_DESCRIPTIONS,
    IMAGE_PRESETS,
    PRESETS,
    build_model,
    count_parameters,
    network_inputs,
    network_summary,
)
from tests.isolation import heavy_modules_after
from tests.unit.test_palette import colour_problems

CONV = {"type": "conv2d"}
MAXPOOL = {"type": "maxpool2d"}
AVGPOOL = {"type": "avgpool2d"}
FLATTEN = {"type": "flatten"}
GAP = {"type": "global_avg_pool"}


def conv(**fields):
    return {**CONV, **fields}


def dense(units=8):
    return {"type": "dense", "units": units}


def checked(layers):
    return validate_model_spec({"layers": layers})["layers"]


# --- the spec -----------------------------------------------------------------------


def test_image_layers_get_their_defaults():
    assert checked([CONV, MAXPOOL, AVGPOOL, FLATTEN, GAP]) == [
        {
            "type": "conv2d",
            "filters": 16,
            "kernel_size": 3,
            "strides": 1,
            "padding": "same",
            "activation": "relu",
        },
        {"type": "maxpool2d", "pool_size": 2},
        {"type": "avgpool2d", "pool_size": 2},
        {"type": "flatten"},
        {"type": "global_avg_pool"},
    ]


def test_a_whole_image_experiment_validates():
    spec = validate_spec({"model": {"layers": IMAGE_PRESETS["Small CNN"]}})
    assert spec["model"]["layers"][0]["filters"] == 16
    assert spec["model"]["layers"][4] == {"type": "flatten"}


BAD_LAYERS = [
    (
        "filters-zero",
        conv(filters=0),
        r"^The 'model.layers\[0\].filters' field must be a whole number from 1 to "
        r"256. Got 0.$",
    ),
    ("filters-too-many", conv(filters=257), r"from 1 to 256. Got 257."),
    ("filters-text", conv(filters="16"), r"filters' field .* Got '16'."),
    (
        "kernel-too-big",
        conv(kernel_size=12),
        r"'model.layers\[0\].kernel_size' field must be a whole number from 1 to "
        r"11. Got 12.",
    ),
    (
        "kernel-as-pair",
        conv(kernel_size=[3, 3]),
        r"kernel_size' field must be a whole number .* Got \[3, 3\].",
    ),
    (
        "strides-five",
        conv(strides=5),
        r"'model.layers\[0\].strides' field must be a whole number from 1 to 4. "
        r"Got 5.",
    ),
    (
        "padding",
        conv(padding="full"),
        r"'model.layers\[0\].padding' field must be one of \{'same', 'valid'\}. "
        r"Got 'full'.",
    ),
    (
        "conv-activation",
        conv(activation="softmax"),
        r"'model.layers\[0\].activation' field must be one of \{'relu'",
    ),
    (
        "conv-units",
        conv(units=8),
        r"The 'model.layers\[0\]' conv2d layer has an unknown field 'units'. "
        r"Expected fields: type, filters, kernel_size, strides, padding, activation.",
    ),
    (
        "pool-too-big",
        {"type": "maxpool2d", "pool_size": 9},
        r"'model.layers\[0\].pool_size' field must be a whole number from 1 to 8. "
        r"Got 9.",
    ),
    (
        "pool-zero",
        {"type": "avgpool2d", "pool_size": 0},
        r"'model.layers\[0\].pool_size' field must be a whole number from 1 to 8. "
        r"Got 0.",
    ),
    (
        "pool-strides",
        {"type": "maxpool2d", "strides": 2},
        r"maxpool2d layer has an unknown field 'strides'. Expected fields: type, "
        r"pool_size.",
    ),
    (
        "flatten-field",
        {"type": "flatten", "units": 3},
        r"'model.layers\[0\]' flatten layer has an unknown field 'units'. "
        r"Expected fields: type.",
    ),
]


@pytest.mark.parametrize(
    ("layer", "message"),
    [case[1:] for case in BAD_LAYERS],
    ids=[case[0] for case in BAD_LAYERS],
)
def test_bad_image_layer_fields_are_named_by_path(layer, message):
    with pytest.raises(SpecError, match=message):
        validate_model_spec({"layers": [layer]})


# --- shapes and weights without TensorFlow ------------------------------------------


def test_layer_shapes_of_a_small_cnn():
    rows = layer_shapes(
        checked(IMAGE_PRESETS["Small CNN"]), (28, 28, 1), "multiclass", 10
    )
    assert [(r["name"], r["type"], r["output"], r["parameters"]) for r in rows] == [
        ("Rescaling", "Rescaling", "28x28x1", 0),
        ("Conv2D 1", "Conv2D", "28x28x16", 3 * 3 * 1 * 16 + 16),
        ("MaxPool 1", "MaxPool", "14x14x16", 0),
        ("Conv2D 2", "Conv2D", "14x14x32", 3 * 3 * 16 * 32 + 32),
        ("MaxPool 2", "MaxPool", "7x7x32", 0),
        ("Flatten 1", "Flatten", "1568", 0),
        ("Dense 1", "Dense", "64", 1568 * 64 + 64),
        ("Dropout 1", "Dropout", "64", 0),
        ("Output", "Dense", "10", 64 * 10 + 10),
    ]
    assert rows[1]["shape"] == (28, 28, 16) and rows[1]["units"] == 28 * 28 * 16
    assert [r["position"] for r in rows] == [None, 1, 2, 3, 4, 5, 6, 7, None]


def test_count_parameters_takes_a_table_width_or_an_image_shape():
    layers = checked([dense(4)])
    assert count_parameters(layers, 3, "binary", None)[-1]["parameters"] == 16 + 5
    assert count_parameters(layers, (3,), "binary", None)[-1]["parameters"] == 21
    image = checked([conv(filters=2, kernel_size=1), GAP, dense(4)])
    for shape in ((5, 5, 3), [5, 5, 3], (np.int64(5), np.int64(5), np.int64(3))):
        rows = count_parameters(image, shape, "binary", None)
        assert [r["output"] for r in rows] == ["5x5x3", "5x5x2", "2", "4", "1", ""]
        assert rows[-1]["parameters"] == (3 * 2 + 2) + (2 * 4 + 4) + (4 + 1)


@pytest.mark.parametrize(
    "n_inputs", [0, True, "28x28", (28, 28), (28, 28, 1, 1), (28, 0, 1), 2.5]
)
def test_an_impossible_input_shape_is_refused(n_inputs):
    with pytest.raises(ValueError, match=r"Expected the number of input columns"):
        input_shape_of(n_inputs)


def test_batchnorm_on_an_image_counts_per_channel():
    rows = count_parameters(
        checked([conv(filters=8), {"type": "batchnorm"}, GAP]),
        (6, 6, 1),
        "regression",
        None,
    )
    assert (rows[2]["parameters"], rows[2]["trainable"]) == (32, 16)
    assert rows[2]["output"] == "6x6x8"


IMPOSSIBLE = [
    (
        "pool-below-1x1",
        [CONV, MAXPOOL, CONV, MAXPOOL, FLATTEN],
        (2, 2, 1),
        r"^Layer 4 \(MaxPool 2\): the image is 1x1 here, too small to pool; remove "
        r"this pooling \(or an earlier one\).$",
    ),
    (
        "pool-bigger-than-image",
        [{"type": "avgpool2d", "pool_size": 4}, FLATTEN],
        (3, 5, 1),
        r"^Layer 1 \(AvgPool 1\): the image is 3x5 here, too small for a 4x4 pool; "
        r"use a pool_size of at most 3 or remove this pooling.$",
    ),
    (
        "valid-kernel-too-big",
        [
            conv(kernel_size=5, padding="valid"),
            MAXPOOL,
            conv(kernel_size=5, padding="valid"),
            FLATTEN,
        ],
        (8, 8, 1),
        r"^Layer 3 \(Conv2D 2\): the image is 2x2 here, smaller than its 5x5 kernel "
        r"with 'valid' padding; use padding 'same' or a kernel_size of at most 2.$",
    ),
    (
        "dense-on-an-image",
        [CONV, MAXPOOL, dense(), FLATTEN],
        (28, 28, 1),
        r"^Layer 3 \(Dense 1\) gets a 14x14x16 image, but a Dense layer needs a flat "
        r"list of numbers: add a Flatten or Global average pooling layer before it.$",
    ),
    (
        "no-flatten",
        [CONV, MAXPOOL],
        (28, 28, 3),
        r"^The output layer would get a 14x14x16 image from MaxPool 1, but it needs "
        r"a flat list of numbers: add a Flatten or Global average pooling layer at "
        r"the end of the hidden layers.$",
    ),
    (
        "no-layers",
        [],
        (8, 8, 1),
        r"^The output layer would get a 8x8x1 image from the input",
    ),
    (
        "conv-on-a-table",
        [dense(), CONV],
        30,
        r"^Layer 2 \(Conv2D 1\): conv2d needs images; your data are a table of 30 "
        r"columns. Remove this layer, or choose an image dataset.$",
    ),
    (
        "flatten-on-a-table",
        [FLATTEN, dense()],
        (4,),
        r"^Layer 1 \(Flatten 1\): flatten needs images; your data are a table of 4 ",
    ),
    (
        "two-flattens",
        [CONV, FLATTEN, dense(), FLATTEN],
        (8, 8, 1),
        r"^Layer 4 \(Flatten 2\): the data are already flat after layer 2 "
        r"\(Flatten 1\); remove this Flatten.$",
    ),
    (
        "flatten-after-global-pooling",
        [CONV, GAP, FLATTEN],
        (8, 8, 1),
        r"^Layer 3 \(Flatten 1\): the data are already flat after layer 2 "
        r"\(GlobalAvgPool 1\)",
    ),
    (
        "conv-after-flatten",
        [FLATTEN, CONV],
        (8, 8, 1),
        r"^Layer 2 \(Conv2D 1\) gets flat data \(a list of 64 numbers\) after layer 1 "
        r"\(Flatten 1\), but conv2d needs an image: move it before that layer or "
        r"remove it.$",
    ),
    (
        "pool-after-global-pooling",
        [GAP, MAXPOOL],
        (8, 8, 3),
        r"^Layer 2 \(MaxPool 1\) gets flat data \(a list of 3 numbers\)",
    ),
]


@pytest.mark.parametrize(
    ("layers", "shape", "message"),
    [case[1:] for case in IMPOSSIBLE],
    ids=[case[0] for case in IMPOSSIBLE],
)
def test_a_stack_that_cannot_work_is_refused_naming_the_layer(layers, shape, message):
    layers = checked(layers)
    with pytest.raises(SpecError, match=message):
        check_stack(layers, shape)
    with pytest.raises(SpecError, match=message):  # the Model screen's count
        count_parameters(layers, shape, "multiclass", 3)
    with pytest.raises(SpecError, match=message):  # and its diagram
        network_figure(layers, shape, "multiclass", 3)


def test_tabular_stacks_still_work_and_strides_round_up():
    check_stack(checked(PRESETS["Wide with dropout"]), 30)
    layers = checked(
        [conv(strides=3), conv(kernel_size=3, strides=2, padding="valid"), FLATTEN]
    )
    rows = layer_shapes(layers, (10, 13, 1), "binary", None)
    # 'same' rounds up: 10/3 -> 4, 13/3 -> 5; 'valid': (4-3)//2+1, (5-3)//2+1
    assert [r["output"] for r in rows[1:]] == ["4x5x16", "1x2x16", "32", "1"]


# --- Keras agrees -------------------------------------------------------------------

KERAS_STACKS = [
    ("small-cnn-digits", IMAGE_PRESETS["Small CNN"], (8, 8, 1), "multiclass", 10),
    ("lenet-28", IMAGE_PRESETS["LeNet-like"], (28, 28, 1), "multiclass", 4),
    (
        "just-dense-rgb",
        IMAGE_PRESETS["Just Dense: see why convolutions help"],
        (16, 12, 3),
        "binary",
        None,
    ),
    (
        "every-image-layer",
        [
            conv(
                filters=4, kernel_size=5, strides=2, padding="valid", activation="tanh"
            ),
            {"type": "batchnorm"},
            {"type": "avgpool2d", "pool_size": 3},
            conv(filters=6, kernel_size=2, strides=3),
            {"type": "dropout", "rate": 0.1},
            {"type": "maxpool2d", "pool_size": 1},
            GAP,
            dense(5),
            {"type": "batchnorm"},
        ],
        (31, 23, 2),
        "regression",
        None,
    ),
    ("flatten-only", [FLATTEN], (5, 7, 3), "multiclass", 3),
]


@pytest.mark.parametrize(
    ("layers", "shape", "task", "n_classes"),
    [case[1:] for case in KERAS_STACKS],
    ids=[case[0] for case in KERAS_STACKS],
)
def test_shapes_and_parameters_equal_keras(layers, shape, task, n_classes):
    model_spec = validate_model_spec({"layers": layers})
    model = build_model(model_spec, shape, task, n_classes)
    rows = count_parameters(model_spec["layers"], shape, task, n_classes)
    assert len(rows) - 1 == len(model.layers)
    for row, layer in zip(rows, model.layers, strict=False):
        assert tuple(layer.output.shape[1:]) == row["shape"], row["name"]
        assert layer.count_params() == row["parameters"], row["name"]
    assert rows[-1]["parameters"] == model.count_params()
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert rows[-1]["trainable"] == trainable


def test_build_model_takes_images_and_rescales_the_pixels():
    import keras

    model_spec = {"layers": [conv(filters=3, kernel_size=2), MAXPOOL, GAP]}
    model = build_model(model_spec, (4, 4, 1), "multiclass", 3, seed=5)
    assert model.input_shape == (None, 4, 4, 1)
    assert model.output_shape == (None, 3)
    assert [type(layer) for layer in model.layers] == [
        keras.layers.Rescaling,
        keras.layers.Conv2D,
        keras.layers.MaxPooling2D,
        keras.layers.GlobalAveragePooling2D,
        keras.layers.Dense,
    ]
    rescaling, first = model.layers[:2]
    assert rescaling.scale == pytest.approx(1 / 255)
    config = first.get_config()
    assert (config["filters"], config["kernel_size"], config["padding"]) == (
        3,
        (2, 2),
        "same",
    )
    pixels = np.random.default_rng(0).integers(0, 256, (6, 4, 4, 1), dtype=np.uint8)
    as_floats = pixels.astype("float32")
    scaled = rescaling(as_floats)
    assert np.allclose(np.asarray(scaled), as_floats / 255)
    probabilities = np.asarray(model(pixels))
    assert np.allclose(probabilities, np.asarray(model(as_floats)))
    assert np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)


def test_image_networks_are_seeded_like_tables():
    spec = {"layers": IMAGE_PRESETS["Small CNN"]}
    first = build_model(spec, (8, 8, 1), "binary", None, seed=3).get_weights()
    again = build_model(spec, (8, 8, 1), "binary", None, seed=3).get_weights()
    other = build_model(spec, (8, 8, 1), "binary", None, seed=4).get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[0], other[0])  # the first conv's kernel


def test_build_model_refuses_a_stack_that_cannot_work_before_keras():
    with pytest.raises(SpecError, match=r"Layer 1 \(Dense 1\) gets a 8x8x1 image"):
        build_model({"layers": [dense(), FLATTEN]}, (8, 8, 1), "binary", None)
    with pytest.raises(SpecError, match=r"conv2d needs images; your data are a table"):
        build_model({"layers": [CONV]}, 12, "binary", None)


# --- presets, summary, diagram ------------------------------------------------------


@pytest.mark.parametrize(
    "shape", [(8, 8, 1), (28, 28, 1), (64, 64, 3)], ids=["8x8x1", "28x28x1", "64x64x3"]
)
@pytest.mark.parametrize("name", list(IMAGE_PRESETS), ids=list(IMAGE_PRESETS))
def test_image_presets_fit_small_and_large_images(name, shape):
    layers = checked(IMAGE_PRESETS[name])
    check_stack(layers, shape)
    trainable = count_parameters(layers, shape, "multiclass", 10)[-1]["trainable"]
    assert parameters_problem(trainable) is None
    assert IMAGE_PRESET_DESCRIPTIONS[name].endswith(".")


def test_image_presets_are_the_documented_networks():
    def kinds(name):
        return [
            (
                layer["type"],
                layer.get("filters") or layer.get("units") or layer.get("rate"),
                layer.get("kernel_size"),
            )
            for layer in IMAGE_PRESETS[name]
        ]

    assert kinds("Small CNN") == [
        ("conv2d", 16, 3),
        ("maxpool2d", None, None),
        ("conv2d", 32, 3),
        ("maxpool2d", None, None),
        ("flatten", None, None),
        ("dense", 64, None),
        ("dropout", 0.3, None),
    ]
    assert kinds("LeNet-like") == [
        ("conv2d", 6, 5),
        ("avgpool2d", None, None),
        ("conv2d", 16, 5),
        ("avgpool2d", None, None),
        ("flatten", None, None),
        ("dense", 120, None),
        ("dense", 84, None),
    ]
    assert kinds("Just Dense: see why convolutions help") == [
        ("flatten", None, None),
        ("dense", 128, None),
        ("dense", 64, None),
    ]
    assert "'same' padding" in IMAGE_PRESET_DESCRIPTIONS["LeNet-like"]
    assert set(IMAGE_PRESETS).isdisjoint(PRESETS)


@pytest.mark.parametrize(
    ("name", "summary"),
    [
        ("Small CNN", "conv 16-32 · 64 + dropout"),
        ("LeNet-like", "conv 6-16 · 120-84"),
        ("Just Dense: see why convolutions help", "128-64"),
    ],
)
def test_network_summary_of_image_presets(name, summary):
    assert network_summary({"model": {"layers": IMAGE_PRESETS[name]}}) == summary
    unvalidated = {"model": {"layers": [CONV, FLATTEN, {"type": "batchnorm"}]}}
    assert network_summary(unvalidated) == "conv 16 + batchnorm"


def test_network_inputs_are_the_image_shape_for_images():
    images = SimpleNamespace(image_shape=[28, 28, 1], n_features=784)
    table = SimpleNamespace(n_features=30)
    assert network_inputs(images) == (28, 28, 1)
    assert network_inputs(table) == 30


def test_the_diagram_draws_images_as_labelled_boxes_then_neurons():
    layers = checked(IMAGE_PRESETS["Small CNN"])
    figure = network_figure(
        layers, (28, 28, 1), "multiclass", 10, class_names=[str(d) for d in range(10)]
    )
    names = [trace.name for trace in figure.data]
    assert names == [
        "connections",
        "flow",
        "Input",
        "Conv2D 1",
        "MaxPool 1",
        "Conv2D 2",
        "MaxPool 2",
        "Flatten 1",
        "Dense 1",
        "Output",
    ]
    boxes = [t for t in figure.data if t.fill == "toself"]
    assert [t.name for t in boxes] == names[2:7]
    heights = [max(t.y) - min(t.y) for t in boxes]
    assert heights[0] == heights[1] > heights[2] == heights[3] > heights[4]
    assert "16 filters of 3x3, stride 1, 'same' padding" in boxes[1].text
    texts = [a.text for a in figure.layout.annotations]
    assert "<b>Input</b><br>28x28x1 image" in texts
    assert "<b>Conv 16 · 3x3</b><br>→ 28x28x16" in texts
    assert "<b>MaxPool 2x2</b><br>→ 14x14x16" in texts
    assert "<b>Flatten</b><br>→ 1568" in texts
    assert "+1558 more" in texts and "+54 more<br>then dropout 30%" in texts
    assert "<b>Output</b><br>10 · softmax" in texts and "7" in texts
    (edges,) = [t for t in figure.data if t.name == "connections"]
    assert list(edges.x).count(None) == 10 * 10 + 10 * 10  # flatten-dense-output
    assert colour_problems(figure) == []


def test_the_diagram_of_global_pooling_and_no_names_for_pixels():
    layers = checked([conv(filters=4), GAP, {"type": "batchnorm"}])
    figure = network_figure(
        layers, (8, 8, 3), "binary", None, feature_names=["r", "g", "b"]
    )
    texts = [a.text for a in figure.layout.annotations]
    assert "<b>Global avg pool</b><br>→ 4" in texts
    assert "then batch norm" in texts
    assert "r" not in texts  # pixels have no feature names to write


def test_image_layers_load_without_tensorflow():
    loaded = heavy_modules_after(
        "from nncore.spec import validate_model_spec\n"
        "from nncore.spec.stack import check_stack, layer_shapes\n"
        "from nncore.train.model import count_parameters, IMAGE_PRESETS\n"
        "from nncore.plots.network import network_figure\n"
        "for layers in IMAGE_PRESETS.values():\n"
        "    layers = validate_model_spec({'layers': layers})['layers']\n"
        "    check_stack(layers, (28, 28, 1))\n"
        "    layer_shapes(layers, (8, 8, 1), 'multiclass', 10)\n"
        "    count_parameters(layers, (64, 64, 3), 'binary', None)\n"
        "    network_figure(layers, (28, 28, 1), 'multiclass', 10)\n"
    )
    assert loaded == []
