"""Layer health: the weights, gradients and activations of each layer while a
network learns, and what the training doctor reads from them.

``probe`` runs the network once forward and once backward on a fixed sample of
training rows (``probe_rows``), in inference mode and with its own compiled loss,
and returns plain numbers per dense layer: the quantiles of its weights, of the
loss's gradient with respect to them and of its outputs, the gradient's size, and
for ReLU layers the share of neurons that never switch on. It runs beside the
compiled training loop, at the rate a screen shows it (the live-progress callback
calls it a few times a second at most), never inside it, and changes nothing in the
model. ``HealthLog`` keeps a run's probes per epoch, bounded in size;
``HealthWatch`` probes a training run at most a small share of its time into a
log, and at its end fills the widest gaps from the run's snapshots (a short run
is over before the live view probes more than once or twice); ``health_findings``
turns a log into the doctor's findings (dead ReLU neurons, vanishing and exploding
gradients: ``nncore.train.layer_doctor``).

TensorFlow is imported inside ``probe``; the rest is NumPy and the standard library.

Example:
    >>> watch = HealthWatch(prepared)
    >>> watch.record(trainer.model, epoch)  # e.g. from a live-progress callback
    >>> findings = health_findings(watch.log, spec)
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from nncore.train.doctor import Finding
from nncore.train.layer_doctor import HEALTH_KINDS, layer_findings

__all__ = [
    "HEALTH_KINDS",
    "MAX_RECORDS",
    "QUANTILES",
    "HealthLog",
    "HealthWatch",
    "health_findings",
    "probe",
    "probe_rows",
]

# The percentiles a probe reports of each layer's weights, gradients and outputs:
# the median, the middle half and all but the 5 % most extreme on each side.
QUANTILES = (5, 25, 50, 75, 95)
# Training rows a probe runs on: enough for stable quantiles and for a neuron that
# switches on for a few rows to be seen doing so, and one forward and backward
# pass on them costs a few milliseconds for the networks the app builds (about 8 ms
# run eagerly, 3 ms traced, 20 ms for a model's first probe, for 128-64 units).
PROBE_ROWS = 256
# Values of one layer the quantiles read; a wider layer is read at evenly spaced
# positions (the quantiles of 50,000 values move by well under 1 %).
MAX_VALUES = 50_000
# Probes a log keeps: enough for a smooth band over any run, a few hundred
# kilobytes of JSON at most for the networks the app builds.
MAX_RECORDS = 200
# Probes of a model run eagerly before its probe is traced (see _probe_function).
EAGER_PROBES = 20
# The largest share of a training's time that HealthWatch spends probing: the live
# view may slow training by 15 % at most, shared with the boundary and snapshots.
PROBE_SHARE = 0.05

# The activations called ReLU here: exactly 0 for every negative input.
_RELU = ("relu",)


# --- probing a network ---------------------------------------------------------


def probe_rows(prepared, n: int = PROBE_ROWS, seed: int = 0):
    """A fixed sample of training rows to probe a network on.

    The same ``prepared`` data, ``n`` and ``seed`` give the same rows, so every
    probe of a run reads the network on the same examples.

    Args:
        prepared: the ``PreparedData`` the network trains on.
        n: the most rows to take. Defaults to 256.
        seed: seeds the choice of rows. Defaults to 0.

    Returns:
        ``(x, y)``: the rows' inputs (float32) and targets, in the order of the
        training rows.

    Raises:
        ValueError: when ``n`` is not a positive whole number.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(
            f"Received: n={n!r}. Expected a positive whole number of rows, e.g. n=256."
        )
    y_train = np.asarray(prepared.y_train)
    total = len(y_train)
    rows = np.sort(
        np.random.default_rng(seed).choice(
            total, size=min(int(n), total), replace=False
        )
    )
    x = np.ascontiguousarray(np.asarray(prepared.X_train)[rows], dtype=np.float32)
    y = y_train[rows]
    if y.dtype.kind == "f":
        y = y.astype(np.float32)
    return x, np.ascontiguousarray(y)


