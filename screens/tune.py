"""Tune screen: let the computer try many settings and keep the best.

The search runs in the process-wide job manager (``ui.training``), one trial after
another, and its trials are kept in an Optuna study (``nncore.tune.search``). This page
edits the search (what to vary, the method, the budget), shows what it will cost,
starts, stops and resumes it, and draws the study's trials from its storage: the
same view watches a study that other machines run. TensorFlow is never imported
here.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from nncore.core import glossary
from nncore.core.errors import DataError, SpecError
from nncore.plots.tuning import (
    curves_figure,
    history_figure,
    importance_figure,
    parallel_figure,
    param_title,
)
from nncore.spec.validation import validate_spec, validate_tune_spec
from nncore.train.compiling import OPTIMIZERS
from nncore.train.model import ACTIVATIONS
from nncore.tune import (
    DEFAULT_SPACE,
    DIMENSIONS,
    METHOD_TITLES,
    PRUNER_TITLES,
    Search,
    apply_best,
    current_values,
    default_storage,
    duration_text,
    epochs_per_trial,
    estimate_cost,
    list_studies,
    resolve_space,
    shown_storage,
    speed_work,
    study_snapshot,
    trials_csv,
    trials_table,
    value_text,
)
from ui import presenter, safe, state, training
from ui.frame import dataset_title
from ui.reports import current_report

LIVE_SECONDS = 1.0
QUERY_KEY = "tune"
MAX_LAYERS_SHOWN = 6
CHOICES = {
    "units": [4, 8, 16, 32, 64, 128, 256, 512, 1024],
    "activation": list(ACTIVATIONS),
    "batch_size": [8, 16, 32, 64, 128, 256, 512, 1024],
    "optimizer": list(OPTIMIZERS),
}
LEARNING_RATES = [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0]
# What a dimension searches when the user switches it on.
STARTING_VALUES = {
    **DEFAULT_SPACE,
    "activation": ["relu", "tanh"],
    "dropout_rate": {"low": 0.0, "high": 0.5},
    "optimizer": ["adam", "rmsprop"],
}
METHOD_HELP = {
    "tpe": "Learns from each finished trial which settings look promising and tries "
    "more like them (Tree-structured Parzen Estimator). Usually the best in few "
    "trials.",
    "random": "Tries settings drawn at random: simple, and better than a grid when "
    "only a few settings matter.",
    "grid": "Tries every combination of the values listed. Thorough, but the number "
    "of trials multiplies with every setting searched.",
}


def link_to(page: str, label: str, icon: str) -> None:
    try:
        st.page_link(page, label=label, icon=icon)
    except StreamlitPageNotFoundError:  # the page runs on its own (tests)
        st.caption(f"Open the {label.split()[-2]} screen from the menu.")


# --- the search space --------------------------------------------------------------


def _search_key(name: str) -> str:
    return f"tune_search_{name}"


def _value_key(name: str) -> str:
    return f"tune_value_{name}"


def _widget_value(name: str, value):
    """A space value as its widget holds it: a (low, high) pair or a list."""
    if name in ("hidden_layers", "dropout_rate", "learning_rate"):
        if isinstance(value, dict):
            return (value["low"], value["high"])
        values = value if isinstance(value, list) else [value]
        return (min(values), max(values))
    return list(value) if isinstance(value, list) else [value]


RANGES = ("hidden_layers", "dropout_rate", "learning_rate")


def bind_space(tune: dict) -> dict:
    """Give each search-space widget its value from the spec, unless it has one.

    Range sliders take theirs as ``value=`` (a slider is a range slider only when
    its ``value`` is a pair): returned, setting name -> value.
    """
    space = tune["space"] or DEFAULT_SPACE
    seeds = {}
    for name in DIMENSIONS:
        searched = name in space and (
            isinstance(space[name], dict)
            or (isinstance(space[name], list) and len(space[name]) > 1)
        )
        st.session_state.setdefault(_search_key(name), searched)
        value = space[name] if name in space else STARTING_VALUES[name]
        seeds[name] = _widget_value(name, value)
        if name not in RANGES:
            st.session_state.setdefault(_value_key(name), seeds[name])
    return seeds


def read_space() -> dict:
    """The search space the widgets describe (searched settings only)."""
    space = {}
    for name in DIMENSIONS:
        if not st.session_state.get(_search_key(name)):
            continue
        value = st.session_state.get(_value_key(name))
        if name in ("hidden_layers", "dropout_rate", "learning_rate"):
            low, high = value
            space[name] = {"low": low, "high": high} if low != high else low
        elif value:
            space[name] = list(value)
    return space


def _fixed_text(name: str, current: dict) -> str:
    value = current[name]
    if isinstance(value, float):
        value = f"{value:g}"
    where = {
        "learning_rate": "Compile",
        "optimizer": "Compile",
        "batch_size": "Train",
    }.get(name, "Model")
    return f"Fixed at **{safe.escape(value)}**, as on the {where} screen."


RANGE_HELP = (
    "The range to try: each trial picks a value between the two handles (grid "
    "search takes evenly spread values from it)."
)
CHOICES_HELP = "The values to try: each trial picks one of them."


def space_widget(name: str, seed, locked: bool) -> None:
    key = _value_key(name)
    info = DIMENSIONS[name]
    label = f"{info.title} to try"
    if name == "hidden_layers":
        value = tuple(st.session_state.get(key, seed))
        top = max(MAX_LAYERS_SHOWN, value[1])
        st.slider(
            label,
            1,
            top,
            value=value,
            key=key,
            disabled=locked,
            help=RANGE_HELP,
        )
    elif name == "dropout_rate":
        st.slider(
            label,
            0.0,
            0.8,
            value=tuple(float(v) for v in st.session_state.get(key, seed)),
            step=0.05,
            format="%.2f",
            key=key,
            disabled=locked,
            help=RANGE_HELP,
        )
    elif name == "learning_rate":
        value = tuple(st.session_state.get(key, seed))
        options = sorted({*LEARNING_RATES, *value})
        st.select_slider(
            label,
            options=options,
            value=value,
            format_func=lambda v: f"{v:g}",
            key=key,
            disabled=locked,
            help=RANGE_HELP,
        )
    else:
        options = list(dict.fromkeys([*CHOICES[name], *st.session_state[key]]))
        if DIMENSIONS[name].kind == "int":
            options.sort()
        titles = {name: choice.title for name, choice in OPTIMIZERS.items()}
        st.multiselect(
            label,
            options,
            key=key,
            disabled=locked,
            format_func=(lambda v: titles.get(v, v)) if name == "optimizer" else str,
            placeholder="Choose the values to try",
            help=CHOICES_HELP,
        )


def choose_space(spec: dict, locked: bool) -> None:
    st.subheader("What to search", divider="gray")
    st.caption(
        "Switch on the settings to vary; the others stay as the experiment has them. "
        "Every trial trains the network with one combination and scores it on the "
        "validation rows (the test rows are never used)."
    )
    tune = spec["tune"]
    seeds = bind_space(tune)
    current = current_values(spec)
    names = list(DIMENSIONS)
    columns = st.columns(2, gap="medium")
    for index, name in enumerate(names):
        info = DIMENSIONS[name]
        with columns[index % 2].container(border=True):
            st.toggle(
                info.title,
                key=_search_key(name),
                disabled=locked,
                help=f"{info.help} Switch on to try several values; see "
                f"{glossary.link(name, info.title.lower())}.",
            )
            if st.session_state[_search_key(name)]:
                space_widget(name, seeds[name], locked)
                if not st.session_state[_value_key(name)]:
                    st.caption(
                        ":orange[Choose at least one value, or switch this off.]"
                    )
            else:
                st.caption(_fixed_text(name, current))
    tune["space"] = read_space()


# --- method and budget -------------------------------------------------------------


def bind_method(spec: dict) -> None:
    tune = spec["tune"]
    defaults = {
        "tune_method": tune["method"],
        "tune_pruner": tune["pruner"],
        "tune_trials": tune["trials"],
        "tune_minutes": float(tune["minutes"] or 0),
        "tune_epochs": int(tune["epochs"] or spec["train"]["epochs"]),
    }
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)


def read_method(spec: dict) -> None:
    tune = spec["tune"]
    tune["method"] = st.session_state["tune_method"]
    tune["pruner"] = st.session_state["tune_pruner"]
    tune["trials"] = int(st.session_state["tune_trials"])
    tune["minutes"] = float(st.session_state["tune_minutes"]) or None
    epochs = int(st.session_state["tune_epochs"])
    tune["epochs"] = None if epochs == spec["train"]["epochs"] else epochs


def choose_method(spec: dict, locked: bool) -> None:
    st.subheader("How to search", divider="gray")
    bind_method(spec)
    method, budget = st.columns([3, 2], gap="large")
    with method:
        st.radio(
            "Method",
            list(METHOD_TITLES),
            format_func=METHOD_TITLES.get,
            key="tune_method",
            horizontal=True,
            disabled=locked,
            captions=[METHOD_HELP[m] for m in METHOD_TITLES],
            help="How the next settings to try are chosen "
            f"({glossary.link('search method', 'grid, random and smart search')}).",
        )
    with budget:
        st.number_input(
            "Trials",
            1,
            10_000,
            step=1,
            key="tune_trials",
            disabled=locked,
            help="How many settings to try in all "
            f"({glossary.link('trial', 'trials')}). A grid tries at most its number "
            "of combinations.",
        )
        if presenter.advanced():
            st.number_input(
                "Time limit (minutes, 0 for none)",
                0.0,
                10_080.0,
                step=1.0,
                format="%g",
                key="tune_minutes",
                disabled=locked,
                help="No new trial starts after this time; the running one finishes.",
            )
        st.number_input(
            "Epochs per trial",
            1,
            1000,
            step=1,
            key="tune_epochs",
            disabled=locked,
            help=f"How long each trial trains ({glossary.link('epoch', 'epochs')}; "
            "early stopping, when on, may end it sooner).",
        )
    if not presenter.advanced():
        read_method(spec)  # presenter mode: pruning stays as the spec has it
        return
    with method:
        st.selectbox(
            "Stop unpromising trials early (pruning)",
            list(PRUNER_TITLES),
            format_func=PRUNER_TITLES.get,
            key="tune_pruner",
            disabled=locked,
            help="After a few epochs, a trial whose validation score is below the "
            "median of the trials before it at the same epoch is stopped (median "
            "rule); Hyperband compares trials in brackets and stops the worst "
            "thirds. Saves most of the time spent on bad settings "
            f"({glossary.link('pruning')}).",
        )
    read_method(spec)


# --- the cost estimate -------------------------------------------------------------


def data_key(spec: dict, prepared) -> str:
    """What the measured speed depends on: the data and the experiment's network."""
    return json.dumps(
        [spec["data"], spec["model"], spec["train"]["batch_size"], prepared.n_features],
        sort_keys=True,
        default=str,
    )


