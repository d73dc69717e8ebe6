"""Which epoch's weights a training's figures come from, said under its results.

With "Keep the best model" on, a job is scored with the weights of its best epoch
(``nncore.runs.finish``); the results say so, and what the last epoch's weights
scored when they differ, so nobody mistakes the one for the other.
"""

from __future__ import annotations

import streamlit as st

from nncore.core.metrics import METRIC_TITLES, format_metric, main_metric
from ui import safe, training
from ui.metrics import imbalanced

__all__ = ["caption", "sentence"]

SHORT_TITLES = {"r2": "R²", "rmse": "RMSE", "mae": "MAE", "f1": "F1 score"}
KEEP_BEST = "'Keep the best model'"


def caption(view) -> None:
    """Show ``sentence(view)`` as a caption (nothing before the job has metrics)."""
    text = sentence(view)
    if text:
        st.caption(safe.escape(text))


def sentence(view) -> str | None:
    """Which epoch the view's figures come from, e.g. "Figures from epoch 14, the
    best (lowest validation loss). With the weights of the end (epoch 20): R²
    0.786, RMSE 3.12. Turn off 'Keep the best model' to score the final weights."

    Returns:
        The sentence, or None while the job has no metrics.
    """
    epoch = view.scored_epoch
    if epoch is None:
        return None
    last = view.epochs_done
    if view.spec["train"].get("save_best") and epoch == view.best_epoch:
        text = (
            f"Figures from epoch {epoch}, "
            + ("the last and " if epoch == last else "")
            + "the best (lowest validation loss)."
        )
        end = (view.last_epoch_metrics or {}).get("val")
        if end:
            text += (
                f" With the weights of the end (epoch {last}): {_scores(view, end)}."
                f" Turn off {KEEP_BEST} to score the final weights."
            )
        return text
    if epoch != last:
        return (
            f"Figures from epoch {epoch}, the best one, which early stopping went "
            f"back to (training ended after epoch {last})."
        )
    text = f"Figures from epoch {epoch}, the last one trained."
    if view.best_epoch is not None and view.best_epoch != epoch:
        text += (
            f" The best was epoch {view.best_epoch} (lowest validation loss): turn "
            f"on {KEEP_BEST} to score its weights."
        )
    return text


def _scores(view, scores: dict) -> str:
    """The main scores as a short phrase, e.g. "R² 0.786, RMSE 3.12"."""
    if view.task == "regression":
        names = ["r2", "rmse"]
    else:
        prepared = training.manager().prepared(view.job_id)
        names = [main_metric(view.task, imbalanced=imbalanced(prepared))]
    return ", ".join(
        f"{SHORT_TITLES.get(name, METRIC_TITLES[name].lower())} "
        f"{format_metric(scores.get(name), name)}"
        for name in names
    )
