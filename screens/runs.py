"""Runs screen: every recorded training, compared side by side, opened or deleted.

The runs live in the run store (``nncore.runs.store``) of the process-wide job manager,
so they outlive sessions and server restarts. Comparing is ``nncore.report.compare`` and
its pictures ``nncore.plots.evaluation``; this page arranges them and handles the
actions (open in Evaluate, download, resume, delete with a confirmation).
"""

from __future__ import annotations

import copy

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException, StreamlitPageNotFoundError

from nncore.core import glossary
from nncore.core.errors import DataError, SpecError
from nncore.core.metrics import format_metric, main_metric
from nncore.core.text import plural, quoted
from nncore.report.compare import (
    run_name,
    run_title,
    runs_table,
    settings_diff,
    summary_line,
)
from nncore.runs.naming import MAX_NAME_LENGTH
from ui import models, page, presenter, safe, state, training
from ui.metrics import interval_of

CHOSEN = "runs_chosen"
SELECTED = "runs_selected"
METRICS = {
    "binary": ["accuracy", "precision", "recall", "f1", "roc_auc"],
    "multiclass": ["accuracy", "precision", "recall", "f1", "roc_auc"],
    "regression": ["r2", "mae", "rmse"],
}


def names_for(count: int) -> list[str]:
    return [chr(ord("A") + i) if i < 26 else f"R{i + 1}" for i in range(count)]


# --- actions (button callbacks) ------------------------------------------------------


def notice(kind: str, text: str) -> None:
    st.session_state[state.RUNS_NOTICE] = (kind, text)


def ask_delete(run_ids: list[str]) -> None:
    st.session_state[state.RUNS_CONFIRM] = list(run_ids)


def cancel_delete() -> None:
    st.session_state[state.RUNS_CONFIRM] = None


def delete_runs(store, run_ids: list[str], names: dict[str, str]) -> None:
    from nncore.runs.store import UnknownRunError

    st.session_state[state.RUNS_CONFIRM] = None
    deleted, problems = [], []
    for run_id in run_ids:
        try:
            store.delete(run_id)
        except UnknownRunError:
            deleted.append(run_id)  # already gone: the same for the user
        except (ValueError, DataError) as problem:
            problems.append(str(problem))
        else:
            deleted.append(run_id)
    chosen = st.session_state.get(CHOSEN) or []
    st.session_state[CHOSEN] = [r for r in chosen if r not in deleted]
    opened = st.session_state[state.OPENED_RUN]
    if opened and opened.get("run_id") in deleted:
        st.session_state[state.OPENED_RUN] = None
    if problems:
        notice("error", " ".join(problems))
    else:
        notice(
            "success",
            f"Deleted {plural(len(deleted), 'run')}: "
            + ", ".join(quoted(names.get(r, r), 80) for r in deleted)
            + ".",
        )


def rename_run(store, run_id: str, key: str) -> None:
    """Keep the name typed in ``key`` as the run's name (Save next to it)."""
    from nncore.runs.store import UnknownRunError

    try:
        name = store.rename(run_id, st.session_state.get(key) or "")
    except (ValueError, TypeError, DataError, UnknownRunError) as problem:
        notice("error", f"The run keeps its name: {problem}")
        return
    st.session_state[key] = name
    notice("success", f"Renamed the run to {quoted(name, 80)}.")


def run_spec(run) -> dict:
    """The run's experiment, validated (a copy: the stored run is left as it is).

    Raises:
        SpecError: the experiment is not valid any more.
    """
    from nncore.spec import validate_spec

    return validate_spec(copy.deepcopy(run.spec))


def restore(run, spec: dict, ending: str) -> None:
    """Make the run's experiment the session's, on every screen, and say so."""
    state.apply_spec(
        spec,
        f"The experiment of {quoted(run_name(run), 80)} is restored on every "
        f"screen{ending}",
    )


def open_run(run) -> bool:
    """Restore the run's experiment and make Evaluate show its model."""
    try:
        spec = run_spec(run)
    except SpecError as problem:
        notice(
            "error",
            f"The experiment of {quoted(run_name(run), 80)} cannot be restored: "
            f"{problem}",
        )
        return False
    restore(run, spec, "; Evaluate shows its model.")
    job = st.session_state[state.JOB]
    st.session_state[state.OPENED_RUN] = {"run_id": run.run_id, "job_id": job}
    st.session_state[state.EVAL_CHOICE] = {"model": f"run:{run.run_id}", "job_id": job}
    st.session_state.pop("evaluate_model", None)
    return True