def measured_speed(spec: dict, prepared):
    return (st.session_state[state.TUNE_SPEED] or {}).get(data_key(spec, prepared))


def measure_speed(spec: dict, prepared) -> None:
    """Measure the training speed in the background (a few epochs of the network)."""
    manager = training.manager()
    owner = training.owner_id()
    try:
        checked = validate_spec(copy.deepcopy(spec))
        job = manager.submit_task(
            "speed", speed_work(checked, prepared), checked, prepared, owner=owner
        )
    except (DataError, SpecError) as problem:
        st.session_state[state.TUNE_PROBLEM] = f"The speed was not measured: {problem}"
        return
    st.session_state[state.TUNE_SPEED_JOB] = (data_key(spec, prepared), job)


def _busy() -> bool:
    """Whether this session has a job waiting or running (training or tuning)."""
    owner = training.owner_id()
    return any(v.status in training.ACTIVE for v in training.manager().jobs_for(owner))


def follow_speed(key: str, job_id: str) -> None:
    """Poll the speed measurement; redraw the page once it is done (a fragment)."""
    view = training.manager().view(job_id)
    if view is not None and view.status in training.ACTIVE:
        st.caption(":material/speed: Measuring the training speed for the estimate…")
        return
    st.session_state[state.TUNE_SPEED_JOB] = None
    if view is not None and view.status == "finished":
        speeds = dict(st.session_state[state.TUNE_SPEED] or {})
        speeds[key] = view.progress.get("result")
        st.session_state[state.TUNE_SPEED] = speeds
    elif view is not None and view.error:
        st.session_state[state.TUNE_PROBLEM] = (
            f"The speed could not be measured: {view.error}"
        )
    st.rerun()


