"""Home screen: what NN Studio is, the six steps, and the guided demos.

The step tracker shows what this session has done so far, each step a link to its
screen. "Run the demo" goes from nothing to an evaluated network in one click and
explains each step on the way (``ui.demo``); "Watch a network overfit" shows the
training doctor at work. The words are ``nncore.report.guide``'s.
"""

from __future__ import annotations

import streamlit as st

from nncore.core.catalog import dataset_title
from nncore.core.errors import DataError
from nncore.report import guide
from nncore.spec import default_spec, validate_spec
from ui import demo, page, presenter, safe, state, training

DONE, DOING, TO_DO = "done", "doing", "to do"
TRACKER_PRESENTER_COLUMNS = 3
LOOKS = {
    DONE: ":green[:material/check_circle: **Done**]",
    DOING: ":orange[:material/pending: **Under way**]",
    TO_DO: ":gray[:material/radio_button_unchecked: To do]",
}


# --- the step tracker ----------------------------------------------------------------


def _view(job_id: str | None):
    if job_id is None:
        return None
    try:
        return training.manager().view(job_id)
    except DataError:  # the runs folder cannot be used: the Train screen says why
        return None


def _ran(view) -> str:
    """DONE for a job that ended with a result, DOING while it runs, else TO_DO."""
    if view is None or view.status == "failed":
        return TO_DO
    return DOING if view.status in training.ACTIVE else DONE


def step_status() -> dict[str, str]:
    """Each step of the workflow: done, under way or to do, in this session."""
    spec = st.session_state[state.SPEC]
    try:
        job = training.current_view()
    except DataError:
        job = None
    if job is not None and job.kind != "train":
        job = None
    evaluations = (st.session_state[state.EVAL_CACHE] or {}).get("evaluations")
    default = validate_spec(default_spec())
    changed = {
        section: spec.get(section) != default[section]
        for section in ("model", "compile")
    }
    status = {
        "data": DONE if st.session_state[state.REPORT] is not None else TO_DO,
        "model": DONE if presenter.visited("model") or changed["model"] else TO_DO,
        "compile": DONE
        if presenter.visited("compile") or changed["compile"]
        else TO_DO,
        "train": _ran(job),
        "tune": _ran(_view(st.session_state[state.TUNE_JOB])),
        "evaluate": DONE if evaluations else TO_DO,
    }
    return in_order(status)


def in_order(status: dict[str, str]) -> dict[str, str]:
    """``status`` with no step done before the steps it builds on.

    A network is designed for prepared data and compiled once designed: Model and
    Compile count as done only after the steps before them (a link restores a
    network before its file is uploaded), and Train, Tune and Evaluate only once
    the data is prepared.
    """
    ready = True
    for step in ("data", "model", "compile"):
        if not ready and status[step] == DONE:
            status[step] = TO_DO
        ready = status[step] == DONE
    if status["data"] != DONE:
        for step in ("train", "tune", "evaluate"):
            if status[step] == DONE:
                status[step] = TO_DO
    return status


def show_tracker(status: dict[str, str]) -> None:
    done = sum(value == DONE for value in status.values())
    st.subheader(
        f"Your progress: {done} of {len(guide.STEPS)} steps done", divider="gray"
    )
    # Six cards in a row leave a projector's 1280 px too little room for the larger
    # text of presenter mode ("Comp…", "Evalu…"): it gets two rows of three.
    per_row = TRACKER_PRESENTER_COLUMNS if presenter.is_on() else len(guide.STEPS)
    columns = []
    for _row in range(0, len(guide.STEPS), per_row):
        columns += st.columns(per_row)
    for number, (column, step) in enumerate(
        zip(columns, guide.STEPS, strict=True), start=1
    ):
        with column.container(border=True, key=f"home_step_{step.key}"):
            page.link(step.key, step.title, step.icon, fallback=f"**{step.title}**")
            st.markdown(f"{number} · {LOOKS[status[step.key]]}")
            st.caption(step.summary)
    show_experiment()


def show_experiment() -> None:
    """The session's experiment in one line (a share link lands here too)."""
    spec = st.session_state[state.SPEC]
    units = [
        str(layer.get("units"))
        for layer in spec["model"].get("layers", [])
        if isinstance(layer, dict) and layer.get("type") == "dense"
    ]
    data = dataset_title(spec["data"].get("source"))
    if st.session_state[state.REPORT] is None:
        # As the sidebar's "Active dataset: None yet" says: not loaded so far.
        data += ", not loaded yet (Data screen)"
    st.caption(
        safe.escape(
            f"Your experiment: {data} · hidden layers {'-'.join(units) or 'none'} · "
            f"learning rate {spec['compile'].get('learning_rate')} · "
            f"{spec['train'].get('epochs')} epochs"
        )
    )


# --- the demos -----------------------------------------------------------------------


def show_demos() -> None:
    busy = demo.busy()
    for column, key in zip(st.columns(2, gap="medium"), guide.DEMOS, strict=True):
        chosen = guide.DEMOS[key]
        with column.container(border=True):
            st.markdown(f"#### {chosen.title}")
            st.write(chosen.pitch)
            st.button(
                chosen.button,
                key=f"home_demo_{key}",
                type="primary" if key == "first" else "secondary",
                icon=":material/play_arrow:"
                if key == "first"
                else ":material/trending_up:",
                on_click=demo.start,
                args=(key,),
                disabled=busy,
                help="Wait for your network's training to end first."
                if busy
                else "Replaces your experiment with the demo's; export yours first "
                "(sidebar) if you want to keep it.",
            )


def show_workflow() -> None:
    st.subheader("The workflow, in five lines", divider="gray")
    st.markdown(
        "\n".join(
            f"{number}. **{title}**: {line}"
            for number, (title, line) in enumerate(guide.WORKFLOW, start=1)
        )
    )


def main() -> None:
    state.init_state()
    st.title("NN Studio")
    st.write(
        "NN Studio lets you train, understand and tune a neural network without "
        "writing code. It walks you through the classic workflow, from a table of "
        "examples to a network you can trust, and explains what it sees in plain "
        "words."
    )
    presenter.step_caption("home")
    tracker = st.container()
    show_demos()
    demo.show()
    show_workflow()
    # Drawn last, into its place at the top: the tour may just have evaluated.
    with tracker:
        show_tracker(step_status())


main()
