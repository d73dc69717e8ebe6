"""Measuring the training speed and estimating what a search will cost."""

from __future__ import annotations

import copy
import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from nncore.tune.space import grid_size, resolve_space, without_test

log = logging.getLogger(__name__)

# A grid bigger than this gets a warning and a suggestion.
LARGE_GRID = 100
# A search estimated to take longer than this gets a warning and a suggestion.
LONG_SEARCH_S = 30 * 60

# --- measuring the speed and estimating the cost ----------------------------------


@dataclass(frozen=True)
class Speed:
    """How fast this machine trains the experiment's network on its data.

    Attributes:
        seconds_per_step: seconds for one batch (one optimiser step).
        setup_seconds: seconds to build, compile and start a network (each trial
            pays it once).
        n_train: the training rows it was measured on.
        batch_size: the batch size it was measured with.
    """

    seconds_per_step: float
    setup_seconds: float
    n_train: int
    batch_size: int

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def measure_speed(spec: dict, prepared, epochs: int = 3) -> Speed:
    """Train the experiment's network for a few epochs and time it.

    Args:
        spec: a validated experiment spec.
        prepared: its data.
        epochs: epochs to time (the first one, which includes the network's
            compilation, is counted as setup). Default: 3.
    """
    import keras  # noqa: F401  (imported before the clock starts)

    from nncore.train.trainer import Trainer

    spec = copy.deepcopy(spec)
    spec["train"]["early_stopping"]["enabled"] = False
    spec["train"]["reduce_lr"]["enabled"] = False
    spec["train"]["save_best"] = False
    started = time.perf_counter()
    trainer = Trainer(spec, without_test(prepared))
    trainer.fit(1)
    first = time.perf_counter() - started
    started = time.perf_counter()
    trainer.fit(1 + max(1, epochs - 1))
    rest = time.perf_counter() - started
    per_epoch = rest / max(1, epochs - 1)
    steps = trainer.steps_per_epoch
    return Speed(
        seconds_per_step=per_epoch / steps,
        setup_seconds=max(first - per_epoch, 0.0),
        n_train=len(prepared.y_train),
        batch_size=spec["train"]["batch_size"],
    )


def speed_work(spec: dict, prepared) -> Callable:
    """A ``work(context)`` for ``JobManager.submit_task`` that measures the speed."""

    def work(context) -> dict:
        context.publish(message="Measuring the training speed")
        return measure_speed(spec, prepared).to_dict()

    return work


@dataclass(frozen=True)
class CostEstimate:
    """What a search will cost, before it starts.

    Attributes:
        trials: trials it will run (a grid's size caps it).
        epochs: epochs per trial.
        seconds: the estimated time without pruning or early stopping.
        text: the estimate in one sentence.
        grid_size: the grid's combinations (grid search), else None.
        warning: what to reconsider (a large or long grid), else None.
        suggestion: the method to switch to, when there is a warning, else None.
    """

    trials: int
    epochs: int
    seconds: float | None
    text: str
    grid_size: int | None = None
    warning: str | None = None
    suggestion: str | None = None


def duration_text(seconds: float) -> str:
    """A duration in words: ``"40 seconds"``, ``"11 minutes"``, ``"2 h 10 min"``."""
    if seconds < 90:
        return f"{max(1, round(seconds))} seconds"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} minutes"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def trials_planned(spec: dict) -> int:
    """Trials the spec's search will run: ``tune.trials``, at most the grid's size."""
    tune = spec["tune"]
    if tune["method"] == "grid":
        return min(int(tune["trials"]), grid_size(resolve_space(spec)))
    return int(tune["trials"])


def epochs_per_trial(spec: dict) -> int:
    """Epochs each trial trains: ``tune.epochs``, or the experiment's epochs."""
    return int(spec["tune"].get("epochs") or spec["train"]["epochs"])


def estimate_cost(spec: dict, n_train: int, speed: Speed | dict | None) -> CostEstimate:
    """The time a search will take at the measured speed, and a warning if large.

    Each trial costs the setup plus its epochs; an epoch costs one step per batch,
    averaged over the batch sizes searched. Pruning and early stopping only make
    it shorter.

    Args:
        spec: a validated experiment spec (its ``tune`` section).
        n_train: training rows.
        speed: ``measure_speed``'s result (or its dict), or None when not measured.

    Example:
        "48 trials × 20 epochs ≈ 11 minutes at the measured speed"
    """
    if isinstance(speed, dict):
        speed = Speed(**speed)
    tune = spec["tune"]
    dimensions = resolve_space(spec)
    size = grid_size(dimensions) if tune["method"] == "grid" else None
    trials = trials_planned(spec)
    epochs = epochs_per_trial(spec)
    head = f"{trials} trial{'s' * (trials != 1)} × {epochs} epoch{'s' * (epochs != 1)}"
    seconds = None
    if speed is None:
        text = f"{head}; the time is estimated once the speed is measured."
    else:
        batch = dimensions["batch_size"]
        sizes = batch.grid() if batch.searched else [batch.value]
        steps = sum(-(-n_train // max(1, min(int(b), n_train))) for b in sizes) / len(
            sizes
        )
        per_trial = speed.setup_seconds + epochs * steps * speed.seconds_per_step
        seconds = trials * per_trial
        text = f"{head} ≈ {duration_text(seconds)} at the measured speed"
        minutes = tune.get("minutes")
        if minutes and seconds > minutes * 60:
            fit = max(1, int(minutes * 60 // max(per_trial, 1e-9)))
            text += (
                f"; the {minutes:g}-minute budget ends it after about {fit} "
                f"trial{'s' * (fit != 1)}"
            )
        if tune["method"] != "grid" and tune.get("pruner", "median") != "none":
            text += " (pruning stops unpromising trials early, so usually less)"
        text += "."
    warning = suggestion = None
    if size is not None:
        long = seconds is not None and seconds > LONG_SEARCH_S
        if size > LARGE_GRID or long:
            warning = (
                f"The grid has {size:,} combinations"
                + (
                    f" and trying them takes ≈ {duration_text(seconds)}"
                    if seconds is not None
                    else ""
                )
                + ". Random search, or Smart search that learns from each trial and "
                "stops unpromising ones early, usually finds settings as good in "
                "20 to 50 trials. Switch the method, or search fewer values."
            )
            suggestion = "tpe"
        elif trials < size:
            warning = (
                f"Only {trials} of the grid's {size} combinations will be tried (in a "
                "random order). Raise the number of trials to try them all."
            )
    return CostEstimate(trials, epochs, seconds, text, size, warning, suggestion)
