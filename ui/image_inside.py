"""Inside an image network (Train screen, Evaluate): the first convolution's filters
as small pictures and one chosen picture's feature maps through each convolution
and pooling, from a weight snapshot in NumPy (``nncore.inside.convolution``), so
they follow the training and the time machine without TensorFlow. A network
without convolutions ("Just Dense") shows its dense weights when they are few
enough to draw.
"""

from __future__ import annotations

import streamlit as st

from nncore.core import glossary
from nncore.core.text import short
from nncore.inside.convolution import (
    dense_only,
    feature_maps,
    first_filters,
    forward,
    is_convolutional,
    unpack,
)
from nncore.plots.filters import (
    FEATURE_MAPS_CAPTION,
    FILTERS_CAPTION,
    feature_maps_figure,
    filters_figure,
)
from nncore.plots.image_eval import thumbnail
from nncore.train.evaluation import class_probabilities
from nncore.train.model import network_inputs
from ui import presenter, safe

__all__ = ["DENSE_VIEW_INPUTS", "show_feature_maps", "show_image_network"]

# A "Just Dense" network's weights are drawn up to this many inputs (pixel values).
DENSE_VIEW_INPUTS = 4096
PICTURE = "inside_picture"


def show_image_network(spec, prepared, weights, epoch: int | None, *, key: str) -> None:
    """The image network with ``weights`` (after ``epoch`` epochs; 0 the starting
    weights, None not known): its filters and a training picture's feature maps.

    Args:
        spec: the experiment the network was built from.
        prepared: the ``PreparedImages`` it trains on.
        weights: a snapshot (``model.get_weights()``).
        epoch: the epochs trained before it.
        key: a prefix for the widgets' keys, one per screen.
    """
    layers = spec["model"]["layers"]
    when = _when(epoch)
    if not is_convolutional(layers):
        _show_dense(layers, prepared, weights, when, key=key)
        return
    n_classes = len(prepared.classes) if prepared.task == "multiclass" else None
    try:
        network = unpack(
            layers, network_inputs(prepared), prepared.task, n_classes, weights
        )
    except ValueError as problem:  # a snapshot of another network
        safe.warning(f"The network cannot be drawn: {problem}")
        return
    kernel = first_filters(network)
    presenter.plotly_chart(
        filters_figure(kernel, title=f"The first convolution's filters, {when}"),
        key=f"{key}_inside_filters",
    )
    st.caption(f"{FILTERS_CAPTION} ({glossary.link('filter', 'what is a filter?')})")
    index = _choose_picture(prepared, key)
    show_feature_maps(
        network,
        prepared,
        prepared.image(int(prepared.train_index[index])),
        title=f"Feature maps of training picture {index + 1}, {when}",
        key=f"{key}_inside_maps",
    )


def show_feature_maps(
    network, prepared, pixels, *, title: str, key: str, say: bool = True
) -> None:
    """One picture's feature maps, and (``say``) what the network makes of it."""
    if say:
        outputs = forward(network, pixels)
        probabilities = class_probabilities(outputs[-1], prepared.task)[0]
        best = int(probabilities.argmax())
        answer = short(prepared.classes[best], 30)
        st.caption(
            safe.escape(
                f"With these weights the network says '{answer}' "
                f"({probabilities[best]:.0%} sure)."
            )
        )
    presenter.plotly_chart(
        feature_maps_figure(feature_maps(network, pixels), title=title), key=key
    )
    st.caption(
        f"{FEATURE_MAPS_CAPTION} ({glossary.link('feature map', 'feature maps')}, "
        f"{glossary.link('pooling')})"
    )


def _choose_picture(prepared, key: str) -> int:
    """A training picture, by number, shown with its class; its index."""
    count = len(prepared.y_train)
    left, right = st.columns([1, 3], vertical_alignment="center")
    with left:
        number = st.number_input(
            "Training picture",
            min_value=1,
            max_value=max(count, 1),
            value=1,
            step=1,
            key=f"{key}_{PICTURE}",
            help="Which training picture to send through the network: its feature "
            "maps are drawn below, updated as the network learns.",
        )
    index = min(int(number), count) - 1
    label = prepared.classes[int(prepared.y_train[index])]
    with right:
        st.image(
            thumbnail(prepared.image(int(prepared.train_index[index])), 96),
            caption=safe.escape(f"Picture {index + 1}: {short(label, 30)}"),
        )
    return index


def _show_dense(layers, prepared, weights, when: str, *, key: str) -> None:
    """A network without convolutions: its dense weights, if they can be drawn."""
    from nncore.inside import unpack as unpack_dense
    from nncore.plots.inside import WEIGHTS_CAPTION, weights_figure

    dense = dense_only(layers)
    inputs = prepared.n_features
    if dense is None or inputs > DENSE_VIEW_INPUTS:
        st.caption(
            f"This network has no convolution: it sees each picture as one long row "
            f"of {inputs:,} pixel values, without knowing which pixels are "
            "neighbours. Add a Conv2D layer (or take the Small CNN preset) on the "
            "Model screen to see the filters it learns."
        )
        return
    n_classes = len(prepared.classes) if prepared.task == "multiclass" else None
    try:
        network = unpack_dense(dense, inputs, prepared.task, n_classes, weights)
    except ValueError as problem:
        safe.warning(f"The network cannot be drawn: {problem}")
        return
    st.caption(
        f"This network has no convolution: it sees each picture as one long row of "
        f"{inputs:,} pixel values (its inputs below), without knowing which pixels "
        "are neighbours. Compare it with the Small CNN preset."
    )
    presenter.plotly_chart(
        weights_figure(
            network,
            feature_names=list(prepared.feature_names),
            class_names=[str(c) for c in prepared.classes],
            title=f"The network's weights, {when}",
        ),
        key=f"{key}_inside_figure",
    )
    st.caption(WEIGHTS_CAPTION)


def _when(epoch: int | None) -> str:
    if epoch is None:
        return "as trained"
    return "its starting weights" if epoch == 0 else f"after epoch {epoch}"
