"""The guided demos on the Home screen: from nothing to an evaluated network, one click.

``start(name)`` (the demo button's callback) makes the demo's experiment the
session's (``state.apply_spec``, so every screen shows it afterwards), prepares its
built-in data and hands the training to the job manager, as the Train screen's Train
button does. ``show()`` then walks through the steps on the Home screen: the data,
the network and how it will learn at once; the training live (a fragment polling the
job, with the curves, the decision boundary and the training doctor); and, once the
job has ended, the evaluation on the validation rows against the naive baseline. The
words are ``nncore.report.guide``'s; the figures are the Train and Evaluate
screens' own.
"""

from __future__ import annotations

import copy

import streamlit as st

from nncore.core.errors import DataError, SpecError
from nncore.core.metrics import format_metric
from nncore.report import guide
from ui import inside, models, page, presenter, safe, state, training
from ui.metrics import metric_card
from ui.stepping import show_step_mode

LIVE_SECONDS = 0.5
# A warm server trains a demo in a second or two: too fast for a class to watch.
# The demos take at least this long (nncore.runs.progress.Pace).
DEMO_MIN_SECONDS = 6.0
# Shown as the last words of a finished demo (the benchmark and tests wait for it).
DONE = "The demo is done"
ADOPTED = (
    "The demo's experiment is now yours, on every screen, so you can carry on from "
    "any step."
)
# Scrolls the tour's heading (st.header's anchor "demo") into view, once it is drawn.
SCROLL_SCRIPT = """<script>
(function scroll(tries) {
  const heading = document.getElementById("demo");
  if (heading) { heading.scrollIntoView({behavior: "smooth", block: "start"}); }
  else if (tries > 0) { setTimeout(() => scroll(tries - 1), 100); }
})(50);
</script>"""


def start(name: str) -> None:
    """Start demo ``name`` ("first" or "overfit"): its experiment, data and training.

    Refuses (with a message in ``state.DEMO_PROBLEM``) while this session's network
    is still training, as the Train button does.
    """
    st.session_state[state.DEMO_PROBLEM] = None
    try:
        if training.is_training():
            st.session_state[state.DEMO_PROBLEM] = (
                "Your network is still training: stop it on the Train screen, or "
                "wait for it to end, then start the demo."
            )
            return
        spec = guide.demo_spec(name)
        state.apply_spec(copy.deepcopy(spec), ADOPTED)
        # Said under the tour's heading instead of at the top of the page: a notice
        # above the page would shift the Home screen's elements down during the
        # rerun and show the old demo cards twice while the tour draws.
        st.session_state[state.NOTICE] = None
        st.session_state[state.DEMO_SPEC] = name
        from ui.reports import current_report

        report = current_report()
        new = training.replace_job(spec, report.prepared, min_seconds=DEMO_MIN_SECONDS)
    except (DataError, SpecError) as problem:  # a full queue, an unusable folder
        st.session_state[state.DEMO_PROBLEM] = f"The demo could not start: {problem}"
        return
    # "scroll": the tour is scrolled into view once, on the run after the click.
    st.session_state[state.DEMO] = {"name": name, "job_id": new, "scroll": True}
    # The demo designed and compiled the network: the tracker counts those steps.
    presenter.mark_visited("model", "compile")


def close() -> None:
    st.session_state[state.DEMO] = None


def busy() -> bool:
    """Whether this session's network is training (a demo cannot start then)."""
    try:
        return training.is_training()
    except DataError:
        return False


# --- the tour ----------------------------------------------------------------------


def show() -> None:
    """The running or finished demo of this session, stage by stage (or nothing)."""
    problem = st.session_state[state.DEMO_PROBLEM]
    if problem:
        st.session_state[state.DEMO_PROBLEM] = None  # said once
        safe.error(problem)
    demo = st.session_state[state.DEMO]
    if demo is None:
        return
    if st.session_state[state.JOB] != demo["job_id"]:
        close()  # the session trained something else since: that is its story now
        return
    try:
        manager = training.manager()
    except DataError as problem:  # the runs folder cannot be used
        safe.error(problem)
        return
    view = manager.view(demo["job_id"])
    prepared = manager.prepared(demo["job_id"])
    if view is None or prepared is None:
        close()
        safe.info(
            "The demo's training is no longer on the server (the app restarted). "
            "Run the demo again."
        )
        return
    name = demo["name"]
    captions = guide.demo_captions(
        name, len(prepared.y_train), len(prepared.y_val), parameters(view, prepared)
    )
    with st.container(horizontal=True, vertical_alignment="center"):
        st.header(guide.DEMOS[name].title, anchor="demo")
        st.button(
            "Close the tour",
            key="home_demo_close",
            icon=":material/close:",
            on_click=close,
            help="Hide the demo. Its experiment and its training stay yours.",
        )
    st.success(ADOPTED, icon=":material/school:")
    # A slot drawn on every run, so the script's coming and going moves nothing.
    scroll = st.empty()
    if demo.get("scroll"):
        demo["scroll"] = False
        with scroll:
            st.html(SCROLL_SCRIPT, unsafe_allow_javascript=True)
    show_data(captions["data"], prepared)
    show_model(captions["model"], view, prepared)
    show_compile(captions["compile"], view, prepared.task)
    active = view.status in training.ACTIVE
    show_training(captions["train"], view.job_id, active=active, name=name)
    if active:
        st.caption("The evaluation appears here when the training ends.")
        return
    if name == "first":  # small enough to step through, weight by weight
        with st.container(border=True):
            show_step_mode(view.spec, prepared)
    show_evaluation(captions["evaluate"], view, prepared, name)