def show_estimate(spec: dict, prepared, locked: bool) -> None:
    try:
        estimate = estimate_cost(
            spec, len(prepared.y_train), measured_speed(spec, prepared)
        )
    except SpecError as problem:
        safe.error(problem)
        return
    pending = st.session_state[state.TUNE_SPEED_JOB]
    if estimate.seconds is None and pending is None and not locked and not _busy():
        measure_speed(spec, prepared)
        pending = st.session_state[state.TUNE_SPEED_JOB]
    st.info(safe.escape(estimate.text), icon=":material/schedule:")
    if pending is not None:
        pending_key, job = pending
        st.fragment(run_every=0.5)(follow_speed)(pending_key, job)
    elif estimate.seconds is None:
        st.button(
            "Measure the speed",
            key="tune_measure",
            icon=":material/speed:",
            disabled=locked or _busy(),
            on_click=measure_speed,
            args=(spec, prepared),
            help="Trains the experiment's network for a few epochs to time it.",
        )
    if estimate.warning:
        safe.warning(estimate.warning)
        if estimate.suggestion and st.session_state["tune_method"] == "grid":
            st.button(
                f"Switch to {METHOD_TITLES[estimate.suggestion]} search",
                key="tune_switch_method",
                icon=":material/auto_awesome:",
                disabled=locked,
                on_click=_switch_method,
                args=(estimate.suggestion,),
                help="Keep what to search, but let the computer pick the "
                "combinations instead of trying every one, with unpromising "
                "trials stopped early.",
            )


