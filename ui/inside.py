"""Inside the network: the live network view and its time machine (Train screen,
Evaluate), drawn from the weight snapshots a job keeps (``JobView.snapshots``).

The time machine's epoch is shared with the learning curves (``shown_epoch``), so
both show the same moment; Play replays the run, one step per refresh of the live
fragment (``playing`` keeps it refreshing). The figures and the forward pass are
``nncore.inside`` and ``nncore.plots.inside``'s: this module only lays them out.
"""

from __future__ import annotations

import copy
import random

import streamlit as st

from nncore.core.errors import DataError, SpecError
from nncore.inside import forward, neuron_maps, unpack
from nncore.plots.health import dead_share_figure, gradient_size_figure, health_figure
from nncore.plots.inside import (
    MAPS_CAPTION,
    WEIGHTS_CAPTION,
    neuron_maps_figure,
    row_figure,
    weights_figure,
)
from nncore.runs.boundary import boundary_grid
from nncore.spec.schema import MAX_SEED
from ui import image_inside, presenter, safe, state, training

__all__ = [
    "boundary_at",
    "show_live",
    "playing",
    "shown_epoch",
    "show_inside",
    "show_network",
    "train_again",
]

# The epoch the time machine shows (None: the latest), Play, and the view chosen.
EPOCH = "inside_epoch"
PLAY = "inside_play"
VIEW = "inside_view"
ROW = "inside_row"
# A replay takes about this many steps, whatever the number of epochs kept.
PLAY_STEPS = 40
# Seconds between the steps of a replay (the live fragment's pace while playing).
PLAY_SECONDS = 0.4
# Seconds between two drawings of the network while it trains: its figures are
# the page's largest, and redrawing them with the curves (then every 0.5 s) kept
# a busy server's page always running.
LIVE_SECONDS = 2.0
VIEWS = {
    "connections": "Weights",
    "neurons": "Neurons over the plane",
    "row": "One row's forward pass",
}
CAPTIONS = {
    "connections": WEIGHTS_CAPTION,
    "neurons": MAPS_CAPTION,
    "row": "One validation row goes through the network: each neuron is filled by "
    "its output for that row (its activation), and the prediction is at the end.",
}


def playing() -> bool:
    """Whether a replay runs (the live fragment must keep refreshing)."""
    return bool(st.session_state.get(PLAY))


def shown_epoch(view) -> int | None:
    """The epoch the time machine shows, for the curves to mark; None when it
    follows the latest epoch."""
    if view is None or not len(view.snapshots):
        return None
    chosen = st.session_state.get(EPOCH)
    if chosen is None or chosen not in view.snapshots.epochs:
        return None
    return chosen


def boundary_at(view) -> dict | None:
    """The decision boundary as it was at the epoch the time machine shows
    (drawn from that epoch's weights); None when it shows the latest."""
    epoch = shown_epoch(view)
    prepared = training.manager().prepared(view.job_id)
    if epoch is None or prepared is None or prepared.n_features != 2:
        return None
    n_classes = len(prepared.classes) if prepared.task == "multiclass" else None
    try:
        network = unpack(
            view.spec["model"]["layers"],
            prepared.n_features,
            prepared.task,
            n_classes,
            view.snapshots.at(epoch),
        )
    except ValueError:
        return None
    return boundary_grid(prepared).boundary(lambda x: forward(network, x)[-1], epoch)


def show_live(job_id: str) -> None:
    """``show_inside`` for a job that trains (a fragment of its own)."""
    view = training.manager().view(job_id)
    prepared = training.manager().prepared(job_id)
    if view is not None and prepared is not None:
        show_inside(view, prepared)


def show_inside(view, prepared) -> None:
    """The Train screen's "Inside the network" section for ``view`` (a JobView).

    Args:
        view: the session's job.
        prepared: the data it trained on (for the rows and the plane).
    """
    st.subheader("Inside the network", divider="gray")
    snapshots = view.snapshots
    if not len(snapshots):
        st.caption(
            "The network's weights appear here, epoch by epoch, once training starts."
        )
        return
    epoch = _time_machine(view)
    show_network(view.spec, prepared, snapshots.at(epoch), epoch, key="train")
    if view.status not in training.ACTIVE:
        _train_again_buttons(view, prepared)
    show_health(view.health, epoch)


