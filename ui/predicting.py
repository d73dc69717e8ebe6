"""Trying the network on the Evaluate screen: one row of values typed into a form,
or a whole uploaded table returned with the predictions added.
"""

from __future__ import annotations

import math
from pathlib import Path

import streamlit as st

from nncore.core import glossary
from nncore.core.errors import DataError
from nncore.core.text import preview, readable_number, short
from ui import models, presenter, safe
from ui.metrics import readable_table

TRY_PREFIX = "evaluate_try_"

FORM_COLUMNS = 3

# Forms with more inputs than this start folded, so the page stays short.
FORM_OPEN_UP_TO = 12

UPLOAD_TYPES = ["csv", "tsv", "txt", "xlsx", "parquet"]

TRY_HELP = (
    "A value for this column; it starts at the training median. The range in the "
    "label is that of the training rows: the network is surest inside it."
)


def _shown(value: float) -> str:
    return readable_number(value, digits=4)


def _input_format(field) -> str:
    """``%g`` writes 1343000 as "1.343e+06": large values get whole numbers."""
    largest = max(abs(field.minimum or 0), abs(field.maximum or 0))
    return "%g" if largest < 1e5 else "%.0f"


def _step(field) -> float:
    spread = (field.maximum or 0) - (field.minimum or 0)
    if spread <= 0 or not math.isfinite(spread):
        return 1.0
    return float(f"{spread / 100:.1g}")


def show_try(model, prepared, version: str, spec: dict | None = None) -> None:
    from nncore.plots.evaluation import prediction_figure
    from nncore.train.evaluation import model_predictor
    from nncore.train.prediction import input_fields, predict_one

    if getattr(prepared, "image_shape", None) is not None:  # pictures
        from ui.image_try import show_image_try

        show_image_try(model, prepared, version, spec)
        return
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
                            format=_input_format(field),
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
            "—" if value is None else readable_number(value, digits=4),
        )
    else:
        left, right = st.columns([1, 2], gap="medium")
        left.metric(
            safe.escape(f"Predicted {target}"), safe.escape(short(answer["label"], 40))
        )
        left.caption(f"The network is {answer['confidence']:.0%} sure.")
        right.plotly_chart(
            presenter.chart(prediction_figure(answer["probabilities"])),
            key="evaluate_try_chart",
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
    from nncore.core.tables import csv_bytes
    from nncore.data.loading import read_table
    from nncore.train.evaluation import model_predictor
    from nncore.train.prediction import predict_table

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
    table, config = readable_table(preview(predicted, rows=100))
    st.dataframe(table, height=260, column_config=config, key="evaluate_batch_preview")
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