def resume_run(run) -> None:
    manager = training.manager()
    current = st.session_state[state.JOB]
    view = manager.view(current) if current else None
    if view is not None and view.status in training.ACTIVE:
        notice(
            "error",
            "Your network is still training: stop it on the Train screen (or wait "
            "for it to end), then resume this run.",
        )
        return
    try:
        spec = run_spec(run)
        prepared = models.prepared_for_spec(spec)
        job = manager.resume(run.run_id, prepared, training.owner_id())
    except (DataError, SpecError) as problem:  # JobError is a DataError
        notice("error", str(problem))
        return
    if current is not None:
        manager.forget(current)
    # The screens show the resumed run's experiment, so that Train follows it as
    # this data's run (not as "the last run, on other data").
    restore(run, spec, ".")
    training.set_job(job)
    notice(
        "success",
        f"{quoted(run_name(run), 80)} resumes from its last checkpoint: follow it on "
        "the Train screen.",
    )


# --- drawing -------------------------------------------------------------------------


def show_notice() -> None:
    found = st.session_state[state.RUNS_NOTICE]
    if not found:
        return
    st.session_state[state.RUNS_NOTICE] = None
    kind, text = found
    if kind == "error":
        safe.error(text)
    else:
        st.success(safe.escape(text), icon=":material/check_circle:")


def validation_interval(run) -> str | None:
    """A run's validation score's 95 % interval as "low-high", or None (runs
    recorded before intervals were kept, or without final metrics)."""
    metric = main_metric(run.task)
    final = ((run.metrics or {}).get("val") or {}).get(metric)
    bounds = interval_of(((run.metrics_ci or {}).get("val") or {}), metric)
    if final is None or bounds is None:
        return None
    return "-".join(format_metric(bound, metric) for bound in bounds)


def with_intervals(table: pd.DataFrame, runs) -> pd.DataFrame:
    """The table with each validation score's 95 % interval in the next column."""
    for label in ("accuracy", "RMSE"):
        column = f"validation {label}"
        if column not in table.columns:
            continue
        wanted = "accuracy" if label == "accuracy" else "rmse"
        values = [
            validation_interval(run) if main_metric(run.task) == wanted else None
            for run in runs
        ]
        if any(values):
            values = [value or "—" for value in values]
            table.insert(
                table.columns.get_loc(column) + 1, f"{label}: 95 % interval", values
            )
    return table


def show_table(runs) -> None:
    table = with_intervals(runs_table(runs), runs)
    score = st.column_config.NumberColumn(format="%.3f")
    error = st.column_config.NumberColumn(format="%.4g")
    st.dataframe(
        table,
        hide_index=True,
        placeholder="",  # a missing score is an empty cell, not "None"
        column_config={
            "when": st.column_config.DatetimeColumn(format="D MMM, HH:mm"),
            "learning rate": st.column_config.NumberColumn(format="%g"),
            "validation accuracy": score,
            "test accuracy": score,
            "validation RMSE": error,
            "test RMSE": error,
        },
        key="runs_table",
    )
    st.caption(
        "Click a column's name to sort by it. The 95 % interval is the range the "
        "validation score could have landed in by chance alone: two runs whose "
        "intervals overlap a lot may differ by luck. Test scores appear once a "
        "run's test rows were looked at on the Evaluate screen."
    )


def choose_runs(runs) -> list:
    by_id = {run.run_id: run for run in runs}
    if CHOSEN in st.session_state:
        st.session_state[CHOSEN] = [r for r in st.session_state[CHOSEN] if r in by_id]
    chosen = st.multiselect(
        "Runs to compare",
        list(by_id),
        format_func=lambda run_id: run_title(by_id[run_id]),
        key=CHOSEN,
        placeholder="Choose two or more runs",
        help="Pick two or more runs to see their learning curves, validation scores "
        "and differing settings side by side. The first one chosen is A, the one "
        "the others are compared with.",
    )
    return [by_id[run_id] for run_id in chosen]