def show_health(log, epoch: int | None) -> None:
    """The layers' health over the epochs (``JobView.health``), ``epoch`` marked."""
    st.markdown("**Layer health**")
    if log is None or not len(log):
        st.caption("The layers' health appears here once training starts.")
        return
    shown = st.segmented_control(
        "Health of the layers",
        list(HEALTH_VIEWS),
        format_func=lambda k: HEALTH_VIEWS[k][0],
        default="gradient_size",
        key="inside_health_view",
        help="How the numbers inside each layer spread over the epochs. The "
        "training doctor reads them too: dead ReLU neurons, vanishing and "
        "exploding gradients.",
    )
    shown = shown or "gradient_size"
    if shown == "gradient_size":
        figure = gradient_size_figure(log, epoch=epoch)
    elif shown == "dead":
        figure = dead_share_figure(log, epoch=epoch)
    else:
        figure = health_figure(log, shown, epoch=epoch)
    presenter.plotly_chart(figure, key="inside_health_figure")
    st.caption(HEALTH_VIEWS[shown][1])


def show_network(spec, prepared, weights, epoch: int | None, *, key: str) -> None:
    """The network with ``weights`` (the weights after ``epoch`` epochs), in the
    view the user picks: its weights, its neurons over the plane (two inputs),
    or one row's forward pass.

    Args:
        spec: the experiment the network was built from.
        prepared: the data it trains on.
        weights: a snapshot (``model.get_weights()``).
        epoch: the epochs trained before it (0: the starting weights; None: not
            known, e.g. a saved model).
        key: a prefix for the widgets' keys, one per screen.
    """
    if getattr(prepared, "image_shape", None) is not None:  # pictures
        image_inside.show_image_network(spec, prepared, weights, epoch, key=key)
        return
    n_classes = len(prepared.classes) if prepared.task == "multiclass" else None
    try:
        network = unpack(
            spec["model"]["layers"],
            prepared.n_features,
            prepared.task,
            n_classes,
            weights,
        )
    except ValueError as problem:  # a snapshot of another network
        safe.warning(f"The network cannot be drawn: {problem}")
        return
    views = list(VIEWS)
    if prepared.n_features != 2:
        views.remove("neurons")
    shown = st.segmented_control(
        "Show",
        views,
        format_func=VIEWS.get,
        default=views[1] if prepared.n_features == 2 else views[0],
        key=f"{key}_{VIEW}",
        help="What to look at inside the network.",
    )
    shown = shown or views[0]
    names = list(prepared.feature_names)
    classes = [str(c) for c in prepared.classes] if prepared.classes else None
    when = (
        "as trained"
        if epoch is None
        else "its starting weights"
        if epoch == 0
        else f"after epoch {epoch}"
    )
    if shown == "neurons":
        grid = _coarse(boundary_grid(prepared))
        figure = neuron_maps_figure(
            network,
            grid,
            neuron_maps(network, grid),
            points=_points(prepared),
            class_names=classes,
            title=f"Each neuron over the plane, {when}",
        )
    elif shown == "row":
        rows = len(prepared.y_val)
        row = st.number_input(
            "Validation row",
            min_value=1,
            max_value=max(rows, 1),
            value=1,
            step=1,
            key=f"{key}_{ROW}",
            help="Which row of the validation set to send through the network.",
        )
        x = prepared.X_val[int(row) - 1 : int(row)]
        figure = row_figure(
            network,
            forward(network, x),
            feature_names=names,
            class_names=classes,
            task=prepared.task,
        )
        answer = prepared.y_val[int(row) - 1]
        shown_answer = classes[int(answer)] if classes else f"{float(answer):.4g}"
        st.caption(safe.escape(f"The right answer for this row: {shown_answer}."))
    else:
        figure = weights_figure(
            network,
            feature_names=names,
            class_names=classes,
            title=f"The network's weights, {when}",
        )
    presenter.plotly_chart(figure, key=f"{key}_inside_figure")
    st.caption(CAPTIONS[shown])


def _coarse(grid) -> dict:
    """Every other point of the boundary's grid each way: the small maps look the
    same and weigh a quarter."""
    import numpy as np

    xs, ys = grid.xs[::2], grid.ys[::2]
    gx, gy = np.meshgrid(xs, ys)
    points = np.column_stack([gx.ravel(), gy.ravel()]).astype("float32")
    return {"points": points, "xs": xs, "ys": ys}


def _points(prepared) -> dict:
    """The training rows drawn on the output's map (as the boundary draws them)."""
    from nncore.runs.boundary import MAX_POINTS

    rows = prepared.X_train[:MAX_POINTS]
    return {
        "x": rows[:, 0].tolist(),
        "y": rows[:, 1].tolist(),
        "label": prepared.y_train[:MAX_POINTS].tolist(),
    }


