"""The training doctor's findings from layer health: dead ReLU neurons, vanishing
and exploding gradients.

Pure functions over a run's probes (``nncore.train.health``: each record is what
``probe`` returned, with its ``"epoch"``, in epoch order, as ``HealthLog.records()``
gives them). Each detector returns a ``nncore.train.doctor.Finding`` or None and
works on a partial run, so the Train screen can call it at every refresh. Each
finding carries one-click fixes (``nncore.train.doctor_fixes``); given the
experiment's spec, only fixes that change something in it.

Standard library only: no TensorFlow, no Streamlit.

Example:
    >>> findings = layer_findings(log.records(), spec)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from nncore.core.text import plural, readable_number
from nncore.train.doctor import Finding
from nncore.train.doctor_fixes import advice

__all__ = [
    "HEALTH_KINDS",
    "dead_relu",
    "exploding_gradients",
    "layer_findings",
    "vanishing_gradients",
]

# The finding kinds of this module, in the order ``layer_findings`` returns them.
HEALTH_KINDS = ("dead_relu", "vanishing_gradients", "exploding_gradients")

# Dead ReLU: more than half of a layer's neurons (and at least 2) output 0 on every
# probe row in each of the last 2 probes after training started. A healthy ReLU
# layer loses a few neurons (3 of 8 at most in 8-8 networks trained 200 epochs on
# the 2-D datasets, 47 % of 64 on diabetes); more than half of it gone is capacity
# the network paid for and cannot use, and a neuron with no output gets no
# gradient, so it does not recover.
DEAD_SHARE = 0.5
DEAD_MIN_NEURONS = 2
DEAD_PROBES = 2
# Vanishing gradients: the first layer's gradients (root mean square per weight)
# below 1 % of the output layer's in each of the last 3 probes: the first layer
# then learns at least 100 times slower than the last one. Healthy networks of the
# app stay above 5 %...
VANISHING_RATIO = 0.01
VANISHING_PROBES = 3
# ...or every layer's gradients below 1 % of their size at the starting weights
# while the probe rows' loss is still at 75 % or more of its starting value (the
# doctor's underfitting share): the network is stuck, not finished.
STUCK_SHARE = 0.01
STUCK_LOSS_SHARE = 0.75
# Exploding gradients: all the gradients together at least 100 times their size at
# the starting weights while the loss is no lower than at the start, from some
# probe on to the last one (or until they are no longer numbers). Healthy training
# shrinks the gradients as the loss falls (a network that starts with tiny outputs
# may see them grow 10-200 times, but its loss falls meanwhile); two orders of
# magnitude of growth without any gain means each step overshoots further.
EXPLODING_GROWTH = 100.0


def _number(value: float) -> str:
    return readable_number(value, digits=3)


def _percent(share: float) -> str:
    """A share as a person reads it: 0.83 -> "83 %", 0.00042 -> "0.042 %"."""
    value = share * 100
    if value >= 10 or value == 0:
        return f"{value:.0f} %"
    return f"{readable_number(float(f'{value:.2g}'), digits=2)} %"


def _names(names: Sequence[str]) -> str:
    """``["Dense 1", "Dense 2", "Output"]`` -> ``"Dense 1, Dense 2 and Output"``."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _layer(record: Mapping[str, Any], name: str) -> dict[str, Any]:
    for layer in record["layers"]:
        if layer["name"] == name:
            return layer
    return {}


def _since(records: Sequence[Mapping], condition: Callable[[Mapping], bool]) -> int:
    """The epoch (at least 1) from which ``condition`` held for every record up to
    the last one, which it must hold for."""
    start = records[-1]["epoch"]
    for record in reversed(records):
        if not condition(record):
            break
        start = record["epoch"]
    return max(1, start)


def _check(records: Any) -> list[Mapping[str, Any]]:
    if not isinstance(records, Sequence) or not all(
        isinstance(record, Mapping) and "epoch" in record and "layers" in record
        for record in records
    ):
        raise ValueError(
            "records must be a run's probes, each what probe() returned with its "
            "'epoch', as HealthLog.records() gives them."
        )
    return list(records)


# --- dead ReLU ---------------------------------------------------------------------


