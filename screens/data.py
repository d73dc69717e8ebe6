"""Data screen: choose the examples, the target, the split and the scaling.

The engine's heavy modules (pandas, scikit-learn, Plotly) are imported inside the
functions that use them, so the screen's title draws before they load.
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING

import streamlit as st

from nncore.core import glossary
from nncore.core.catalog import (
    BUILTIN_DATASETS,
    IMAGE_DATASETS,
    dataset_title,
    is_generated,
    is_image_dataset,
)
from nncore.core.errors import DataError, SpecError
from nncore.core.text import plural, preview, readable_number
from nncore.spec import validate_data_spec
from ui import demo_settings, image_data, image_model, presenter, safe, state

if TYPE_CHECKING:
    from nncore.data.image_sets import LoadedImages
    from nncore.data.loading import LoadedTable

UPLOAD_TYPES = ["csv", "tsv", "txt", "xlsx", "parquet"]
TASK_LABELS = {
    "auto": "Detect automatically",
    "binary": "Binary classification (two classes)",
    "multiclass": "Multiclass classification (three or more classes)",
    "regression": "Regression (predict a number)",
}
# The data preview styles at most this many cells (missing ones shown as "missing",
# readable numbers); a wider table is shown as it is.
MAX_STYLED_CELLS = 50_000
MISSING_STYLE = "color: #8a8a8a; font-style: italic"
SCALING_LABELS = {
    "standard": "Standard (mean 0, spread 1)",
    "minmax": "Min-max (to 0..1)",
    "none": "None",
}


# A resource, not data: every session shares the same read-only table, so its
# identity tells the page when the dataset changed and memory is not duplicated.
@st.cache_resource(show_spinner=False, max_entries=32)
def builtin_table(name: str, n_samples: int, noise: float, seed: int) -> LoadedTable:
    from nncore.data.loading import LoadedTable
    from nncore.data.sources import load_builtin

    frame = load_builtin(name, n_samples=n_samples, noise=noise, random_state=seed)
    return LoadedTable(frame=frame, name=name, notes=["built-in dataset"])


def choose_builtin(data: dict) -> LoadedTable | LoadedImages | None:
    names = [*BUILTIN_DATASETS, *IMAGE_DATASETS]
    current = (
        data["source"].split(":", 1)[1]
        if data["source"].startswith("builtin:")
        else None
    )
    name = st.selectbox(
        "Dataset",
        names,
        index=names.index(current) if current in names else 0,
        format_func=lambda n: dataset_title(f"builtin:{n}"),
        key="data_builtin",
        help="Ready-made example tables that need no file. The two-input ones "
        "(circle, XOR, Gaussian, spiral, plane) are points on a plane, so you can "
        f"watch the network draw its {glossary.link('decision boundary')}. The "
        "ones named images are pictures with labels.",
    )
    st.caption((BUILTIN_DATASETS.get(name) or IMAGE_DATASETS[name]).description)
    data["source"] = f"builtin:{name}"
    if name in IMAGE_DATASETS:
        return image_data.choose_builtin_images(name, data)
    if is_generated(data["source"]):
        left, middle, right = st.columns(3)
        data["n_samples"] = left.slider(
            "Points",
            50,
            2000,
            data["n_samples"],
            step=50,
            key="data_n_samples",
            help="How many examples to generate.",
        )
        data["noise"] = middle.slider(
            "Noise",
            0.0,
            0.5,
            float(data["noise"]),
            step=0.05,
            key="data_noise",
            help="How much the points are jittered: more noise, harder to learn.",
        )
        if presenter.advanced():
            data["seed"] = seed_input(
                right, data, "Seed", "data_seed_generator", "the same points and split"
            )
    return builtin_table(name, data["n_samples"], data["noise"], data["seed"])


def seed_input(container, data: dict, label: str, key: str, gives: str) -> int:
    return container.number_input(
        label,
        0,
        2**31 - 1,
        data["seed"],
        key=key,
        help=f"The same {glossary.link('seed')} gives {gives}; another one shows "
        "how much the result depends on chance.",
    )


def choose_upload(data: dict) -> LoadedTable | None:
    upload = st.file_uploader(
        "Your data file: CSV, TSV, Excel (.xlsx) or Parquet, one row per example",
        type=UPLOAD_TYPES,
        key="data_upload",
        help="A table with one row per example and one column per piece of "
        "information; the first row must name the columns. Delimiter, encoding and "
        "decimal commas are detected.",
    )
    if upload is None:
        # The rejected file was removed: its message goes with it.
        st.session_state[state.UPLOAD_ERROR] = None
    elif upload.file_id != st.session_state[state.UPLOAD_ID]:
        st.session_state[state.UPLOAD_ID] = upload.file_id
        from nncore.core.limits import check_upload_size
        from nncore.data.loading import read_table

        try:
            check_upload_size(upload.size)  # NNSTUDIO_MAX_UPLOAD_MB
            table = read_table(upload.getvalue(), upload.name)
        except DataError as problem:
            st.session_state[state.UPLOAD_ERROR] = str(problem)
        else:
            st.session_state[state.UPLOAD_ERROR] = None
            st.session_state[state.UPLOADED] = table
    if st.session_state[state.UPLOAD_ERROR]:
        safe.error(st.session_state[state.UPLOAD_ERROR])
    table = st.session_state[state.UPLOADED]
    if table is not None:
        if st.session_state[state.UPLOAD_ERROR]:
            safe.info(f"Still using the file loaded before: {table.name}.")
        data["source"] = table.name
    return table


def describe_file(table: LoadedTable):
    """The table's size, its reading notes and warnings; returns the place of its
    preview, which ``show_preview`` fills."""
    frame = table.frame
    how = ", ".join(table.notes)
    st.caption(
        safe.escape(f"{len(frame):,} rows × {len(frame.columns):,} columns · {how}")
    )
    for message in table.warnings:
        safe.warning(message)
    return st.empty()


def show_preview(place, table: LoadedTable) -> None:
    """The first rows of the table, in the place ``describe_file`` kept above the
    target. Filled once the overview charts are sent: styling it (server) and
    loading the grid's code (browser) would otherwise delay the first chart."""
    place.dataframe(preview_table(table.frame), height=240, key="data_preview")


