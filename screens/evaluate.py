"""Evaluate screen: how good the trained network really is, and trying it out.

The model is this session's latest training once it has ended, or a run opened on
the Runs screen. Validation rows are shown freely (they are for choosing); the test
rows stay held back until the user asks for them, and every look at them is
counted. All computing is in ``nncore.train.evaluation`` and all drawing in
``nncore.plots.evaluation``; this page only arranges them.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from nncore.core import glossary
from nncore.core.errors import DataError, SpecError
from nncore.core.text import preview, short
from nncore.report.compare import dataset_title, network_summary
from nncore.train.trainer import METRIC_TITLES, format_metric
from ui import models, presenter, safe, state, training
from ui.metrics import metric_card

SPLITS = {"val": "Validation rows (for choosing)", "test": "Test rows (final check)"}
CHART = "evaluate_confusion"
CELL = "evaluate_cell"
TRY_PREFIX = "evaluate_try_"
FORM_COLUMNS = 3
# Forms with more inputs than this start folded, so the page stays short.
FORM_OPEN_UP_TO = 12
UPLOAD_TYPES = ["csv", "tsv", "txt", "xlsx", "parquet"]
# Only .keras files are opened; the others are accepted so that they get a message.
MODEL_TYPES = ["keras", "h5", "hdf5", "pkl", "pickle", "joblib", "pt", "pth", "onnx"]
TRY_HELP = (
    "A value for this column; it starts at the training median. The range in the "
    "label is that of the training rows: the network is surest inside it."
)


@dataclass
class Candidate:
    """A model the screen can evaluate."""

    key: str  # "job:<job id>" or "run:<run id>"
    label: str
    spec: dict
    model_path: Path | None
    run_id: str | None
    dataset: str
    prepared: Any = None  # known for this session's job; prepared again for runs
    problem: str | None = None


def link(page: str, label: str, icon: str) -> None:
    try:
        st.page_link(f"screens/{page}.py", label=label, icon=icon)
    except StreamlitPageNotFoundError:  # the page runs on its own (tests)
        st.caption(f"Open the {page.title()} screen from the menu.")


# --- which model -------------------------------------------------------------------


def job_candidate(notes: list[str]) -> Candidate | None:
    try:
        view = training.current_view()
    except DataError as problem:  # the runs folder cannot be used
        notes.append(str(problem))
        return None
    if view is None or view.kind != "train":
        return None
    if view.status in training.ACTIVE:
        notes.append(
            f"Your network is still training ({view.message}). Evaluate it when it "
            "has ended; the Train screen shows how it goes."
        )
        return None
    manager = training.manager()
    candidate = Candidate(
        key=f"job:{view.job_id}",
        label=f"Your latest training: {view.message}",
        spec=view.spec,
        model_path=manager.model_file(view.job_id),
        run_id=view.run_id,
        dataset=view.dataset,
        prepared=manager.prepared(view.job_id),
    )
    if view.status == "failed" or candidate.model_path is None:
        candidate.problem = "Your latest training has no model to evaluate: " + (
            view.error or "it ended before a model was saved."
        )
    return candidate


def run_candidate(notes: list[str], job: Candidate | None) -> Candidate | None:
    from nncore.runs.store import UnknownRunError

    opened = st.session_state[state.OPENED_RUN]
    if not opened:
        return None
    try:
        store = training.manager().store
        if store is None:
            return None
        run = store.get(opened["run_id"])
    except UnknownRunError:
        st.session_state[state.OPENED_RUN] = None
        notes.append("The run you opened on the Runs screen has been deleted.")
        return None
    except DataError as problem:
        notes.append(str(problem))
        return None
    if job is not None and job.run_id == run.run_id:
        return None  # the same model: this session's training
    candidate = Candidate(
        key=f"run:{run.run_id}",
        label=(
            f"Run {run.run_id} from the Runs screen: {dataset_title(run.dataset)}, "
            f"network {network_summary(run.spec)}, {run.status}"
        ),
        spec=run.spec,
        model_path=run.model_path,
        run_id=run.run_id,
        dataset=run.dataset or run.spec["data"]["source"],
    )
    if run.status == "interrupted":
        candidate.problem = (
            "This run was interrupted before it ended, so it has no final model. "
            "Resume it on the Runs screen, then evaluate it."
        )
    elif run.model_path is None or not Path(run.model_path).exists():
        candidate.problem = (
            f"Run {run.run_id} has no saved model ({run.status}"
            + (f": {run.error}" if run.error else "")
            + "). Train it again."
        )
    return candidate


def remember_choice() -> None:
    st.session_state[state.EVAL_CHOICE] = {
        "model": st.session_state.get("evaluate_model"),
        "job_id": st.session_state[state.JOB],
    }


def file_candidate() -> Candidate | None:
    """The "Evaluate a model file" expander: a .keras upload, loaded safely."""
    from ui.reports import current_report

    with st.expander("Evaluate a model file (.keras)", icon=":material/upload_file:"):
        st.caption(
            "A model saved by Keras 3 (model.save('model.keras')) for the active "
            "data: it is evaluated like a network trained here. Files that would "
            "run code on this server (Lambda layers, pickles) are refused."
        )
        upload = st.file_uploader(
            "Model file (.keras)",
            type=MODEL_TYPES,
            key="evaluate_model_file",
            help="A trained network saved as a Keras file, e.g. downloaded from the "
            "Train or Runs screen. It must take the active data's inputs and predict "
            "its target.",
        )
        if upload is None:
            return None
        try:
            report = current_report()
            if report is None:
                safe.info(
                    "Choose the data on the Data screen first: the model file is "
                    "checked against the active data."
                )
                return None
            with st.spinner("Checking the model file…"):
                path = models.open_model_file(
                    upload.name, upload.getvalue(), report.prepared
                )
        except (DataError, SpecError) as problem:
            safe.error(problem)
            return None
        prepared = report.prepared
        st.caption(
            safe.escape(
                f"{short(upload.name, 60)} loaded safely: it takes "
                f"{prepared.n_features} inputs and predicts {short(prepared.target)} "
                f"({prepared.task}), as the active data needs."
            )
        )
    spec = st.session_state[state.SPEC]
    return Candidate(
        key=f"file:{path.stem}",
        label=f"The model file {short(upload.name, 60)}",
        spec=spec,
        model_path=path,
        run_id=None,
        dataset=spec["data"]["source"],
        prepared=prepared,
    )


def choose_candidate(uploaded: Candidate | None = None) -> Candidate | None:
    notes: list[str] = []
    job = job_candidate(notes)
    run = run_candidate(notes, job)
    for note in notes:
        safe.info(note)
    found = [c for c in (uploaded, job, run) if c is not None]
    if not found:
        if not notes:
            safe.info(
                "Nothing to evaluate yet: train a network on the Train screen, or "
                "open a recorded run on the Runs screen."
            )
        link("train", "Go to the Train screen", ":material/model_training:")
        link("runs", "Go to the Runs screen", ":material/history:")
        return None
    if len(found) == 1:
        return found[0]
    keys = [c.key for c in found]
    choice = st.session_state[state.EVAL_CHOICE] or {}
    default = keys[0]
    if (
        choice.get("model") in keys
        and choice.get("job_id") == st.session_state[state.JOB]
    ):
        default = choice["model"]
    if st.session_state.get("evaluate_model") not in keys:
        st.session_state.pop("evaluate_model", None)
    labels = {c.key: c.label for c in found}
    key = st.selectbox(
        "Model to evaluate",
        keys,
        index=keys.index(default),
        format_func=labels.get,
        key="evaluate_model",
        on_change=remember_choice,
        help="Your latest training, or the run you opened on the Runs screen: the "
        "one whose scores and charts this screen shows.",
    )
    return next(c for c in found if c.key == key)


def check_fit(model, prepared) -> None:
    """Raise DataError when the data prepared now does not fit the model."""
    try:
        inputs = int(model.inputs[0].shape[-1])
        outputs = int(model.outputs[0].shape[-1])
    except (AttributeError, IndexError, TypeError, ValueError):
        return  # not a model we can inspect: let predicting tell
    expected = 1 if prepared.task in ("binary", "regression") else len(prepared.classes)
    if inputs != prepared.n_features or outputs != expected:
        raise DataError(
            f"The data as prepared now gives {prepared.n_features} inputs and "
            f"{expected} output(s), but the model takes {inputs} and gives "
            f"{outputs}: the data or its settings changed since it was trained. "
            "Load the data it was trained on, or train again."
        )


# --- the test rows -----------------------------------------------------------------


def fingerprint(version: str, prepared) -> str:
    from nncore.train.evaluation import holdout_fingerprint

    kept = models.results("fingerprints")
    key = (version, models.token(prepared))
    if key not in kept:
        kept[key] = holdout_fingerprint(prepared)
    return kept[key]


def record_look(version: str, prepared, run_id: str | None) -> None:
    """The "Evaluate on the test set" button: count the look, show the test rows."""
    identity = fingerprint(version, prepared)
    count = None
    try:
        store = training.manager().store
        if store is not None:
            count = store.record_test_look(identity, run_id)
    except DataError:
        store = None
    if count is None:  # no run store: count in this session
        looks = models.cache().setdefault("session_looks", {})
        looks[identity] = looks.get(identity, 0) + 1
        count = looks[identity]
    models.results("test_shown")[(version, models.token(prepared))] = count


def looks_so_far(version: str, prepared) -> int:
    identity = fingerprint(version, prepared)
    try:
        store = training.manager().store
        if store is not None:
            return store.test_looks(identity)
    except DataError:
        pass
    return models.cache().get("session_looks", {}).get(identity, 0)


def hold_back_test(version: str, prepared, run_id: str | None) -> bool:
    """True when the test rows may be shown; else explain and offer the button."""
    if (version, models.token(prepared)) in models.results("test_shown"):
        return True
    n_test = len(prepared.y_test)
    before = looks_so_far(version, prepared)
    text = (
        f"The {n_test:,} test rows have been kept apart: no training and no choice "
        "has used them. They give an honest figure for new data only while nothing "
        "is chosen by looking at them, so look once you have finished choosing "
        "(use the validation rows for that)."
    )
    if before:
        text += f" This test set has been looked at {before} time(s) already."
    safe.info(text)
    st.button(
        "Evaluate on the test set",
        key="evaluate_test",
        type="primary",
        icon=":material/lock_open:",
        on_click=record_look,
        args=(version, prepared, run_id),
        help=f"Score the network on the {glossary.link('test set', 'test rows')}, "
        "once you have finished choosing. Every look is counted, because choosing "
        "by them makes their score too optimistic.",
    )
    return False


def show_look_count(version: str, prepared) -> None:
    total = looks_so_far(version, prepared)
    if total <= 1:
        st.caption(
            "First look at this test set. Keep its figure as the final word: if "
            "you now change the experiment because of it, the test set has become "
            "part of the choosing."
        )
        return
    st.warning(
        safe.escape(
            f"This test set has now been looked at {total} times. Each look that "
            "helps you choose (a setting, a run, a threshold) fits that choice to "
            "these particular rows, so the test figure ends up better than what new "
            "data would give: it is optimistic. Choose with the validation rows, "
            "keep the test rows for one last check, and for a fresh, honest figure "
            "test on data the network and you have never seen."
        ),
        icon=":material/visibility:",
    )


# --- numbers -----------------------------------------------------------------------


def show_metrics(metrics: dict, baseline: dict, names: list[str]) -> None:
    columns = st.columns(len(names))
    for column, name in zip(columns, names, strict=True):
        value, naive = metrics.get(name), baseline.get(name)
        metric_card(
            column,
            name,
            value,
            naive,
            help=f"{glossary.link(name, METRIC_TITLES[name])}. The naive "
            f"{glossary.link('baseline')} scores {format_metric(naive, name)}.",
        )


def evaluation_for(version: str, model, prepared, split: str):
    from nncore.train.evaluation import evaluate, model_predictor

    kept = models.results("evaluations")
    key = (version, models.token(prepared), split)
    if key not in kept:
        with st.spinner("Running the network on the rows…"):
            kept[key] = evaluate(model_predictor(model), prepared, split)
    return kept[key]


# --- classification ------------------------------------------------------------------


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


def show_classification(evaluation, prepared, version: str) -> None:
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
    show_metrics(
        summary["metrics"],
        evaluation.baseline,
        ["accuracy", "precision", "recall", "f1", "roc_auc"],
    )
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
            f"class counting the same (macro average); {glossary.link('roc auc')} is "
            "one class against the rest, averaged."
        )
    show_per_class(summary)

    left, right = st.columns(2, gap="medium")
    selected = st.session_state.get(CELL)
    options = cell_options(summary["confusion"])
    if selected not in options:
        st.session_state.pop(CELL, None)
        selected = None
    with left:
        st.plotly_chart(
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
        st.plotly_chart(
            eval_plots.roc_figure(
                roc_curves(evaluation),
                threshold if evaluation.task == "binary" else None,
            ),
            key="evaluate_roc",
        )
    show_cell_rows(evaluation, prepared, summary, options, threshold)
    left, right = st.columns(2, gap="medium")
    with left:
        st.plotly_chart(eval_plots.pr_figure(pr_curves(evaluation)), key="evaluate_pr")
    with right:
        st.plotly_chart(
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
        f"{count} {evaluation.split_words} row(s), the most confident first"
        + (f" (the first {MAX_CELL_ROWS})" if count > MAX_CELL_ROWS else "")
        + ". The row number counts from 1 in the data."
    )
    confidence = rows.columns[2]
    st.dataframe(
        preview(rows, rows=MAX_CELL_ROWS),
        height=min(38 + 35 * len(rows), 320),
        column_config={
            short(confidence, 40): st.column_config.ProgressColumn(
                "confidence", min_value=0.0, max_value=1.0, format="percent"
            )
        },
        key="evaluate_cell_rows",
    )


# --- regression ----------------------------------------------------------------------


def show_regression(evaluation, prepared) -> None:
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
    show_metrics(summary["metrics"], evaluation.baseline, ["r2", "mae", "rmse"])
    st.caption(
        f"The naive {glossary.link('baseline')} always guesses the training mean. "
        f"{glossary.link('r2', 'R²')} is 1 for perfect predictions and 0 for the "
        f"naive guess; {glossary.link('mae', 'MAE')} and RMSE are the typical error "
        "in the target's units."
    )
    left, right = st.columns(2, gap="medium")
    left.plotly_chart(
        eval_plots.predicted_actual_figure(summary, evaluation.target),
        key="evaluate_predicted_actual",
    )
    right.plotly_chart(eval_plots.residuals_figure(summary), key="evaluate_residuals")
    left, right = st.columns(2, gap="medium")
    left.plotly_chart(
        eval_plots.residual_histogram_figure(summary), key="evaluate_residual_histogram"
    )
    with right:
        st.markdown("**The rows it is most wrong about**")
        st.dataframe(
            preview(largest_errors(evaluation, prepared), rows=20),
            height=320,
            key="evaluate_largest_errors",
        )


# --- which columns matter ------------------------------------------------------------


def show_importance(model, prepared, version: str) -> None:
    from nncore.plots.evaluation import importance_figure
    from nncore.train.evaluation import model_predictor, permutation_importance

    if not presenter.advanced():
        return  # presenter mode: an expert's tool
    st.subheader("Which columns matter", divider="gray")
    metric = "R²" if prepared.task == "regression" else "accuracy"
    st.caption(
        f"Each column's values are shuffled among the validation rows, breaking its "
        f"link with the target; the more the {metric} drops, the more the network "
        "relies on that column. The test rows are not used."
    )
    kept = models.results("importance")
    key = (version, models.token(prepared))
    if key not in kept and st.button(
        "Work out which columns matter",
        key="evaluate_importance",
        icon=":material/bar_chart:",
        help=f"Shuffle each column in turn ({glossary.link('permutation importance')}) "
        "and measure how much worse the network gets. Takes a few seconds per "
        "column.",
    ):
        with st.spinner("Shuffling each column and predicting again…"):
            kept[key] = permutation_importance(model_predictor(model), prepared, "val")
    found = kept.get(key)
    if not found:
        return
    st.plotly_chart(importance_figure(found), key="evaluate_importance_chart")
    if max(item["importance"] for item in found) <= 0:
        st.caption(
            "No column's shuffling lowers the score: the network may have learnt "
            "little, or the validation rows are too few to tell."
        )


# --- try the model -------------------------------------------------------------------


def _shown(value: float) -> str:
    return f"{value:.4g}"


def _step(field) -> float:
    spread = (field.maximum or 0) - (field.minimum or 0)
    if spread <= 0 or not math.isfinite(spread):
        return 1.0
    return float(f"{spread / 100:.1g}")


def show_try(model, prepared, version: str) -> None:
    from nncore.plots.evaluation import prediction_figure
    from nncore.train.evaluation import input_fields, model_predictor, predict_one

    st.subheader("Try the model", divider="gray")
    st.caption(
        "Give one row of values, as in the data (the ranges are those of the "
        "training rows), and see what the network answers."
    )
    fields_kept = models.results("fields")
    key = (version, models.token(prepared))
    if key not in fields_kept:
        fields_kept[key] = input_fields(prepared)
    fields = fields_kept[key]
    cache = models.cache()
    if cache.get("try_for") != key:
        for name in [k for k in st.session_state if str(k).startswith(TRY_PREFIX)]:
            del st.session_state[name]
        cache["try_for"] = key
    values = {}
    place = (
        st.container()
        if len(fields) <= FORM_OPEN_UP_TO
        else st.expander(
            f"The values of the {len(fields)} columns (each starts at the training "
            "median or most common value)"
        )
    )
    with place, st.form("evaluate_try_form", border=True):
        columns = st.columns(FORM_COLUMNS)
        for i, field in enumerate(fields):
            with columns[i % FORM_COLUMNS]:
                widget = f"{TRY_PREFIX}{i}"
                if field.kind == "number":
                    label = (
                        f"{short(field.name, 40)} ({_shown(field.minimum)} to "
                        f"{_shown(field.maximum)})"
                    )
                    if field.integer:
                        values[field.name] = st.number_input(
                            safe.escape(label),
                            value=int(field.default),
                            step=1,
                            key=widget,
                            help=TRY_HELP,
                        )
                    else:
                        values[field.name] = st.number_input(
                            safe.escape(label),
                            value=float(f"{field.default:.4g}"),
                            step=_step(field),
                            format="%g",
                            key=widget,
                            help=TRY_HELP,
                        )
                else:
                    values[field.name] = st.selectbox(
                        safe.escape(short(field.name, 40)),
                        field.choices,
                        index=0,
                        key=widget,
                        help="One of the values this column has in the training "
                        "rows; the most common comes first.",
                    )
        submitted = st.form_submit_button(
            "Predict",
            type="primary",
            icon=":material/play_arrow:",
            key="evaluate_try_submit",
            help="Run the network on these values (a "
            f"{glossary.link('forward pass')}) and show its answer.",
        )
    answers = models.results("try")
    if submitted:
        try:
            answers[key] = (
                dict(values),
                predict_one(model_predictor(model), prepared, values),
            )
        except (DataError, ValueError) as problem:
            safe.error(problem)
            return
    if key not in answers:
        return
    given, answer = answers[key]
    outside = [
        f"{short(f.name, 30)} = {_shown(given[f.name])} (training: {_shown(f.minimum)} "
        f"to {_shown(f.maximum)})"
        for f in fields
        if f.kind == "number"
        and f.name in given
        and not f.minimum <= given[f.name] <= f.maximum
    ]
    target = short(prepared.target, 30)
    if prepared.task == "regression":
        value = answer["value"]
        st.metric(
            safe.escape(f"Predicted {target}"),
            "—" if value is None else f"{value:.4g}",
        )
    else:
        left, right = st.columns([1, 2], gap="medium")
        left.metric(
            safe.escape(f"Predicted {target}"), safe.escape(short(answer["label"], 40))
        )
        left.caption(f"The network is {answer['confidence']:.0%} sure.")
        right.plotly_chart(
            prediction_figure(answer["probabilities"]), key="evaluate_try_chart"
        )
    if outside:
        safe.warning(
            "Outside the range of the training rows: "
            + "; ".join(outside)
            + ". The network never saw such values, so it is guessing beyond what it "
            "learnt: trust this answer less."
        )
    for note in answer.get("notes", []):
        st.caption(safe.escape(note))


def show_batch(model, prepared, version: str) -> None:
    from nncore.data.loading import read_table
    from nncore.train.evaluation import csv_bytes, model_predictor, predict_table

    if not presenter.advanced():
        return  # presenter mode: an expert's tool
    st.subheader("Predict a whole table", divider="gray")
    st.caption(
        "Upload a table with the same columns as the training data (the target may "
        "be missing) and download it with the network's predictions added. The CSV "
        "is safe to open in a spreadsheet."
    )
    upload = st.file_uploader(
        "Table to predict: CSV, TSV, Excel (.xlsx) or Parquet",
        type=UPLOAD_TYPES,
        key="evaluate_batch",
        help="New rows with the same columns as the training data, the target "
        "column optional. You get them back with the network's prediction added.",
    )
    if upload is None:
        return
    kept = models.results("batch")
    key = (version, models.token(prepared), upload.file_id)
    if key not in kept:
        try:
            table = read_table(upload.getvalue(), upload.name)
            with st.spinner("Predicting…"):
                predicted, notes = predict_table(
                    model_predictor(model), prepared, table.frame
                )
            kept[key] = (predicted, table.warnings + notes, None)
        except DataError as problem:
            kept[key] = (None, [], str(problem))
        except (ValueError, TypeError) as problem:  # a table the reader let through
            kept[key] = (
                None,
                [],
                f"The table could not be predicted ({problem}). Check that its "
                "columns hold the same kinds of values as the training data.",
            )
    predicted, notes, problem = kept[key]
    if problem:
        safe.error(problem)
        return
    for note in notes:
        st.caption(safe.escape(note))
    st.caption(f"{len(predicted):,} rows predicted; the first 100:")
    st.dataframe(preview(predicted, rows=100), height=260, key="evaluate_batch_preview")
    st.download_button(
        "Download with predictions (.csv)",
        csv_bytes(predicted),
        file_name=f"{Path(upload.name).stem}-predictions.csv",
        mime="text/csv",
        icon=":material/download:",
        key="evaluate_batch_download",
        on_click="ignore",
        help="The uploaded table with the predictions added, as CSV. Cells that a "
        "spreadsheet would run as formulas are made safe.",
    )


def show_download(candidate: Candidate) -> None:
    try:
        data = Path(candidate.model_path).read_bytes()
    except OSError:
        return
    st.download_button(
        "Download the model (.keras)",
        data,
        file_name="model.keras",
        mime="application/octet-stream",
        icon=":material/download:",
        key="evaluate_download_model",
        on_click="ignore",
        help="The trained network as a Keras file (.keras): load it in Python with "
        "keras.models.load_model.",
    )


# --- the page ------------------------------------------------------------------------


def describe(candidate: Candidate, prepared) -> None:
    spec = candidate.spec
    parts = [
        dataset_title(candidate.dataset),
        candidate.label
        if candidate.key.startswith("file:")
        else f"network {network_summary(spec)}",
        f"{len(prepared.y_val):,} validation and {len(prepared.y_test):,} test rows",
        prepared.task,
    ]
    if candidate.run_id:
        parts.insert(0, f"run {candidate.run_id}")
    st.caption(safe.escape(" · ".join(parts)))


def main() -> None:
    state.init_state()
    st.title("Evaluate")
    st.write(
        "How good is the network on rows it never learnt from? Compare it with a "
        "naive guess, see where it goes wrong, and try it on new values."
    )
    presenter.step_caption("evaluate")
    candidate = choose_candidate(file_candidate())
    if candidate is None:
        return
    if candidate.problem:
        safe.info(candidate.problem)
        return
    try:
        prepared = candidate.prepared or models.prepared_for_spec(candidate.spec)
    except (DataError, SpecError) as problem:
        safe.error(problem)
        link("data", "Go to the Data screen", ":material/table:")
        return
    try:
        with st.spinner("Loading the model…"):
            model, version = models.load_model(candidate.model_path)
        check_fit(model, prepared)
    except DataError as problem:
        safe.error(problem)
        return
    describe(candidate, prepared)
    split = st.radio(
        "Rows to evaluate on",
        list(SPLITS),
        format_func=SPLITS.get,
        horizontal=True,
        key="evaluate_split",
        help=f"{glossary.link('validation set', 'Validation rows')} are for "
        f"choosing settings and runs. {glossary.link('test set', 'Test rows')} are "
        "the final check: looking at them to make choices makes their figure "
        "optimistic.",
    )
    if split == "test" and not hold_back_test(version, prepared, candidate.run_id):
        show_download(candidate)
        return
    if split == "test":
        show_look_count(version, prepared)
    try:
        evaluation = evaluation_for(version, model, prepared, split)
    except (DataError, ValueError) as problem:
        safe.error(f"The network could not be run on these rows: {problem}")
        return
    st.subheader(
        f"How good it is on the {evaluation.n_rows:,} {evaluation.split_words} rows",
        divider="gray",
    )
    if evaluation.task == "regression":
        show_regression(evaluation, prepared)
    else:
        show_classification(evaluation, prepared, version)
    show_importance(model, prepared, version)
    show_try(model, prepared, version)
    show_batch(model, prepared, version)
    st.subheader("Download", divider="gray")
    show_download(candidate)


main()