def _switch_method(method: str) -> None:
    st.session_state["tune_method"] = method
    st.session_state["tune_pruner"] = "median"


# --- the buttons -------------------------------------------------------------------


def _attach(job_id: str, storage: str, name: str) -> None:
    st.session_state[state.TUNE_JOB] = job_id
    st.session_state[state.TUNE_STUDY] = {"storage": storage, "name": name}
    st.query_params[QUERY_KEY] = job_id


def start_search(prepared) -> None:
    """Start: a new study of the experiment as it is now, searched in the background."""
    st.session_state[state.TUNE_PROBLEM] = None
    spec = st.session_state[state.SPEC]
    try:
        checked = validate_spec(copy.deepcopy(spec))
        search = Search(checked, prepared)
        job = training.manager().submit_task(
            "tune",
            search.work,
            checked,
            prepared,
            owner=training.owner_id(),
            dataset=spec["data"]["source"],
        )
    except (DataError, SpecError) as problem:  # JobError is a DataError
        st.session_state[state.TUNE_PROBLEM] = str(problem)
        return
    _attach(job, search.storage, search.study_name)


def resume_search(prepared) -> None:
    """Resume the shown study: its own experiment, up to the Trials set here."""
    st.session_state[state.TUNE_PROBLEM] = None
    study = st.session_state[state.TUNE_STUDY]
    spec = st.session_state[state.SPEC]
    try:
        snapshot = study_snapshot(study["storage"], study["name"])
        theirs = (snapshot.spec or {}).get("data", {})
        if (
            theirs.get("source") != spec["data"]["source"]
            or theirs.get("target") != spec["data"]["target"]
        ):
            raise DataError(
                f"This study tunes {dataset_title(theirs.get('source', '?'))} "
                f"(target '{theirs.get('target')}'): choose that data on the Data "
                "screen to resume it."
            )
        search = Search.resume(
            study["storage"],
            study["name"],
            prepared,
            trials=int(st.session_state["tune_trials"]),
            minutes=float(st.session_state["tune_minutes"]) or None,
        )
        job = training.manager().submit_task(
            "tune",
            search.work,
            search.spec,
            prepared,
            owner=training.owner_id(),
            dataset=spec["data"]["source"],
        )
    except (DataError, SpecError) as problem:
        st.session_state[state.TUNE_PROBLEM] = str(problem)
        return
    _attach(job, search.storage, search.study_name)


