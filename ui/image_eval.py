"""How good an image classifier is, as the Evaluate screen shows it: the metric
cards and verdict as for tables (``ui.scores``, ``ui.verdict``), each class's
accuracy, the confusion matrix whose cells open on the pictures in them, and the
most confident mistakes.

The numbers are ``nncore.train.evaluation`` and ``nncore.train.image_evaluation``'s;
the figures and thumbnails ``nncore.plots``'. A picture is shown by its position in
``prepared.images``.
"""

from __future__ import annotations

import functools

import streamlit as st

from nncore.core import glossary
from nncore.core.metrics import shown_metrics
from nncore.core.text import plural, short
from nncore.plots.image_eval import thumbnail
from ui import presenter, safe, scores
from ui.verdict import Verdict, show_verdict

__all__ = ["THUMBNAIL_WIDTH", "is_images", "show_image_classification"]

THUMBNAIL_WIDTH = 72


def is_images(prepared) -> bool:
    """Whether the prepared data are pictures (a ``PreparedImages``)."""
    return getattr(prepared, "image_shape", None) is not None


def show_image_classification(
    evaluation, prepared, version: str, verdict: Verdict | None = None
) -> None:
    """The scores, each class's accuracy, the confusion matrix with its pictures,
    and the most confident mistakes, of pictures on one split."""
    from nncore.plots import evaluation as eval_plots
    from nncore.plots.image_eval import per_class_figure
    from nncore.train.evaluation import baseline_sentence, classification_summary
    from nncore.train.image_evaluation import per_class_accuracy

    summary = classification_summary(evaluation)
    st.markdown(
        "**" + safe.escape(baseline_sentence(evaluation, summary["metrics"])) + "**"
    )
    verdict = verdict or Verdict()
    names = shown_metrics(summary["metrics"], imbalanced=verdict.imbalanced)
    scores.show_metrics(
        summary["metrics"], evaluation.baseline, names, intervals=verdict.intervals
    )
    show_verdict(evaluation, summary["metrics"], names, verdict)
    scores.show_per_class(summary)
    classes = evaluation.classes
    selected = st.session_state.get(scores.CELL)
    options = scores.cell_options(summary["confusion"])
    if selected not in options:
        st.session_state.pop(scores.CELL, None)
        selected = None
    left, right = st.columns(2, gap="medium")
    with left:
        presenter.plotly_chart(
            eval_plots.confusion_figure(
                summary["confusion"],
                classes,
                selected=tuple(map(int, selected.split(","))) if selected else None,
                title=f"Confusion matrix ({evaluation.split_words} pictures)",
            ),
            key=scores.CHART,
            on_select=functools.partial(scores.take_chart_cell, len(classes)),
            selection_mode="points",
            config={"displayModeBar": False},
        )
    with right:
        presenter.plotly_chart(
            per_class_figure(
                per_class_accuracy(evaluation),
                title=f"Accuracy per class ({evaluation.split_words} pictures)",
            ),
            key="evaluate_per_class",
        )
        st.caption(
            "The share of each class's pictures the network gets right (its "
            f"{glossary.link('recall')}); orange bars are classes well under the "
            "dashed line, the accuracy over all pictures."
        )
    show_cell_pictures(evaluation, prepared, summary["confusion"], options)
    show_mistakes(evaluation, prepared)


def show_cell_pictures(evaluation, prepared, confusion, options) -> None:
    """The pictures behind the cell chosen (a click on the matrix, or the list)."""
    from nncore.train.image_evaluation import MAX_CELL_PICTURES, cell_pictures

    classes = evaluation.classes

    def describe(option: str) -> str:
        i, j = map(int, option.split(","))
        count = confusion[i][j]
        verdict = "right" if i == j else "mistaken"
        return (
            f"true '{short(classes[i], 25)}' predicted as '{short(classes[j], 25)}' "
            f"· {plural(count, 'picture')} ({verdict})"
        )

    choice = st.selectbox(
        "Pictures behind a cell of the matrix (or click a cell)",
        options,
        index=None,
        format_func=describe,
        placeholder="Choose a cell, e.g. the biggest mistake",
        key=scores.CELL,
        help=f"Each cell of the {glossary.link('confusion matrix')} counts the "
        "pictures of one true class predicted as one class. Pick one to see them; "
        "mistakes come first.",
    )
    if choice is None:
        return
    i, j = map(int, choice.split(","))
    found = cell_pictures(evaluation, i, j)
    if not found:
        st.caption("No pictures in this cell.")
        return
    count = confusion[i][j]
    st.caption(
        safe.escape(
            f"{plural(count, evaluation.split_words + ' picture')} of "
            f"'{short(classes[i], 30)}' predicted as '{short(classes[j], 30)}', the "
            "most confident first"
            + (f" (the first {MAX_CELL_PICTURES})" if count > MAX_CELL_PICTURES else "")
            + ". Under each: how sure the network was."
        )
    )
    _thumbnails(
        prepared,
        found,
        lambda p: f"{p['confidence']:.0%}",
        key="evaluate_cell_pictures",
    )


def show_mistakes(evaluation, prepared) -> None:
    """The wrong answers the network was surest of."""
    from nncore.train.image_evaluation import confident_mistakes

    st.markdown("**The most confident mistakes**")
    found = confident_mistakes(evaluation)
    if not found:
        st.caption(
            f"No mistakes on these {plural(evaluation.n_rows, 'picture')}: every "
            "one is predicted right."
        )
        return
    st.caption(
        "The pictures the network got wrong while being surest of its answer: "
        "under each, its true class, what the network said and how sure it was. "
        "A mislabelled picture, or two classes that look alike, often shows here."
    )
    _thumbnails(
        prepared,
        found,
        lambda p: (
            f"{short(p['true'], 14)} → {short(p['predicted'], 14)} "
            f"{p['confidence']:.0%}"
        ),
        key="evaluate_mistakes",
    )


def _thumbnails(prepared, found, caption, key: str) -> None:
    """The pictures side by side, each enlarged and captioned (as plain text)."""
    with st.container(key=key, horizontal=True, gap="small"):
        for picture in found:
            st.image(
                thumbnail(prepared.image(picture["position"])),
                caption=safe.escape(caption(picture)),
                width=THUMBNAIL_WIDTH,
            )
