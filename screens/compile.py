"""Compile screen: how the network learns (optimiser, learning rate, loss, metrics).

Only the options that fit the task are offered, and the screen says why the others
are missing. "Show me the code" exports the whole experiment as a script or a
notebook. TensorFlow is never imported here.
"""

from __future__ import annotations

import streamlit as st

from nncore.core import glossary
from nncore.core.errors import DataError, SpecError
from nncore.spec import bounds, validate_compile_spec
from nncore.train.compiling import (
    AUTO_LOSS,
    LOSSES,
    METRICS,
    OPTIMIZERS,
    losses_for,
    metrics_for,
    resolve_compile,
    unavailable_losses,
    unavailable_metrics,
)
from ui import presenter, safe, state
from ui.reports import current_report

RATE_STEPS, RATE_TYPED = "compile_learning_rate", "compile_learning_rate_typed"
LEARNING_RATES = [
    1e-5,
    3e-5,
    1e-4,
    3e-4,
    1e-3,
    3e-3,
    0.01,
    0.03,
    0.1,
    0.3,
    1.0,
]
TASK_NAMES = {
    "binary": "binary classification",
    "multiclass": "multiclass classification",
    "regression": "regression",
}


def docs_line(choice) -> None:
    st.caption(f"{choice.help} [Keras docs]({choice.docs})")


def choose_optimizer(settings: dict) -> None:
    names = list(OPTIMIZERS)
    settings["optimizer"] = st.selectbox(
        "Optimiser",
        names,
        index=names.index(settings["optimizer"]),
        format_func=lambda n: OPTIMIZERS[n].title,
        key="compile_optimizer",
        help=f"The method that changes the {glossary.link('weights')} after each "
        f"{glossary.link('batch')} of rows ({glossary.link('optimiser')}). Adam is "
        "a good default.",
    )
    docs_line(OPTIMIZERS[settings["optimizer"]])
    choose_learning_rate(settings)
    if settings["optimizer"] == "sgd" and presenter.advanced():
        settings["momentum"] = st.slider(
            "Momentum",
            0.0,
            0.99,
            float(settings["momentum"]),
            step=0.01,
            key="compile_momentum",
            help="How much of the previous step carries over into the next "
            f"({glossary.link('momentum')}): smooths the path and speeds it up "
            "along consistent directions.",
        )


def set_learning_rate(source: str, other: str) -> None:
    """One of the two learning-rate widgets changed: keep its value in the spec
    and show it in the other one."""
    rate = float(st.session_state[source])
    st.session_state[state.SPEC]["compile"]["learning_rate"] = rate
    st.session_state[other] = rate


def choose_learning_rate(settings: dict) -> None:
    """The quick steps on a log-scale slider, and a box to type any other value
    the spec allows; each shows what the other chose."""
    rate = float(settings["learning_rate"])
    for key in (RATE_STEPS, RATE_TYPED):  # the spec changed elsewhere (an import)
        if st.session_state.get(key) != rate:
            st.session_state[key] = rate
    st.select_slider(
        "Learning rate",
        sorted({*LEARNING_RATES, rate}),
        format_func=lambda r: f"{r:g}",
        key=RATE_STEPS,
        on_change=set_learning_rate,
        args=(RATE_STEPS, RATE_TYPED),
        help=f"How big each step is ({glossary.link('learning rate')}; log scale). "
        f"Too big and the {glossary.link('loss')} jumps around or explodes; too "
        "small and learning crawls. 0.001 suits Adam.",
    )
    low, high = bounds("compile.learning_rate")
    st.number_input(
        "Or type a learning rate",
        min_value=low,
        max_value=high,
        step=0.0001,
        format="%g",
        key=RATE_TYPED,
        on_change=set_learning_rate,
        args=(RATE_TYPED, RATE_STEPS),
        help=f"Any value from {low:g} to {high:g}, e.g. 0.00025 between the steps "
        "above.",
    )
    settings["learning_rate"] = float(st.session_state[RATE_TYPED])