def probe(model, x, y) -> dict[str, Any]:
    """Weights, gradients and activations of each dense layer of ``model``.

    One forward and one backward pass on the rows ``x``, ``y`` (at most a few
    hundred: ``probe_rows``), in inference mode (dropout off, batch normalisation on
    its running averages), with the loss ``model`` was compiled with; class weights
    do not apply. The first probes of a model run eagerly, later ones traced (see
    ``_probe_function``). Nothing in the model or its optimiser changes.

    Args:
        model: a compiled ``keras.Sequential`` (``build_model``'s network).
        x: the rows' inputs, shape ``(n_rows, n_features)``.
        y: the rows' targets, as the model trains on them.

    Returns:
        Plain data: ``{"loss": float, "rows": int, "layers": [...]}``, one entry per
        dense layer in order (``"Dense 1"``, ``"Dense 2"``, …, ``"Output"``), each
        with ``name``, ``units``, ``activation``, the ``QUANTILES`` of its
        ``weights`` (kernel), ``gradients`` (of the loss with respect to the
        kernel) and ``activations`` (outputs after the activation), the gradient's
        ``gradient_rms`` (per weight) and ``gradient_norm``, and for a ReLU layer
        ``dead`` (neurons that output 0 on every row) and ``dead_share``, else
        None for both. A number that is not finite (the weights blew up) is None.

    Raises:
        ValueError: when the model is not a Sequential stack with a dense layer,
            or ``x`` and ``y`` do not have one target per row.
    """
    import tensorflow as tf

    from nncore.train.compiled_loop import as_arrays, to_numpy

    x, y = as_arrays(x, y, "x", "y")
    dense = _dense_layers(model)
    function, names = _probe_function(model, dense, x, y)
    loss, kernels, gradients, activations = to_numpy(
        function(tf.constant(x), tf.constant(y))
    )
    layers = []
    for index, layer in enumerate(dense):
        kernel, gradient, outputs = kernels[index], gradients[index], activations[index]
        norm = _norm(gradient)
        units, activation = int(layer.units), names[index]
        dead = None
        if activation in _RELU and np.all(np.isfinite(outputs)):
            dead = int(np.sum(outputs.max(axis=0) <= 0))
        layers.append(
            {
                "name": "Output" if index == len(dense) - 1 else f"Dense {index + 1}",
                "units": units,
                "activation": activation,
                "weights": _quantiles(_spread(kernel)),
                "gradients": _quantiles(_spread(gradient)),
                "activations": _quantiles(_spread(outputs, columns=True)),
                "gradient_rms": None if norm is None else norm / math.sqrt(kernel.size),
                "gradient_norm": norm,
                "dead": dead,
                "dead_share": None if dead is None else dead / units,
            }
        )
    return {"loss": _plain(loss), "rows": int(len(x)), "layers": layers}


def _dense_layers(model) -> list:
    import keras

    if not isinstance(model, keras.Sequential):
        raise ValueError(
            "probe needs the app's network, a keras.Sequential stack of layers "
            f"(build_model). Got {type(model).__name__}."
        )
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    if not dense:
        raise ValueError("probe needs a network with at least one Dense layer.")
    return dense


def _activation_name(layer) -> str:
    """The layer's activation as the spec names it (``"relu"``)."""
    name = layer.get_config().get("activation")
    return name if isinstance(name, str) else str(getattr(name, "__name__", name))