def parameters(view, prepared) -> int:
    from nncore.train.model import count_parameters, network_inputs

    n_classes = len(prepared.classes) if prepared.classes else None
    rows = count_parameters(
        view.spec["model"]["layers"],
        network_inputs(prepared),
        prepared.task,
        n_classes,
    )
    return rows[-1]["trainable"]


def stage(number: int, title: str, text: str):
    """A bordered box for one stage: its title, and its words on the left.

    Returns the right-hand column, for the stage's picture.
    """
    with st.container(border=True):
        st.subheader(f"{number} · {title}", divider="gray")
        words, picture = st.columns([2, 3], gap="large")
        words.write(text)
    return picture


def show_data(text: str, prepared) -> None:
    from nncore.plots.base import scatter_figure

    picture = stage(1, "Data: the examples", text)
    x, y = prepared.numeric_columns[:2]
    picture.plotly_chart(
        presenter.chart(
            scatter_figure(prepared.frame, x, y, prepared.target, prepared.task)
        ),
        key="home_demo_data",
    )


def show_model(text: str, view, prepared) -> None:
    from nncore.plots.network import network_figure
    from nncore.train.model import network_inputs

    picture = stage(2, "Model: the network", text)
    n_classes = len(prepared.classes) if prepared.classes else None
    picture.plotly_chart(
        presenter.chart(
            network_figure(
                view.spec["model"]["layers"],
                network_inputs(prepared),
                prepared.task,
                n_classes,
                feature_names=prepared.feature_names,
                class_names=prepared.classes,
            )
        ),
        key="home_demo_network",
    )


def show_compile(text: str, view, task: str) -> None:
    from nncore.train.compiling import LOSSES, OPTIMIZERS, resolve_compile

    picture = stage(3, "Compile: how it will learn", text)
    chosen = resolve_compile(view.spec["compile"], task)
    with picture:
        for name, value in (
            ("Loss", LOSSES[chosen["loss"]].title),
            ("Optimiser", OPTIMIZERS[chosen["optimizer"]].title),
            ("Learning rate", f"{chosen['learning_rate']:g}"),
        ):
            st.markdown(f"{name}: **{value}**")


def show_training(text: str, job_id: str, *, active: bool, name: str) -> None:
    with st.container(border=True):
        st.subheader("4 · Train: watch it learn", divider="gray")
        st.write(text)
        st.markdown("**How a network learns, one batch at a time**")
        steps = guide.learning_steps(name)
        for column, (key, title, explanation) in zip(
            st.columns(len(steps)), steps, strict=True
        ):
            with column.container(border=True, key=f"home_learning_{key}"):
                st.markdown(f"**{title}**")
                st.write(explanation)
        st.fragment(run_every=LIVE_SECONDS if active else None)(show_live)(
            job_id, was_active=active, name=name
        )


def show_live(job_id: str, *, was_active: bool, name: str) -> None:
    """Progress, curves, boundary and the doctor's findings (a fragment)."""
    from nncore.plots.training import boundary_figure, curves_figure

    view = training.manager().view(job_id)
    if view is None:
        return
    if was_active and view.status not in training.ACTIVE:
        state.redraw()  # the training ended: draw the evaluation
    st.progress(training.progress(view), text=safe.escape(view.message))
    left, right = st.columns(2, gap="medium")
    left.plotly_chart(
        presenter.chart(
            curves_figure(
                view.history,
                "loss",
                best_epoch=view.best_epoch,
                findings=view.findings,
                title="Loss: training and validation",
            )
        ),
        key="home_demo_curves",
    )
    left.caption(
        "Blue: the loss on the training rows the network learns from. Orange: on "
        "the validation rows it never learns from. Lower is better."
    )
    if view.boundary is not None:
        right.plotly_chart(
            presenter.chart(boundary_figure(view.boundary)), key="home_demo_boundary"
        )
        right.caption(
            "What the network answers at each point of the plane, redrawn as it "
            "learns; the dots are the training rows."
        )
    prepared = training.manager().prepared(job_id)
    if len(view.snapshots) and prepared is not None:
        st.markdown("**Inside the network**")
        epoch = view.snapshots.epochs[-1]
        inside.show_network(
            view.spec, prepared, view.snapshots.at(epoch), epoch, key="home_demo"
        )
    if view.findings or name == "overfit":
        show_findings(view)


