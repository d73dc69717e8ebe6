"""Trying an image classifier on the Evaluate screen: a picture drawn on a canvas,
uploaded, or taken with the webcam, converted exactly as the dataset's pictures
were (``nncore.data.image_sets.decode_image``: the same size and colour mode),
then the network's answer, its probabilities and the picture's feature maps.

The canvas is streamlit-drawable-canvas's; it draws in the dataset's colours
(light strokes on black for the digits), and a drawing is cropped to its strokes
and centred before it is shrunk, as the dataset's digits fill their square
(``nncore.train.image_evaluation.centre_drawing``).
"""

from __future__ import annotations

import hashlib

import streamlit as st

from nncore.core.errors import DataError
from nncore.core.text import short
from nncore.data.image_files import IMAGE_EXTENSIONS
from nncore.plots.image_eval import thumbnail
from nncore.spec.stack import shape_text
from ui import models, presenter, safe
from ui.image_inside import show_feature_maps

__all__ = ["CANVAS_SIDE", "SOURCES", "show_image_try"]

SOURCES = {
    "draw": "Draw",
    "upload": "Upload a picture",
    "camera": "Take a photo",
}
SOURCE = "evaluate_try_source"
CANVAS = "evaluate_try_canvas"
CANVAS_SIDE = 240
UPLOAD_TYPES = sorted(extension.lstrip(".") for extension in IMAGE_EXTENSIONS)


def show_image_try(model, prepared, version: str, spec: dict | None = None) -> None:
    """Draw, upload or photograph a picture and see what the network answers.

    Args:
        model: the trained Keras model.
        prepared: the ``PreparedImages`` it was trained on.
        version: the model file's version (``ui.models.load_model``).
        spec: the experiment it was built from, for the feature maps (none
            without it).
    """
    st.subheader("Try the model", divider="gray")
    with st.container(key="evaluate_try_pictures"):
        _show_try(model, prepared, version, spec)


def _show_try(model, prepared, version: str, spec: dict | None) -> None:
    height, width, _ = prepared.image_shape
    st.caption(
        f"Give the network a picture of your own. It is converted as the dataset's "
        f"were, to {width}x{height} pixels in {prepared.color}, then the network "
        "answers with a probability for each class."
    )
    source = st.segmented_control(
        "Picture from",
        list(SOURCES),
        format_func=SOURCES.get,
        default="draw",
        key=SOURCE,
        help="Draw one with the mouse (or a finger), upload a file, or take a "
        "photo with the webcam.",
    )
    source = source or "draw"
    if source == "draw":
        picture = _drawing(prepared)
    elif source == "upload":
        upload = st.file_uploader(
            "A picture: PNG, JPEG, BMP, GIF or WebP",
            type=UPLOAD_TYPES,
            key="evaluate_try_picture",
            help="Any size: it is shrunk (or enlarged) to the dataset's size.",
        )
        picture = None if upload is None else (upload.getvalue(), upload.name)
    else:
        shot = st.camera_input(
            "Take a photo",
            key="evaluate_try_camera",
            help="Your browser asks to use the webcam; nothing leaves this app.",
        )
        picture = None if shot is None else (shot.getvalue(), "webcam photo")
    answers = models.results("try_pictures")
    key = (version, models.token(prepared), source)
    if picture is not None:
        data, name = picture
        digest = hashlib.sha256(data).hexdigest()
        if answers.get(key, (None,))[0] != digest:
            answers[key] = (digest, *_answer(model, prepared, data, name))
    if key not in answers:
        return
    _, pixels, answer, problem = answers[key]
    if problem:
        safe.error(problem)
        return
    _show_answer(model, prepared, spec, pixels, answer)


def _drawing(prepared) -> tuple[bytes, str] | None:
    """The canvas and its Predict button; the drawing once Predict is pressed."""
    from nncore.train.image_evaluation import centre_drawing, drawing_colours

    try:
        from streamlit_drawable_canvas import st_canvas
    except ImportError:  # the optional drawing component is not installed
        st.caption(
            "Drawing needs the streamlit-drawable-canvas package (pip install -r "
            "requirements.txt); upload a picture or take a photo instead."
        )
        return None
    ink, background = drawing_colours(prepared.images)
    left, right = st.columns([1, 1], gap="medium")
    with left:
        stroke = st.slider(
            "Pen width",
            4,
            48,
            max(8, CANVAS_SIDE // 11),
            key="evaluate_try_pen",
            help="Thick strokes suit small pictures: the drawing is shrunk to "
            f"{shape_text(prepared.image_shape[:2])} pixels.",
        )
        drawn = st_canvas(
            stroke_width=stroke,
            stroke_color=ink,
            background_color=background,
            width=CANVAS_SIDE,
            height=CANVAS_SIDE,
            drawing_mode="freedraw",
            return_image_data=True,
            key=CANVAS,
        )
    with right:
        centre = st.toggle(
            "Centre and fit the drawing",
            value=True,
            key="evaluate_try_centre",
            help="Crop the drawing to its strokes and centre it, as the dataset's "
            "pictures fill their square. Off: the whole canvas is shrunk.",
        )
        pressed = st.button(
            "Predict",
            type="primary",
            icon=":material/play_arrow:",
            key="evaluate_try_predict",
            help="Send the drawing through the network.",
        )
        st.caption(
            "Draw with the mouse, then press Predict. The canvas's toolbar (on "
            "hover) undoes a stroke or clears it."
        )
    if not pressed:
        return None
    data = drawn.image_bytes
    if data and centre:
        data = centre_drawing(data, background)
    if not data:
        safe.info("Draw something on the canvas first, then press Predict.")
        return None
    return data, "drawing.png"


def _answer(model, prepared, data: bytes, name: str):
    """(pixels, answer, problem) for one picture's bytes."""
    from nncore.data.image_sets import decode_image
    from nncore.train.evaluation import model_predictor
    from nncore.train.image_evaluation import predict_picture

    try:
        pixels = decode_image(
            data, size=list(prepared.image_shape[:2]), color=prepared.color, name=name
        )
        return pixels, predict_picture(model_predictor(model), prepared, pixels), None
    except (DataError, ValueError) as problem:
        return None, None, str(problem)


def _show_answer(model, prepared, spec, pixels, answer) -> None:
    from nncore.plots.evaluation import prediction_figure

    left, right = st.columns([1, 2], gap="medium")
    with left:
        st.image(
            thumbnail(pixels, 120),
            caption="What the network sees",
            width=120,
        )
        st.metric("Predicted class", safe.escape(short(answer["label"], 40)))
        st.caption(f"The network is {answer['confidence']:.0%} sure.")
    with right:
        presenter.plotly_chart(
            prediction_figure(answer["probabilities"]), key="evaluate_try_chart"
        )
    if spec is not None:
        _show_maps(model, prepared, spec, pixels)


def _show_maps(model, prepared, spec, pixels) -> None:
    from nncore.inside.convolution import is_convolutional, unpack
    from nncore.train.model import network_inputs

    layers = spec["model"]["layers"]
    if not is_convolutional(layers):
        return
    n_classes = len(prepared.classes) if prepared.task == "multiclass" else None
    try:
        network = unpack(
            layers,
            network_inputs(prepared),
            prepared.task,
            n_classes,
            model.get_weights(),
        )
    except ValueError:  # a model file whose network is not the spec's
        return
    show_feature_maps(
        network,
        prepared,
        pixels,
        title="Feature maps of your picture",
        key="evaluate_try_maps",
        say=False,
    )