def dead_relu(
    records: Sequence[Mapping[str, Any]], *, spec: Mapping[str, Any] | None = None
) -> Finding | None:
    """ReLU layers where most neurons output 0 on every probe row.

    Args:
        records: the run's probes in epoch order (``HealthLog.records()``).
        spec: the experiment spec. Fixes it has in place already are left out, and
            the remedy says what else to try. Defaults to None (every fix offered).

    Returns:
        One finding naming every such layer, the worst first, or None.
    """
    trained = [record for record in _check(records) if record["epoch"] >= 1]
    if len(trained) < DEAD_PROBES:
        return None

    def is_dead(record: Mapping, name: str) -> bool:
        layer = _layer(record, name)
        return (
            layer.get("dead") is not None
            and layer["dead"] >= DEAD_MIN_NEURONS
            and layer["dead_share"] > DEAD_SHARE
        )

    last = trained[-1]
    dead = [
        layer
        for layer in last["layers"]
        if all(is_dead(record, layer["name"]) for record in trained[-DEAD_PROBES:])
    ]
    if not dead:
        return None
    dead.sort(key=lambda layer: -layer["dead_share"])
    worst = dead[0]
    epoch = _since(trained, lambda record: is_dead(record, worst["name"]))
    others = "".join(
        f" {layer['name']} has lost {_percent(layer['dead_share'])} of its "
        f"neurons ({layer['dead']} of {layer['units']}) too."
        for layer in dead[1:]
    )
    left = worst["units"] - worst["dead"]
    effect = (
        f"the layer works with {plural(left, 'neuron')} instead of {worst['units']}."
        if left
        else "the whole layer outputs 0, so the network's predictions no longer "
        "depend on the inputs and nothing before the layer learns."
    )
    message = (
        f"{worst['name']}: {_percent(worst['dead_share'])} of its neurons "
        f"({worst['dead']} of {worst['units']}) never switch on (dead ReLU), since "
        f"epoch {epoch}.{others} A ReLU neuron whose input is below 0 for every row "
        "outputs 0 and gets no gradient, so it stops learning for good: " + effect
    )
    remedy, fixes = advice(
        spec,
        ("halve_learning_rate", "leaky_relu", "he_initial_weights"),
        "Lower the learning rate (big steps push neurons to where they never switch "
        "on again), or use leaky ReLU, which lets a little signal through below 0, "
        "or He initial weights, which are made for ReLU layers.",
        otherwise="use fewer units: a smaller layer wastes less",
    )
    return Finding("dead_relu", epoch, message, remedy, fixes)


# --- vanishing gradients -------------------------------------------------------------


def _gradient_ratio(record: Mapping[str, Any]) -> float | None:
    """The first layer's gradient size (per weight) over the output layer's."""
    layers = record["layers"]
    if len(layers) < 2:
        return None
    first, last = layers[0].get("gradient_rms"), layers[-1].get("gradient_rms")
    if first is None or last is None or last <= 0:
        return None
    return first / last


def _stuck(record: Mapping[str, Any], start: Mapping[str, Any]) -> bool:
    """Every layer's gradients at most ``STUCK_SHARE`` of their size at the start,
    while the loss is still at least ``STUCK_LOSS_SHARE`` of its starting value."""
    loss, first_loss = record.get("loss"), start.get("loss")
    if loss is None or first_loss is None or first_loss <= 0:
        return False
    if loss < STUCK_LOSS_SHARE * first_loss:
        return False
    pairs = [
        (layer.get("gradient_rms"), _layer(start, layer["name"]).get("gradient_rms"))
        for layer in record["layers"]
    ]
    return all(
        now is not None and then is not None and then > 0 and now <= STUCK_SHARE * then
        for now, then in pairs
    )


def vanishing_gradients(
    records: Sequence[Mapping[str, Any]], *, spec: Mapping[str, Any] | None = None
) -> Finding | None:
    """The first layer's gradients a tiny fraction of the output layer's, or every
    layer's gradients near 0 while the loss is still high.

    Args:
        records: the run's probes in epoch order (``HealthLog.records()``).
        spec: the experiment spec. Fixes it has in place already are left out, and
            the remedy says what else to try. Defaults to None (every fix offered).

    Returns:
        A finding at the epoch from which the gradients vanished, or None.
    """
    records = _check(records)
    if len(records) < VANISHING_PROBES or records[-1]["epoch"] < 1:
        return None
    start, recent = records[0], records[-VANISHING_PROBES:]
    remedy, fixes = advice(
        spec,
        ("use_relu", "add_batchnorm", "he_initial_weights"),
        "Switch sigmoid and tanh hidden layers to ReLU, which does not squash the "
        "gradient, add batch normalisation after each dense layer to keep the "
        "signals at a steady size, or start from He initial weights.",
        otherwise="use fewer layers: a shallower network has a shorter way back "
        "for the gradients",
    )

    def small(record: Mapping) -> bool:
        ratio = _gradient_ratio(record)
        return ratio is not None and ratio < VANISHING_RATIO

    if all(small(record) for record in recent):
        epoch = _since(records, small)
        first, last = records[-1]["layers"][0], records[-1]["layers"][-1]
        message = (
            f"Vanishing gradients since epoch {epoch}: the gradients of the first "
            f"layer ({first['name']}) are only "
            f"{_percent(_gradient_ratio(records[-1]))} of the output layer's "
            f"({_number(first['gradient_rms'])} against "
            f"{_number(last['gradient_rms'])} per weight). The signal that says how "
            "to change the weights fades on its way back through the layers, so the "
            "first layers hardly learn while the last one does."
        )
        return Finding("vanishing_gradients", epoch, message, remedy, fixes)

    if all(_stuck(record, start) for record in recent):
        epoch = _since(records, lambda record: _stuck(record, start))
        loss = records[-1]["loss"]
        message = (
            f"Vanishing gradients since epoch {epoch}: every layer's gradients fell "
            f"below {_percent(STUCK_SHARE)} of their size at the start, while the "
            f"loss on the training rows is still {_number(loss)}, "
            f"{_percent(loss / start['loss'])} of its starting "
            f"{_number(start['loss'])}. The network is stuck, not finished: with "
            "gradients this small the weights hardly move any more."
        )
        return Finding("vanishing_gradients", epoch, message, remedy, fixes)
    return None


