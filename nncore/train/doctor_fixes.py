"""The training doctor's one-click fixes, and which of them a finding still offers.

A fix is a small patch of the experiment spec (``FIXES``); ``apply_fix`` applies one
to a copy of the spec. ``advice`` keeps only the fixes that would change something in
the experiment at hand and, for those already in place, says so and what else to try:
the doctor never recommends what the experiment does already.

Standard library only: no TensorFlow, no Streamlit.

Example:
    >>> apply_fix(spec, "halve_learning_rate")["compile"]["learning_rate"]
    0.0005
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

__all__ = ["FIXES", "IN_PLACE", "advice", "apply_fix", "changes_something"]

# Limits the fixes respect, the same as the spec's (nncore.spec.schema: MAX_UNITS, the
# learning-rate range, train.epochs); copied so that the doctor needs no spec module.
MAX_UNITS = 4096
MIN_LEARNING_RATE = 1e-6
MAX_LEARNING_RATE = 1.0
MAX_EPOCHS = 1000
MAX_LAYERS = 20  # in model.layers (nncore.spec.schema.MAX_LAYERS)
DROPOUT_RATE = 0.2
# The initial weights made for ReLU-like layers (Kaiming He et al., 2015): their
# spread keeps the signals' size from layer to layer when half the outputs are 0.
HE_INITIALIZER = "he_normal"
# Activations that squash their input into a narrow range, whose gradient is
# small everywhere but near 0: deep stacks of them make gradients vanish.
SQUASHING = ("sigmoid", "tanh")
EARLY_STOPPING = {"enabled": True, "patience": 5}


def _fix(label: str, action: str | None = None, changes: dict | None = None) -> dict:
    return {"label": label, "action": action, "changes": changes or {}}


# Every one-click fix. ``changes`` is deep-merged into the spec; ``action`` (when not
# None) then derives the new values from the spec's own (halving, doubling, ...).
FIXES: dict[str, dict[str, Any]] = {
    "add_dropout": _fix("Add dropout (rate 0.2) after each dense layer", "add_dropout"),
    "enable_early_stopping": _fix(
        "Turn on early stopping (patience 5)",
        changes={"train": {"early_stopping": dict(EARLY_STOPPING)}},
    ),
    "fewer_units": _fix("Halve the units of each dense layer", "fewer_units"),
    "more_units": _fix("Double the units of each dense layer", "more_units"),
    "train_longer": _fix("Train twice as many epochs", "train_longer"),
    "higher_learning_rate": _fix("Triple the learning rate", "higher_learning_rate"),
    "halve_learning_rate": _fix("Halve the learning rate", "halve_learning_rate"),
    "scale_data": _fix(
        "Standardise the inputs", changes={"data": {"scaling": "standard"}}
    ),
    "reduce_learning_rate": _fix(
        "Divide the learning rate by 10", "reduce_learning_rate"
    ),
    "stop_early": _fix(
        "Stop at the best epoch (early stopping, patience 5)",
        changes={"train": {"early_stopping": dict(EARLY_STOPPING)}},
    ),
    "balanced_class_weights": _fix(
        "Use balanced class weights", changes={"train": {"class_weight": "balanced"}}
    ),
    "leaky_relu": _fix("Switch the ReLU layers to leaky ReLU", "leaky_relu"),
    "he_initial_weights": _fix(
        "Start the hidden layers from He initial weights", "he_initial_weights"
    ),
    "use_relu": _fix("Switch the sigmoid and tanh hidden layers to ReLU", "use_relu"),
    "add_batchnorm": _fix(
        "Add batch normalisation after each dense layer", "add_batchnorm"
    ),
}


# --- applying a fix --------------------------------------------------------------


def apply_fix(spec: Mapping[str, Any], fix: Mapping[str, Any] | str) -> dict:
    """A copy of the experiment spec with one fix applied; the input is unchanged.

    Args:
        spec: the experiment spec (as ``nncore.validate_spec`` returns it).
        fix: one of a finding's ``fixes``, or the name of one in ``FIXES``
            (e.g. ``"add_dropout"``).

    Returns:
        The new spec.

    Raises:
        ValueError: when the fix is unknown or the spec lacks the field it changes.
        TypeError: when ``spec`` or ``fix`` is not a dict.

    Example:
        >>> apply_fix(spec, "halve_learning_rate")["compile"]["learning_rate"]
        0.0005
    """
    if isinstance(fix, str):
        if fix not in FIXES:
            raise ValueError(
                f"Unknown fix {fix!r}. Expected one of {{{', '.join(FIXES)}}}."
            )
        fix = FIXES[fix]
    if not isinstance(fix, Mapping) or not isinstance(fix.get("changes", {}), Mapping):
        raise TypeError(
            "fix must be one of a finding's fixes, a dict like {'label': ..., "
            f"'action': ..., 'changes': {{...}}}}. Got {fix!r}."
        )
    if not isinstance(spec, Mapping):
        raise TypeError(
            f"spec must be an experiment spec (a dict). Got {type(spec).__name__}."
        )
    action = fix.get("action")
    if action is not None and action not in _ACTIONS:
        raise ValueError(
            f"Unknown fix action {action!r}. Expected one of "
            f"{{{', '.join(sorted(_ACTIONS))}}}."
        )
    new_spec = _deep_merge(copy.deepcopy(dict(spec)), fix.get("changes", {}))
    if action is not None:
        _ACTIONS[action](new_spec)
    return new_spec


def _deep_merge(target: dict, changes: Mapping[str, Any]) -> dict:
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _deep_merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    return target


def _field(spec: dict, section: str, key: str) -> Any:
    part = spec.get(section)
    if not isinstance(part, dict) or key not in part:
        raise ValueError(
            f"The spec has no '{section}.{key}' field to change. Pass a whole "
            "experiment spec (nncore.validate_spec fills in the defaults)."
        )
    return part[key]


def _layers(spec: dict) -> list:
    layers = _field(spec, "model", "layers")
    if not isinstance(layers, list):
        raise ValueError(
            f"The 'model.layers' field must be a list of layers. Got {layers!r}."
        )
    return layers


def _rounded(value: float) -> float:
    # 6 significant digits: 0.001 * 3 gives 0.003, not 0.0030000000000000005.
    return float(f"{value:.6g}")


def _add_dropout(spec: dict) -> None:
    layers = _layers(spec)
    result = []
    for index, layer in enumerate(layers):
        result.append(layer)
        following = layers[index + 1] if index + 1 < len(layers) else None
        is_dense = isinstance(layer, dict) and layer.get("type") == "dense"
        has_dropout = isinstance(following, dict) and following.get("type") == "dropout"
        if is_dense and not has_dropout:
            result.append({"type": "dropout", "rate": DROPOUT_RATE})
    spec["model"]["layers"] = result


def _add_batchnorm(spec: dict) -> None:
    """Batch normalisation right after each dense layer (before its dropout), as
    long as the network stays within ``MAX_LAYERS`` layers."""
    layers = _layers(spec)
    result = []
    for index, layer in enumerate(layers):
        result.append(layer)
        following = layers[index + 1] if index + 1 < len(layers) else None
        is_dense = isinstance(layer, dict) and layer.get("type") == "dense"
        has_norm = isinstance(following, dict) and following.get("type") == "batchnorm"
        room = len(result) + len(layers) - index - 1 < MAX_LAYERS
        if is_dense and not has_norm and room:
            result.append({"type": "batchnorm"})
    spec["model"]["layers"] = result


def _switch_activation(old: tuple[str, ...], new: str) -> Any:
    def switch(spec: dict) -> None:
        for layer in _dense(spec):
            if layer.get("activation", "relu") in old:
                layer["activation"] = new

    return switch


def _he_initial_weights(spec: dict) -> None:
    for layer in _dense(spec):
        if not str(layer.get("kernel_initializer", "glorot_uniform")).startswith("he_"):
            layer["kernel_initializer"] = HE_INITIALIZER


def _dense(spec: dict) -> list[dict]:
    return [
        layer
        for layer in _layers(spec)
        if isinstance(layer, dict) and layer.get("type") == "dense"
    ]


def _scale_units(factor: float) -> Any:
    def scale(spec: dict) -> None:
        for layer in _layers(spec):
            if isinstance(layer, dict) and layer.get("type") == "dense":
                units = int(layer["units"] * factor)
                layer["units"] = min(MAX_UNITS, max(1, units))

    return scale


def _scale_learning_rate(factor: float) -> Any:
    def scale(spec: dict) -> None:
        rate = _field(spec, "compile", "learning_rate") * factor
        spec["compile"]["learning_rate"] = _rounded(
            min(MAX_LEARNING_RATE, max(MIN_LEARNING_RATE, rate))
        )

    return scale


def _train_longer(spec: dict) -> None:
    spec["train"]["epochs"] = min(MAX_EPOCHS, _field(spec, "train", "epochs") * 2)


_ACTIONS = {
    "add_dropout": _add_dropout,
    "fewer_units": _scale_units(0.5),
    "more_units": _scale_units(2),
    "train_longer": _train_longer,
    "higher_learning_rate": _scale_learning_rate(3),
    "halve_learning_rate": _scale_learning_rate(0.5),
    # Keras' ReduceLROnPlateau divides by 10 by default (factor=0.1).
    "reduce_learning_rate": _scale_learning_rate(0.1),
    "add_batchnorm": _add_batchnorm,
    "leaky_relu": _switch_activation(("relu",), "leaky_relu"),
    "use_relu": _switch_activation(SQUASHING, "relu"),
    "he_initial_weights": _he_initial_weights,
}


# --- which fixes a finding still offers ---------------------------------------------

# What the remedy says of a fix that would change nothing: it is in place already.
IN_PLACE = {
    "add_dropout": "Every dense layer is followed by dropout already.",
    "enable_early_stopping": "Early stopping (patience 5) is on already, so training "
    "ends soon after the best epoch.",
    "stop_early": "Early stopping (patience 5) is on already and ends training once "
    "the validation loss stalls.",
    "fewer_units": "The dense layers have a single unit each already.",
    "more_units": f"The dense layers have the most units allowed ({MAX_UNITS:,}) "
    "already.",
    "train_longer": f"Training runs the most epochs allowed ({MAX_EPOCHS:,}) already.",
    "higher_learning_rate": "The learning rate is at its highest (1) already.",
    "halve_learning_rate": "The learning rate is at its lowest (0.000001) already.",
    "reduce_learning_rate": "The learning rate is at its lowest (0.000001) already.",
    "scale_data": "The inputs are standardised already.",
    "balanced_class_weights": "The class weights are balanced already.",
    "leaky_relu": "No hidden layer uses ReLU any more.",
    "he_initial_weights": "The hidden layers start from He initial weights already.",
    "use_relu": "No hidden layer uses sigmoid or tanh.",
    "add_batchnorm": "Every dense layer is followed by batch normalisation already "
    f"(or the network has the most layers allowed, {MAX_LAYERS}).",
}

# A fix as a clause of "Instead, ...".
_CLAUSES = {
    "add_dropout": "add dropout after each dense layer",
    "enable_early_stopping": "turn on early stopping",
    "stop_early": "turn on early stopping",
    "fewer_units": "use fewer units per layer",
    "more_units": "give the layers more units",
    "train_longer": "train for more epochs",
    "higher_learning_rate": "raise the learning rate",
    "halve_learning_rate": "halve the learning rate",
    "reduce_learning_rate": "divide the learning rate by 10",
    "scale_data": "standardise the inputs",
    "balanced_class_weights": "use balanced class weights",
    "leaky_relu": "switch the ReLU layers to leaky ReLU",
    "he_initial_weights": "start from He initial weights",
    "use_relu": "switch sigmoid and tanh layers to ReLU",
    "add_batchnorm": "add batch normalisation after each dense layer",
}


def changes_something(spec: Mapping[str, Any] | None, fix: Mapping | str) -> bool:
    """Whether applying ``fix`` would change the experiment ``spec``.

    Args:
        spec: the experiment spec, or None (unknown: every fix may help).
        fix: one of a finding's fixes, or the name of one in ``FIXES``.

    Returns:
        False when the spec has the fix in place already (e.g. standard scaling for
        "Standardise the inputs"); True otherwise, also when the spec lacks the
        field the fix changes (then the fix cannot be judged, and is kept).
    """
    if spec is None:
        return True
    try:
        return apply_fix(spec, fix) != dict(spec)
    except (TypeError, ValueError):
        return True


def advice(
    spec: Mapping[str, Any] | None,
    names: tuple[str, ...],
    remedy: str,
    *,
    otherwise: str,
    alternatives: tuple[str, ...] = (),
) -> tuple[str, list[dict[str, Any]]]:
    """A finding's remedy and one-click fixes for the experiment at hand.

    Args:
        spec: the experiment spec the history comes from, or None (unknown: the
            remedy and every fix as they are).
        names: the finding's fixes, by name in ``FIXES``, best first.
        remedy: what to do when every fix changes something, in words.
        otherwise: what else to try, a clause, e.g. ``"check the Data screen for
            outliers"``; said when a fix is in place already.
        alternatives: fixes (by name) offered instead when one of ``names`` is in
            place already, if they change something.

    Returns:
        ``(remedy, fixes)``: with a fix in place already, the remedy says so and
        what else to try, and that fix is left out: every fix returned changes the
        experiment.
    """
    kept = [name for name in names if changes_something(spec, name)]
    done = [name for name in names if name not in kept]
    if not done:
        return remedy, [copy.deepcopy(FIXES[name]) for name in names]
    kept += [
        name
        for name in alternatives
        if name not in kept and name not in done and changes_something(spec, name)
    ]
    notes = list(dict.fromkeys(IN_PLACE[name] for name in done))
    clauses = list(dict.fromkeys(_CLAUSES[name] for name in kept)) + [otherwise]
    instead = ", ".join(clauses[:-1]) + (", or " if len(clauses) > 1 else "")
    instead = (instead + clauses[-1]).rstrip(".")
    text = " ".join(notes) + f" Instead, {instead}."
    return text, [copy.deepcopy(FIXES[name]) for name in kept]