def stop_search() -> None:
    st.session_state[state.TUNE_PROBLEM] = None
    job = st.session_state[state.TUNE_JOB]
    if job is None:
        return
    try:
        training.manager().stop(job)
    except DataError as problem:
        st.session_state[state.TUNE_PROBLEM] = str(problem)


def show_buttons(view, prepared, snapshot) -> None:
    active = view is not None and view.status in training.ACTIVE
    trials = int(st.session_state["tune_trials"])
    can_resume = (
        snapshot is not None
        and snapshot.spec is not None
        and not active
        and prepared is not None
        and snapshot.finished < trials
    )
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.button(
            "Start search",
            key="tune_start",
            type="primary",
            icon=":material/play_arrow:",
            disabled=active or prepared is None,
            on_click=start_search,
            args=(prepared,),
            help="Start a new study with these settings. It runs in the "
            "background: you may open other screens meanwhile.",
        )
        st.button(
            "Stop",
            key="tune_stop",
            icon=":material/stop:",
            disabled=not (view is not None and view.can_stop),
            on_click=stop_search,
            help="Stop after the running trial. The study is kept: Resume goes on.",
        )
        st.button(
            "Resume",
            key="tune_resume",
            icon=":material/fast_forward:",
            disabled=not can_resume,
            on_click=resume_search,
            args=(prepared,),
            help="Go on with the study shown below until it has as many trials as "
            "Trials says.",
        )
    if snapshot is not None and snapshot.spec is not None and not active:
        if snapshot.finished >= trials:
            st.caption(
                f"The study shown has {snapshot.finished} trials: raise Trials above "
                f"{snapshot.finished} to resume it with more."
            )
        else:
            st.caption(
                f"Resume runs the study shown up to {trials} trials "
                f"({trials - snapshot.finished} more)."
            )
    problem = st.session_state[state.TUNE_PROBLEM]
    if problem:
        safe.error(problem)


