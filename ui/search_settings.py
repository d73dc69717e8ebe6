"""The Tune screen's settings: what to search (which settings vary, over which values
or ranges) and how (the method, the number of trials, the time limit, the epochs per
trial, pruning), read from and written back into the spec's ``tune`` section.
"""

from __future__ import annotations

import streamlit as st

from nncore.core import glossary
from nncore.spec import DIMENSIONS, bounds, choices
from nncore.train.compiling import OPTIMIZERS
from nncore.tune import (
    DEFAULT_SPACE,
    METHOD_TITLES,
    PRUNER_TITLES,
    current_values,
)
from ui import presenter, safe

MAX_LAYERS_SHOWN = 6

CHOICES = {
    "units": [4, 8, 16, 32, 64, 128, 256, 512, 1024],
    "activation": list(choices("tune.space.activation")),
    "batch_size": [8, 16, 32, 64, 128, 256, 512, 1024],
    "optimizer": list(choices("tune.space.optimizer")),
    "class_weight": list(choices("tune.space.class_weight")),
}
CLASS_WEIGHT_TITLES = {"none": "None", "balanced": "Balanced"}

LEARNING_RATES = [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0]

# What a dimension searches when the user switches it on.
STARTING_VALUES = {
    **DEFAULT_SPACE,
    "activation": ["relu", "tanh"],
    "dropout_rate": {"low": 0.0, "high": 0.5},
    "optimizer": ["adam", "rmsprop"],
    "class_weight": ["none", "balanced"],
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

RANGES = ("hidden_layers", "dropout_rate", "learning_rate")

RANGE_HELP = (
    "The range to try: each trial picks a value between the two handles (grid "
    "search takes evenly spread values from it)."
)

CHOICES_HELP = "The values to try: each trial picks one of them."


# --- what to search ---------------------------------------------------------------


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


def read_space(names=None) -> dict:
    """The search space the widgets describe (searched settings only), of the
    settings ``names`` (default: every one)."""
    space = {}
    for name in names or DIMENSIONS:
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
        "class_weight": "Train",
    }.get(name, "Model")
    return f"Fixed at **{safe.escape(value)}**, as on the {where} screen."


def space_widget(name: str, seed, *, locked: bool) -> None:
    key = _value_key(name)
    info = DIMENSIONS[name]
    label = f"{info.title} to try"
    if name == "hidden_layers":
        value = tuple(st.session_state.get(key, seed))
        top = max(MAX_LAYERS_SHOWN, value[1])
        st.slider(
            label,
            bounds("tune.space.hidden_layers")[0],
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
        titles = {
            "optimizer": {name: choice.title for name, choice in OPTIMIZERS.items()},
            "class_weight": CLASS_WEIGHT_TITLES,
        }.get(name, {})
        st.multiselect(
            label,
            options,
            key=key,
            disabled=locked,
            format_func=lambda v: titles.get(v, str(v)),
            placeholder="Choose the values to try",
            help=CHOICES_HELP,
        )


def choose_space(spec: dict, *, locked: bool, task: str | None = None) -> None:
    st.subheader("What to search", divider="gray")
    st.caption(
        "Switch on the settings to vary; the others stay as the experiment has them. "
        "Every trial trains the network with one combination and scores it on the "
        "validation rows (the test rows are never used)."
    )
    tune = spec["tune"]
    seeds = bind_space(tune)
    current = current_values(spec)
    # Regression has no classes to weigh.
    names = [
        n for n in DIMENSIONS if not (n == "class_weight" and task == "regression")
    ]
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
                space_widget(name, seeds[name], locked=locked)
                if not st.session_state[_value_key(name)]:
                    st.caption(
                        ":orange[Choose at least one value, or switch this off.]"
                    )
            else:
                st.caption(_fixed_text(name, current))
    tune["space"] = read_space(names)


# --- how to search: method and budget ---------------------------------------------


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
    set_trial_epochs(spec, int(st.session_state["tune_epochs"]))


def set_trial_epochs(spec: dict, epochs: int | None) -> None:
    """Set how long each trial trains; as long as the experiment is said as None."""
    spec["tune"]["epochs"] = None if epochs == spec["train"]["epochs"] else epochs


def choose_method(spec: dict, *, locked: bool) -> None:
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
            *bounds("tune.trials"),
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
                *bounds("tune.minutes"),
                step=1.0,
                format="%g",
                key="tune_minutes",
                disabled=locked,
                help="No new trial starts after this time; the running one finishes.",
            )
        st.number_input(
            "Epochs per trial",
            *bounds("tune.epochs"),
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
