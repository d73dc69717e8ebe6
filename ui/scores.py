"""How good the network is on one split, as the Evaluate screen shows it: the
metric cards with their 95 % intervals against the naive baseline, the reference
models on the same rows, and the charts, for classification (with the threshold
and the rows behind a confusion-matrix cell) and for regression.

The numbers are ``nncore.train.evaluation``'s, computed once per model, data and
split and kept in the session (``ui.models``); the reference models and intervals
are those the training job worked out (``ui.verdict``); the figures are
``nncore.plots.evaluation``'s.
"""

from __future__ import annotations

import functools
from dataclasses import replace

import streamlit as st

from nncore.core import glossary
from nncore.core.metrics import METRIC_TITLES, format_metric, shown_metrics
from nncore.core.text import plural, preview, short
from ui import models, presenter, safe
from ui.metrics import metric_cards, readable_table
from ui.verdict import Verdict, show_verdict

CHART = "evaluate_confusion"

CELL = "evaluate_cell"
# Metrics that do not depend on the decision threshold: their interval (worked
# out at 0.5) holds for any threshold.
THRESHOLD_FREE = ("roc_auc", "pr_auc")


def show_metrics(
    metrics: dict, baseline: dict, names: list[str], *, intervals: dict | None = None
) -> None:
    def help_for(name: str) -> str:
        naive = format_metric(baseline.get(name), name)
        return (
            f"{glossary.link(name, METRIC_TITLES[name])}, with the range it could "
            "have landed in by chance "
            f"({glossary.link('confidence interval', '95 % interval')}). The naive "
            f"{glossary.link('baseline')} scores {naive}."
        )

    metric_cards(names, metrics, baseline, intervals=intervals, help_for=help_for)


def evaluation_for(version: str, model, prepared, split: str):
    from nncore.train.evaluation import evaluate, model_predictor

    kept = models.results("evaluations")
    key = (version, models.token(prepared), split)
    if key not in kept:
        with st.spinner("Running the network on the rows…"):
            kept[key] = evaluate(model_predictor(model), prepared, split)
    return kept[key]


def take_chart_cell(n_classes: int) -> None:
    """The confusion chart's selection (a click on a cell) becomes the chosen cell."""
    event = st.session_state.get(CHART)
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return
    for point in points:
        data = point.get("customdata")
        if isinstance(data, list | tuple) and len(data) >= 2:
            st.session_state[CELL] = f"{int(data[0])},{int(data[1])}"
            return
        index = point.get("point_index", point.get("point_number"))
        if point.get("curve_number") == 1 and isinstance(index, int):
            true, predicted = divmod(index, n_classes)
            st.session_state[CELL] = f"{true},{predicted}"
            return


def cell_options(confusion: list[list[int]]) -> list[str]:
    """Every cell as "true,predicted": mistakes first, the biggest first."""
    n = len(confusion)
    cells = [(i, j) for i in range(n) for j in range(n)]
    cells.sort(
        key=lambda c: (c[0] == c[1], confusion[c[0]][c[1]] == 0, -confusion[c[0]][c[1]])
    )
    return [f"{i},{j}" for i, j in cells]