def show_comparison(chosen) -> None:
    from nncore.plots.evaluation import runs_curves_figure, runs_metrics_figure
    from nncore.plots.training import metric_names, metric_title

    names = names_for(len(chosen))
    st.subheader("Side by side", divider="gray")
    for name, run in zip(names, chosen, strict=True):
        st.markdown(f"**{name}**: " + safe.escape(run_title(run)))
    tasks = {run.task for run in chosen}
    if len(tasks) > 1:
        safe.warning(
            "These runs predict different kinds of things ("
            + ", ".join(sorted(str(t) for t in tasks))
            + "): their scores do not compare."
        )
    first = chosen[0]
    for name, run in zip(names[1:], chosen[1:], strict=True):
        st.markdown(
            ":material/compare_arrows: "
            + safe.escape(summary_line(first, run, (names[0], name)))
        )
    metrics = []
    for run in chosen:
        metrics.extend(m for m in metric_names(run.history or {}) if m not in metrics)
    left, right = st.columns([3, 2], gap="medium")
    with left:
        if metrics:
            metric = st.radio(
                "Curve to draw",
                metrics,
                format_func=metric_title,
                horizontal=True,
                key="runs_metric",
                help=f"Which number to draw for each {glossary.link('epoch')}: the "
                f"{glossary.link('loss')} or one of the metrics, on the validation "
                "rows (solid) and the training rows (dotted).",
            )
            presenter.plotly_chart(
                runs_curves_figure(
                    [
                        (n, run.history or {})
                        for n, run in zip(names, chosen, strict=True)
                    ],
                    metric,
                ),
                key="runs_curves",
            )
        else:
            st.caption("These runs have no recorded epochs to draw.")
    with right:
        shown = METRICS.get(first.task or "", METRICS["binary"])
        scores = [
            (n, (run.metrics or {}).get("val") or {})
            for n, run in zip(names, chosen, strict=True)
        ]
        intervals = {
            n: (run.metrics_ci or {}).get("val") or {}
            for n, run in zip(names, chosen, strict=True)
        }
        presenter.plotly_chart(
            runs_metrics_figure(scores, shown, intervals=intervals), key="runs_scores"
        )
        if any(intervals.values()):
            st.caption(
                "The black bars are the 95 % intervals "
                f"({glossary.link('confidence interval', 'error bars')}): scores "
                "whose bars overlap may differ by chance alone."
            )
        if main_metric(first.task) == "rmse":
            st.caption("R²: higher is better. MAE and RMSE: lower is better.")
    st.markdown("**Settings that differ**")
    rows = settings_diff([run.spec or {} for run in chosen], names)
    if rows:
        st.dataframe(
            pd.DataFrame(rows), hide_index=True, placeholder="", key="runs_diff"
        )
    else:
        st.caption("Every setting is the same: the runs differ only by chance.")