# --- the study: live progress, trials, charts, the best ----------------------------


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
    config = {
        "Trial": st.column_config.NumberColumn(format="%d", width="small"),
        "Best": st.column_config.TextColumn(width="small"),
        value_title: st.column_config.NumberColumn(format="%.4f"),
        "Seconds": st.column_config.NumberColumn(format="%.1f", width="small"),
        "Epochs": st.column_config.NumberColumn(format="%d", width="small"),
        "Note": st.column_config.TextColumn(width="large"),
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
        st.plotly_chart(curves_figure(snapshot), key="tune_curves")
    with right:
        st.plotly_chart(history_figure(snapshot), key="tune_history")
    figure = parallel_figure(snapshot)
    if figure is None:
        st.caption(
            "Parallel coordinates: each completed trial as a line through its "
            "settings and result. They appear after the first completed trial."
        )
    else:
        st.plotly_chart(figure, key="tune_parallel")
    left, right = st.columns(2, gap="medium")
    with left:
        figure = importance_figure(snapshot)
        if figure is None:
            st.caption(
                "Which settings matter: "
                + safe.escape(
                    snapshot.importance_note
                    or "needs at least 2 completed trials whose results differ."
                )
            )
        else:
            st.plotly_chart(figure, key="tune_importance")
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


def _best_settings(snapshot) -> dict:
    """The best trial's settings, and the epochs each trial trained (when the
    study's epochs per trial differ from the experiment's, they are part of it)."""
    params = dict(snapshot.best["params"])
    if snapshot.spec is not None:
        params["epochs"] = epochs_per_trial(snapshot.spec)
    return params


def _best_changes(spec: dict, params: dict) -> list[dict]:
    current = {**current_values(spec), "epochs": spec["train"]["epochs"]}
    rows = []
    for name, value in params.items():
        if name == "epochs" and value == current["epochs"]:
            continue
        rows.append(
            {
                "Setting": "Epochs" if name == "epochs" else param_title(name),
                "Now": _shown(current.get(name)),
                "Best trial": _shown(value),
            }
        )
    return rows


def _shown(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def show_best(snapshot, prepared) -> None:
    st.subheader("The best settings", divider="gray")
    if snapshot.best is None:
        st.caption("The best settings appear here once a trial completes.")
        return
    best = snapshot.best
    spec = st.session_state[state.SPEC]
    st.markdown(
        f"Trial **{best['trial']}** reached {safe.escape(snapshot.objective_title)} "
        f"**{_number(best['value'], snapshot)}** with these settings:"
    )
    st.dataframe(_best_changes(spec, _best_settings(snapshot)), hide_index=True)
    foreign = sorted(set(best["params"]) - set(DIMENSIONS))
    if foreign:
        st.caption(
            f"This study was not made by NN Studio ({safe.escape(foreign[0])} is not "
            "one of its settings): its settings cannot be applied here."
        )
        return
    theirs = (snapshot.spec or {}).get("data", {}).get("source")
    if theirs and theirs != spec["data"]["source"]:
        safe.warning(
            f"This study tuned {dataset_title(theirs)}; your experiment uses "
            f"{dataset_title(spec['data']['source'])}. The settings can still be "
            "applied, but they were chosen for the other data."
        )
    with st.container(horizontal=True):
        if st.button(
            "Use the best",
            key="tune_use_best",
            type="primary",
            icon=":material/done_all:",
            help="Put these settings into the experiment: the Model, Compile and "
            "Train screens show them.",
        ):
            use_best(best, snapshot)
        if st.button(
            "Train the best",
            key="tune_train_best",
            icon=":material/model_training:",
            disabled=prepared is None,
            help="Put these settings into the experiment and train it as a normal "
            "run (it appears on the Runs screen); opens the Train screen.",
        ):
            use_best(best, snapshot, rerun=False)
            train_best(prepared)


def use_best(best: dict, snapshot, rerun: bool = True) -> None:
    """Apply the best trial's settings to the experiment (every screen shows them)."""
    old = st.session_state[state.SPEC]
    settings = _best_settings(snapshot)
    try:
        new = apply_best(old, best["params"])
        if "epochs" in settings:
            new["train"]["epochs"] = settings["epochs"]
    except (DataError, SpecError) as problem:
        st.session_state[state.TUNE_PROBLEM] = (
            f"The best settings could not be applied: {problem}"
        )
        st.rerun()
    changes = [
        f"{row['Setting'].lower()} {row['Now']} → {row['Best trial']}"
        for row in _best_changes(old, settings)
        if row["Now"] != row["Best trial"]
    ]
    notice = (
        f"Applied the best settings of trial {best['trial']} "
        f"({snapshot.objective_title} {_number(best['value'], snapshot)}): "
        + ("; ".join(changes) if changes else "the experiment already had them")
        + ". The Model, Compile and Train screens show them; press Train to run it."
    )
    state.apply_fix(new, notice)
    st.session_state[state.TUNE_PROBLEM] = None
    if rerun:
        st.rerun()


def train_best(prepared) -> None:
    """Train the experiment (now with the best settings) as a normal run."""
    spec = st.session_state[state.SPEC]
    if training.is_training():
        st.session_state[state.TUNE_PROBLEM] = (
            "The settings are applied, but your network is still training: stop it "
            "on the Train screen, then press Train there."
        )
        st.rerun()
    try:
        training.replace_job(spec, prepared)
    except (DataError, SpecError) as problem:
        st.session_state[state.TUNE_PROBLEM] = (
            f"The settings are applied, but training did not start: {problem}"
        )
        st.rerun()
    try:
        st.switch_page("screens/train.py")
    except StreamlitPageNotFoundError:  # the page runs on its own (tests)
        st.rerun()


def show_study(study: dict, job_id: str | None, was_active: bool, prepared) -> None:
    """The study's progress, trials, charts and best settings (a fragment)."""
    view = training.manager().view(job_id) if job_id else None
    if was_active and (view is None or view.status not in training.ACTIVE):
        st.rerun()  # the search ended: redraw the buttons
    try:
        snapshot = study_snapshot(study["storage"], study["name"], importances=True)
    except DataError as problem:
        safe.error(problem)
        return
    show_progress(view, snapshot)
    show_trials(snapshot)
    show_charts(snapshot)
    show_best(snapshot, prepared)


# --- opening and watching a study --------------------------------------------------


def open_study(storage: str, name: str) -> None:
    st.session_state[state.TUNE_PROBLEM] = None
    job = st.session_state[state.TUNE_JOB]
    view = training.manager().view(job) if job else None
    if view is not None and view.progress.get("study") != name:
        if view.status in training.ACTIVE:
            st.session_state[state.TUNE_PROBLEM] = (
                "Your search is still running: stop it before opening another study."
            )
            return
        st.session_state[state.TUNE_JOB] = None
        if QUERY_KEY in st.query_params:
            del st.query_params[QUERY_KEY]
    st.session_state[state.TUNE_STUDY] = {"storage": storage, "name": name}


def choose_study(locked: bool) -> None:
    with st.expander("Open or watch a study", icon=":material/folder_open:"):
        st.caption(
            "Studies are kept in the runs folder and survive a restart. To watch a "
            "study that other machines run (`python -m nncore tune EXPERIMENT.json "
            "--storage URL --study NAME`), give its storage URL."
        )
        st.session_state.setdefault("tune_storage", default_storage())
        storage = st.text_input(
            "Storage",
            key="tune_storage",
            help="A journal file (e.g. nnstudio-runs/studies.log) or an Optuna "
            "storage URL: sqlite:///studies.db, postgresql://user:password@host/db, "
            "mysql+pymysql://user:password@host/db.",
        ).strip()
        if not storage:
            return
        if storage == default_storage() and not Path(storage).is_file():
            st.caption("No study yet: the first search creates this file.")
            return
        try:
            studies = list_studies(storage)
        except DataError as problem:
            safe.info(problem)
            return
        if not studies:
            st.caption("No study there yet.")
            return
        names = [s["name"] for s in studies]
        about = {s["name"]: s for s in studies}
        shown = (st.session_state.get(state.TUNE_STUDY) or {}).get("name")
        if shown in names and shown != st.session_state.get("tune_study_synced"):
            # The picker follows the study shown below whenever that one changes
            # (a new search, Open); in between, the user's own pick stays.
            st.session_state["tune_study_pick"] = shown
            st.session_state["tune_study_synced"] = shown
        with st.container(horizontal=True, vertical_alignment="bottom"):
            # The names only: a label that changes (a trial count) is not redrawn
            # for the option already chosen.
            name = st.selectbox(
                "Study",
                names,
                key="tune_study_pick",
                help=f"The searches ({glossary.link('study', 'studies')}) kept in "
                "this storage, by name.",
            )
            st.button(
                "Open",
                key="tune_open",
                icon=":material/open_in_browser:",
                disabled=locked,
                on_click=open_study,
                args=(storage, name),
                help="Show this study's trials, charts and best settings below; "
                "Resume goes on with it.",
            )
        chosen = about.get(name)
        if chosen is not None:
            started = chosen["started"]
            st.caption(
                safe.escape(
                    f"{chosen['trials']} trials"
                    + (f" · started {started:%Y-%m-%d %H:%M}" if started else "")
                    + ("" if chosen["nnstudio"] else " · not made by NN Studio")
                )
            )


# --- the page ----------------------------------------------------------------------


def reattach() -> str | None:
    """This session's search job, re-attached from ``?tune=`` after a reload."""
    current = st.session_state[state.TUNE_JOB]
    wanted = st.query_params.get(QUERY_KEY)
    manager = training.manager()
    if current is None and wanted:
        view = manager.view(wanted)
        if view is not None and view.kind == "tune":
            current = wanted
            st.session_state[state.TUNE_JOB] = wanted
            st.session_state[state.JOB_OWNER] = view.owner
            if view.progress.get("study"):
                st.session_state[state.TUNE_STUDY] = {
                    "storage": view.progress["storage"],
                    "name": view.progress["study"],
                }
        else:
            del st.query_params[QUERY_KEY]
    if current is not None and manager.view(current) is None:
        current = st.session_state[state.TUNE_JOB] = None  # the server restarted
    if current is not None and wanted != current:
        st.query_params[QUERY_KEY] = current
    return current


def find_data():
    """The prepared data, or None after saying what is missing."""
    try:
        report = current_report()
    except (DataError, SpecError) as problem:
        safe.error(problem)
        link_to("screens/data.py", "Go to the Data screen", ":material/table:")
        return None
    if report is None:
        safe.info("Choose data on the Data screen first.")
        link_to("screens/data.py", "Go to the Data screen", ":material/table:")
        return None
    return report.prepared


def show_notice() -> None:
    notice = st.session_state[state.FIX_NOTICE]
    if notice and notice.startswith("Applied the best settings"):
        st.success(safe.escape(notice), icon=":material/done_all:")
        link_to(
            "screens/train.py", "Go to the Train screen", ":material/model_training:"
        )


def main() -> None:
    state.init_state()
    st.title("Tune")
    st.write(
        "Let the computer try many settings and keep the best: choose what to vary, "
        "how to search and how long, then watch every trial learn. The best settings "
        "go into your experiment in one click."
    )
    presenter.step_caption("tune")
    try:
        job_id = reattach()
    except DataError as problem:  # the runs folder cannot be used
        safe.error(problem)
        return
    view = training.manager().view(job_id) if job_id else None
    active = view is not None and view.status in training.ACTIVE
    show_notice()
    prepared = find_data()
    spec = st.session_state[state.SPEC]
    if prepared is not None:
        st.caption(
            safe.escape(
                f"Data: {dataset_title(spec['data']['source'])} · "
                f"{len(prepared.y_train):,} training rows · "
                f"{len(prepared.y_val):,} validation rows · {prepared.task}"
            )
        )
    try:
        spec["tune"] = validate_tune_spec(spec["tune"])
    except SpecError as problem:
        safe.error(problem)
        st.button(
            "Replace with the default search",
            key="tune_default_settings",
            on_click=lambda: spec.update(tune=validate_tune_spec({})),
            help="Throw away the stored search settings, which cannot be used, and "
            "start from the defaults.",
        )
        return
    choose_space(spec, active)
    choose_method(spec, active)
    try:
        spec["tune"] = validate_tune_spec(spec["tune"])
        searched = any(d.searched for d in resolve_space(spec).values())
    except SpecError as problem:
        safe.error(problem)
        return
    if not searched:
        safe.warning(
            "Nothing is searched: switch on at least one setting with two or more "
            "values."
        )
    elif prepared is not None:
        show_estimate(spec, prepared, active)
    study = st.session_state[state.TUNE_STUDY]
    snapshot = None
    if study is not None:
        try:
            snapshot = study_snapshot(study["storage"], study["name"])
        except DataError as problem:
            safe.error(problem)
            st.session_state[state.TUNE_STUDY] = study = None
    show_buttons(view, prepared, snapshot)
    if study is None:
        st.caption("No search yet: press Start search.")
    else:
        st.markdown(
            f"#### Study {safe.escape(study['name'])}\n"
            + safe.escape(f"Kept in {shown_storage(study['storage'])}")
        )
        live = active or (snapshot is not None and snapshot.n_running > 0)
        st.fragment(run_every=LIVE_SECONDS if live else None)(show_study)(
            study, job_id, active, prepared
        )
    if presenter.advanced():
        choose_study(active)


main()
