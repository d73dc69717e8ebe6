"""The honest verdict on the Evaluate screen: the network's 95 % intervals and the
reference models trained on the same rows (``nncore.train.reference``), beside the
naive baseline, in a sentence and a chart.

The training job works both out in the background and the run store keeps them
(``JobView.reference``, ``Run.reference``, ``metrics_ci``). A model file, or a run
recorded before they were kept, gets them worked out here, once per model and data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from nncore.core import glossary
from nncore.core.errors import DataError
from ui import models, presenter, safe, training
from ui.metrics import NAIVE, NETWORK, interval_of, show_reference


@dataclass(frozen=True)
class Verdict:
    """What is known of the network beyond its own scores, on one split.

    Attributes:
        reference: reference model name -> its metrics ({} when there are none).
        problems: reference model name -> why it could not be trained.
        intervals: metric -> the network's ``[low, high]`` ({} when none).
        interval_problem: why no interval can be given, or None.
        imbalanced: the classes are imbalanced (show balanced accuracy, PR AUC).
        pictures: the data are pictures (the advice speaks of pictures).
    """

    reference: dict = field(default_factory=dict)
    problems: dict = field(default_factory=dict)
    intervals: dict = field(default_factory=dict)
    interval_problem: str | None = None
    imbalanced: bool = False
    pictures: bool = False


@dataclass(frozen=True)
class _Kept:
    """Reference models and intervals as a job, a run or this module keeps them:
    ``{"val": ..., "test": ...}`` each."""

    reference: dict
    problems: dict
    metrics_ci: dict | None


def _raw_outputs(evaluation):
    """The network's outputs as the metrics take them, from an evaluation's class
    probabilities (binary: the second class's column only)."""
    outputs = evaluation.outputs
    if evaluation.task == "binary":
        return outputs[:, 1:]
    if evaluation.task == "regression":
        return outputs.reshape(-1, 1)
    return outputs


def _stored(key: str, run_id: str | None) -> _Kept | None:
    """What the training job or the run store kept; None when neither kept
    reference models (a model file, a run recorded before they were kept)."""
    from nncore.runs.store import UnknownRunError

    try:
        manager = training.manager()
        if key.startswith("job:"):
            view = manager.view(key.removeprefix("job:"))
            if view is not None and view.reference is not None:
                return _Kept(view.reference, view.reference_problems, view.metrics_ci)
        if run_id and manager.store is not None:
            run = manager.store.get(run_id)
            if run.reference is not None:
                return _Kept(run.reference, run.reference_problems, run.metrics_ci)
    except (DataError, UnknownRunError):
        pass
    return None


def _worked_out(version: str, prepared, evaluation, seed: int) -> _Kept:
    """The reference models and intervals for a model that has none kept, worked
    out once per model, data and split."""
    from nncore.core.intervals import bootstrap_intervals
    from nncore.runs.verdict import references_for

    kept = models.results("verdicts")
    key = (version, models.token(prepared))
    if key not in kept:
        with st.spinner("Training the reference models on the same rows…"):
            # The same as a job's on these data.
            kept[key] = references_for(prepared, seed)
    split_key = (version, models.token(prepared), evaluation.split)
    if split_key not in kept:
        kept[split_key] = bootstrap_intervals(
            evaluation.y_true, _raw_outputs(evaluation), evaluation.task, seed=seed
        )
    return _Kept(
        kept[key].metrics, kept[key].problems, {evaluation.split: kept[split_key]}
    )


def verdict_for(candidate, version: str, prepared, evaluation) -> Verdict:
    """The reference models and intervals of ``candidate`` on the evaluated split.

    Args:
        candidate: the model evaluated (``ui.model_choice.Candidate``).
        version: its model file's version (``ui.models.load_model``).
        prepared: the data it is evaluated on.
        evaluation: the evaluation shown (its split and outputs).
    """
    from nncore.core.intervals import interval_problem
    from nncore.data.profile import is_imbalanced

    split = evaluation.split
    kept = _stored(candidate.key, candidate.run_id)
    if kept is None:
        seed = int(((candidate.spec or {}).get("train") or {}).get("seed", 42))
        kept = _worked_out(version, prepared, evaluation, seed)
    found = (kept.metrics_ci or {}).get(split) or {}
    intervals = {
        name: bounds
        for name in found
        if (bounds := interval_of(found, name)) is not None
    }
    problem = None
    if not intervals and evaluation.finite:
        problem = interval_problem(evaluation.y_true, evaluation.task, split=split)
    return Verdict(
        reference=(kept.reference or {}).get(split) or {},
        problems=dict(kept.problems or {}),
        intervals=intervals,
        interval_problem=problem,
        imbalanced=evaluation.task != "regression" and is_imbalanced(prepared),
        pictures=getattr(prepared, "image_shape", None) is not None,
    )


def show_verdict(evaluation, metrics: dict, names: list[str], verdict: Verdict):
    """The sentence and the chart: the network, the naive baseline and the
    reference models on the evaluated rows, with the network's error bars."""
    from nncore.plots.evaluation import reference_figure
    from nncore.train.reference import REFERENCE_TITLES

    if not evaluation.finite:
        return  # the baseline sentence already says the network diverged
    split = evaluation.split_words
    show_reference(
        evaluation.task,
        metrics,
        verdict.reference,
        verdict.problems,
        intervals=verdict.intervals,
        split=split,
        imbalanced=verdict.imbalanced,
        pictures=verdict.pictures,
    )
    if verdict.interval_problem:
        st.caption(safe.escape(verdict.interval_problem))
    entries = [(NETWORK, metrics), (NAIVE, evaluation.baseline)]
    entries += [
        (REFERENCE_TITLES.get(name, name), scores or {})
        for name, scores in verdict.reference.items()
    ]
    presenter.plotly_chart(
        reference_figure(
            entries,
            names,
            intervals={NETWORK: verdict.intervals},
            title="Your network against the naive guess and the reference models "
            f"({split} rows)",
        ),
        key="evaluate_reference",
    )
    bars = glossary.link("confidence interval", "95 % intervals")
    st.caption(
        f"The {glossary.link('reference model', 'reference models')} are "
        "scikit-learn models trained on the same training rows, with the same "
        f"preparation, and scored on the same {split} rows. The black bars on your "
        f"network's scores are their {bars}: a reference model inside them does "
        "about as well."
    )