def show_classification(
    evaluation, prepared, version: str, verdict: Verdict | None = None
) -> None:
    from nncore.plots import evaluation as eval_plots
    from nncore.train.evaluation import (
        baseline_sentence,
        classification_summary,
        pr_curves,
        probability_histogram,
        roc_curves,
    )

    classes = evaluation.classes
    threshold = 0.5
    if evaluation.task == "binary":
        threshold = st.slider(
            "Decision threshold: predict "
            + safe.escape(f"'{short(classes[1], 30)}'")
            + " from this probability on",
            0.0,
            1.0,
            0.5,
            0.01,
            key="evaluate_threshold",
            help="The network gives a probability; the threshold turns it into a "
            f"class ({glossary.link('threshold', 'decision threshold')}). Lower it to "
            f"catch more of this class (higher {glossary.link('recall')}, more false "
            "alarms), raise it for fewer false alarms (higher "
            f"{glossary.link('precision')}). Set it on the validation rows.",
        )
    summary = classification_summary(evaluation, threshold)
    st.markdown(
        "**" + safe.escape(baseline_sentence(evaluation, summary["metrics"])) + "**"
    )
    verdict = verdict or Verdict()
    names = shown_metrics(summary["metrics"], imbalanced=verdict.imbalanced)
    intervals = verdict.intervals
    if threshold != 0.5:  # the intervals are those of the 0.5 threshold
        intervals = {k: v for k, v in intervals.items() if k in THRESHOLD_FREE}
    show_metrics(summary["metrics"], evaluation.baseline, names, intervals=intervals)
    if evaluation.task == "binary":
        st.caption(
            safe.escape(
                f"Precision, recall and F1 are those of '{short(classes[1], 30)}' (the "
                "positive class); ROC AUC does not depend on the threshold."
            )
        )
    else:
        st.caption(
            f"{glossary.link('precision', 'Precision')}, {glossary.link('recall')} "
            f"and {glossary.link('f1', 'F1')} are averages over the classes, each "
            "class counting the same (macro average); "
            f"{glossary.link('roc auc', 'ROC AUC')} is one class against the rest, "
            "averaged."
        )
    if threshold != 0.5 and verdict.intervals:
        st.caption(
            "The 95 % intervals of the scores that depend on the threshold are "
            "worked out at 0.5: set it back to 0.5 to see them."
        )
    show_verdict(
        evaluation, summary["metrics"], names, replace(verdict, intervals=intervals)
    )
    show_per_class(summary)

    left, right = st.columns(2, gap="medium")
    selected = st.session_state.get(CELL)
    options = cell_options(summary["confusion"])
    if selected not in options:
        st.session_state.pop(CELL, None)
        selected = None
    with left:
        presenter.plotly_chart(
            eval_plots.confusion_figure(
                summary["confusion"],
                classes,
                selected=tuple(map(int, selected.split(","))) if selected else None,
                title=f"Confusion matrix ({evaluation.split_words} rows)",
            ),
            key=CHART,
            on_select=functools.partial(take_chart_cell, len(classes)),
            selection_mode="points",
            config={"displayModeBar": False},
        )
    with right:
        presenter.plotly_chart(
            eval_plots.roc_figure(
                roc_curves(evaluation),
                threshold if evaluation.task == "binary" else None,
            ),
            key="evaluate_roc",
        )
    show_cell_rows(evaluation, prepared, summary, options, threshold)
    left, right = st.columns(2, gap="medium")
    with left:
        presenter.plotly_chart(
            eval_plots.pr_figure(pr_curves(evaluation)), key="evaluate_pr"
        )
    with right:
        presenter.plotly_chart(
            eval_plots.probability_figure(
                probability_histogram(evaluation),
                threshold if evaluation.task == "binary" else None,
            ),
            key="evaluate_probabilities",
        )


def show_per_class(summary: dict) -> None:
    import pandas as pd

    if not summary["per_class"]:
        return
    rows = [
        {
            "class": item["class"],
            "precision": item["precision"],
            "recall": item["recall"],
            "F1": item["f1"],
            "rows": item["support"],
        }
        for item in summary["per_class"]
    ]
    total = sum(item["support"] for item in summary["per_class"])
    for name, words in (
        ("macro", "average (classes equal)"),
        ("weighted", "average (by rows)"),
    ):
        average = summary["averages"][name]
        rows.append(
            {
                "class": words,
                "precision": average["precision"],
                "recall": average["recall"],
                "F1": average["f1"],
                "rows": total,
            }
        )
    with st.expander("Per class: precision, recall and F1"):
        score = st.column_config.NumberColumn(format="%.3f")
        st.dataframe(
            pd.DataFrame(rows),
            hide_index=True,
            column_config={"precision": score, "recall": score, "F1": score},
        )
        st.caption(
            "Precision: of the rows predicted as the class, the share that are. "
            "Recall: of the rows of the class, the share found."
        )