def preview_table(frame):
    """The first 100 rows as people read them: a missing cell says "missing" (grey,
    italic), not "None", and decimal numbers are readable (3,021.7, 0.0123)."""
    import pandas as pd

    shown = preview(frame, rows=100)
    if shown.size > MAX_STYLED_CELLS:
        return shown
    decimals = [c for c in shown.columns if pd.api.types.is_float_dtype(shown[c])]
    return (
        shown.style.format(na_rep="missing")
        .format(
            lambda v: readable_number(v, digits=6), subset=decimals, na_rep="missing"
        )
        .highlight_null(props=MISSING_STYLE)
    )


def choose_target(data: dict, columns: list[str]) -> str | None:
    index = columns.index(data["target"]) if data["target"] in columns else None
    target = st.selectbox(
        "Target: the column to predict",
        columns,
        index=index,
        placeholder="Choose the target column",
        key="data_target",
        help=f"The {glossary.link('target')}: the answer the network learns to give. "
        f"Every other column is an input ({glossary.link('feature')}).",
    )
    data["target"] = target
    return target


def choose_settings(data: dict, *, images: bool = False) -> None:
    # Presenter mode hides the expert settings; the spec keeps their values.
    advanced = presenter.advanced()
    left, right = st.columns(2)
    if advanced and not images:  # pictures: classification, pixels/255
        with left:
            data["task"] = st.selectbox(
                "Task",
                list(TASK_LABELS),
                index=list(TASK_LABELS).index(data["task"]),
                format_func=TASK_LABELS.get,
                key="data_task",
                help=f"{glossary.link('classification', 'Classification')} predicts "
                f"a class, {glossary.link('regression')} a number. Detected from "
                "the target; change it if the guess is wrong.",
            )
            data["scaling"] = st.radio(
                "Scaling",
                list(SCALING_LABELS),
                index=list(SCALING_LABELS).index(data["scaling"]),
                format_func=SCALING_LABELS.get,
                horizontal=True,
                key="data_scaling",
                help="Networks learn best when inputs have similar ranges "
                f"({glossary.link('scaling')}). Learnt on the "
                f"{glossary.link('training set', 'training rows')} only, so nothing "
                "about the other rows leaks into training.",
            )
    else:
        right = left
    with right:
        split = data["split"]
        val = st.slider(
            "Validation share (%)",
            5,
            40,
            round(split["val"] * 100),
            key="data_val",
            help="Rows held out during training to watch for "
            f"{glossary.link('overfitting')} "
            f"({glossary.link('validation set')}).",
        )
        test = st.slider(
            "Test share (%)",
            5,
            40,
            round(split["test"] * 100),
            key="data_test",
            help="Rows kept untouched until the final evaluation "
            f"({glossary.link('test set')}).",
        )
        split.update(
            train=round((100 - val - test) / 100, 4), val=val / 100, test=test / 100
        )
        st.caption(f"Training share: {100 - val - test} %")
        if advanced:
            split["stratify"] = st.checkbox(
                "Keep class proportions in every split (stratify)",
                value=split["stratify"],
                key="data_stratify",
                help="Each split gets the same share of every class as the whole "
                f"table ({glossary.link('stratify', 'stratified split')}). It "
                "matters when a class is rare; regression ignores it.",
            )
    if not advanced:
        return
    with st.expander("More settings"):
        a, b, c = st.columns(3)
        if not is_generated(data["source"]) and data["source"] != "builtin:shapes":
            # Generated data has one seed, next to the generator's other controls.
            data["seed"] = seed_input(
                a, data, "Split seed", "data_seed", "the same split"
            )
        if images:
            return
        data["max_categories"] = b.number_input(
            "Most categories per text column",
            2,
            1000,
            data["max_categories"],
            key="data_max_categories",
            help="A text column becomes one input per value "
            f"({glossary.link('one-hot encoding')}); values rarer than the most "
            "common ones are grouped as 'other'.",
        )
        data["clean_labels"] = c.checkbox(
            "Merge labels differing only by case or spaces",
            value=data["clean_labels"],
            key="data_clean_labels",
            help="Treats 'Yes', 'yes' and ' YES ' in the target as one class. Turn "
            "it off if such labels really mean different things.",
        )


