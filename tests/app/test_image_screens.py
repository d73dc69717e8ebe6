"""The Model, Train and Evaluate screens on pictures (issue 14), under AppTest: the
image layers and presets with every layer's output shape, a stack that cannot
work refused with its fix, the filters and feature maps as the network learns,
the confusion matrix's pictures, the most confident mistakes, each class's
accuracy, and trying the network on an uploaded picture.

``run_every`` fragments never tick under AppTest, so the pages are rerun until
the training ends (``tests.support.poll``).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from nncore.spec import default_spec, validate_spec
from nncore.train.model import IMAGE_PRESETS
from tests.app.conftest import ROOT
from tests.pictures import save
from tests.support import (
    charts,
    ended,
    experiment,
    keras_in_the_main_thread,  # noqa: F401
    plain,
    poll,
    texts,
)

DIGITS = "builtin:digits_images"
# Session-state keys a page opened on its own needs to find the session's job.
SESSION = ("spec", "job_id", "job_owner")


def open_page(name: str, spec: dict, **state) -> AppTest:
    at = AppTest.from_file(str(ROOT / "screens" / f"{name}.py"), default_timeout=60)
    at.session_state["spec"] = spec
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def model_page(source: str = DIGITS, layers: list | None = None) -> AppTest:
    spec = default_spec()
    spec["data"]["source"] = source
    if layers is not None:
        spec["model"]["layers"] = layers
    return open_page("model", spec)


def shapes(at) -> list[tuple[str, str, int]]:
    table = at.dataframe[0].value
    return list(
        zip(table["Layer"], table["Output shape"], table["Parameters"], strict=True)
    )


def errors(at) -> list[str]:
    return texts(at.error)


def captions(at) -> list[str]:
    """The captions under the page's pictures, as a user reads them."""
    return [plain(c) for image in at.get("image") for c in image.captions]


def layer_titles(at) -> list[str]:
    return [m for m in texts(at.markdown) if re.fullmatch(r"\*\*\d+\. \w+\*\*", m)]


# --- the Model screen ----------------------------------------------------------------


def test_a_table_network_on_pictures_is_refused_with_the_image_presets_offered():
    at = model_page()  # the default network: dense layers, made for a table
    assert not at.exception
    assert any("Inputs: 8x8x1 pictures (grayscale" in c for c in texts(at.caption))
    (message,) = errors(at)
    assert message.startswith("This network was made for a table, and your data are")
    assert "Layer 1 (Dense 1) gets a 8x8x1 image" in message
    assert "add a Flatten or Global average pooling layer before it" in message
    assert not at.dataframe  # no summary of a network that cannot be built
    # Nothing is lost: the stack stays as it was, to be fixed or replaced.
    assert [layer["type"] for layer in at.session_state["spec"]["model"]["layers"]] == [
        "dense",
        "dropout",
        "dense",
    ]
    # Only the image presets are offered, at the top and beside the message.
    presets = [b.label for b in at.button if b.key.startswith("model_preset_")]
    assert presets == list(IMAGE_PRESETS)
    adds = [b.label for b in at.button if b.key.startswith("model_add_")]
    assert adds[:5] == [
        "Add Conv2D",
        "Add MaxPool",
        "Add AvgPool",
        "Add Flatten",
        "Add GlobalAvgPool",
    ]

    at.button(key="model_fix_preset_0").click().run()  # Small CNN

    assert not errors(at) and not at.exception
    assert shapes(at) == [
        ("Rescaling", "8x8x1", 0),
        ("Conv2D 1", "8x8x16", 160),
        ("MaxPool 1", "4x4x16", 0),
        ("Conv2D 2", "4x4x32", 4640),
        ("MaxPool 2", "2x2x32", 0),
        ("Flatten 1", "128", 0),
        ("Dense 1", "64", 8256),
        ("Dropout 1", "64", 0),
        ("Output", "10", 650),
        ("Total", "", 13706),
    ]
    assert {m.label: m.value for m in at.metric}["Parameters to learn"] == "13,706"
    diagram = charts(at)
    assert any(
        trace.get("name") == "Conv2D 1" for f in diagram.values() for trace in f["data"]
    )


