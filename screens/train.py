"""Train screen: train the network in the background and watch it learn.

The training runs in the process-wide job manager (``ui.training``); this page
only submits, stops and continues jobs and draws snapshots of them. While a job is
queued or running, the live part is a fragment that redraws itself once a second;
when the job ends, one full rerun updates the buttons and offers the downloads.
TensorFlow is never imported here.
"""

from __future__ import annotations

import streamlit as st

from nncore.core import glossary
from nncore.core.catalog import dataset_title
from nncore.core.errors import DataError, SpecError
from nncore.core.metrics import METRIC_TITLES, shown_metrics
from nncore.plots.training import (
    boundary_figure,
    curves_figure,
    epoch_table,
    history_csv,
    metric_names,
    metric_title,
)
from nncore.spec import bounds, validate_train_spec
from ui import crossval, inside, page, presenter, safe, scored, state, training, warmup
from ui.image_model import inputs_words, is_images
from ui.metrics import (
    PENDING,
    comparison_rows,
    imbalanced,
    metric_cards,
    show_reference,
)
from ui.stepping import show_step_mode

# Seconds between two drawings of the live part while a job trains. Each drawing
# replaces the curves and the boundary with new charts that the browser lays out
# again: twice a second, a browser on the server's machine (a laptop running the
# app) kept a core busy and the training it watched took 1.28 times as long as
# with the screen closed (bench/watching.py); once a second, 1.10 times.
LIVE_SECONDS = 1.0
# How long Stop waits for the job to end (the current batch, then the scoring and
# saving of the network kept) before the page is drawn; longer, the live part says
# when it has ended.
STOP_WAIT_SECONDS = 3.0
# Widget key -> where its value lives in the spec's ``train`` section.
SETTINGS = {
    "train_epochs": ("epochs",),
    "train_batch_size": ("batch_size",),
    "train_seed": ("seed",),
    "train_early_stopping": ("early_stopping", "enabled"),
    "train_patience": ("early_stopping", "patience"),
    "train_restore_best": ("early_stopping", "restore_best"),
    "train_save_best": ("save_best",),
    "train_reduce_lr": ("reduce_lr", "enabled"),
    "train_reduce_lr_patience": ("reduce_lr", "patience"),
    "train_reduce_lr_factor": ("reduce_lr", "factor"),
    "train_class_weight": ("class_weight",),
}
CLASS_WEIGHT_LABELS = {"none": "None", "balanced": "Balanced"}
MORE_EPOCHS = "train_more_epochs"
DOWNLOAD_HELP = {
    "model": "The trained network as a Keras file (.keras), with the weights the "
    "results come from (the best epoch's when 'Keep the best model' is on): load "
    "it in Python with keras.models.load_model. Evaluate uses it too, and Continue "
    "trains on from it.",
    "last": "The network as it was at the last epoch trained, as a Keras file, "
    "when the best epoch's weights are the ones scored "
    f"({glossary.link('checkpoint')}).",
}


# --- settings ----------------------------------------------------------------------


def _get(train: dict, path: tuple[str, ...]):
    value = train
    for part in path:
        value = value[part]
    return value


def _set(train: dict, path: tuple[str, ...], value) -> None:
    for part in path[:-1]:
        train = train[part]
    train[path[-1]] = value


def bind_settings(train: dict) -> None:
    """Give each settings widget its value from the spec, unless it has one.

    Values written to session state before a widget is drawn also reach the
    browser, so a one-click fix or an imported experiment shows in the widgets.
    """
    for key, path in SETTINGS.items():
        if key not in st.session_state:
            value = _get(train, path)
            if key == "train_reduce_lr_factor":
                value = min(max(float(value), 0.01), 0.99)
            st.session_state[key] = value


def read_settings(train: dict) -> None:
    """Copy the settings widgets' values into the spec's ``train`` section."""
    for key, path in SETTINGS.items():
        if key in st.session_state:
            _set(train, path, st.session_state[key])