def report_key(table: LoadedTable, data: dict) -> tuple:
    return (id(table), json.dumps(data, sort_keys=True))


def cached_report(table: LoadedTable, data: dict):
    """The report of this table with these settings, when it is already made."""
    if st.session_state[state.REPORT_KEY] == report_key(table, data):
        return st.session_state[state.REPORT]
    return None


def prepared_report(table: LoadedTable, data: dict):
    """Prepare and profile, reusing the last result when nothing changed."""
    from nncore.data.inspect import inspect_data

    report = cached_report(table, data)
    if report is None:
        with st.spinner("Preparing the data…"):
            report = inspect_data(table, data)
        st.session_state[state.REPORT] = report
        st.session_state[state.REPORT_KEY] = report_key(table, data)
    return report


def show_data(table: LoadedTable, data: dict, then) -> None:
    """The report of the chosen data: its overview charts first, drawn from the
    table's outline (no scikit-learn, no split) while the rest is prepared, then
    the task, the counts, the pitfalls and the other tabs. On an error, only the
    error. ``then()`` is called once the overview charts are sent (or as soon as it
    is known that there are none yet)."""
    slot = st.empty()
    done = []

    def then_once() -> None:
        if not done:
            done.append(True)
            then()

    try:
        validate_data_spec(data)
        report = cached_report(table, data)
        if report is None:
            from nncore.data.inspect import overview_from_spec

            outline, overview = overview_from_spec(table, data)
            numeric, categorical = outline.kinds.numeric, outline.kinds.categorical
        else:
            overview = report.profile
            prepared = report.prepared
            numeric = prepared.numeric_columns
            categorical = prepared.categorical_columns
        with slot.container():
            st.subheader("The data", divider="gray")
            summary = st.container()
            tabs = profile_tabs(numeric, categorical)
            if overview is not None:
                show_overview(tabs["Overview"], overview)
            then_once()
            with summary:
                report = prepared_report(table, data)
                show_summary(report)
            if overview is None:
                show_overview(tabs["Overview"], report.profile)
            show_profile(tabs, report)
    except (DataError, SpecError) as problem:
        failure = problem
    except Exception as problem:  # a bug must not cost the user their session
        failure = (
            f"Something went wrong while preparing the data ({type(problem).__name__}: "
            f"{problem}). This is a bug in NN Studio; try other settings, and please "
            "report it with the file that caused it."
        )
    else:
        if presenter.advanced():
            with st.expander("Experiment settings (JSON)"):
                st.json(data, expanded=False)
        return
    then_once()
    slot.empty()
    forget_report()
    safe.error(failure)


