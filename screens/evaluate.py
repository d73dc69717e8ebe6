"""Evaluate screen: how good the trained network really is, and trying it out.

The model is this session's latest training once it has ended, or a run opened on
the Runs screen (``ui.model_choice``). Validation rows are shown freely (they are for
choosing); the test rows stay held back until the user asks for them, and every look
at them is counted (``ui.holdout``). ``ui.scores`` draws the scores and charts,
``ui.predicting`` the prediction form and the table upload. All computing is in
``nncore.train.evaluation`` and all drawing in ``nncore.plots.evaluation``; this page
only arranges them.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from nncore.core import glossary
from nncore.core.errors import DataError, SpecError
from nncore.report.compare import dataset_title, network_summary
from ui import (
    holdout,
    image_eval,
    inside,
    lab_report,
    model_choice,
    models,
    page,
    predicting,
    presenter,
    safe,
    scores,
    state,
    verdict,
)

SPLITS = {"val": "Validation rows (for choosing)", "test": "Test rows (final check)"}


# --- which columns matter ------------------------------------------------------------


def show_importance(model, prepared, version: str) -> None:
    from nncore.plots.evaluation import importance_figure
    from nncore.train.evaluation import model_predictor
    from nncore.train.prediction import importance_note, permutation_importance

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
    presenter.plotly_chart(importance_figure(found), key="evaluate_importance_chart")
    note = importance_note(found)
    if note:
        st.caption(safe.escape(note))
    if max(item["importance"] for item in found) <= 0:
        st.caption(
            "No column's shuffling lowers the score: the network may have learnt "
            "little, or the validation rows are too few to tell."
        )


# --- the model file ------------------------------------------------------------------


def show_download(candidate: model_choice.Candidate) -> None:
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


def describe(candidate: model_choice.Candidate, prepared) -> None:
    spec = candidate.spec
    parts = [
        dataset_title(candidate.dataset),
        candidate.label
        if candidate.key.startswith("file:")
        else f"network {network_summary(spec)}",
        f"{len(prepared.y_val):,} validation and {len(prepared.y_test):,} test "
        + ("pictures" if image_eval.is_images(prepared) else "rows"),
        prepared.task,
    ]
    if candidate.name:
        parts.insert(0, f"run “{candidate.name}”")
    st.caption(safe.escape(" · ".join(parts)))


def main() -> None:
    state.init_state()
    st.title("Evaluate")
    st.write(
        "How good is the network on rows it never learnt from? Compare it with a "
        "naive guess, see where it goes wrong, and try it on new values."
    )
    presenter.step_caption("evaluate")
    candidate = model_choice.choose_candidate(model_choice.file_candidate())
    if candidate is None:
        return
    if candidate.problem:
        safe.info(candidate.problem)
        return
    try:
        prepared = candidate.prepared or models.prepared_for_spec(candidate.spec)
    except (DataError, SpecError) as problem:
        safe.error(problem)
        page.link("data", "Go to the Data screen", ":material/table:")
        return
    try:
        with st.spinner("Loading the model…"):
            model, version = models.load_model(candidate.model_path)
        model_choice.check_fit(model, prepared)
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
    if split == "test" and not holdout.hold_back_test(
        version, prepared, candidate.run_id
    ):
        show_download(candidate)
        return
    if split == "test":
        holdout.show_look_count(version, prepared)
    try:
        evaluation = scores.evaluation_for(version, model, prepared, split)
    except (DataError, ValueError) as problem:
        safe.error(f"The network could not be run on these rows: {problem}")
        return
    st.subheader(
        f"How good it is on the {evaluation.n_rows:,} {evaluation.split_words} rows",
        divider="gray",
    )
    found = verdict.verdict_for(candidate, version, prepared, evaluation)
    pictures = image_eval.is_images(prepared)
    if evaluation.task == "regression":
        scores.show_regression(evaluation, prepared, found)
    elif pictures:
        image_eval.show_image_classification(evaluation, prepared, version, found)
    else:
        scores.show_classification(evaluation, prepared, version, found)
    if not pictures:  # shuffling one pixel among pictures says little
        show_importance(model, prepared, version)
    st.subheader("Inside the network", divider="gray")
    inside.show_network(
        candidate.spec, prepared, model.get_weights(), None, key="evaluate"
    )
    predicting.show_try(model, prepared, version, candidate.spec)
    if not pictures:  # a table of new rows
        predicting.show_batch(model, prepared, version)
    lab_report.show_lab_report(candidate, prepared, evaluation, version)
    st.subheader("Download", divider="gray")
    show_download(candidate)


main()
