"""A study as the Tune screen shows it, live while it runs: the progress, the trials
table and the charts, drawn from the study's storage (so the same view watches a
study that other machines run).
"""

from __future__ import annotations

import streamlit as st

from nncore.core.errors import DataError
from nncore.plots.tuning import (
    curves_figure,
    history_figure,
    importance_figure,
    parallel_figure,
    param_title,
)
from nncore.tune import (
    duration_text,
    study_snapshot,
    trials_csv,
    trials_table,
    value_text,
)
from ui import best_trial, presenter, safe, state, training

# The longest note a trials table cell shows in full ("stopped after epoch 120").
NOTE_CHARS = 30


def _number(value, snapshot) -> str:
    return value_text(snapshot.objective, value)


def show_progress(view, snapshot) -> None:
    budget = snapshot.budget or (view.progress.get("budget") if view else None)
    done = snapshot.finished
    if view is not None and view.status == "queued":
        st.progress(0.0, text=safe.escape(view.message))
        safe.info(
            f"{view.message}. You are number {view.queue_position} of "
            f"{view.queue_length} waiting; it starts by itself."
        )
    elif view is not None:
        share = min(done / budget, 1.0) if budget else 0.0
        if view.status == "running" and view.progress.get("stopping"):
            text = "Stopping after the running trial…"
        else:
            text = view.message
        st.progress(share, text=safe.escape(text))
        if view.status == "failed" and view.error:
            safe.error(view.error)
    else:
        total = f" of {budget}" if budget else ""
        running = f" · {snapshot.n_running} running" if snapshot.n_running else ""
        st.progress(
            min(done / budget, 1.0) if budget else 0.0,
            text=safe.escape(f"{done}{total} trials finished{running}"),
        )
    trials, pruned, best, epochs, time_box = st.columns(5)
    trials.metric("Trials finished", f"{done}" + (f"/{budget}" if budget else ""))
    pruned.metric(
        "Pruned",
        str(snapshot.n_pruned),
        help="Trials stopped early because they were behind the others.",
    )
    title = snapshot.objective_title[0].upper() + snapshot.objective_title[1:]
    best.metric(
        f"Best {snapshot.objective_title}",
        "…" if snapshot.best is None else _number(snapshot.best["value"], snapshot),
        help=f"{title} of the best completed trial.",
    )
    epochs.metric("Epochs trained", f"{snapshot.epochs_total:,}")
    if view is not None and view.status == "running" and view.progress.get("eta_s"):
        time_box.metric("Time left", f"≈ {duration_text(view.progress['eta_s'])}")
    elif view is not None:
        time_box.metric("Search time", duration_text(view.elapsed_s))
    if view is not None:
        for warning in view.warnings + list(
            (view.progress.get("result") or {}).get("warnings", [])
        ):
            safe.warning(warning)


def show_trials(snapshot) -> None:
    st.subheader("Trials", divider="gray")
    if not snapshot.rows:
        st.caption("The table fills in as trials run.")
        return
    table = trials_table(snapshot)
    best = snapshot.best["trial"] if snapshot.best else None
    table.insert(1, "Best", ["★" if t == best else "" for t in table["Trial"]])
    value_title = table.columns[3]
    # The note next to the state it explains, short enough to read in its cell;
    # a longer reason (a failed trial's error) is written out below the table.
    reasons = {
        trial: note
        for trial, note in zip(table["Trial"], table["Note"], strict=True)
        if len(note) > NOTE_CHARS
    }
    table["Note"] = [
        note if len(note) <= NOTE_CHARS else "reason below the table"
        for note in table["Note"]
    ]
    table.insert(3, "Note", table.pop("Note"))
    config = {
        "Trial": st.column_config.NumberColumn(format="%d", width="small"),
        "Best": st.column_config.TextColumn(width="small"),
        value_title: st.column_config.NumberColumn(format="%.4f"),
        "Seconds": st.column_config.NumberColumn(format="%.1f", width="small"),
        "Epochs": st.column_config.NumberColumn(format="%d", width="small"),
        "Note": st.column_config.TextColumn(
            width="medium", help="Why a trial was pruned or failed."
        ),
    }
    for name in snapshot.params:
        if name in ("learning_rate", "dropout_rate"):
            config[param_title(name)] = st.column_config.NumberColumn(format="%.4g")
    st.dataframe(
        table,
        hide_index=True,
        column_config=config,
        height=min(38 + 35 * len(table), 420),
    )
    for trial, reason in reasons.items():
        st.caption(safe.escape(f"Trial {trial} failed: {reason}"))
    st.download_button(
        "Trials (.csv)",
        trials_csv(snapshot),
        file_name=f"{snapshot.study}-trials.csv",
        mime="text/csv",
        icon=":material/download:",
        key="tune_download",
        on_click="ignore",
        help="The trials table as CSV, safe to open in a spreadsheet.",
    )


def show_charts(snapshot) -> None:
    st.subheader("Charts", divider="gray")
    left, right = st.columns(2, gap="medium")
    with left:
        presenter.plotly_chart(curves_figure(snapshot), key="tune_curves")
    with right:
        presenter.plotly_chart(history_figure(snapshot), key="tune_history")
    figure = parallel_figure(snapshot)
    if figure is None:
        st.caption(
            "Parallel coordinates: each completed trial as a line through its "
            "settings and result. They appear after the first completed trial."
        )
    else:
        presenter.plotly_chart(figure, key="tune_parallel")
    left, right = st.columns(2, gap="medium")
    with left:
        figure = importance_figure(snapshot)
        if figure is None:
            st.caption(
                "Which settings matter: "
                + safe.escape(
                    snapshot.importance_note
                    or "needs completed trials whose settings and results differ."
                )
            )
        else:
            presenter.plotly_chart(figure, key="tune_importance")
            st.caption(
                f"From {snapshot.importance_trials} completed trials: an estimate "
                "that firms up as more trials finish."
            )
    with right:
        st.caption(
            "**How to read them.** Each line of the learning curves is one trial's "
            "validation score after every epoch; grey dotted lines were pruned. The "
            "history shows each trial's result and the best so far. In the parallel "
            "coordinates, follow the bright lines to see which values the best "
            "trials share. The importance bars estimate how much of the variation "
            "in results each setting explains (Optuna's fANOVA): a setting near 0% "
            "can be fixed in the next search."
        )


def show_study(study: dict, job_id: str | None, *, was_active: bool, prepared) -> None:
    """The study's progress, trials, charts and best settings (a fragment)."""
    view = training.manager().view(job_id) if job_id else None
    if was_active and (view is None or view.status not in training.ACTIVE):
        state.redraw()  # the search ended: redraw the buttons
    try:
        snapshot = study_snapshot(study["storage"], study["name"], importances=True)
    except DataError as problem:
        safe.error(problem)
        return
    show_progress(view, snapshot)
    show_trials(snapshot)
    show_charts(snapshot)
    best_trial.show_best(snapshot, prepared)