def show_summary(report) -> None:
    """The task, the counts, the baseline, the pitfalls with their fixes, the notes."""
    prepared, profile = report.prepared, report.profile
    st.markdown(
        f"**Task: {prepared.task}**, because {safe.escape(prepared.task_reason)}."
    )
    cols = st.columns(5)
    cols[0].metric("Rows", f"{profile.n_rows:,}")
    cols[1].metric(
        "Inputs to the network",
        prepared.n_features,
        help="The numbers each row gives the network "
        f"({glossary.link('feature', 'features')}), after text columns are spread "
        f"over one input per value ({glossary.link('one-hot encoding')}).",
    )
    cols[2].metric(
        "Training",
        f"{len(prepared.y_train):,}",
        help=f"Rows the network learns from ({glossary.link('training set')}).",
    )
    cols[3].metric(
        "Validation",
        f"{len(prepared.y_val):,}",
        help="Rows checked after every epoch and never learnt from "
        f"({glossary.link('validation set')}).",
    )
    cols[4].metric(
        "Test",
        f"{len(prepared.y_test):,}",
        help=f"Rows kept apart for the final check ({glossary.link('test set')}).",
    )
    if profile.class_counts:
        label, accuracy = profile.baseline["label"], profile.baseline["accuracy"]
        st.caption(
            safe.escape(
                f"Baseline: always guessing '{label}' is right {accuracy:.0%} of the "
                "time. A useful network must beat that."
            )
            + f" ({glossary.link('baseline')})"
        )
    else:
        st.caption(
            "Baseline: always guessing the mean "
            f"({readable_number(profile.baseline['value'])}) is off by "
            f"{readable_number(profile.baseline['rmse'])} on average "
            f"({glossary.link('rmse', 'RMSE')}). A useful network must beat that "
            f"({glossary.link('baseline')})."
        )
    warnings = prepared.warnings + profile.pitfalls
    if warnings:
        st.subheader("Things to check", divider="orange")
        for message in warnings:
            safe.warning(message)
            if message == profile.imbalance:
                offer_class_weights()
            if message == profile.outlier_pitfall:
                offer_outlier_fixes(profile.outliers)
    if prepared.outliers != "keep":
        show_outliers_handled(prepared)
    for note in prepared.notes:
        st.caption(safe.escape(note))


def use_class_weights() -> None:
    st.session_state[state.SPEC]["train"]["class_weight"] = "balanced"
    st.session_state.pop("train_class_weight", None)  # the Train screen's widget
    state.set_fix_notice(  # said once, on the Train screen
        "Balanced class weights are on (set on the Data screen): each class counts "
        "as much as the others in the loss. Press Train to train with them.",
        "train",
    )


def offer_class_weights() -> None:
    """The imbalance pitfall's one-click fix: balanced class weights (the fix the
    training doctor offers too), or that they are on."""
    if st.session_state[state.SPEC]["train"].get("class_weight") == "balanced":
        st.success(
            "Balanced class weights are on: training weighs each class as much as "
            "the others (Train screen).",
            icon=":material/balance:",
        )
        return
    st.button(
        "Use balanced class weights",
        key="data_class_weights",
        icon=":material/balance:",
        on_click=use_class_weights,
        help="Sets the experiment's class weights to balanced: the rows of a rare "
        "class weigh more in the loss, so the network learns to find them "
        f"({glossary.link('class weights')}). You can change it back on the "
        "Train screen.",
    )


