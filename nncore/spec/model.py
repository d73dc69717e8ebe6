"""The ``model`` section's rules: the hidden layers and the output.

Building the network from it is ``nncore.train.model``'s work.
"""

from __future__ import annotations

from typing import Any

from nncore.core.errors import SpecError
from nncore.spec.fields import check, check_field, expected, fail, merge_section
from nncore.spec.schema import (
    LAYER_EXAMPLES,
    LAYER_TYPE,
    LAYERS,
    MAX_LAYERS,
    SCHEMA,
    SECTION_EXPECTED,
    layer_defaults,
    section_defaults,
)


def validate_model_spec(model: Any) -> dict[str, Any]:
    """Check the ``model`` part of a spec and return it with defaults filled in.

    Args:
        model: the ``model`` dict of an experiment spec: ``layers`` (a list of layer
            dicts) and ``output`` (``"auto"``).

    Returns:
        A new dict in which every layer has all its fields.

    Raises:
        SpecError: naming the field by its path (``model.layers[1].units``), the
            value received and what is expected.

    Example:
        >>> validate_model_spec({"layers": [{"type": "dense", "units": 8}]})["layers"]
        [{'type': 'dense', 'units': 8, 'activation': 'relu', \
'kernel_initializer': 'glorot_uniform', 'l1': 0.0, 'l2': 0.0}]
    """
    merged = merge_section(
        model, section_defaults("model"), "model", expected=SECTION_EXPECTED["model"]
    )
    check_field(merged, "model.output")
    layers = merged["layers"]
    if not isinstance(layers, list):
        raise fail("model.layers", layers, expected(SCHEMA["model.layers"]))
    if len(layers) > MAX_LAYERS:
        raise SpecError(
            f"The 'model.layers' list has {len(layers)} layers; at most {MAX_LAYERS} "
            "are allowed. Remove some layers."
        )
    merged["layers"] = [_validate_layer(layer, i) for i, layer in enumerate(layers)]
    return merged


def _validate_layer(layer: Any, index: int) -> dict[str, Any]:
    path = f"model.layers[{index}]"
    if not isinstance(layer, dict):
        raise fail(path, layer, f"must be an object such as {LAYER_EXAMPLES['dense']}")
    kind = check(layer.get("type"), LAYER_TYPE, f"{path}.type")
    fields = LAYERS[kind]
    unknown = sorted(set(layer) - {"type", *fields}, key=str)
    if unknown:
        allowed = ", ".join(["type", *fields])
        raise SpecError(
            f"The '{path}' {kind} layer has an unknown field '{unknown[0]}'. "
            f"Expected fields: {allowed}."
        )
    for name, rule in fields.items():
        if rule.required and name not in layer:
            raise SpecError(
                f"The '{path}' {kind} layer needs the '{name}' field, e.g. "
                f"{LAYER_EXAMPLES[kind]}."
            )
    checked = {"type": kind, **layer_defaults(kind), **layer}
    for name, rule in fields.items():
        value = check(checked[name], rule, f"{path}.{name}")
        checked[name] = float(value) if rule.kind == "number" else value
    return checked
