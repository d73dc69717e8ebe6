"""Traced loops shared between models of the same network: a second training of the
same network starts at once instead of tracing its loop again.

Tracing the compiled epoch loop (``nncore.train.compiled_loop``) takes about half
a second to a second of Python work, more than a small network's whole training,
and it holds Python's lock, so two jobs tracing at once cannot use two cores. The
traced graph depends only on the network (its layers, the optimiser's and loss's
settings, the data shapes and batch size): the weights, the optimiser's moments,
the metrics' totals and the random generators' states are variables the graph
reads through its *captures*. So a model with the same network reuses the graph
of one traced before, called with its own variables in place of the first model's
(``ConcreteFunction._call_flat``): the very same operations on its own state,
hence the very same numbers as its own trace would give.

Only ``keras.Sequential`` and functional models are shared (their configuration
describes the whole network); each capture must be one of the model's variables,
of the same shape and type, or the model traces its own loop as before.

Example:

    function = reuse_or_trace(model, cache, key, lambda: Compiled(...), run_compiled)
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

__all__ = [
    "clear",
    "earlier_uses",
    "remember",
    "reuse",
    "reuse_or_trace",
    "shared_count",
]

# How many traced graphs are kept for reuse (each holds a graph and the first
# model's variables).
MAX_SHARED = 16

_LOCK = threading.Lock()
_SHARED: OrderedDict[tuple, _Template] = OrderedDict()
# How many models of each network have asked for each graph (``earlier_uses``),
# for the networks asked about last.
_USES: OrderedDict[tuple, int] = OrderedDict()
MAX_COUNTED = 64
# Configuration entries that change a model's first weights, never its graph.
_NOT_IN_GRAPH = {"name", "seed", "kernel_initializer", "bias_initializer"}


class _Template:
    """A traced graph and where each of its captures sits in its model's state."""

    def __init__(self, concrete, single_threaded: bool, places: list, specs: list):
        self.concrete = concrete
        self.single_threaded = single_threaded
        self.places = places  # (group, index) per capture
        self.specs = specs  # (shape, dtype) per capture


class Rebound:
    """A shared graph called with another model's variables; called like
    ``nncore.train.compiled_loop.Compiled``."""

    def __init__(self, template: _Template, captures: list, run):
        self.concrete = template.concrete
        self.single_threaded = template.single_threaded
        self.captures = captures
        self._run = run

    def __call__(self, *args):
        return self._run(
            lambda: self.concrete._call_flat(list(args), self.captures),
            self.single_threaded,
        )


def reuse(model, cache: dict, key: tuple, run) -> Rebound | None:
    """The graph traced for ``key`` on an earlier model of the same network, bound
    to ``model``'s variables; None when there is none (or it does not fit).

    ``run(call, single_threaded)`` runs a call of the graph on an executor
    (``nncore.train.compiled_loop.run_compiled``).
    """
    network = _network(model, cache)
    if network is None:
        return None
    with _LOCK:
        template = _SHARED.get((network, key))
        if template is not None:
            _SHARED.move_to_end((network, key))
    if template is None:
        return None
    groups = _state(model, cache)
    captures = []
    for (group, index), (shape, dtype) in zip(
        template.places, template.specs, strict=True
    ):
        variables = groups.get(group, [])
        if index >= len(variables):
            return None
        variable = variables[index]
        if _shape(variable) != shape or str(variable.dtype) != dtype:
            return None
        captures.append(_handle(variable))
    return Rebound(template, captures, run)


def reuse_or_trace(model, cache: dict, key: tuple, trace, run):
    """The graph for ``key`` of an earlier model of the same network, bound to
    ``model``'s variables (``reuse``), else ``trace()`` (a
    ``nncore.train.compiled_loop.Compiled`` for ``model``), offered to later
    models (``remember``)."""
    function = reuse(model, cache, key, run)
    if function is None:
        function = trace()
        remember(model, cache, key, function)
    return function