def show_findings(view) -> None:
    st.markdown("**The training doctor**")
    if not view.findings:
        st.caption(
            "The doctor reads the curves after every few epochs. Nothing to report"
            + (" so far." if view.status in training.ACTIVE else ".")
        )
        return
    training.finding_cards(
        view.findings,
        key="home_fix",
        fix_help="Changes the experiment; then train it again on the Train screen.",
        then="Press Train on the Train screen to run the fixed experiment.",
        problem_key=state.DEMO_PROBLEM,
        place="home",
    )


# --- the evaluation ------------------------------------------------------------------


def evaluation_of(view, prepared):
    """The finished job's network run on the validation rows (kept per session).

    Kept where the Evaluate screen keeps its evaluations, so that screen shows the
    same result without running the network again.

    Raises:
        DataError: the model file cannot be loaded.
    """
    from nncore.train.evaluation import evaluate, model_predictor

    model, version = models.load_model(training.manager().model_file(view.job_id))
    kept = models.results("evaluations")
    key = (version, models.token(prepared), "val")
    if key not in kept:
        kept[key] = evaluate(model_predictor(model), prepared, "val")
    return kept[key]


def show_evaluation(text: str, view, prepared, name: str) -> None:
    from nncore.plots import evaluation as eval_plots
    from nncore.train.evaluation import baseline_sentence, classification_summary

    with st.container(border=True):
        st.subheader("5 · Evaluate: how good is it?", divider="gray")
        st.write(text)
        if view.error:
            safe.error(view.error)
            return
        try:
            evaluation = evaluation_of(view, prepared)
        except DataError as problem:
            safe.error(problem)
            return
        summary = classification_summary(evaluation)
        st.markdown(
            "**" + safe.escape(baseline_sentence(evaluation, summary["metrics"])) + "**"
        )
        show_metrics(summary["metrics"], evaluation.baseline)
        if name == "overfit":
            show_gap(view)
        left, right = st.columns(2, gap="medium")
        left.plotly_chart(
            presenter.chart(
                eval_plots.confusion_figure(
                    summary["confusion"],
                    evaluation.classes,
                    title="Confusion matrix (validation rows)",
                )
            ),
            key="home_demo_confusion",
            config={"displayModeBar": False},
        )
        left.caption(
            "Rows: the true class; columns: what the network answered. The diagonal "
            "holds the right answers."
        )
        if view.boundary is not None:
            right.plotly_chart(
                presenter.chart(validation_boundary(view.boundary, prepared)),
                key="home_demo_final_boundary",
            )
            right.caption(
                "The boundary the network learnt, with the validation rows it never "
                "saw: the ones on the wrong side are its mistakes."
            )
    show_next(name)


def validation_boundary(boundary: dict, prepared):
    """The learnt boundary drawn under the validation rows instead of the training
    rows."""
    from nncore.plots.training import boundary_figure

    rows = prepared.X_val
    points = {
        "x": rows[:, 0].astype(float).tolist(),
        "y": rows[:, 1].astype(float).tolist(),
        "label": prepared.y_val.tolist(),
    }
    figure = boundary_figure({**boundary, "points": points})
    figure.update_layout(
        title="The learnt boundary and the validation rows",
        legend_title_text="validation rows",
    )
    return figure


def show_metrics(metrics: dict, baseline: dict) -> None:
    # The naive guess scores 0 F1 or perfect recall by construction: accuracy, F1
    # and ROC AUC (0.5 for a guess) tell the story without that puzzle.
    names = [n for n in ("accuracy", "f1", "roc_auc") if n in metrics]
    for column, name in zip(st.columns(len(names)), names, strict=True):
        naive = baseline.get(name)
        metric_card(
            column,
            name,
            metrics.get(name),
            naive,
            help=f"The naive baseline scores {format_metric(naive, name)}.",
        )


def show_gap(view) -> None:
    """Training against validation accuracy at the last epoch: the overfitting gap."""
    train = (view.history.get("accuracy") or [None])[-1]
    val = (view.history.get("val_accuracy") or [None])[-1]
    if train is None or val is None:
        return
    seen, unseen = st.columns(2)
    seen.metric(
        "Accuracy on the training rows (memorised)", format_metric(train, "accuracy")
    )
    unseen.metric(
        "Accuracy on the validation rows (never seen)",
        format_metric(val, "accuracy"),
        delta=f"{format_metric(val - train, 'accuracy')} vs training",
    )


def show_next(name: str) -> None:
    notice = state.take_fix_notice("home")
    if notice:
        st.success(safe.escape(notice), icon=":material/build:")
    st.success(
        f"{DONE}. The experiment is yours: change the network on the Model screen, "
        "train it again on the Train screen, or look closer on the Evaluate screen.",
        icon=":material/celebration:",
    )
    with st.container(horizontal=True):
        page.link("model", "Change the network", ":material/hub:")
        page.link("train", "Train again", ":material/model_training:")
        page.link("evaluate", "Evaluate in depth", ":material/fact_check:")
        if name == "first":
            page.link("tune", "Let the computer tune it", ":material/science:")