OUTLIER_FIXES = {
    # key: (button, icon, spec section, field, value, what it does)
    "drop": (
        "Drop those training rows",
        ":material/delete_sweep:",
        "data",
        "outliers",
        "drop",
        "Training rows with an extreme or impossible value are left out; the "
        "validation and test rows are all kept, so the scores stay honest.",
    ),
    "clip": (
        "Clip the inputs to the range",
        ":material/vertical_align_center:",
        "data",
        "outliers",
        "clip",
        "The inputs of every split are clipped to the range learnt from the "
        "training rows; zeros in an otherwise positive column count as missing "
        "and are filled in. The target is left as it is.",
    ),
    "huber": (
        "Use the Huber loss",
        ":material/shield:",
        "compile",
        "loss",
        "huber",
        "Training weighs the largest errors less (squared for small errors, "
        "linear for large ones), so a few extreme rows cannot dominate it. The "
        "data is unchanged.",
    ),
}


def use_outlier_fix(name: str) -> None:
    """Apply one of the outlier pitfall's fixes to the experiment, and say so."""
    label, _, section, key, value, what = OUTLIER_FIXES[name]
    spec = copy.deepcopy(st.session_state[state.SPEC])
    before = spec[section].get(key)
    spec[section][key] = value
    try:
        state.apply_fix(
            spec,
            f"Applied “{label}”: {section}.{key} changed from {before} to {value}. "
            f"{what}",
            place="data",
        )
    except DataError as problem:
        state.set_fix_notice(f"“{label}” could not be applied: {problem}", "data")


def offer_outlier_fixes(finding) -> None:
    """The outlier pitfall's one-click fixes: drop those training rows, clip the
    inputs, or (regression) the Huber loss."""
    notice = state.take_fix_notice("data")
    if notice:
        st.success(safe.escape(notice), icon=":material/check_circle:")
    spec = st.session_state[state.SPEC]
    names = ["drop"]
    if finding.inputs:
        names.append("clip")
    if finding.target:
        if spec["compile"].get("loss") == "huber":
            st.success(
                "The Huber loss is on: the largest errors weigh less in training "
                "(Compile screen).",
                icon=":material/shield:",
            )
        else:
            names.append("huber")
    for column, name in zip(st.columns(len(names)), names, strict=True):
        label, icon, *_, what = OUTLIER_FIXES[name]
        column.button(
            label,
            key=f"data_outliers_{name}",
            icon=icon,
            on_click=use_outlier_fix,
            args=(name,),
            help=f"{what} You can change it back here.",
        )


def show_outliers_handled(prepared) -> None:
    """What ``data.outliers`` did, with the way back to keeping them."""
    notice = state.take_fix_notice("data")
    if notice:
        st.success(safe.escape(notice), icon=":material/check_circle:")
    if prepared.outliers == "drop":
        done = (
            f"Outliers dropped: {plural(prepared.outliers_dropped, 'training row')} "
            "with an extreme or impossible value left out of training (validation "
            "and test rows kept)."
        )
    else:
        done = (
            "Outliers clipped: the inputs of every split are clipped to the range "
            "learnt from the training rows."
        )
    st.success(done, icon=":material/check_circle:")
    st.button(
        "Keep the outliers as they are",
        key="data_outliers_keep",
        on_click=keep_outliers,
        help="Train on every row as it is in the file.",
    )


def keep_outliers() -> None:
    spec = copy.deepcopy(st.session_state[state.SPEC])
    before = spec["data"]["outliers"]
    spec["data"]["outliers"] = "keep"
    try:
        state.apply_fix(
            spec,
            f"data.outliers changed from {before} to keep: every row is used as it is.",
            place="data",
        )
    except DataError as problem:
        state.set_fix_notice(f"The outliers could not be kept: {problem}", "data")


def profile_tabs(numeric: list[str], categorical: list[str]) -> dict:
    """The profile's tabs by name; a "2-D view" when there are two numeric inputs
    and no other."""
    names = ["Overview", "Feature histograms", "Columns"]
    if len(numeric) == 2 and not categorical:
        names.insert(1, "2-D view")
    return dict(zip(names, st.tabs(names), strict=True))