def test_conv_and_pool_widgets_change_the_shapes_and_a_stack_too_small_is_refused():
    at = model_page(layers=IMAGE_PRESETS["LeNet-like"])
    assert layer_titles(at)[:2] == ["**1. Conv2D**", "**2. AvgPool**"]
    assert shapes(at)[1] == ("Conv2D 1", "8x8x6", 156)  # 5*5*1*6 + 6
    # Each setting links to its plain explanation on the Glossary screen.
    filters_help = at.number_input(key="model_layer_0_filters").help
    assert "(glossary#filter)" in filters_help
    assert "(glossary#feature-map)" in filters_help
    assert "(glossary#stride)" in at.number_input(key="model_layer_0_strides").help
    assert "(glossary#padding)" in at.selectbox(key="model_layer_0_padding").help
    assert "(glossary#pooling)" in at.number_input(key="model_layer_1_pool_size").help

    at.number_input(key="model_layer_0_filters").set_value(4).run()
    at.number_input(key="model_layer_0_kernel_size").set_value(3).run()
    at.selectbox(key="model_layer_0_padding").set_value("valid").run()
    assert shapes(at)[1:3] == [("Conv2D 1", "6x6x4", 40), ("AvgPool 1", "3x3x4", 0)]
    # Stride 2 leaves a 3x3 picture, pooled to 1x1: the second pooling cannot work.
    at.number_input(key="model_layer_0_strides").set_value(2).run()
    (message,) = errors(at)
    assert message.startswith("This network cannot work on your data.")
    assert "Layer 4 (AvgPool 2): the image is 1x1 here, too small to pool" in message
    assert "remove this pooling (or an earlier one)" in message
    # Nothing is lost: the stride is kept, to be fixed.
    assert at.session_state["spec"]["model"]["layers"][0]["strides"] == 2
    at.number_input(key="model_layer_0_strides").set_value(1).run()
    assert not errors(at)
    assert shapes(at)[1] == ("Conv2D 1", "6x6x4", 40)
    assert not at.exception


def test_an_image_network_on_a_table_says_so_and_offers_the_table_presets():
    at = model_page("builtin:breast_cancer", layers=IMAGE_PRESETS["Small CNN"])
    assert not at.exception
    (message,) = errors(at)
    assert message.startswith("This network was made for pictures, and your data are")
    assert "conv2d needs images; your data are a table of 30 columns" in message
    adds = [b.label for b in at.button if b.key.startswith("model_add_")]
    assert adds == ["Add Dense layer", "Add Dropout", "Add BatchNorm"]
    at.button(key="model_fix_preset_0").click().run()  # Start simple
    assert not errors(at)
    assert shapes(at)[0] == ("Dense 1", "8", 248)


# --- Train and Evaluate --------------------------------------------------------------


@pytest.fixture(scope="module")
def trained_cnn():
    """A small CNN trained 3 epochs on the digits through the Train screen."""
    spec = experiment(DIGITS, epochs=3, batch_size=32)
    spec["model"]["layers"] = IMAGE_PRESETS["Small CNN"]
    at = open_page("train", validate_spec(spec))
    at.button(key="train_start").click().run()
    poll(at, ended, "the training to end")
    return at


def evaluate_page(train_at) -> AppTest:
    state = {key: train_at.session_state[key] for key in SESSION[1:]}
    return open_page("evaluate", train_at.session_state["spec"], **state)


def test_the_train_screen_shows_the_filters_and_a_pictures_feature_maps(trained_cnn):
    at = trained_cnn
    assert not at.exception
    found = charts(at)
    filters = found["The first convolution's filters, after epoch 3"]
    assert filters["data"][0]["type"] == "heatmap"  # one channel: weights in colours
    assert len(filters["layout"]["annotations"]) == 16  # the 16 filters, numbered
    maps = found["Feature maps of training picture 1, after epoch 3"]
    rows = [a["text"] for a in maps["layout"]["annotations"]]
    assert rows == [
        "Conv2D 1 · 8x8x16 (8 of 16 maps)",
        "MaxPool 1 · 4x4x16 (8 of 16 maps)",
        "Conv2D 2 · 4x4x32 (8 of 32 maps)",
        "MaxPool 2 · 2x2x32 (8 of 32 maps)",
    ]
    (picture,) = [i for i in at.get("image") if "Picture 1" in plain(i.captions[0])]
    assert picture.captions
    assert any("With these weights the network says" in c for c in texts(at.caption))

    at.number_input(key="train_inside_picture").set_value(7).run()
    assert "Feature maps of training picture 7, after epoch 3" in charts(at)

    # The time machine: the starting weights' filters are another picture.
    slider = next(s for s in at.select_slider if s.label == "Epoch shown")
    slider.set_value(0).run()
    start = charts(at)["The first convolution's filters, its starting weights"]
    assert start["data"][0]["z"] != filters["data"][0]["z"]
    slider.set_value(3).run()
    assert not at.exception


