"""The Data screen for pictures: a built-in image dataset, a ZIP of class folders or
classes made on screen (``ui.image_classes``); the image size and colour mode; the
split; a grid of sample pictures per class, the class balance, the sizes seen and
the pitfalls; augmentation with a preview on training pictures.

The pictures flow through the same session keys as tables: ``state.TABLE`` holds
the ``LoadedImages`` and ``state.REPORT`` a ``DataReport`` whose ``prepared`` is a
``PreparedImages``, so ``ui.page.prepared_data()`` gives it to the other screens.
An uploaded ZIP (or the classes' ZIP) is kept as bytes (``state.IMAGE_SOURCE``) and
named by its file name in ``data.source``, as an uploaded table is.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import streamlit as st

from nncore.core import glossary
from nncore.core.errors import DataError, SpecError
from nncore.core.text import plural, quoted
from nncore.spec import validate_data_spec
from ui import demo_settings, image_classes, image_model, presenter, safe, state

if TYPE_CHECKING:
    from nncore.data.image_sets import LoadedImages

ZIP_CHOICE = "A ZIP of class folders"
CLASSES_CHOICE = "Classes made here (webcam or files)"
SIZES = ["auto", "8", "16", "28", "32", "48", "64", "96", "128"]
COLORS = {
    "auto": "Automatic",
    "grayscale": "Grayscale (1 channel)",
    "rgb": "Colour, RGB (3 channels)",
}
AUGMENT_SAMPLES = 8  # training pictures in the augmentation preview
AUGMENT_ROWS = 2  # augmented copies of each
SIZES_SHOWN = 5  # sizes before resizing listed by name


@dataclass
class PictureSource:
    """Pictures the user brought: a ZIP's bytes, kept so that they can be read
    again at another size or colour mode, and the pictures last read from it.

    Attributes:
        name: the file name (``data.source``), e.g. ``"pets.zip"``.
        data: the ZIP's bytes.
        origin: ``"zip"`` (uploaded) or ``"classes"`` (made on the screen).
        version: the ``ClassBook`` version the classes' ZIP was made from.
    """

    name: str
    data: bytes
    origin: str = "zip"
    version: int = 0
    loaded: LoadedImages | None = None
    settings: str | None = None

    def load(self, images: dict) -> LoadedImages:
        """The pictures at ``images``' size and colour (``data.images``), read
        again only when those changed.

        Raises:
            DataError: as ``nncore.data.image_sets.load_images``.
        """
        from nncore.data.image_sets import load_images

        settings = json.dumps(images, sort_keys=True)
        if self.loaded is None or self.settings != settings:
            self.loaded = load_images(
                self.data, size=images["size"], color=images["color"], name=self.name
            )
            self.settings = settings
        return self.loaded


def is_images(table) -> bool:
    """Whether the data chosen on the screen is pictures (not a table)."""
    return table is not None and not hasattr(table, "frame")


def source_kind(source: str) -> int:
    """Where ``data.source`` is on the screen's "Where is the data?": 0 built-in,
    1 a file (table), 2 pictures."""
    if source.startswith("builtin:"):
        return 0
    return 2 if source_is_pictures(source) else 1


def source_is_pictures(source: str) -> bool:
    """Whether ``data.source`` names a ZIP or folder of pictures (not a built-in)."""
    if source.startswith("builtin:"):
        return False
    current = st.session_state.get(state.IMAGE_SOURCE)
    return source.lower().endswith(".zip") or (
        current is not None and current.name == source
    )


# --- choosing the pictures ------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=16)
def builtin_images(name: str, settings: str) -> LoadedImages:
    """A built-in image dataset, shared read-only by every session (``settings``:
    the JSON of the ``data`` fields it depends on)."""
    from nncore.data.image_sets import load_image_source

    return load_image_source({"source": f"builtin:{name}", **json.loads(settings)})


def choose_builtin_images(name: str, data: dict) -> LoadedImages | None:
    """The options of a built-in image dataset (the shapes' drawing), its size and
    colour mode, and its pictures; None after saying why they cannot be made."""
    if name == "shapes":
        shape_options(data)
    native = "8×8" if name == "digits_images" else "28×28"
    image_settings(data, automatic=f"Automatic: {native}, the set's own size")
    used = {"images": data["images"]}
    if name == "shapes":
        used.update(
            {k: data[k] for k in ("n_samples", "noise", "shapes", "seed")},
        )
    try:
        with st.spinner("Drawing the pictures…"):
            return builtin_images(name, json.dumps(used, sort_keys=True))
    except DataError as problem:
        safe.error(problem)
        return None


def shape_options(data: dict) -> None:
    """The shapes generator's options: how many, noise, size range, jitter,
    rotation (and, in advanced mode, the seed)."""
    shapes = data["shapes"]
    a, b, c = st.columns(3)
    data["n_samples"] = a.slider(
        "Pictures",
        100,
        10_000,
        min(10_000, max(100, int(data["n_samples"]))),
        step=100,
        key="data_shapes_count",
        help="How many shapes to draw, spread evenly over the four classes.",
    )
    data["noise"] = b.slider(
        "Noise",
        0.0,
        0.5,
        min(0.5, float(data["noise"])),
        step=0.05,
        key="data_shapes_noise",
        help="Random speckles on every picture: more noise, harder to learn.",
    )
    low, high = c.slider(
        "Shape size (share of the picture)",
        0.1,
        1.0,
        (float(shapes["min_size"]), float(shapes["max_size"])),
        step=0.05,
        key="data_shapes_size",
        help="The smallest and largest shapes, as a share of the picture's side.",
    )
    shapes.update(min_size=round(low, 2), max_size=round(high, 2))
    shapes["jitter"] = a.slider(
        "Position jitter",
        0.0,
        0.5,
        float(shapes["jitter"]),
        step=0.05,
        key="data_shapes_jitter",
        help="How far a shape may move from the middle, as a share of the side: "
        "a network without convolutions struggles when things move around.",
    )
    shapes["rotation"] = b.slider(
        "Rotation (degrees either way)",
        0,
        180,
        int(shapes["rotation"]),
        step=5,
        key="data_shapes_rotation",
        help="How far each shape may be turned.",
    )
    if presenter.advanced():
        data["seed"] = c.number_input(
            "Seed",
            0,
            2**31 - 1,
            data["seed"],
            key="data_shapes_seed",
            help=f"The same {glossary.link('seed')} gives the same pictures and "
            "split; another one shows how much the result depends on chance.",
        )


def size_choice(size: Any) -> str:
    """``data.images.size`` as the size box's choice: ``"auto"``, ``"32"``, or
    ``"48x64"``."""
    if size in (None, "auto"):
        return "auto"
    if isinstance(size, list | tuple):
        height, width = (int(n) for n in size)
        return str(height) if height == width else f"{height}x{width}"
    return str(int(size))


def size_value(choice: str) -> Any:
    """The size box's choice as ``data.images.size``."""
    if choice == "auto":
        return "auto"
    if "x" in choice:
        return [int(n) for n in choice.split("x")]
    return int(choice)


def image_settings(data: dict, *, automatic: str) -> None:
    """The image size and colour mode every picture is converted to."""
    images = data["images"]
    current = size_choice(images["size"])
    options = SIZES if current in SIZES else [*SIZES, current]
    left, right = st.columns(2)
    chosen = left.selectbox(
        "Image size",
        options,
        index=options.index(current),
        format_func=lambda c: (
            automatic
            if c == "auto"
            else f"{c.replace('x', '×')} pixels"
            if "x" in c
            else f"{c}×{c} pixels"
        ),
        key="data_image_size",
        help="Every picture is resized (stretched, not cropped) to this size. "
        "Smaller pictures train faster; details smaller than a few pixels are "
        "lost.",
    )
    images["size"] = size_value(chosen)
    images["color"] = right.radio(
        "Colour",
        list(COLORS),
        index=list(COLORS).index(images["color"]),
        format_func=COLORS.get,
        horizontal=True,
        key="data_image_color",
        help=f"Grayscale keeps one number per {glossary.link('pixel')}, RGB three. "
        "Automatic: "
        "grayscale when every picture is grayscale.",
    )


def choose_pictures(data: dict) -> LoadedImages | None:
    """The user's own pictures: a ZIP of class folders or classes made here, then
    their size and colour mode; None after saying what is missing."""
    current = st.session_state[state.IMAGE_SOURCE]
    choices = [ZIP_CHOICE, CLASSES_CHOICE]
    kind = st.radio(
        "Pictures from",
        choices,
        index=1 if current is not None and current.origin == "classes" else 0,
        horizontal=True,
        key="data_pictures_kind",
        help="A ZIP with one folder per class (cats/…, dogs/…), or classes you "
        "name and fill here with the webcam or picture files.",
    )
    if kind == ZIP_CHOICE:
        take_zip(data)
        origin = "zip"
    else:
        image_classes.build(use_classes)
        origin = "classes"
    source = st.session_state[state.IMAGE_SOURCE]
    if source is None or source.origin != origin:
        if origin == "classes":
            pass  # the classes say what is missing
        elif source_is_pictures(data["source"]) and source is None:
            safe.info(
                f"This experiment was made with the pictures '{data['source']}'. "
                "Upload that ZIP (or another one with the same classes) to continue."
            )
        else:
            safe.info("Upload a ZIP with one folder of pictures per class to begin.")
        return None
    if origin == "classes" and source.version != image_classes.book().version:
        safe.info(
            "Your classes changed since you pressed “Use these classes”: press it "
            "again to use them as they are now."
        )
    st.subheader("Image settings", divider="gray")
    image_settings(
        data, automatic="Automatic: the most common size, at most 64×64 pixels"
    )
    try:
        with st.spinner("Reading the pictures…"):
            loaded = source.load(data["images"])
    except DataError as problem:
        safe.error(problem)
        return None
    data["source"] = source.name
    return loaded


def take_zip(data: dict) -> None:
    """The ZIP uploader: a good ZIP becomes the pictures in use; a bad one is
    refused with its reason, and the pictures loaded before stay."""
    upload = st.file_uploader(
        "A ZIP with one folder per class",
        type=["zip"],
        key="data_image_zip",
        help="For example cats/1.jpg, cats/2.jpg, dogs/1.jpg …: each folder's name "
        "is a class. PNG, JPEG, BMP, GIF (first frame) and WebP are read; one "
        "wrapping folder around the class folders is fine.",
    )
    if upload is None:
        st.session_state[state.IMAGE_ERROR] = None  # its message goes with it
    elif upload.file_id != st.session_state[state.IMAGE_UPLOAD_ID]:
        st.session_state[state.IMAGE_UPLOAD_ID] = upload.file_id
        refused = take_pictures(upload.getvalue(), upload.name, size=upload.size)
        st.session_state[state.IMAGE_ERROR] = refused
    refused = st.session_state[state.IMAGE_ERROR]
    if refused:
        safe.error(refused)
        current = st.session_state[state.IMAGE_SOURCE]
        if current is not None:
            safe.info(f"Still using the pictures loaded before: {current.name}.")


def take_pictures(
    data: bytes, name: str, *, size: int | None = None, origin: str = "zip"
) -> str | None:
    """Make a ZIP of class folders the session's pictures, if it can be read with
    the experiment's image settings; returns why not (nothing changes then)."""
    from nncore.core.limits import check_upload_size

    spec_images = st.session_state[state.SPEC]["data"]["images"]
    source = PictureSource(name=name, data=data, origin=origin)
    try:
        check_upload_size(len(data) if size is None else size)
        with st.spinner("Reading the pictures…"):
            source.load(spec_images)
    except DataError as problem:
        return str(problem)
    except Exception as problem:  # a bug must not cost the user their pictures
        return (
            f"Something went wrong while reading {quoted(name, 60)} "
            f"({type(problem).__name__}: {problem}). This is a bug in NN Studio; "
            "please report it with the ZIP that caused it."
        )
    st.session_state[state.IMAGE_SOURCE] = source
    return None


def use_classes(data: bytes, name: str, version: int) -> str | None:
    """``ui.image_classes``' "Use these classes": read their ZIP as any ZIP."""
    refused = take_pictures(data, name, origin="classes")
    if refused is None:
        st.session_state[state.IMAGE_SOURCE].version = version
        st.session_state[state.SPEC]["data"]["source"] = name
    return refused


# --- showing them ---------------------------------------------------------------------


def show_images(
    loaded: LoadedImages,
    data: dict,
    *,
    settings: Callable[..., None],
    offer_class_weights: Callable[[], None],
) -> None:
    """The split settings, then what the pictures look like and their pitfalls,
    then augmentation with its preview.

    Args:
        loaded: the pictures chosen.
        data: the session spec's ``data`` section (changed in place).
        settings: the screen's split settings (``choose_settings``), called with
            ``data`` and ``images=True``.
        offer_class_weights: draws the imbalance pitfall's one-click fix.
    """
    if st.session_state[state.TABLE] is not loaded:
        data["target"] = None  # the class is the folder's name
        st.session_state.pop("data_target", None)
        # The user's own data: not the demo's settings.
        demo_settings.leave_settings(data)
        st.session_state[state.TABLE] = loaded
        changed = image_model.match_network(pictures=True)
        if changed:
            st.session_state[state.NETWORK_NOTICE] = changed
    show_network_notice()
    demo_settings.show_left_settings(data)
    for note in loaded.notes:
        st.caption(safe.escape(note))
    st.subheader("Training, validation and test pictures", divider="gray")
    settings(data, images=True)
    overview_place = st.container()
    augment_place = st.container()
    with augment_place:
        augment_settings(data)
    try:
        validate_data_spec(data)
        report = prepared_images(loaded, data)
    except (DataError, SpecError) as problem:
        forget_report()
        safe.error(problem)
        return
    except Exception as problem:  # a bug must not cost the user their session
        forget_report()
        safe.error(
            f"Something went wrong while splitting the pictures "
            f"({type(problem).__name__}: {problem}). This is a bug in NN Studio; try "
            "other settings, and please report it with the pictures that caused it."
        )
        return
    from nncore.data.images import IMBALANCE_RATIO, image_overview

    prepared = report.prepared
    overview = image_overview(prepared)
    with overview_place:
        show_overview(prepared, overview)
        counts = [c["count"] for c in overview["classes"]]
        show_pitfalls(
            prepared,
            imbalanced=max(counts) > IMBALANCE_RATIO * min(counts),
            offer_class_weights=offer_class_weights,
        )
    with augment_place:
        show_augmentation(prepared, data)
    if presenter.advanced():
        with st.expander("Experiment settings (JSON)"):
            st.json(data, expanded=False)


def show_network_notice() -> None:
    """Say once that the network changed with the kind of data (``match_network``)."""
    notice = st.session_state.pop(state.NETWORK_NOTICE, None)
    if notice:
        safe.info(notice)


def prepared_images(loaded: LoadedImages, data: dict):
    """The pictures split with these settings (a ``DataReport``), reusing the last
    one when nothing changed."""
    from nncore.data.inspect import inspect_data

    key = (id(loaded), json.dumps(data, sort_keys=True))
    report = st.session_state[state.REPORT]
    if (
        report is None
        or report.table is not loaded
        or st.session_state[state.REPORT_KEY] != key
    ):
        with st.spinner("Splitting the pictures…"):
            report = inspect_data(loaded, copy.deepcopy(data))
        st.session_state[state.REPORT] = report
        st.session_state[state.REPORT_KEY] = key
    return report


def forget_report() -> None:
    st.session_state[state.REPORT] = None
    st.session_state[state.REPORT_KEY] = None


def show_overview(prepared, overview: dict) -> None:
    """The counts, the picture size and colour, the sizes seen, the sample grid
    and the class balance."""
    from nncore.plots import images as plots

    st.subheader("The pictures", divider="gray")
    st.markdown(
        f"**Task: {prepared.task}**, because {safe.escape(prepared.task_reason)}."
    )
    splits = overview["splits"]
    cols = st.columns(5)
    cols[0].metric("Pictures", f"{overview['n_images']:,}")
    cols[1].metric("Classes", len(overview["classes"]))
    cols[2].metric(
        "Training",
        f"{splits['train']:,}",
        help=f"Pictures the network learns from ({glossary.link('training set')}).",
    )
    cols[3].metric(
        "Validation",
        f"{splits['val']:,}",
        help="Pictures checked after every epoch and never learnt from "
        f"({glossary.link('validation set')}).",
    )
    cols[4].metric(
        "Test",
        f"{splits['test']:,}",
        help=f"Pictures kept apart for the final check ({glossary.link('test set')}).",
    )
    height, width, channels = overview["image_shape"]
    color = "grayscale" if channels == 1 else "colour (RGB)"
    st.markdown(f"**Image size: {height}×{width} pixels, {color}**")
    for note in prepared.notes:  # the inputs per picture, what was resized
        st.caption(safe.escape(note))
    st.caption(safe.escape(sizes_seen(overview)))
    biggest = max(overview["classes"], key=lambda c: c["count"])
    st.caption(
        safe.escape(
            f"Baseline: always guessing '{biggest['name']}' is right "
            f"{biggest['count'] / overview['n_images']:.0%} of the time. A useful "
            "network must beat that."
        )
        + f" ({glossary.link('baseline')})"
    )
    presenter.plotly_chart(
        plots.samples_figure(prepared.images, overview), key="chart_image_samples"
    )
    presenter.plotly_chart(
        plots.image_balance_figure(overview), key="chart_image_balance"
    )


def sizes_seen(overview: dict) -> str:
    """The sizes of the pictures before resizing, most common first."""
    sizes = overview["sizes"]
    named = [
        f"{s['height']}×{s['width']} ({plural(s['count'], 'picture')})"
        for s in sizes[:SIZES_SHOWN]
    ]
    more = len(sizes) - SIZES_SHOWN
    text = "Sizes before resizing: " + ", ".join(named)
    if more > 0:
        text += f" and {plural(more, 'other size')}"
    if not overview["resized"]:
        return text + ": every picture is used at its own size."
    return text + "."


def show_pitfalls(prepared, *, imbalanced: bool, offer_class_weights) -> None:
    if prepared.warnings:
        st.subheader("Things to check", divider="orange")
        for message in prepared.warnings:
            safe.warning(message)
        if imbalanced:
            offer_class_weights()


def augment_settings(data: dict) -> None:
    """Flip, rotation, zoom and contrast for the training pictures."""
    augment = data["augment"]
    st.subheader("Augmentation", divider="gray")
    st.caption(
        "Random changes to the training pictures, new in every epoch, so that the "
        "network sees more variety than there are pictures and learns what "
        "matters rather than the exact pixels. Validation and test pictures are "
        f"used as they are ({glossary.link('data augmentation')})."
    )
    a, b, c, d = st.columns(4)
    augment["flip"] = a.checkbox(
        "Flip left-right",
        value=bool(augment["flip"]),
        key="data_augment_flip",
        help="Mirror half of the pictures. Leave it off when left and right matter "
        "(letters, digits).",
    )
    augment["rotation"] = b.slider(
        "Rotation (degrees)",
        0,
        180,
        int(augment["rotation"]),
        step=5,
        key="data_augment_rotation",
        help="Turn each picture by up to this many degrees either way.",
    )
    augment["zoom"] = (
        c.slider(
            "Zoom (%)",
            0,
            90,
            round(float(augment["zoom"]) * 100),
            step=5,
            key="data_augment_zoom",
            help="Zoom in or out by up to this share.",
        )
        / 100
    )
    augment["contrast"] = (
        d.slider(
            "Contrast (%)",
            0,
            90,
            round(float(augment["contrast"]) * 100),
            step=5,
            key="data_augment_contrast",
            help="Raise or lower the contrast by up to this share.",
        )
        / 100
    )


def show_augmentation(prepared, data: dict) -> None:
    """A preview of the augmentation on a few training pictures."""
    augment = data["augment"]
    if (
        not (augment["flip"] or augment["rotation"] or augment["zoom"])
        and not (augment["contrast"])
    ):
        st.caption("Off: turn one on to see what it does to the training pictures.")
        return
    from nncore.data.image_sets import augment_images
    from nncore.plots import images as plots

    # The training pictures are in shuffled order: the first few mix the classes.
    originals = prepared.images[prepared.train_index[:AUGMENT_SAMPLES]]
    copies = [
        augment_images(originals, augment, random_state=data["seed"] + k)
        for k in range(AUGMENT_ROWS)
    ]
    presenter.plotly_chart(
        plots.augmentation_figure(originals, copies), key="chart_image_augment"
    )
    st.caption(
        "Applied to the training pictures only, a different random version in "
        "every epoch; validation and test pictures are never changed."
    )