def choose_loss(settings: dict, task: str) -> None:
    options = ["auto", *losses_for(task)]
    if settings["loss"] not in options:
        safe.info(
            f"The loss '{settings['loss']}' was reset to automatic: "
            + unavailable_losses(task)[settings["loss"]]
        )
        settings["loss"] = "auto"
        st.session_state.pop("compile_loss", None)
    automatic = LOSSES[AUTO_LOSS[task]]
    if not presenter.advanced():  # presenter mode: the spec keeps its loss
        chosen = automatic if settings["loss"] == "auto" else LOSSES[settings["loss"]]
        st.caption(
            f"The network makes its {glossary.link('loss')} smaller: here "
            f"**{chosen.title}**. {chosen.help}"
        )
        return
    settings["loss"] = st.selectbox(
        "Loss",
        options,
        index=options.index(settings["loss"]),
        format_func=lambda n: (
            f"Automatic: {automatic.title}" if n == "auto" else LOSSES[n].title
        ),
        key="compile_loss",
        help=f"The number the network learns to make smaller: how wrong it is "
        f"({glossary.link('loss')}). Automatic picks the usual one for the task.",
    )
    chosen = LOSSES[AUTO_LOSS[task]] if settings["loss"] == "auto" else None
    if chosen is not None:
        st.caption(
            f"For {TASK_NAMES[task]}, automatic means **{chosen.title}**. "
            f"{chosen.help} [Keras docs]({chosen.docs})"
        )
    else:
        docs_line(LOSSES[settings["loss"]])
    with st.expander("Why are other losses not offered?"):
        for reason in unavailable_losses(task).values():
            st.markdown(f"- {reason}")


def choose_metrics(settings: dict, task: str) -> None:
    options = metrics_for(task)
    resolved = resolve_compile(settings, task)
    if resolved["notes"]:
        safe.info(" ".join(resolved["notes"]))
    if not presenter.advanced():  # presenter mode: the spec keeps its metrics
        st.caption(
            "Watched while training: "
            + ", ".join(
                glossary.link(name, METRICS[name].title) for name in resolved["metrics"]
            )
            + "."
        )
        return
    if any(m not in options for m in st.session_state.get("compile_metrics", [])):
        st.session_state.pop("compile_metrics")  # the task changed under the widget
    settings["metrics"] = st.multiselect(
        "Metrics to watch while training",
        options,
        default=resolved["metrics"],
        format_func=lambda n: METRICS[n].title,
        key="compile_metrics",
        help=f"Shown per {glossary.link('epoch')} on the training curves; the loss "
        "is always shown. The final evaluation reports every metric of the task "
        f"({glossary.link('accuracy')}, {glossary.link('precision')}, "
        f"{glossary.link('recall')}, {glossary.link('r2', 'R²')}, …).",
    )
    for name in settings["metrics"]:
        st.caption(
            f"**{METRICS[name].title}**: {METRICS[name].help} "
            f"[Keras docs]({METRICS[name].docs})"
        )
    with st.expander("Why are other metrics not offered?"):
        for reason in unavailable_metrics(task).values():
            st.markdown(f"- {reason}")


def show_code(spec: dict, report) -> None:
    from nncore.report.export import export_notebook, export_script

    st.subheader("Show me the code", divider="gray")
    st.write(
        "The whole experiment as a Python script that runs on its own and gives "
        "the same results: the data, split, preprocessing, network and training."
    )
    try:
        script = export_script(spec, report.table, report.prepared)
        notebook = export_notebook(spec, report.table, report.prepared)
    except (SpecError, DataError) as problem:
        safe.error(problem)
        return
    left, right = st.columns(2)
    left.download_button(
        "Download experiment.py",
        script,
        file_name="experiment.py",
        mime="text/x-python",
        icon=":material/download:",
        key="compile_download_py",
        help="The experiment as a Python script that runs on its own (with pandas, "
        "scikit-learn and Keras installed) and prints the test scores.",
    )
    right.download_button(
        "Download experiment.ipynb",
        notebook,
        file_name="experiment.ipynb",
        mime="application/x-ipynb+json",
        icon=":material/download:",
        key="compile_download_ipynb",
        help="The same code as a Jupyter notebook, each step with a short "
        "explanation: open it in Jupyter, VS Code or Google Colab.",
    )
    # Collapsed: the listing is long, and most people want the file, not the text.
    with st.expander("Read the code here (experiment.py)", expanded=False):
        st.code(script, language="python", height=480)


def main() -> None:
    state.init_state()
    st.title("Compile")
    st.write(
        "Choose how the network learns: the optimiser that changes the weights, how "
        "big its steps are, the loss it makes smaller and the metrics to watch."
    )
    presenter.step_caption("compile")
    spec = st.session_state[state.SPEC]
    try:
        settings = validate_compile_spec(spec["compile"])
        report = current_report()
    except (SpecError, DataError) as problem:
        safe.error(problem)
        return
    if report is None:
        safe.info(
            "Load your data file on the Data screen first: the loss and metrics "
            "depend on what the network predicts."
        )
        return
    task = report.prepared.task
    st.markdown(f"**Task: {TASK_NAMES[task]}**, from the data.")
    left, right = st.columns(2)
    with left:
        choose_optimizer(settings)
    with right:
        choose_loss(settings, task)
        choose_metrics(settings, task)
    spec["compile"] = settings
    show_code(spec, report)


main()
