"""Model screen: stack the hidden layers, see the output layer, count the weights.

Nothing here imports TensorFlow: the engine validates, counts and draws the network
in plain Python. Layer widgets are keyed by position; every change to the stack
(add, move, remove, preset) clears those keys so each widget starts again from the
spec.
"""

from __future__ import annotations

import streamlit as st

from nncore.core import glossary
from nncore.core.errors import SpecError
from nncore.core.limits import parameters_problem
from nncore.core.text import listing
from nncore.spec import (
    ACTIVATIONS,
    INITIALIZERS,
    MAX_LAYERS,
    bounds,
    validate_model_spec,
)
from nncore.train.model import (
    LAYER_TITLES,
    count_parameters,
    network_inputs,
    output_layer,
)
from ui import image_model, page, presenter, safe, state, warmup

LAYER_KEY = "model_layer_"
NEW_LAYERS = {
    "dense": {"type": "dense", "units": 32, "activation": "relu"},
    "dropout": {"type": "dropout", "rate": 0.2},
    "batchnorm": {"type": "batchnorm"},
}
ACTIVATION_HELP = (
    f"How a neuron squashes its sum ({glossary.link('activation function')}). "
    f"{glossary.link('relu')} is a good default; {glossary.link('tanh')} and "
    f"{glossary.link('sigmoid')} suit small networks; linear does no squashing."
)
ADD_HELP = {
    "dense": f"Add a {glossary.link('layer', 'dense layer')} of 32 "
    f"{glossary.link('neuron', 'neurons')} at the end of the stack.",
    "dropout": f"Add a {glossary.link('dropout')} layer at the end of the stack: it "
    f"switches off some neurons while training, against "
    f"{glossary.link('overfitting')}.",
    "batchnorm": f"Add a {glossary.link('batch normalisation')} layer at the end of "
    "the stack: it rescales the previous layer's outputs, which often steadies "
    "training.",
}


def layers() -> list[dict]:
    return st.session_state[state.SPEC]["model"]["layers"]


# Spec field -> (key suffix of the widget that edits it, the widget's value).
WIDGET_FIELDS = {
    "units": ("units", int),
    "activation": ("activation", str),
    "kernel_initializer": ("initializer", str),
    "l1": ("l1", float),
    "l2": ("l2", float),
    "rate": ("rate", lambda rate: min(float(rate), 0.99)),
    **image_model.IMAGE_WIDGET_FIELDS,
}


def restack(new_layers: list[dict]) -> None:
    """Replace the stack and set the layer widgets, which are keyed by position.

    Deleting the keys is not enough: the browser sends each widget's last value
    with the click, so a widget would show the old layer's value. Values written to
    session state in a callback win over the browser's.
    """
    st.session_state[state.SPEC]["model"]["layers"] = new_layers
    for key in [k for k in st.session_state if str(k).startswith(LAYER_KEY)]:
        del st.session_state[key]
    for i, layer in enumerate(new_layers):
        for field, (suffix, widget_value) in WIDGET_FIELDS.items():
            if field in layer:
                st.session_state[f"{LAYER_KEY}{i}_{suffix}"] = widget_value(
                    layer[field]
                )


def use_preset(name: str) -> None:
    presets = {**image_model.IMAGE_PRESETS, **image_model.PRESETS}
    restack(validate_model_spec({"layers": presets[name]})["layers"])


def add_layer(kind: str) -> None:
    new = {**NEW_LAYERS, **image_model.NEW_IMAGE_LAYERS}[kind]
    restack([*layers(), validate_model_spec({"layers": [new]})["layers"][0]])


def move_layer(index: int, step: int) -> None:
    stack = list(layers())
    stack[index], stack[index + step] = stack[index + step], stack[index]
    restack(stack)


def remove_layer(index: int) -> None:
    restack([layer for i, layer in enumerate(layers()) if i != index])


def reset_model() -> None:
    st.session_state[state.SPEC]["model"] = validate_model_spec({})
    restack(st.session_state[state.SPEC]["model"]["layers"])


def choose_preset(prepared) -> None:
    st.subheader("Start from a preset", divider="gray")
    presets, descriptions = image_model.presets_for(prepared)
    columns = st.columns(len(presets))
    for i, (column, name) in enumerate(zip(columns, presets, strict=True)):
        column.button(
            name,
            key=f"model_preset_{i}",
            on_click=use_preset,
            args=(name,),
            width="stretch",
            help=f"Replace the hidden layers with this network. {descriptions[name]}",
        )
        column.caption(descriptions[name])