def _probe_function(model, dense: list, x: np.ndarray, y: np.ndarray):
    """The forward and backward pass for rows shaped like ``x`` and ``y``, and the
    dense layers' activation names.

    Run eagerly for the first ``EAGER_PROBES`` probes of a model: tracing costs
    0.05-0.2 s, more than a short run's eager probes together. A longer run then
    traces it once (a traced probe is several times faster), cached on the model
    (``nncore.train.compiled_loop.model_cache``); a trace made for an earlier model
    of the same network is used from the first probe on
    (``nncore.train.shared_traces``). The second model of a network traces its
    probe at once: a network that trains again is likely to train many times (the
    same experiment re-run, a class's sessions), and each later model then probes
    in a fraction of the eager time.
    """
    import tensorflow as tf

    from nncore.train import shared_traces
    from nncore.train.compiled_loop import (
        TRACING,
        Compiled,
        model_cache,
        run_compiled,
        single_threaded_suits,
    )

    cache = model_cache(model)
    # Kept apart from the training loops' functions, which are evicted by count.
    mine = cache.get("health")
    if mine is None:
        mine = {"functions": {}, "eager_calls": {}}
        mine["activations"] = [_activation_name(layer) for layer in dense]
        cache["health"] = mine
    names = mine["activations"]
    key = ("health", x.shape[1:], x.dtype.str, y.shape[1:], y.dtype.str)
    function = mine["functions"].get(key)
    if function is not None:
        return function, names
    calls = mine["eager_calls"].get(key, 0)
    if calls == 0:  # describing the network costs a millisecond: once per model
        function = shared_traces.reuse(model, cache, key, run_compiled)
        if function is None and shared_traces.earlier_uses(model, cache, key):
            # The network trains again (the same experiment, another session):
            # trace its probe now, and its later models share the trace.
            calls = EAGER_PROBES
    if function is None and calls < EAGER_PROBES:
        mine["eager_calls"][key] = calls + 1
        return _probe_step(model, dense), names
    if function is None:
        step = _probe_step(model, dense)
        signature = [
            tf.TensorSpec((None, *x.shape[1:]), x.dtype),
            tf.TensorSpec((None, *y.shape[1:]), y.dtype),
        ]
        with TRACING:
            function = shared_traces.reuse_or_trace(
                model,
                cache,
                key,
                lambda: Compiled(step, signature, single_threaded_suits(model)),
                run_compiled,
            )
    mine["functions"][key] = function
    return function, names


def _probe_step(model, dense: list):
    """The probe's TensorFlow work: the loss, and each dense layer's kernel, the
    loss's gradient with respect to it, and the layer's outputs."""
    import tensorflow as tf

    kernels = [layer.kernel for layer in dense]

    def probe_step(inputs, targets):
        activations = []
        with tf.GradientTape() as tape:
            hidden = inputs
            for layer in model.layers:
                hidden = layer(hidden, training=False)
                if any(layer is other for other in dense):
                    activations.append(hidden)
            loss = model._compute_loss(
                x=inputs, y=targets, y_pred=hidden, sample_weight=None, training=False
            )
        gradients = tape.gradient(loss, kernels)
        values = [tf.convert_to_tensor(kernel) for kernel in kernels]
        gradients = [
            tf.zeros_like(value) if gradient is None else gradient  # not reached
            for value, gradient in zip(values, gradients, strict=True)
        ]
        return loss, values, gradients, activations

    return probe_step


def _spread(values: np.ndarray, *, columns: bool = False) -> np.ndarray:
    """At most about ``MAX_VALUES`` of the values, evenly spaced.

    With ``columns``, a batch of outputs ``(rows, units)`` is thinned along its
    columns, so every row keeps the same neurons."""
    if columns and values.ndim == 2:
        step = max(1, math.ceil(values.size / MAX_VALUES))
        return values[:, ::step]
    return values.ravel()[:: max(1, math.ceil(values.size / MAX_VALUES))]


def _norm(values: np.ndarray) -> float | None:
    """The Euclidean norm, None when not finite; scaled by the largest value first,
    so that large float32 values do not overflow when squared."""
    largest = float(np.max(np.abs(values))) if values.size else 0.0
    if not math.isfinite(largest):
        return None
    if largest == 0:
        return 0.0
    scaled = (values / np.float32(largest)).ravel()
    return _plain(largest * math.sqrt(float(np.dot(scaled, scaled))))


def _quantiles(values: np.ndarray) -> list[float | None]:
    values = np.asarray(values, dtype=np.float64).ravel()
    if values.size == 0 or not np.all(np.isfinite(values)):
        return [None] * len(QUANTILES)
    return [_plain(value) for value in np.percentile(values, QUANTILES)]