# --- exploding gradients -------------------------------------------------------------


def _total_norm(record: Mapping[str, Any]) -> float | None:
    """The size of all the gradients together, or None when one is not a number."""
    norms = [layer.get("gradient_norm") for layer in record["layers"]]
    if not norms or any(norm is None for norm in norms):
        return None
    return math.sqrt(sum(norm * norm for norm in norms))


def exploding_gradients(
    records: Sequence[Mapping[str, Any]], *, spec: Mapping[str, Any] | None = None
) -> Finding | None:
    """Gradients grown by orders of magnitude since the start while the loss is no
    lower, and not recovered since (or no longer numbers).

    Args:
        records: the run's probes in epoch order (``HealthLog.records()``).
        spec: the experiment spec. Fixes it has in place already are left out, and
            the remedy says what else to try. Defaults to None (every fix offered).

    Returns:
        A finding at the first epoch with exploded gradients, or None.
    """
    records = _check(records)
    if len(records) < 2:
        return None
    start = records[0]
    first_norm, first_loss = _total_norm(start), start.get("loss")
    if not first_norm or first_loss is None:
        return None

    def exploded(record: Mapping) -> bool:
        norm, loss = _total_norm(record), record.get("loss")
        return (
            record["epoch"] >= 1
            and norm is not None
            and norm >= EXPLODING_GROWTH * first_norm
            and loss is not None
            and loss >= first_loss
        )

    begin = next(
        (index for index, record in enumerate(records) if exploded(record)), None
    )
    if begin is None:
        return None
    since = records[begin:]
    if not all(exploded(r) or _total_norm(r) is None for r in since):
        return None  # it recovered
    peak = max(since, key=lambda record: _total_norm(record) or 0)
    norm = _total_norm(peak)
    after = ""
    if _total_norm(records[-1]) is None:
        blown = [
            layer["name"]
            for layer in records[-1]["layers"]
            if layer.get("gradient_norm") is None
        ]
        after = (
            f" Since epoch {_since(since, lambda r: _total_norm(r) is None)} the "
            f"gradients of {_names(blown)} are too large for the computer to hold "
            "(not numbers any more)."
        )
    message = (
        f"Exploding gradients from epoch {since[0]['epoch']}: all the gradients "
        f"together grew to {_number(norm)} at epoch {peak['epoch']}, "
        f"{_number(norm / first_norm)} times their size at the starting weights "
        f"({_number(first_norm)}), while the loss on the training rows got no lower "
        f"than at the start ({_number(first_loss)}).{after} Each step moves the "
        "weights further than the last, so the loss jumps around or blows up to NaN "
        "(not a number) and the network unlearns what it knew."
    )
    remedy, fixes = advice(
        spec,
        ("reduce_learning_rate", "scale_data", "add_batchnorm"),
        "Divide the learning rate by 10 so each step stays small, standardise the "
        "inputs so no feature produces huge gradients, and add batch normalisation "
        "after each dense layer to keep the signals between layers at a steady size.",
        otherwise="check the Data screen for outliers: a few extreme values produce "
        "huge gradients",
    )
    return Finding("exploding_gradients", since[0]["epoch"], message, remedy, fixes)


def layer_findings(
    records: Sequence[Mapping[str, Any]], spec: Mapping[str, Any] | None = None
) -> list[Finding]:
    """Every layer-health finding of a (possibly partial) run, in the order of
    ``HEALTH_KINDS``; empty for a healthy network.

    A dead ReLU layer passes no gradient back, so gradients that vanish behind it
    are left out: one cause, one finding.

    Args:
        records: the run's probes in epoch order (``HealthLog.records()``).
        spec: the experiment spec the run comes from. A fix in place already is
            never offered; the remedy says so and what else to try. Defaults to
            None (every fix offered).

    Returns:
        A list of ``Finding`` with ``kind`` in ``HEALTH_KINDS``.

    Raises:
        ValueError: when ``records`` are not a run's probes.
    """
    records = _check(records)
    found = {
        "dead_relu": dead_relu(records, spec=spec),
        "vanishing_gradients": None,
        "exploding_gradients": exploding_gradients(records, spec=spec),
    }
    if found["dead_relu"] is None:
        found["vanishing_gradients"] = vanishing_gradients(records, spec=spec)
    return [found[kind] for kind in HEALTH_KINDS if found[kind] is not None]