def edit_layers(prepared) -> None:
    st.subheader("Hidden layers", divider="gray")
    stack = layers()
    if not stack:
        st.caption(
            "No hidden layers: the inputs go straight to the output, which makes a "
            "linear (or logistic) model. Add a Dense layer to let it learn curves."
        )
    for i, layer in enumerate(stack):
        with st.container(border=True):
            edit_layer(i, layer, len(stack))
    full = len(stack) >= MAX_LAYERS
    table_buttons = [
        (kind, what, ADD_HELP[kind])
        for kind, what in zip(
            NEW_LAYERS, ["Add Dense layer", "Add Dropout", "Add BatchNorm"], strict=True
        )
    ]
    image_model.add_buttons(
        add_layer, table_buttons, full=full, pictures=image_model.is_images(prepared)
    )
    if full:
        st.caption(f"A network here has at most {MAX_LAYERS} hidden layers.")


def edit_layer(i: int, layer: dict, count: int) -> None:
    key = f"{LAYER_KEY}{i}_"
    title, buttons = st.columns([1, 2], vertical_alignment="center")
    title.markdown(f"**{i + 1}. {LAYER_TITLES[layer['type']]}**")
    with buttons:
        layer_buttons(i, count, key)
    if layer["type"] == "dense":
        edit_dense(layer, key)
    elif layer["type"] in image_model.NEW_IMAGE_LAYERS:
        image_model.edit_image_layer(layer, key, ACTIVATION_HELP)
    elif layer["type"] == "dropout":
        layer["rate"] = st.slider(
            "Dropout rate: share of neurons switched off while training",
            0.0,
            0.99,
            min(float(layer["rate"]), 0.99),
            step=0.01,
            key=key + "rate",
            help="Randomly silencing neurons stops the network from relying on "
            f"any one of them ({glossary.link('dropout')}), which fights "
            f"{glossary.link('overfitting')}. 0.2 to 0.5 is usual.",
        )
    else:
        st.caption(
            f"{glossary.link('batch normalisation', 'Batch normalisation')} "
            "rescales the previous layer's outputs to mean 0 and spread 1, which "
            "often makes training faster and steadier."
        )


def layer_buttons(i: int, count: int, key: str) -> None:
    """Move up, Move down and Remove: labelled buttons of the usual size, at the
    right of the layer's title."""
    with st.container(horizontal=True, horizontal_alignment="right"):
        st.button(
            "Move up",
            key=key + "up",
            icon=":material/arrow_upward:",
            help="Move this layer one place up (nearer the inputs).",
            disabled=i == 0,
            on_click=move_layer,
            args=(i, -1),
        )
        st.button(
            "Move down",
            key=key + "down",
            icon=":material/arrow_downward:",
            help="Move this layer one place down (nearer the output).",
            disabled=i == count - 1,
            on_click=move_layer,
            args=(i, 1),
        )
        st.button(
            "Remove",
            key=key + "remove",
            icon=":material/delete:",
            help="Remove this layer from the network.",
            on_click=remove_layer,
            args=(i,),
        )


def edit_dense(layer: dict, key: str) -> None:
    left, right = st.columns(2)
    layer["units"] = left.number_input(
        "Neurons",
        *bounds("model.layers.dense.units"),
        int(layer["units"]),
        key=key + "units",
        help=f"How many {glossary.link('neuron', 'neurons')} this layer has. More "
        "neurons can learn more, but also memorise the training rows "
        f"({glossary.link('overfitting')}).",
    )
    layer["activation"] = right.selectbox(
        "Activation",
        ACTIVATIONS,
        index=ACTIVATIONS.index(layer["activation"]),
        key=key + "activation",
        help=ACTIVATION_HELP,
    )
    if not presenter.advanced():
        return  # presenter mode: the spec keeps these settings as they are
    with st.expander("Initial weights and weight penalties"):
        a, b, c = st.columns(3)
        layer["kernel_initializer"] = a.selectbox(
            "Initial weights",
            INITIALIZERS,
            index=INITIALIZERS.index(layer["kernel_initializer"]),
            key=key + "initializer",
            help=f"How the {glossary.link('weights')} are drawn before training "
            f"({glossary.link('initialiser', 'initialiser')}). he_* suits relu; "
            "glorot_* suits tanh and sigmoid; lecun_normal suits selu.",
        )
        for column, name, what in (
            (b, "l1", "L1 penalty"),
            (c, "l2", "L2 penalty"),
        ):
            layer[name] = column.number_input(
                what,
                *bounds(f"model.layers.dense.{name}"),
                float(layer[name]),
                step=0.0001,
                format="%.4f",
                key=key + name,
                help="Adds the size of the weights to the loss, pushing them to "
                "stay small (L1: many exactly zero); see "
                f"{glossary.link('regularisation', 'weight penalty')}. 0 switches "
                "it off; try 0.001.",
            )