def _plain(value) -> float | None:
    """A float as JSON keeps it: 7 significant digits (all a float32 has), None
    when not finite."""
    value = float(value)
    return float(f"{value:.7g}") if math.isfinite(value) else None


# --- a run's probes ------------------------------------------------------------


class HealthLog:
    """The probes of one run, by epoch, at most ``max_records`` of them.

    When full, each new probe pushes out the one in the middle whose neighbours
    are closest together, so the probes kept stay spread evenly over the whole run;
    the first and the last are always kept. ``add`` may be called from the training
    thread while another reads: every method takes the log's lock.

    Args:
        max_records: the most probes kept, at least 3. Defaults to 200.

    Example:
        >>> log = HealthLog()
        >>> log.add(0, probe(model, x, y))  # the starting weights
        >>> log.add(1, probe(model, x, y))  # after the first epoch
        >>> HealthLog.from_plain(json.loads(json.dumps(log.to_plain())))
    """

    def __init__(self, max_records: int = MAX_RECORDS):
        if (
            isinstance(max_records, bool)
            or not isinstance(max_records, int)
            or max_records < 3
        ):
            raise ValueError(
                f"Received: max_records={max_records!r}. Expected a whole number of "
                "at least 3, e.g. max_records=200."
            )
        self.max_records = max_records
        self._lock = threading.Lock()
        self._epochs: list[int] = []
        self._records: list[dict[str, Any]] = []

    def add(self, epoch: int, record: Mapping[str, Any]) -> None:
        """Keep ``record`` (a ``probe`` result) as the network after ``epoch`` epochs.

        Args:
            epoch: epochs trained when probed; 0 is the starting weights. A probe
                of an epoch already kept replaces it.
            record: what ``probe`` returned.

        Raises:
            ValueError: when ``epoch`` is not a whole number of at least 0, or
                ``record`` is not a probe.
        """
        if isinstance(epoch, bool) or not isinstance(epoch, int | np.integer):
            raise ValueError(
                f"Received: epoch={epoch!r}. Expected the number of epochs trained, "
                "a whole number, e.g. epoch=3."
            )
        if epoch < 0:
            raise ValueError(
                f"Received: epoch={epoch}. Expected 0 (the starting weights) or more."
            )
        _check_record(record)
        epoch, record = int(epoch), _copy(record)
        with self._lock:
            at = bisect.bisect_left(self._epochs, epoch)
            if at < len(self._epochs) and self._epochs[at] == epoch:
                self._records[at] = record
                return
            self._epochs.insert(at, epoch)
            self._records.insert(at, record)
            if len(self._epochs) > self.max_records:
                self._thin()

    def _thin(self) -> None:
        """Drop the inner probe whose neighbours are closest (the earliest on ties)."""
        epochs = self._epochs
        gaps = [epochs[i + 1] - epochs[i - 1] for i in range(1, len(epochs) - 1)]
        drop = 1 + gaps.index(min(gaps))
        del epochs[drop], self._records[drop]

    def records(self) -> list[dict[str, Any]]:
        """A copy of the probes kept, by epoch, each with its ``"epoch"``."""
        with self._lock:
            return [
                {"epoch": epoch, **_copy(record)}
                for epoch, record in zip(self._epochs, self._records, strict=True)
            ]

    def epochs(self) -> list[int]:
        """The epochs of the probes kept, in order."""
        with self._lock:
            return list(self._epochs)

    def __len__(self) -> int:
        with self._lock:
            return len(self._epochs)

    def to_plain(self) -> dict[str, Any]:
        """The log as JSON-ready data: ``{"quantiles": [...], "records": [...]}``,
        each record a probe with its ``"epoch"`` (``records()``)."""
        return {"quantiles": list(QUANTILES), "records": self.records()}

    @classmethod
    def from_plain(
        cls, plain: Mapping[str, Any], max_records: int = MAX_RECORDS
    ) -> HealthLog:
        """A log from what ``to_plain`` returned (read back from JSON).

        Raises:
            ValueError: when ``plain`` is not a health log.
        """
        records = plain.get("records") if isinstance(plain, Mapping) else None
        if not isinstance(records, list):
            raise ValueError(
                "A health log must be a dict with a 'records' list, as "
                f"HealthLog.to_plain() returns it. Got {_short(plain)}."
            )
        if list(plain.get("quantiles", QUANTILES)) != list(QUANTILES):
            raise ValueError(
                f"This health log has the quantiles {plain.get('quantiles')!r}; "
                f"expected {list(QUANTILES)}."
            )
        for record in records:
            if not isinstance(record, Mapping) or "epoch" not in record:
                raise ValueError(
                    "Each record of a health log must be a probe with its 'epoch'. "
                    f"Got {_short(record)}."
                )
        log = cls(max_records)
        for record in records:
            log.add(record["epoch"], {k: v for k, v in record.items() if k != "epoch"})
        return log


