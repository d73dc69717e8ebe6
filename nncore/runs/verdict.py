"""The honest verdict on a trained network: reference models and error bars.

After a training job's final metrics, its worker thread (never the page) trains the
reference models on the same rows (``nncore.train.reference``) and computes the
bootstrap intervals of the network's validation and test metrics
(``nncore.core.intervals``). Neither may cost the network's result: ``assess``
never raises; what failed becomes one warning on the job.

Example:

    >>> verdict = assess(trainer.outputs(), prepared, seed=42)
    >>> verdict.metrics_ci["val"]["accuracy"]
    [0.891, 0.962]
    >>> verdict.reference.metrics["test"]["gradient_boosting"]["accuracy"]
    0.956
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from nncore.core.intervals import bootstrap_intervals, interval_problem
from nncore.core.memo import kept
from nncore.data.prepare import PreparedData
from nncore.train.reference import Reference, reference_models

__all__ = ["Verdict", "assess", "references_for"]

log = logging.getLogger(__name__)

SPLITS = ("val", "test")


@dataclass(frozen=True)
class Verdict:
    """Reference models and error bars of one trained network.

    Attributes:
        reference: the reference models' scores and problems
            (``nncore.train.reference.Reference``), or None if they failed.
        metrics_ci: ``{"val": {metric: [low, high]}, "test": {...}}``; a split
            with no error bars (see ``interval_problems``) has an empty dict. None
            if they failed.
        interval_problems: split -> why it has no error bars, and what to do.
        warnings: what failed unexpectedly, in plain words (empty when all went
            well).
    """

    reference: Reference | None = None
    metrics_ci: dict[str, dict[str, list[float]]] | None = None
    interval_problems: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def assess(
    outputs: Mapping[str, np.ndarray],
    prepared: PreparedData,
    *,
    seed: int = 42,
    previous: Verdict | None = None,
) -> Verdict:
    """Reference models and error bars for the network whose ``outputs`` these are.

    Never raises: reference models or intervals that fail for an unexpected reason
    are None, with a warning that says so (the network's own result stands).

    Args:
        outputs: the network's raw outputs by split, ``{"val": ..., "test": ...}``
            (``Trainer.outputs``, the same ones its metrics were computed from).
        prepared: the data it was trained on.
        seed: seeds the gradient boosting and the resampling. Default: 42.
        previous: the verdict of an earlier fit of the same job (Continue): its
            reference models are kept, as they do not depend on the network.
            Default: None. Without it, the reference models of an earlier call
            with the same ``prepared`` object and ``seed`` are used, if any.

    Returns:
        A ``Verdict``.
    """
    warnings = []
    reference = previous.reference if previous is not None else None
    if reference is None:
        try:
            reference = references_for(prepared, seed)
        except Exception as error:  # a bug or out of memory: keep the network's result
            log.exception("reference models failed")
            warnings.append(_failed("The reference models", error))
    metrics_ci, problems = None, {}
    try:
        metrics_ci = {}
        for split in SPLITS:
            y_true = getattr(prepared, f"y_{split}")
            problem = interval_problem(y_true, prepared.task, split=split)
            if problem is not None:
                problems[split] = problem
                metrics_ci[split] = {}
                continue
            metrics_ci[split] = bootstrap_intervals(
                y_true, outputs[split], prepared.task, seed=seed
            )
    except Exception as error:  # a bug or out of memory: keep the network's result
        log.exception("bootstrap intervals failed")
        metrics_ci, problems = None, {}
        warnings.append(_failed("The error bars", error))
    return Verdict(
        reference=reference,
        metrics_ci=metrics_ci,
        interval_problems=problems,
        warnings=warnings,
    )


def references_for(prepared: PreparedData, seed: int) -> Reference:
    """``reference_models(prepared, seed=seed)``, trained once per data object and
    seed: they depend on the rows and the seed only, not on the network."""
    return kept(
        prepared,
        ("reference models", seed),
        lambda: reference_models(prepared, seed=seed),
    )


def _failed(what: str, error: Exception) -> str:
    return (
        f"{what} could not be computed ({type(error).__name__}: {error}). The "
        "network's own results are complete; if it happens again, export the "
        "experiment and report it."
    )