def choose_settings(
    train: dict, n_train: int | None, locked: bool, task: str | None = None
) -> None:
    st.subheader("Settings", divider="gray")
    bind_settings(train)
    # Presenter mode hides the expert settings; the spec keeps their values.
    advanced = presenter.advanced()
    basics, stopping, schedule = st.columns(3, gap="large")
    with basics:
        st.number_input(
            "Epochs",
            *bounds("train.epochs"),
            step=1,
            key="train_epochs",
            disabled=locked,
            help=f"How many times the network sees every training row "
            f"({glossary.link('epoch', 'epochs')}). More epochs learn more, until the "
            f"network starts memorising the rows ({glossary.link('overfitting')}).",
        )
        if advanced:
            st.number_input(
                "Batch size",
                *bounds("train.batch_size"),
                step=1,
                key="train_batch_size",
                disabled=locked,
                help="How many rows the network looks at before each change of its "
                f"weights ({glossary.link('batch size')}). Small batches learn in "
                "many small noisy steps; large ones in fewer, steadier steps. 32 is "
                "a good start.",
            )
        if n_train:
            batches = -(-n_train // st.session_state["train_batch_size"])
            st.caption(f"{n_train:,} training rows: {batches:,} batches per epoch.")
        if advanced:
            st.number_input(
                "Seed",
                *bounds("train.seed"),
                step=1,
                key="train_seed",
                disabled=locked,
                help="Fixes the random starting weights and the order of the rows "
                f"({glossary.link('seed')}), so training again gives the same "
                "curves.",
            )
        if advanced and task != "regression":  # regression has no classes
            st.radio(
                "Class weights",
                list(CLASS_WEIGHT_LABELS),
                format_func=CLASS_WEIGHT_LABELS.get,
                horizontal=True,
                key="train_class_weight",
                disabled=locked,
                help="Balanced: each training row's loss counts in inverse "
                "proportion to its class's size "
                f"({glossary.link('class weights')}), so a rare class weighs as "
                "much as a common one and the network cannot score well by "
                "ignoring it. Use it when the classes are "
                f"{glossary.link('class imbalance', 'imbalanced')}; judge the "
                f"result by {glossary.link('balanced accuracy')} and "
                f"{glossary.link('pr auc', 'PR AUC')}.",
            )
    with stopping:
        st.toggle(
            "Early stopping",
            key="train_early_stopping",
            disabled=locked,
            help="Stop by itself when the validation loss has not improved for a "
            f"while ({glossary.link('early stopping')}), instead of running every "
            "epoch. Saves time and fights overfitting.",
        )
        off = locked or not st.session_state["train_early_stopping"]
        if advanced:
            st.number_input(
                "Patience (epochs without improvement)",
                *bounds("train.early_stopping.patience"),
                step=1,
                key="train_patience",
                disabled=off,
                help="How many epochs in a row the validation loss may fail to "
                f"improve before training stops ({glossary.link('patience')}).",
            )
            st.checkbox(
                "Go back to the best epoch's weights",
                key="train_restore_best",
                disabled=off,
                help="When training stops early, keep the network as it was at its "
                "best epoch (lowest validation loss), not as it was at the end.",
            )
        # Shown in presenter mode too: it decides which weights are scored.
        st.toggle(
            "Keep the best model",
            key="train_save_best",
            disabled=locked,
            help="Score, evaluate and save the network as it was at its best epoch "
            f"(lowest validation loss; a {glossary.link('checkpoint')}); the last "
            "epoch's network stays downloadable. Off: the network as it is at the "
            "end is scored.",
        )
    if not advanced:
        read_settings(train)
        return
    with schedule:
        st.toggle(
            "Lower the learning rate",
            key="train_reduce_lr",
            disabled=locked,
            help="When the validation loss stops improving for a while (a "
            f"{glossary.link('plateau')}), take smaller steps (a lower "
            f"{glossary.link('learning rate')}): often gets the loss a little lower.",
        )
        off = locked or not st.session_state["train_reduce_lr"]
        st.number_input(
            "Wait (epochs without improvement)",
            *bounds("train.reduce_lr.patience"),
            step=1,
            key="train_reduce_lr_patience",
            disabled=off,
            help="How many epochs without improvement before the learning rate is "
            f"lowered ({glossary.link('patience')}).",
        )
        st.number_input(
            "Multiply the learning rate by",
            0.01,
            0.99,
            step=0.05,
            format="%.2f",
            key="train_reduce_lr_factor",
            disabled=off,
            help="0.5 halves the learning rate each time; 0.1 divides it by ten.",
        )
    read_settings(train)


def reset_settings() -> None:
    st.session_state[state.SPEC]["train"] = validate_train_spec({})
    for key in SETTINGS:
        st.session_state.pop(key, None)


# --- the buttons -------------------------------------------------------------------


def start_training(prepared) -> None:
    """Train: submit the experiment as it is now (a new job; the old one is dropped)."""
    st.session_state[state.JOB_PROBLEM] = None
    spec = st.session_state[state.SPEC]
    read_settings(spec["train"])
    if training.is_training():
        st.session_state[state.JOB_PROBLEM] = (
            "Your network is still training: stop it first, or wait for it to end."
        )
        return
    try:
        training.replace_job(spec, prepared)
    except (DataError, SpecError) as problem:  # JobError is a DataError
        st.session_state[state.JOB_PROBLEM] = str(problem)


def stop_training() -> None:
    """Stop, and wait a moment for the job to end, so that the page drawn next
    shows the stopped network and its buttons at once instead of a still-running
    training that a live redraw replaces a second later."""

    def stop(manager, job) -> None:
        manager.stop(job)
        manager.wait(job, timeout=STOP_WAIT_SECONDS)

    _control(stop)


def continue_training() -> None:
    epochs = int(st.session_state.get(MORE_EPOCHS) or 10)
    _control(lambda manager, job: manager.continue_(job, epochs=epochs))


def planned_left(view) -> int:
    """How many of the run's planned epochs (its ``train.epochs``) it has not
    trained: 0 when it trained them all, or more (continued), or cannot continue."""
    if view is None or not view.can_continue:
        return 0
    return max(int(view.spec["train"]["epochs"]) - view.epochs_done, 0)


def finish_plan(epochs: int) -> None:
    """Continue for the epochs left of the plan (stopped, or ended early)."""
    _control(lambda manager, job: manager.continue_(job, epochs=epochs))


def _control(action) -> None:
    st.session_state[state.JOB_PROBLEM] = None
    job = st.session_state[state.JOB]
    if job is None:
        return
    try:
        action(training.manager(), job)
    except DataError as problem:
        st.session_state[state.JOB_PROBLEM] = str(problem)


def reset_training() -> None:
    st.session_state[state.JOB_PROBLEM] = None
    training.forget_job()


def show_buttons(view, prepared, *, belongs: bool = True) -> None:
    """Train, Stop, Continue (N more, or the rest of the plan) and Reset.

    ``belongs``: whether the job trained on the session's data; Continue is not
    offered for a job of other data (it would train that old network).
    """
    active = view is not None and view.status in training.ACTIVE
    can_continue = view is not None and view.can_continue and belongs
    left = planned_left(view) if belongs else 0
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.button(
            "Train",
            key="train_start",
            type="primary",
            icon=":material/play_arrow:",
            disabled=active or prepared is None,
            on_click=start_training,
            args=(prepared,),
            help="Train a new network from scratch with these settings, starting "
            f"from random {glossary.link('weights')}. It trains in the background: "
            "you may open other screens meanwhile.",
        )
        st.button(
            "Stop",
            key="train_stop",
            icon=":material/stop:",
            disabled=not (view is not None and view.can_stop),
            on_click=stop_training,
            help="Stop after the current batch and keep the network as it is.",
        )
        st.number_input(
            "More epochs",
            1,
            1000,
            value=10,
            step=1,
            key=MORE_EPOCHS,
            width=130,
            help=f"How many {glossary.link('epoch', 'epochs')} Continue adds.",
        )
        st.button(
            "Continue",
            key="train_continue",
            icon=":material/fast_forward:",
            disabled=not can_continue,
            on_click=continue_training,
            help="Train the same network for more epochs, from where it stopped. "
            "The curves carry on."
            + ("" if belongs else " Not for the last run, on other data."),
        )
        if left:
            plan = int(view.spec["train"]["epochs"])
            st.button(
                f"Finish the planned {plan}",
                key="train_finish_plan",
                icon=":material/flag:",
                on_click=finish_plan,
                args=(left,),
                help=f"Train the {left} epochs left of the {plan} planned, from "
                "where it stopped, so it ends at the epoch count you chose.",
            )
        st.button(
            "Reset",
            key="train_reset",
            icon=":material/restart_alt:",
            disabled=view is None,
            on_click=reset_training,
            help="Forget this training; the next Train starts over. The run stays "
            "recorded in the runs folder.",
        )
    problem = st.session_state[state.JOB_PROBLEM]
    if problem:
        safe.error(problem)


# --- the live part -----------------------------------------------------------------


def show_job(job_id: str, was_active: bool, notice: str | None = None) -> None:
    """The job's progress, curves, boundary, diagnosis and results (a fragment).

    ``notice``: what the doctor's last one-click fix changed, shown beside its
    findings.
    """
    view = training.manager().view(job_id)
    if view is None:
        safe.info("This training is no longer on the server. Press Train to start.")
        return
    if was_active and view.status not in training.ACTIVE:
        state.redraw()  # the job ended: redraw the buttons and offer the downloads
    show_progress(view)
    show_charts(view)
    prepared = training.manager().prepared(job_id)
    if prepared is not None and not was_active:  # while training: inside.show_live
        inside.show_inside(view, prepared)
    show_findings(view, notice)
    show_results(view)


def show_other_data(job_id: str, was_active: bool) -> None:
    """The last run when it trained on other data: named, its results put away."""
    view = training.manager().view(job_id)
    if view is None:
        return
    if was_active and view.status not in training.ACTIVE:
        state.redraw()
    st.subheader("The last run, on other data", divider="gray")
    safe.info(
        f"Your last training ran on {dataset_title(view.dataset)} "
        f"({view.message}), not on the data you have now. Its curves and results "
        "are put away so that they are not taken for this data's: press Train to "
        "train on this data. The run stays on the Runs screen."
    )
    st.caption(safe.escape(training.result_caption(view)))


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def show_progress(view) -> None:
    st.subheader("Progress", divider="gray")
    st.caption(safe.escape(training.result_caption(view)))
    st.progress(training.progress(view), text=safe.escape(view.message))
    if view.status == "queued":
        safe.info(
            f"{view.message}. You are number {view.queue_position} of "
            f"{view.queue_length} waiting; it starts by itself."
        )
    epoch, left, speed, best = st.columns(4)
    epoch.metric("Epoch", f"{view.epochs_done}/{view.epochs_planned}")
    if view.status == "running":
        left.metric("Time left", "…" if view.eta_s is None else _duration(view.eta_s))
    else:
        left.metric("Training time", _duration(view.elapsed_s))
    rate = view.samples_per_second
    if rate is None and view.status not in training.ACTIVE and view.elapsed_s > 0:
        rate = view.n_train * view.epochs_done / view.elapsed_s  # the average
    speed.metric("Samples per second", "…" if rate is None else f"{rate:,.0f}")
    best.metric(
        "Best epoch",
        "…" if view.best_epoch is None else str(view.best_epoch),
        help="The epoch with the lowest validation loss.",
    )


def show_charts(view) -> None:
    from ui import ghosts as ghost_runs  # this session's earlier runs, faint

    st.subheader("Learning curves", divider="gray")
    names = metric_names(view.history) or ["loss"]
    if st.session_state.get("train_metric") not in names:
        st.session_state.pop("train_metric", None)
    # The epoch table has a row of its own, the page's whole width: beside the
    # curves its many columns were cut off at the right.
    if view.boundary is not None:
        left, right = st.columns([3, 2], gap="medium")
    else:
        left, right = st.container(), None
    with left:
        with st.container(horizontal=True, vertical_alignment="bottom"):
            metric = st.radio(
                "Curve to draw",
                names,
                format_func=metric_title,
                key="train_metric",
                horizontal=True,
                help="Which number to draw for each epoch: the "
                f"{glossary.link('loss')} or one of the metrics, on the "
                f"{glossary.link('training set', 'training rows')} and on the "
                f"{glossary.link('validation set', 'validation rows')}.",
            )
            log_y = st.toggle(
                "Log scale",
                key="train_log",
                help="A logarithmic axis (1, 10, 100, …) shows the small late "
                "improvements of the loss that a straight axis flattens.",
            )
            ghosts = ghost_runs.choose(view, metric)
        presenter.plotly_chart(
            curves_figure(
                view.history,
                metric,
                log_y=log_y,
                best_epoch=view.best_epoch,
                findings=view.findings,
                title=f"{metric_title(metric)}: training and validation",
                ghosts=ghosts,
                shown_epoch=inside.shown_epoch(view),
            ),
            key="train_curves",
        )
        ghost_runs.caption(ghosts)
    if right is not None:
        with right:
            # The epoch the time machine shows, or the latest.
            boundary = inside.boundary_at(view) or view.boundary
            presenter.plotly_chart(boundary_figure(boundary), key="train_boundary")
            st.caption(
                "What the network predicts at each point of the plane of the two "
                "inputs, redrawn as it learns; the dots are training rows."
            )
    with st.container():
        if view.history:
            table = epoch_table(view.history)
            st.dataframe(
                table,
                hide_index=True,
                height=300,
                width="stretch",
                column_config=epoch_columns(table),
            )
        else:
            st.caption("The table of epochs fills in as training goes.")


def epoch_columns(table) -> dict:
    """Narrow, readable number columns for the epoch table, so every column fits:
    4 significant digits, thousands separators for large values."""
    config = {"epoch": st.column_config.NumberColumn("epoch", format="%d", width=60)}
    for name in table.columns[1:]:
        values = table[name].abs()
        large = bool((values >= 1000).any())
        config[name] = st.column_config.NumberColumn(
            name,
            format="localized" if large else "%.4g",
            help=name[:1].upper() + name[1:] + " after each epoch.",
        )
    return config


def show_findings(view, notice: str | None = None) -> None:
    st.subheader("Training doctor", divider="gray")
    if notice:
        st.success(safe.escape(notice), icon=":material/build:")
    if not view.findings:
        st.caption(
            "The doctor watches the curves for overfitting, underfitting, divergence "
            "and plateaus as training goes. Nothing to report"
            + (" so far." if view.status in training.ACTIVE else ".")
        )
        return
    training.finding_cards(
        view.findings,
        key="train_fix",
        fix_help="Changes the experiment as the label says; press Train to run it. "
        "Nothing is retrained until you do.",
        then="Press Train to run the fixed experiment.",
        problem_key=state.JOB_PROBLEM,
    )


def show_results(view) -> None:
    for warning in view.warnings:
        safe.warning(warning)
    if view.error:
        safe.error(view.error)
    if training.verdict_pending(view):
        st.caption(":material/hourglass_top: " + safe.escape(PENDING))
    if not view.metrics or not view.metrics.get("val"):
        return
    st.subheader("Validation results", divider="gray")
    scored.caption(view)  # which epoch's weights the figures come from
    val = view.metrics["val"]
    baseline = view.baseline_val or {}
    intervals = (view.metrics_ci or {}).get("val") or {}
    reference = (view.reference or {}).get("val") or {}
    prepared = training.manager().prepared(view.job_id)
    shown = shown_metrics(val, imbalanced=imbalanced(prepared))
    metric_cards(
        shown,
        val,
        baseline,
        intervals=intervals,
        help_for=lambda name: (
            f"{glossary.link(name, METRIC_TITLES[name])} on the "
            "validation rows, with the range it could have landed in by chance "
            f"({glossary.link('confidence interval', '95 % interval')}); the arrow "
            f"compares it with the naive {glossary.link('baseline')}."
        ),
    )
    show_reference(
        view.task,
        val,
        reference,
        view.reference_problems,
        intervals=intervals,
        imbalanced=imbalanced(prepared),
        pictures=getattr(prepared, "image_shape", None) is not None,
    )
    problem = (view.interval_problems or {}).get("val")
    if problem:
        st.caption(safe.escape(problem))
    st.dataframe(
        comparison_rows(
            shown,
            val,
            baseline,
            reference,
            intervals=intervals,
            network_column="Your network (validation)",
        ),
        hide_index=True,
    )
    st.caption(
        f"The naive {glossary.link('baseline')} ignores the inputs: it always "
        "predicts the most common class (for numbers: the mean). The "
        f"{glossary.link('reference model', 'reference models')} are scikit-learn "
        "models trained on the same rows. In brackets: the "
        f"{glossary.link('confidence interval', '95 % interval')}. The test rows are "
        f"kept apart for the final evaluation ({glossary.link('test set')})."
    )


# --- downloads ---------------------------------------------------------------------


def show_downloads(view) -> None:
    if view.status in training.ACTIVE:
        return
    st.subheader("Downloads", divider="gray")
    manager = training.manager()
    with st.container(horizontal=True):
        for label, path, name, key in (
            ("Model (.keras)", manager.model_file(view.job_id), "model.keras", "model"),
            (
                "Last epoch model (.keras)",
                manager.last_file(view.job_id),
                "last-epoch-model.keras",
                "last",
            ),
        ):
            if path is None:
                continue
            try:
                data = path.read_bytes()
            except OSError:
                continue
            st.download_button(
                label,
                data,
                file_name=name,
                mime="application/octet-stream",
                icon=":material/download:",
                key=f"train_download_{key}",
                on_click="ignore",
                help=DOWNLOAD_HELP[key],
            )
        st.download_button(
            "History (.csv)",
            history_csv(view.history),
            file_name="history.csv",
            mime="text/csv",
            icon=":material/download:",
            key="train_download_history",
            on_click="ignore",
            help="Every epoch's loss and metrics on the training and validation "
            "rows, as a table for a spreadsheet.",
        )


# --- the page ----------------------------------------------------------------------


def show_notices() -> None:
    gone = st.session_state[state.JOB_GONE]
    if gone:
        st.session_state[state.JOB_GONE] = None
        safe.info(
            "The training in this link is no longer on the server (the app "
            "restarted, or it was reset). Its run stays in the runs folder; press "
            "Train to start again."
        )


def main() -> None:
    state.init_state()
    warmup.start()  # load TensorFlow in the background for the first Train
    st.title("Train")
    st.write(
        "Press Train and watch the network learn: the curves show how wrong it is "
        "on the rows it learns from and on validation rows it never learns from. "
        "Training goes on while you open other screens."
    )
    presenter.step_caption("train")
    try:
        view = training.current_view()
    except DataError as problem:  # the runs folder cannot be used
        safe.error(problem)
        return
    show_notices()
    notice = state.take_fix_notice("train")  # before the settings touch the spec
    prepared = page.prepared_data()
    spec = st.session_state[state.SPEC]
    if prepared is not None:
        page.data_caption(
            spec,
            f"{len(prepared.y_train):,} training "
            + ("pictures" if is_images(prepared) else "rows"),
            inputs_words(prepared),
            prepared.task,
        )
    if not page.valid_settings(
        spec,
        "train",
        validate_train_spec,
        reset=reset_settings,
        label="Replace with the default training settings",
        key="train_default_settings",
        help="Throw away the stored training settings, which cannot be used, and "
        "start from the defaults.",
    ):
        return
    active = view is not None and view.status in training.ACTIVE
    choose_settings(
        spec["train"],
        None if prepared is None else len(prepared.y_train),
        active,
        task=None if prepared is None else prepared.task,
    )
    belongs = view is not None and training.belongs_here(view)
    show_buttons(view, prepared, belongs=belongs)
    # The doctor's last one-click fix, said once beside its buttons (or here, when
    # the fix changed the data so that the run's findings are put away).
    if (view is None or not belongs) and notice:
        st.success(safe.escape(notice), icon=":material/build:")
    if view is None:
        st.caption("No training yet: press Train.")
        show_step_mode(spec, prepared)
        return
    # Live while training, and while the time machine replays the run.
    pace = LIVE_SECONDS if active else inside.PLAY_SECONDS if inside.playing() else None
    live = st.fragment(run_every=pace)
    if not belongs:
        live(show_other_data)(view.job_id, active)
        return
    live(show_job)(view.job_id, active, notice)
    if active:  # the network inside, redrawn at a slower pace while it trains
        st.fragment(run_every=inside.LIVE_SECONDS)(inside.show_live)(view.job_id)
    crossval.show_crossval(spec, prepared, view)
    show_downloads(view)
    show_step_mode(spec, prepared)


main()
