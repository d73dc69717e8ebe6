"""Optuna's parts for a search: samplers, pruners and the Keras pruning callback.

Optuna and TensorFlow are imported inside functions: importing this module is cheap.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

from nncore.spec.schema import DIMENSIONS
from nncore.tune.space import Dimension, round_digits

log = logging.getLogger(__name__)

# Trials the median rule lets finish before it prunes anything.
PRUNE_STARTUP_TRIALS = 3

# --- pruning ----------------------------------------------------------------------


def pruning_callback(
    trial,
    monitor: str,
    *,
    prune: bool = True,
    on_epoch: Callable[[int, float], None] | None = None,
):
    """A Keras callback that reports each epoch to an Optuna trial and prunes it.

    The equivalent of ``optuna_integration.KerasPruningCallback``: after each epoch
    it reports ``logs[monitor]`` as the trial's intermediate value; when the
    study's pruner says the trial is unpromising, it stops training
    (``model.stop_training``) and sets ``pruned_epoch``; the caller then raises
    ``optuna.TrialPruned`` (training ends cleanly, and the history is kept).

    Args:
        trial: an ``optuna.Trial``.
        monitor: the log to report, e.g. ``"val_accuracy"``.
        prune: whether to ask the pruner; False only reports. Default: True.
        on_epoch: called with ``(epoch, value)`` after each epoch. Default: None.
    """
    import keras

    class TrialPruning(keras.callbacks.Callback):
        # Only reporting may run several epochs per compiled call; pruning must
        # see every epoch end to stop at the right one.
        chunk_safe = not prune

        def __init__(self):
            super().__init__()
            self.pruned_epoch: int | None = None
            self.values: list[float] = []

        def on_epoch_end(self, epoch, logs=None):
            value = (logs or {}).get(monitor)
            if value is None:
                return
            value = float(value)
            self.values.append(value)
            if math.isfinite(value):
                trial.report(value, epoch + 1)
            if on_epoch is not None:
                on_epoch(epoch, value)
            last = epoch + 1 >= self.params.get("epochs", math.inf)
            if (
                prune
                and not last
                and self.pruned_epoch is None
                and trial.should_prune()
            ):
                self.pruned_epoch = epoch + 1
                self.model.stop_training = True

    return TrialPruning()


def pruner_for(name: str, epochs: int):
    """The Optuna pruner called ``name`` (``"median"``, ``"hyperband"`` or
    ``"none"``) for trials of ``epochs`` epochs."""
    import optuna

    if name == "median":
        return optuna.pruners.MedianPruner(
            n_startup_trials=PRUNE_STARTUP_TRIALS,
            n_warmup_steps=max(1, min(5, epochs // 3)),
        )
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(
            min_resource=max(1, epochs // 10), max_resource=epochs, reduction_factor=3
        )
    return optuna.pruners.NopPruner()


def sampler_for(method: str, grid: dict[str, list], seed: int, trials: int):
    """The method's sampler (``"grid"``, ``"random"`` or ``"tpe"``), reseeded per
    trial number.

    Per-trial seeds make a search reproducible and keep workers that share a study
    (and the experiment's seed) from proposing the same settings.
    """
    import optuna

    if method == "grid":

        class Grid(optuna.samplers.GridSampler):
            # Skipped trials (over the budget, or interrupted) do not use up their
            # grid point: a later trial tries it.
            def _get_unvisited_grid_ids(self, study):
                visited = set()
                for t in study._storage.get_all_trials(study._study_id, deepcopy=False):
                    if (
                        "grid_id" in t.system_attrs
                        and not t.user_attrs.get("skipped")
                        and (t.state.is_finished() or t.state.name == "RUNNING")
                    ):
                        visited.add(t.system_attrs["grid_id"])
                unvisited = set(range(self._n_min_trials)) - visited
                return list(unvisited)

        return Grid(grid, seed=seed)
    if method == "random":
        base, kwargs = optuna.samplers.RandomSampler, {}
    else:
        base = optuna.samplers.TPESampler
        kwargs = {"n_startup_trials": max(3, min(10, trials // 4))}

    class Seeded(base):
        def before_trial(self, study, trial):
            state = seed + trial.number
            if hasattr(self, "_rng"):
                self._rng.rng.seed(state % 2**32)
            inner = getattr(self, "_random_sampler", None)
            if inner is not None and hasattr(inner, "_rng"):
                inner._rng.rng.seed((state * 7919 + 1) % 2**32)
            super().before_trial(study, trial)

    return Seeded(seed=seed, **kwargs)


def suggest(trial, dimension: Dimension):
    """A value of ``dimension`` for an Optuna trial, drawn by the study's sampler."""
    name = dimension.name
    if dimension.choices is not None:
        return trial.suggest_categorical(name, list(dimension.choices))
    if DIMENSIONS[name].kind == "int":
        return trial.suggest_int(name, int(dimension.low), int(dimension.high))
    value = trial.suggest_float(
        name, float(dimension.low), float(dimension.high), log=dimension.log
    )
    # Trained and shown with the digits that matter: 0.00314, not 0.0031415926.
    return round_digits(value) if dimension.log else round(value, 2)