def show_actions(store, runs, chosen) -> None:
    st.subheader("Open, download, resume or delete", divider="gray")
    by_id = {run.run_id: run for run in runs}
    if st.session_state.get(SELECTED) not in by_id:
        st.session_state.pop(SELECTED, None)
    default = chosen[0].run_id if chosen else runs[0].run_id
    run_id = st.selectbox(
        "Run",
        list(by_id),
        index=list(by_id).index(default),
        format_func=lambda r: run_title(by_id[r]),
        key=SELECTED,
        help="The run the buttons below act on.",
    )
    run = by_id[run_id]
    edit_name(store, run)
    has_model = run.model_path is not None and run.model_path.exists()
    opened = False
    with st.container(horizontal=True):
        opened = st.button(
            "Open and evaluate",
            key="runs_open",
            type="primary",
            icon=":material/fact_check:",
            disabled=not has_model,
            help="Restore this run's experiment on every screen and evaluate its model."
            if has_model
            else "This run has no saved model (it failed or did not end).",
        )
        if has_model:
            try:
                data = run.model_path.read_bytes()
            except OSError:
                data = None
            if data is not None:
                st.download_button(
                    "Download the model (.keras)",
                    data,
                    file_name=f"model-{run.run_id}.keras",
                    mime="application/octet-stream",
                    icon=":material/download:",
                    key="runs_download",
                    on_click="ignore",
                    help="This run's trained network as a Keras file (.keras): load "
                    "it in Python with keras.models.load_model.",
                )
        if run.status == "interrupted":
            st.button(
                "Resume",
                key="runs_resume",
                icon=":material/play_arrow:",
                on_click=resume_run,
                args=(run,),
                help="Train on from its last checkpoint; it shows on the Train screen.",
            )
        st.button(
            "Delete this run",
            key="runs_delete",
            icon=":material/delete:",
            on_click=ask_delete,
            args=([run.run_id],),
            help="Remove this run's history, scores and model files. You are asked "
            "to confirm first.",
        )
        if len(chosen) >= 2:
            st.button(
                f"Delete the {len(chosen)} chosen runs",
                key="runs_delete_chosen",
                icon=":material/delete_sweep:",
                on_click=ask_delete,
                args=([r.run_id for r in chosen],),
                help="Remove every run chosen for comparison above. You are asked to "
                "confirm first.",
            )
    if run.error:
        st.caption(safe.escape(f"What went wrong: {run.error}"))
    show_confirmation(store, by_id)
    if opened and open_run(run):
        try:
            st.switch_page("screens/evaluate.py")
        except (StreamlitAPIException, StreamlitPageNotFoundError):
            page.link("evaluate", "Go to the Evaluate screen", ":material/fact_check:")


def edit_name(store, run) -> None:
    """The chosen run's name in a text box, kept with Save name."""
    key = f"runs_name_{run.run_id}"
    if key not in st.session_state:
        st.session_state[key] = run_name(run)
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.text_input(
            "Name",
            key=key,
            max_chars=MAX_NAME_LENGTH,
            help="What this run is called in the table, the comparison and the "
            "lists: e.g. what it tried ('Iris, wider layers'). At most "
            f"{MAX_NAME_LENGTH} characters.",
        )
        st.button(
            "Save name",
            key="runs_rename",
            icon=":material/edit:",
            on_click=rename_run,
            args=(store, run.run_id, key),
            help="Keep this name for the run.",
        )


def show_confirmation(store, by_id) -> None:
    pending = [r for r in (st.session_state[state.RUNS_CONFIRM] or []) if r in by_id]
    if not pending:
        st.session_state[state.RUNS_CONFIRM] = None
        return
    with st.container(border=True):
        names = {run_id: run_name(by_id[run_id]) for run_id in pending}
        safe.warning(
            f"Delete {plural(len(pending), 'run')} ("
            + ", ".join(quoted(names[r], 80) for r in pending)
            + ")? Their history, scores and model files are removed for good."
        )
        with st.container(horizontal=True):
            st.button(
                "Yes, delete",
                key="runs_delete_confirm",
                type="primary",
                icon=":material/delete_forever:",
                on_click=delete_runs,
                args=(store, pending, names),
                help="Delete them now, for good.",
            )
            st.button(
                "Cancel",
                key="runs_delete_cancel",
                on_click=cancel_delete,
                help="Keep the runs; nothing is deleted.",
            )


def main() -> None:
    state.init_state()
    st.title("Runs")
    st.write(
        "Every training recorded on this server, newest first. Choose runs to "
        "compare their curves, scores and settings; open one to evaluate it again."
    )
    presenter.step_caption("runs")
    try:
        manager = training.manager()
        store = manager.store
        if store is None:
            raise DataError(f"Runs are not being kept here: {manager.store_problem}")
        runs = store.list_runs()
    except DataError as problem:
        safe.error(problem)
        return
    show_notice()
    if st.session_state[state.JOB] and any(run.status == "running" for run in runs):
        page.link(
            "train",
            "A run is training: watch it on the Train screen",
            ":material/model_training:",
        )
    if not runs:
        safe.info("No runs yet: train a network on the Train screen.")
        page.link("train", "Go to the Train screen", ":material/model_training:")
        return
    show_table(runs)
    chosen = choose_runs(runs)
    if len(chosen) >= 2:
        show_comparison(chosen)
    elif chosen:
        st.caption("Choose one more run to compare.")
    show_actions(store, runs, chosen)


main()