def remember(model, cache: dict, key: tuple, compiled) -> None:
    """Offer ``compiled`` (traced for ``model``) to later models of its network.

    Does nothing when the network cannot be described, or when a capture of the
    graph is not one of the model's variables.
    """
    network = _network(model, cache)
    if network is None:
        return
    groups = _state(model, cache)
    where = {}
    for group, variables in groups.items():
        for index, variable in enumerate(variables):
            where.setdefault(id(_handle(variable)), (group, index, variable))
    places, specs = [], []
    for capture in compiled.concrete.captured_inputs:
        found = where.get(id(capture))
        if found is None:
            return  # a constant or someone else's variable: not shareable
        group, index, variable = found
        places.append((group, index))
        specs.append((_shape(variable), str(variable.dtype)))
    template = _Template(compiled.concrete, compiled.single_threaded, places, specs)
    with _LOCK:
        _SHARED[(network, key)] = template
        _SHARED.move_to_end((network, key))
        while len(_SHARED) > MAX_SHARED:
            _SHARED.popitem(last=False)


def earlier_uses(model, cache: dict, key: tuple) -> int:
    """How many earlier models of ``model``'s network asked for the graph ``key``
    (this one is counted too: ask once per model); 0 when the network cannot be
    described.

    A graph that is cheap to run eagerly once or twice (the layers' health probe)
    is traced when its network comes back, so that every later model shares it.
    """
    network = _network(model, cache)
    if network is None:
        return 0
    with _LOCK:
        seen = _USES.get((network, key), 0)
        _USES[(network, key)] = seen + 1
        _USES.move_to_end((network, key))
        while len(_USES) > MAX_COUNTED:
            _USES.popitem(last=False)
    return seen


def clear() -> None:
    """Forget every shared graph (the next training of each network traces)."""
    with _LOCK:
        _SHARED.clear()
        _USES.clear()


def shared_count() -> int:
    """How many traced graphs are kept for reuse."""
    with _LOCK:
        return len(_SHARED)


def _network(model, cache: dict) -> str | None:
    """The network and how it is compiled, as text, or None when not shareable;
    worked out once per ``cache`` (the model's, made again when it is
    recompiled)."""
    if "network" not in cache:
        cache["network"] = _describe(model)
    return cache["network"]


def _describe(model) -> str | None:
    import keras
    from keras.src.models.functional import Functional

    if type(model) not in (keras.Sequential, Functional):
        return None
    try:
        described = [
            type(model).__name__,
            _graph_part(model.get_config()),
            _graph_part(model.get_compile_config()),
        ]
        return json.dumps(described, sort_keys=True)
    except (TypeError, ValueError, NotImplementedError, AttributeError):
        return None


def _graph_part(config):
    if isinstance(config, dict):
        return {
            key: _graph_part(value)
            for key, value in config.items()
            if key not in _NOT_IN_GRAPH
        }
    if isinstance(config, list | tuple):
        return [_graph_part(value) for value in config]
    if isinstance(config, str | int | float | bool) or config is None:
        return config
    raise TypeError(f"not plain data: {type(config).__name__}")


def _state(model, cache: dict) -> dict[str, list]:
    """The variables a traced loop may read, by group, in a fixed order."""
    optimizer = getattr(model, "optimizer", None)
    groups = {
        "model": list(model.variables),
        "optimizer": list(optimizer.variables) if optimizer is not None else [],
        "metrics": [v for metric in model.metrics for v in metric.variables],
        "loop": list(cache.get("variables", ())),
    }
    for name, value in sorted((cache.get("watch") or {}).items()):
        groups[f"watch.{name}"] = list(value) if isinstance(value, list) else [value]
    return groups


def _handle(variable):
    value = getattr(variable, "value", None)
    if value is not None and hasattr(value, "handle"):
        return value.handle
    return variable.handle


def _shape(variable) -> tuple:
    return tuple(int(n) for n in variable.shape)