def show_output(prepared) -> dict:
    st.subheader("Output layer", divider="gray")
    n_classes = len(prepared.classes) if prepared.classes else None
    output = output_layer(prepared.task, n_classes)
    st.markdown(
        f"**{output['units']} neuron{'s' if output['units'] > 1 else ''}, "
        f"{output['activation']}**, chosen for {prepared.task}: "
        f"{output['explanation']}"
    )
    if prepared.classes:
        st.caption(
            safe.escape(f"Classes, in output order: {listing(prepared.classes, 12)}.")
        )
    return output


def show_summary(model: dict, prepared) -> None:
    from nncore.plots.network import network_figure

    st.subheader("Summary", divider="gray")
    n_classes = len(prepared.classes) if prepared.classes else None
    inputs = network_inputs(prepared)
    rows = count_parameters(model["layers"], inputs, prepared.task, n_classes)
    total = rows[-1]
    left, right = st.columns(2)
    left.metric(
        "Parameters to learn",
        f"{total['trainable']:,}",
        help=f"The {glossary.link('weights')} and biases training adjusts "
        f"({glossary.link('parameter count')}). Far more of them than training "
        f"examples makes {glossary.link('overfitting')} likely.",
    )
    right.metric("Training examples", f"{len(prepared.y_train):,}")
    too_big = parameters_problem(total["trainable"])
    if too_big:  # said here, before Train refuses it
        safe.warning(too_big)
    if total["parameters"] != total["trainable"]:
        st.caption(
            f"Plus {total['parameters'] - total['trainable']:,} numbers that batch "
            "normalisation keeps up to date but does not learn "
            f"({total['parameters']:,} in all)."
        )
    st.dataframe(
        [
            {
                "Layer": row["name"],
                "Type": row["type"],
                "Output shape": row["output"],
                "Parameters": row["parameters"],
            }
            for row in rows
        ],
        hide_index=True,
        column_config={"Parameters": st.column_config.NumberColumn(format="localized")},
        key="model_summary",
    )
    presenter.plotly_chart(
        network_figure(
            model["layers"],
            inputs,
            prepared.task,
            n_classes,
            feature_names=prepared.feature_names,
            class_names=prepared.classes,
        ),
        key="chart_network",
    )


def main() -> None:
    state.init_state()
    warmup.start()  # load TensorFlow in the background for the first Train
    st.title("Model")
    st.write(
        "Stack the hidden layers of your network: how many neurons each has and how "
        "they fire. The output layer follows from the task."
    )
    presenter.step_caption("model")
    prepared = page.prepared_data()
    if prepared is None:
        return
    st.caption(
        safe.escape(
            f"{image_model.inputs_caption(prepared)} · predicts '{prepared.target}' "
            f"({prepared.task})"
        )
    )
    spec = st.session_state[state.SPEC]
    if not page.valid_settings(
        spec,
        "model",
        validate_model_spec,
        reset=reset_model,
        label="Replace with the default network",
        key="model_reset",
        help="Throw away the stored network, which cannot be used, and start "
        "from the default one.",
    ):
        return
    choose_preset(prepared)
    edit_layers(prepared)
    try:
        model = validate_model_spec(spec["model"])
    except SpecError as problem:  # the widgets keep values in range; this is a guard
        safe.error(problem)
        return
    show_output(prepared)
    if image_model.show_stack_problem(model["layers"], prepared, use_preset):
        return
    show_summary(model, prepared)
    if presenter.advanced():
        with st.expander("Model settings (JSON)"):
            st.json(model, expanded=False)


main()