HEALTH_VIEWS = {
    "gradient_size": (
        "Gradient size",
        "How big each layer's gradients are (log scale): the size of the nudges "
        "learning gives its weights. Far smaller in the first layers than in the "
        "last: vanishing gradients. Growing by orders of magnitude: exploding.",
    ),
    "weights": (
        "Weights",
        "The spread of each layer's weights: the line is the median, the dark "
        "band the middle half, the light band 90 % of them.",
    ),
    "gradients": (
        "Gradients",
        "The spread of each layer's gradients on a fixed sample of training rows.",
    ),
    "activations": (
        "Activations",
        "The spread of each layer's outputs on a fixed sample of training rows.",
    ),
    "dead": (
        "Dead ReLU",
        "The share of each ReLU layer's neurons that output 0 for every sample "
        "row: they have stopped learning.",
    ),
}


# --- the time machine ---------------------------------------------------------------


def _time_machine(view) -> int:
    """The epoch slider and Play; returns the epoch to show."""
    epochs = list(view.snapshots.epochs)
    running = view.status in training.ACTIVE
    if running and not playing():
        st.session_state[EPOCH] = None  # follow the training
    if playing():
        _advance(epochs)
    chosen = st.session_state.get(EPOCH)
    if chosen not in epochs:
        chosen = epochs[-1]
    slider, button = st.columns([5, 1], vertical_alignment="bottom")
    # One slider while it follows the training (disabled), another once the user
    # may move it. A rerun request that the browser sent before it saw the
    # training's last redraw carries the first one's old value: Streamlit ignores
    # that value (a disabled widget, or one no longer drawn), where with one
    # slider it would take it for a pick and show that old epoch.
    key = f"inside_slider_{view.job_id}_{'live' if running else 'free'}"
    st.session_state[key] = chosen  # where the replay or the training is
    with slider:
        st.select_slider(
            "Epoch shown",
            options=epochs,
            key=key,
            on_change=_picked,
            args=(key,),
            disabled=running,
            format_func=lambda e: "start" if e == 0 else str(e),
            help="Go back in time: the network as it was after that epoch "
            '("start": its starting weights). The curves mark the same epoch.'
            + (
                f" Every {view.snapshots.stride} epochs are kept for this big network."
                if view.snapshots.stride > 1
                else ""
            ),
        )
    with button:
        if playing():
            st.button(
                "Pause",
                icon=":material/pause:",
                key="inside_pause",
                on_click=_set_play,
                args=(False,),
                width="stretch",
            )
        else:
            st.button(
                "Play",
                icon=":material/play_arrow:",
                key="inside_play_button",
                on_click=_set_play,
                args=(True,),
                disabled=running,
                width="stretch",
                help="Replay the run from its starting weights.",
            )
    if running:
        st.caption("The view follows the training; scrub back once it ends.")
    return chosen


def _picked(key: str) -> None:
    st.session_state[EPOCH] = st.session_state[key]
    st.session_state[PLAY] = False


def _set_play(on: bool) -> None:
    st.session_state[PLAY] = on
    if on:
        st.session_state[EPOCH] = 0


def _advance(epochs: list[int]) -> None:
    """One step of a replay; Play ends at the last epoch."""
    step = max(1, len(epochs) // PLAY_STEPS)
    current = st.session_state.get(EPOCH) or 0
    index = max((i for i, e in enumerate(epochs) if e <= current), default=0)
    index = min(index + step, len(epochs) - 1)
    st.session_state[EPOCH] = epochs[index]
    if index == len(epochs) - 1:
        st.session_state[PLAY] = False


# --- train again ----------------------------------------------------------------------


def _train_again_buttons(view, prepared) -> None:
    same, new = st.columns(2)
    same.button(
        "Train again from the same starting weights",
        icon=":material/replay:",
        key="inside_again_same",
        on_click=train_again,
        args=(view.spec, prepared, False),
        width="stretch",
        help="The same seed: the same starting weights and the same order of "
        "the rows. What changes between the two runs is not chance.",
    )
    new.button(
        "Train again from new starting weights",
        icon=":material/casino:",
        key="inside_again_new",
        on_click=train_again,
        args=(view.spec, prepared, True),
        width="stretch",
        help="A new seed: other random starting weights (and row order). How "
        "much the result moves shows how much of it is chance.",
    )
    st.caption("Your earlier run stays on the curves as a faint line, to compare.")


def train_again(spec: dict, prepared, new_seed: bool) -> None:
    """Train ``spec`` again as the session's job; with ``new_seed``, from new
    random starting weights (the experiment keeps the new seed)."""
    st.session_state[state.JOB_PROBLEM] = None
    st.session_state[PLAY] = False
    st.session_state[EPOCH] = None
    spec = copy.deepcopy(spec)
    if new_seed:
        seed = random.Random().randint(1, MAX_SEED)
        spec["train"]["seed"] = seed
        st.session_state[state.SPEC]["train"]["seed"] = seed
        st.session_state["train_seed"] = seed
    try:
        training.replace_job(spec, prepared)
    except (DataError, SpecError) as problem:
        st.session_state[state.JOB_PROBLEM] = str(problem)