def show_cell_rows(evaluation, prepared, summary, options, threshold) -> None:
    from nncore.train.evaluation import MAX_CELL_ROWS, cell_rows

    classes = evaluation.classes
    confusion = summary["confusion"]

    def describe(option: str) -> str:
        i, j = map(int, option.split(","))
        count = confusion[i][j]
        verdict = "right" if i == j else "mistaken"
        return (
            f"true '{short(classes[i], 25)}' predicted as '{short(classes[j], 25)}' "
            f"· {count} row{'s' if count != 1 else ''} ({verdict})"
        )

    choice = st.selectbox(
        "Rows behind a cell of the matrix (or click a cell)",
        options,
        index=None,
        format_func=describe,
        placeholder="Choose a cell, e.g. the biggest mistake",
        key=CELL,
        help=f"Each cell of the {glossary.link('confusion matrix')} counts the rows "
        "of one true class predicted as one class. Pick one to see those rows; "
        "mistakes come first.",
    )
    if choice is None:
        return
    i, j = map(int, choice.split(","))
    rows = cell_rows(evaluation, prepared, i, j, threshold)
    if rows.empty:
        st.caption("No rows in this cell.")
        return
    count = confusion[i][j]
    st.caption(
        f"{plural(count, evaluation.split_words + ' row')}, the most confident first"
        + (f" (the first {MAX_CELL_ROWS})" if count > MAX_CELL_ROWS else "")
        + ". The row number counts from 1 in the data."
    )
    confidence = rows.columns[2]
    table, config = readable_table(preview(rows, rows=MAX_CELL_ROWS))
    config[short(confidence, 40)] = st.column_config.ProgressColumn(
        "confidence", min_value=0.0, max_value=1.0, format="percent"
    )
    st.dataframe(
        table,
        height=min(38 + 35 * len(rows), 320),
        column_config=config,
        key="evaluate_cell_rows",
    )


def show_regression(evaluation, prepared, verdict: Verdict | None = None) -> None:
    from nncore.plots import evaluation as eval_plots
    from nncore.train.evaluation import (
        baseline_sentence,
        largest_errors,
        regression_summary,
    )

    summary = regression_summary(evaluation)
    st.markdown(
        "**" + safe.escape(baseline_sentence(evaluation, summary["metrics"])) + "**"
    )
    verdict = verdict or Verdict()
    names = ["r2", "mae", "rmse"]
    show_metrics(
        summary["metrics"], evaluation.baseline, names, intervals=verdict.intervals
    )
    st.caption(
        f"The naive {glossary.link('baseline')} always guesses the training mean. "
        f"{glossary.link('r2', 'R²')} is 1 for perfect predictions and 0 for the "
        f"naive guess; {glossary.link('mae', 'MAE')} and RMSE are the typical error "
        "in the target's units."
    )
    show_verdict(evaluation, summary["metrics"], names, verdict)
    left, right = st.columns(2, gap="medium")
    left.plotly_chart(
        presenter.chart(eval_plots.predicted_actual_figure(summary, evaluation.target)),
        key="evaluate_predicted_actual",
    )
    right.plotly_chart(
        presenter.chart(eval_plots.residuals_figure(summary)), key="evaluate_residuals"
    )
    left, right = st.columns(2, gap="medium")
    left.plotly_chart(
        presenter.chart(eval_plots.residual_histogram_figure(summary)),
        key="evaluate_residual_histogram",
    )
    with right:
        st.markdown("**The rows it is most wrong about**")
        table, config = readable_table(
            preview(largest_errors(evaluation, prepared), rows=20)
        )
        st.dataframe(
            table, height=320, column_config=config, key="evaluate_largest_errors"
        )