def _copy(record: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a probe (a dict of numbers, and its layers: dicts of numbers, text
    and lists of numbers), ten times faster than ``copy.deepcopy``."""
    copied = dict(record)
    copied["layers"] = [
        {
            key: list(value) if isinstance(value, list) else value
            for key, value in layer.items()
        }
        for layer in record["layers"]
    ]
    return copied


def _check_record(record: Any) -> None:
    layers = record.get("layers") if isinstance(record, Mapping) else None
    if not isinstance(layers, list) or not all(
        isinstance(layer, Mapping) and "name" in layer for layer in layers
    ):
        raise ValueError(
            "A health record must be what probe() returns, a dict with 'loss' and a "
            f"'layers' list. Got {_short(record)}."
        )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def health_findings(
    log: HealthLog | Mapping[str, Any], spec: Mapping[str, Any] | None = None
) -> list[Finding]:
    """The doctor's findings from a run's layer health, in the order of
    ``HEALTH_KINDS``: dead ReLU, vanishing and exploding gradients; empty for a
    healthy network (``nncore.train.layer_doctor.layer_findings``).

    Args:
        log: the run's ``HealthLog`` (or its ``to_plain()``), possibly partial.
        spec: the experiment spec the run comes from. A fix in place already is
            never offered; the remedy says so and what else to try. Defaults to
            None (every fix offered).

    Returns:
        A list of ``nncore.train.doctor.Finding``.

    Raises:
        ValueError: when ``log`` is not a health log.
    """
    if not isinstance(log, HealthLog):
        log = HealthLog.from_plain(log)
    return layer_findings(log.records(), spec)


class HealthWatch:
    """Probes a training run into a ``HealthLog``, at most a small share of its time.

    Each ``record`` probes the model unless the time since the last probe is less
    than that probe's duration divided by ``share``: a 2 ms probe of a small
    network may run every 40 ms, a 30 ms probe of a wide one every 0.6 s. The
    rows are ``probe_rows(prepared)``, the same for the whole run. A network the
    probe cannot read (not the app's Sequential stack, e.g. an uploaded model) is
    not probed: ``unavailable`` says why, and training goes on as without the watch.

    Args:
        prepared: the ``PreparedData`` the network trains on.
        share: the largest share of the time spent probing. Defaults to 0.05.
        log: a log to continue (a resumed run). Defaults to None (a new one).

    Example:
        >>> watch = HealthWatch(prepared)
        >>> watch.record(model, 0, force=True)  # the starting weights
        >>> watch.record(model, epoch)  # at each refresh of the live view
        >>> watch.record(model, epochs, force=True)  # the network kept
        >>> watch.fill_in(model, snapshots.view(), after=0, budget=0.05)
    """

    def __init__(
        self, prepared, *, share: float = PROBE_SHARE, log: HealthLog | None = None
    ):
        if isinstance(share, bool) or not isinstance(share, int | float):
            raise ValueError(f"Received: share={share!r}. Expected e.g. share=0.05.")
        if not 0 < share <= 1:
            raise ValueError(
                f"Received: share={share}. Expected a share of the time above 0 and "
                "at most 1, e.g. share=0.05."
            )
        self.x, self.y = probe_rows(prepared)
        self.share = float(share)
        self.log = HealthLog() if log is None else log
        self.unavailable: str | None = None
        self.spent = 0.0  # seconds spent probing so far
        self._due = 0.0  # time.monotonic() from which the next probe may run

    def record(self, model, epoch: int, *, force: bool = False) -> bool:
        """Probe ``model`` as the network after ``epoch`` epochs, if it is time.

        Args:
            model: the network being trained (its weights at the end of ``epoch``).
            epoch: epochs trained; 0 is the starting weights.
            force: probe even if the last probe was too recent (the starting
                weights, the end of training), and do not let this probe's time
                delay the next one: the first probe of a model pays one-off costs
                (a first call, or tracing for a network trained before) that
                would hold the next probe back for seconds. Defaults to False.

        Returns:
            Whether it probed.
        """
        if self.unavailable or (not force and time.monotonic() < self._due):
            return False
        started = time.monotonic()
        try:
            result = probe(model, self.x, self.y)
        except ValueError as error:  # not a network the probe can read
            self.unavailable = f"Layer health is not available: {error}"
            return False
        self.log.add(epoch, result)
        now = time.monotonic()
        self.spent += now - started
        if not force:
            self._due = now + (now - started) / self.share
        return True

    def fill_in(self, model, snapshots, *, after: int, budget: float) -> int:
        """Probe the weights of kept epochs the log lacks, the widest gap first:
        one, then more while ``budget`` seconds last.

        The live view probes at the screen's pace, so a training of a second or
        two gets a probe or two, and the doctor needs two after the start to call
        a layer dead. The snapshots (every epoch's weights, thinned) let the end
        of training fill the gaps. Each probe loads a snapshot into ``model``; the
        model's own weights are put back afterwards. A probe that would trace the
        probe function (tenths of a second) is not started.

        Args:
            model: the trained network; its weights are restored before returning.
            snapshots: a ``nncore.train.snapshots.SnapshotView`` of the run.
            after: only epochs after this one are probed (where this training
                started; earlier ones belong to an earlier training of the run).
            budget: seconds it may spend in all; the first probe is made whatever
                the budget.

        Returns:
            How many probes it added.
        """
        if self.unavailable:
            return 0
        kept = dict(zip(snapshots.epochs, snapshots.weights, strict=True))
        wanted = [epoch for epoch in kept if epoch > after]
        done, added, own, slowest = set(self.log.epochs()), 0, None, 0.0
        started = time.monotonic()
        try:
            while True:
                epoch = _widest_gap(wanted, done)
                elapsed = time.monotonic() - started
                if (
                    epoch is None
                    or (added and elapsed + slowest > budget)
                    or _traces_next(model, self.x, self.y)
                ):
                    break
                if own is None:
                    own = model.get_weights()
                began = time.monotonic()
                model.set_weights(kept[epoch])
                self.log.add(epoch, probe(model, self.x, self.y))
                slowest = max(slowest, time.monotonic() - began)
                done.add(epoch)
                added += 1
        finally:
            if own is not None:
                model.set_weights(own)
            self.spent += time.monotonic() - started
        return added


def _widest_gap(wanted: list[int], done: set[int]) -> int | None:
    """The wanted epoch not done yet that lies farthest from every done one (the
    earliest of equals), or None."""
    best, best_distance = None, -1
    for epoch in sorted(wanted):
        if epoch in done:
            continue
        distance = min((abs(epoch - other) for other in done), default=epoch)
        if distance > best_distance:
            best, best_distance = epoch, distance
    return best


def _traces_next(model, x: np.ndarray, y: np.ndarray) -> bool:
    """Whether the next ``probe`` of ``model`` on rows like ``x``, ``y`` traces its
    function (see ``_probe_function``)."""
    from nncore.train.compiled_loop import model_cache

    mine = model_cache(model).get("health")
    if mine is None:
        return False  # not probed yet: the first probes run eagerly
    key = ("health", x.shape[1:], x.dtype.str, y.shape[1:], y.dtype.str)
    calls = mine["eager_calls"].get(key, 0)
    return key not in mine["functions"] and calls >= EAGER_PROBES