def test_a_network_without_convolutions_shows_its_dense_weights():
    spec = experiment(DIGITS, epochs=2, batch_size=64)
    spec["model"]["layers"] = IMAGE_PRESETS["Just Dense: see why convolutions help"]
    at = open_page("train", validate_spec(spec))
    at.button(key="train_start").click().run()
    poll(at, ended, "the training to end")
    found = charts(at)
    assert "The network's weights, after epoch 2" in found
    assert not [title for title in found if "filters" in title]
    assert any(
        "This network has no convolution: it sees each picture as one long row of 64 "
        "pixel values" in c
        for c in texts(at.caption)
    )


def test_evaluate_shows_a_cells_pictures_the_mistakes_and_each_classs_accuracy(
    trained_cnn,
):
    at = evaluate_page(trained_cnn)
    assert not at.exception
    found = charts(at)
    assert "Confusion matrix (validation pictures)" in found
    per_class = found["Accuracy per class (validation pictures)"]
    assert per_class["data"][0]["x"] == [str(d) for d in range(10)]
    assert all(0 <= y <= 1 for y in per_class["data"][0]["y"])
    # No table-only parts: no column importance, no table upload.
    headers = [h.value for h in at.subheader]
    assert "Which columns matter" not in headers
    assert "Predict a whole table" not in headers
    assert "**The most confident mistakes**" in texts(at.markdown)
    mistakes = [c for c in captions(at) if "→" in c]
    # Three epochs leave a few mistakes on 270 digits, the surest first.
    assert 1 <= len(mistakes) <= 12
    assert re.fullmatch(r"\d → \d \d+%", mistakes[0])
    assert not [c for c in captions(at) if re.fullmatch(r"\d+%", c)]

    at.selectbox(key="evaluate_cell").set_value("3,3").run()
    cell = [c for c in captions(at) if re.fullmatch(r"\d+%", c)]
    assert 1 <= len(cell) <= 24
    sure = [int(c[:-1]) for c in cell]
    assert sure == sorted(sure, reverse=True)  # the most confident first
    assert any(
        "of '3' predicted as '3', the most confident first" in c
        for c in texts(at.caption)
    )
    assert not at.exception


def test_try_it_with_an_uploaded_picture_and_a_file_that_is_not_one(trained_cnn):
    from nncore.data.images import prepare_images

    at = evaluate_page(trained_cnn)
    source = next(c for c in at.get("button_group") if c.label == "Picture from")
    source.set_value("upload").run()
    prepared = prepare_images(at.session_state["spec"]["data"])
    three = prepared.image(int(np.flatnonzero(prepared.labels == 3)[0]))
    from PIL import Image

    big = Image.fromarray(three[:, :, 0]).resize((64, 64), Image.Resampling.NEAREST)
    at.file_uploader(key="evaluate_try_picture").set_value(
        ("three.png", save(big), "image/png")
    ).run()

    assert not at.exception
    assert "Predicted class" in [m.label for m in at.metric]
    probabilities = charts(at)["Class probabilities"]
    assert sorted(probabilities["data"][0]["y"]) == [str(d) for d in range(10)]
    assert "Feature maps of your picture" in charts(at)
    seen = [i for i in at.get("image") if i.captions == ["What the network sees"]]
    assert seen

    at.file_uploader(key="evaluate_try_picture").set_value(
        ("notes.png", b"this is text, not a picture", "image/png")
    ).run()
    assert not at.exception
    assert any("'notes.png' cannot be used" in e for e in errors(at))
