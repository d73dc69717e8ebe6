"""The Model screen's image side: the presets and layers offered for pictures, the
widgets of a convolution or a pooling, and what to say when a stack cannot work on
the data (a network for tables on pictures, or the other way round).

The shapes and the checks are ``nncore.spec.stack``'s; this module only draws.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import streamlit as st

from nncore.core import glossary
from nncore.core.errors import SpecError
from nncore.spec import ACTIVATIONS, bounds, check_stack, validate_model_spec
from nncore.spec.schema import IMAGE_LAYER_TYPES, PADDINGS
from nncore.spec.stack import shape_text
from nncore.train.model import (
    IMAGE_PRESET_DESCRIPTIONS,
    IMAGE_PRESETS,
    PRESET_DESCRIPTIONS,
    PRESETS,
    network_inputs,
)
from ui import safe, state

__all__ = [
    "ADD_BUTTONS",
    "IMAGE_WIDGET_FIELDS",
    "NEW_IMAGE_LAYERS",
    "add_buttons",
    "edit_image_layer",
    "inputs_caption",
    "inputs_words",
    "is_images",
    "match_network",
    "presets_for",
    "show_stack_problem",
]

# The other kind of data's network, put aside when the data changed kind:
# {"pictures" | "table": layers}.
NETWORK_ASIDE = "network_aside"
# The preset a first picture set gets when the network was made for a table.
FIRST_IMAGE_PRESET = "Small CNN"

NEW_IMAGE_LAYERS = {
    "conv2d": {"type": "conv2d", "filters": 16, "kernel_size": 3},
    "maxpool2d": {"type": "maxpool2d", "pool_size": 2},
    "avgpool2d": {"type": "avgpool2d", "pool_size": 2},
    "flatten": {"type": "flatten"},
    "global_avg_pool": {"type": "global_avg_pool"},
}
# The add buttons, in the order a network uses them: (layer type, label, help).
ADD_BUTTONS = {
    "conv2d": (
        "Add Conv2D",
        f"Add a {glossary.link('convolution')} of 16 "
        f"{glossary.link('filter', 'filters')} of 3x3 pixels at the end of the "
        "stack: each filter slides over the picture and lights up where it finds "
        "its pattern.",
    ),
    "maxpool2d": (
        "Add MaxPool",
        f"Add max {glossary.link('pooling')} at the end of the stack: it keeps the "
        "largest value of each 2x2 square, halving the picture's height and width.",
    ),
    "avgpool2d": (
        "Add AvgPool",
        f"Add average {glossary.link('pooling')} at the end of the stack: it keeps "
        "the mean of each 2x2 square, halving the picture's height and width.",
    ),
    "flatten": (
        "Add Flatten",
        f"Add a {glossary.link('flatten', 'Flatten')} layer: it lays the picture's "
        "values out in one long row, so dense layers can follow.",
    ),
    "global_avg_pool": (
        "Add GlobalAvgPool",
        "Add global average pooling: it keeps one number per feature map (its mean), "
        "so dense layers can follow with few weights.",
    ),
}
# Spec field -> (key suffix of the widget that edits it, the widget's value).
IMAGE_WIDGET_FIELDS = {
    "filters": ("filters", int),
    "kernel_size": ("kernel_size", int),
    "strides": ("strides", int),
    "padding": ("padding", str),
    "pool_size": ("pool_size", int),
}


def is_images(prepared) -> bool:
    """Whether the prepared data are pictures (a ``PreparedImages``)."""
    return getattr(prepared, "image_shape", None) is not None


def presets_for(prepared) -> tuple[dict, dict]:
    """The presets that suit the data and their descriptions."""
    if is_images(prepared):
        return IMAGE_PRESETS, IMAGE_PRESET_DESCRIPTIONS
    return PRESETS, PRESET_DESCRIPTIONS


def inputs_words(prepared) -> str:
    """What the network reads: ``"8x8x1 pictures"``, or ``"30 inputs"``."""
    if is_images(prepared):
        return f"{shape_text(prepared.image_shape)} pictures"
    return f"{prepared.n_features} inputs"


def inputs_caption(prepared) -> str:
    """``"Inputs: 8x8x1 pictures (grayscale)"``, or ``"Inputs: 30 features"``."""
    if is_images(prepared):
        return (
            f"Inputs: {shape_text(prepared.image_shape)} pictures "
            f"({prepared.color}, {len(prepared.classes)} classes)"
        )
    return f"Inputs: {prepared.n_features} features"


def add_buttons(
    add_layer: Callable[[str], None],
    table_buttons: list,
    *,
    full: bool,
    pictures: bool = True,
) -> None:
    """The buttons that add a layer: for pictures the image layers' and then
    ``table_buttons`` (``(kind, label, help)`` of dense, dropout and batch
    normalisation), four a row; for a table ``table_buttons`` alone, in a row."""
    buttons = table_buttons
    per_row = len(buttons)
    if pictures:
        buttons = [(kind, *ADD_BUTTONS[kind]) for kind in ADD_BUTTONS] + buttons
        per_row = 4
    for start in range(0, len(buttons), per_row):
        columns = st.columns(per_row)
        for column, (kind, label, what) in zip(
            columns, buttons[start : start + per_row], strict=False
        ):
            column.button(
                label,
                key=f"model_add_{kind}",
                icon=":material/add:",
                on_click=add_layer,
                args=(kind,),
                disabled=full,
                width="stretch",
                help=what,
            )


def edit_image_layer(layer: dict, key: str, activation_help: str) -> None:
    """The widgets of a convolution or pooling (a caption for Flatten and global
    average pooling); they write into ``layer``."""
    kind = layer["type"]
    if kind == "conv2d":
        _edit_convolution(layer, key, activation_help)
    elif kind in ("maxpool2d", "avgpool2d"):
        which = "largest" if kind == "maxpool2d" else "mean"
        layer["pool_size"] = st.number_input(
            "Pool size",
            *bounds(f"model.layers.{kind}.pool_size"),
            int(layer["pool_size"]),
            key=key + "pool_size",
            help=f"The side of the square it {glossary.link('pooling', 'pools')}: it "
            f"keeps the {which} value of each square, so the picture's height and "
            "width are divided by it.",
        )
    elif kind == "flatten":
        st.caption(
            f"{glossary.link('flatten', 'Lays')} the picture's values out in one long "
            "row, so that dense layers can follow. Put it after the convolutions and "
            "poolings."
        )
    else:
        st.caption(
            f"Keeps one number per {glossary.link('feature map')}, the mean over the "
            f"whole picture ({glossary.link('global average pooling')}): few weights "
            "after it, and it does not care where in the picture a pattern was found."
        )


def _edit_convolution(layer: dict, key: str, activation_help: str) -> None:
    a, b, c = st.columns(3)
    layer["filters"] = a.number_input(
        "Filters",
        *bounds("model.layers.conv2d.filters"),
        int(layer["filters"]),
        key=key + "filters",
        help=f"How many patterns ({glossary.link('filter', 'filters')}) it learns to "
        f"look for; each makes one {glossary.link('feature map')}. 16 to 64 is "
        "usual, more in later layers.",
    )
    layer["kernel_size"] = b.number_input(
        "Kernel size",
        *bounds("model.layers.conv2d.kernel_size"),
        int(layer["kernel_size"]),
        key=key + "kernel_size",
        help="The side of the square window each filter looks through, in pixels: "
        "3 (3x3) is the usual choice.",
    )
    layer["strides"] = c.number_input(
        "Stride",
        *bounds("model.layers.conv2d.strides"),
        int(layer["strides"]),
        key=key + "strides",
        help=f"How many pixels the window moves at each step "
        f"({glossary.link('stride')}): 2 halves the picture's height and width, as "
        "a pooling would.",
    )
    left, right = st.columns(2)
    layer["padding"] = left.selectbox(
        "Padding",
        PADDINGS,
        index=PADDINGS.index(layer["padding"]),
        key=key + "padding",
        help=f"{glossary.link('padding', 'Padding')}: 'same' pads the border with "
        "zeros so the picture keeps its size (at stride 1); 'valid' does not pad, "
        "so it shrinks by kernel size - 1.",
    )
    layer["activation"] = right.selectbox(
        "Activation",
        ACTIVATIONS,
        index=ACTIVATIONS.index(layer["activation"]),
        key=key + "activation",
        help=activation_help,
    )


def show_stack_problem(
    layers: list[dict], prepared, use_preset: Callable[[str], None]
) -> bool:
    """Say why the stack cannot work on these data, and offer the presets that
    suit them; True when it cannot. The stack is left as it is, to be fixed.
    """
    try:
        check_stack(layers, network_inputs(prepared))
    except SpecError as problem:
        pictures = is_images(prepared)
        made_for_pictures = any(layer["type"] in IMAGE_LAYER_TYPES for layer in layers)
        if pictures and not made_for_pictures:
            lead = "This network was made for a table, and your data are pictures."
        elif not pictures and made_for_pictures:
            lead = "This network was made for pictures, and your data are a table."
        else:
            lead = "This network cannot work on your data."
        safe.error(f"{lead} {problem}")
        presets, _ = presets_for(prepared)
        st.caption(
            "Fix the layers below, or start again from a preset made for "
            + ("pictures:" if pictures else "tables:")
        )
        with st.container(horizontal=True):
            for i, name in enumerate(presets):
                st.button(
                    f"Use “{name}”",
                    key=f"model_fix_preset_{i}",
                    on_click=use_preset,
                    args=(name,),
                    help="Replace the hidden layers with this network.",
                )
        return True
    return False


def match_network(pictures: bool) -> str | None:
    """Give the experiment a network made for its data when the data changed kind.

    A network for a table cannot read pictures (and the other way round), so
    when pictures come and the layers have no image layer, the network becomes
    the one used for pictures before in this session, else the Small CNN preset;
    when a table comes after pictures, the table's network comes back (else the
    default one). The network it replaces is put aside for the way back, so
    nothing is lost. The Model screen's layer widgets start again from it.

    Returns:
        What changed, to say on screen; None when the network already suits.
    """
    spec = st.session_state[state.SPEC]
    layers = spec["model"]["layers"]
    made_for_pictures = any(layer["type"] in IMAGE_LAYER_TYPES for layer in layers)
    if made_for_pictures == pictures:
        return None
    aside = st.session_state.setdefault(NETWORK_ASIDE, {})
    aside["pictures" if made_for_pictures else "table"] = copy.deepcopy(layers)
    wanted = "pictures" if pictures else "table"
    if wanted in aside:
        spec["model"]["layers"] = aside.pop(wanted)
        change = f"the one you had for {'pictures' if pictures else 'tables'}"
    elif pictures:
        preset = {"layers": IMAGE_PRESETS[FIRST_IMAGE_PRESET]}
        spec["model"]["layers"] = validate_model_spec(preset)["layers"]
        change = f"the “{FIRST_IMAGE_PRESET}” preset"
    else:
        from nncore.spec import default_spec

        default = {"layers": default_spec()["model"]["layers"]}
        spec["model"]["layers"] = validate_model_spec(default)["layers"]
        change = "the default network for tables"
    for key in [k for k in st.session_state if str(k).startswith("model_layer_")]:
        del st.session_state[key]
    old = "pictures" if made_for_pictures else "tables"
    return (
        f"The network is now {change}: the one you had was made for {old} and "
        f"cannot read {'pictures' if pictures else 'a table'}. Yours is kept: it "
        "comes back when you go back to "
        f"{old if old == 'pictures' else 'a table'}. Change it on the Model screen."
    )