def show_overview(tab, overview) -> None:
    """Rows per class (or the target's distribution) and each feature's relation
    with the target, side by side. Both figures are built before either is sent, so
    the two charts arrive together."""
    from nncore.plots import base as plots

    if overview.class_counts:
        first = ("chart_balance", plots.class_balance_figure(overview))
    else:
        first = ("chart_target", plots.target_figure(overview))
    charts = [first]
    if overview.relation:
        charts.append(("chart_relation", plots.relation_figure(overview)))
    with tab:
        for column, (key, figure) in zip(st.columns(2), charts, strict=False):
            column.plotly_chart(presenter.chart(figure), key=key)


def show_profile(tabs: dict, report) -> None:
    """The tabs after the overview: the 2-D view, the histograms, the columns."""
    from nncore.plots import base as plots

    prepared, profile = report.prepared, report.profile
    if "2-D view" in tabs:
        with tabs["2-D view"]:
            x, y = prepared.numeric_columns
            presenter.plotly_chart(
                plots.scatter_figure(
                    prepared.frame, x, y, prepared.target, prepared.task
                ),
                key="chart_scatter",
            )
    with tabs["Feature histograms"]:
        if profile.histograms:
            presenter.plotly_chart(
                plots.histograms_figure(profile), key="chart_histograms"
            )
            if len(prepared.numeric_columns) > len(profile.histograms):
                st.caption(
                    f"Showing the first {len(profile.histograms)} of "
                    f"{len(prepared.numeric_columns)} numeric columns."
                )
        else:
            st.caption("No numeric columns to draw.")
    with tabs["Columns"]:
        st.dataframe(
            preview(profile.columns, rows=len(profile.columns)), key="data_columns"
        )


def forget_report() -> None:
    st.session_state[state.REPORT] = None
    st.session_state[state.REPORT_KEY] = None


def main() -> None:
    state.init_state()
    st.title("Data")
    st.write(
        "Choose the examples the network learns from and the column it should "
        "predict, or pictures sorted into classes. NN Studio checks the data for "
        "the usual pitfalls."
    )
    presenter.step_caption("data")
    data = st.session_state[state.SPEC]["data"]
    kinds = ["Built-in dataset", "My own file", "My own pictures"]
    kind = st.radio(
        "Where is the data?",
        kinds,
        index=image_data.source_kind(data["source"]),
        horizontal=True,
        key="data_source_kind",
        help="Try a ready-made example, upload your own file (CSV, TSV, Excel or "
        "Parquet), or bring pictures: a ZIP of class folders, or classes you fill "
        "with the webcam.",
    )
    if kind == kinds[2]:
        table = image_data.choose_pictures(data)
    elif kind == kinds[0]:
        table = choose_builtin(data)
    else:
        table = choose_upload(data)
    if table is None and (kind == kinds[2] or is_image_dataset(data["source"])):
        return  # the pictures' chooser said what is missing
    if image_data.is_images(table):
        image_data.show_images(
            table,
            data,
            settings=choose_settings,
            offer_class_weights=offer_class_weights,
        )
        return
    if table is None:
        if data["source"].startswith("builtin:"):
            safe.info("Upload a file to begin, or pick a built-in dataset.")
        else:
            safe.info(
                f"This experiment was made with the file '{data['source']}'. Upload "
                "it (or another file with the same columns) to continue."
            )
        return
    if st.session_state[state.TABLE] is not table:
        # Another dataset: keep the chosen target only if the new data has it.
        columns = [str(c) for c in table.frame.columns]
        if data["target"] not in columns:
            data["target"] = "target" if data["source"].startswith("builtin:") else None
            st.session_state.pop("data_target", None)
        # The user's own data: not the demo's settings.
        demo_settings.leave_settings(data)
        st.session_state[state.TABLE] = table
        changed = image_model.match_network(pictures=False)
        if changed:
            st.session_state[state.NETWORK_NOTICE] = changed
    image_data.show_network_notice()
    demo_settings.show_left_settings(data)
    preview = describe_file(table)

    st.subheader("What to predict", divider="gray")
    target = choose_target(data, [str(c) for c in table.frame.columns])
    choose_settings(data)
    if target is None:
        show_preview(preview, table)
        safe.info("Choose the target column: the answer the network should learn.")
        forget_report()
        return
    show_data(table, data, lambda: show_preview(preview, table))


main()
