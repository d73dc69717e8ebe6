"""Ghost runs: which earlier runs are drawn under the curves, what they are called,
and how the curves chart draws them (faint, named, under the current run)."""

from __future__ import annotations

import copy

import pytest

from nncore.plots.base import PALETTE
from nncore.plots.training import curves_figure
from nncore.report.ghosts import LABEL_LIMIT, PastRun, ghost_runs, past_run
from nncore.runs.store import Run
from nncore.spec import default_spec

HISTORY = {
    "loss": [0.9, 0.6, 0.5],
    "val_loss": [1.0, 0.7, 0.65],
    "accuracy": [0.5, 0.7, 0.8],
    "val_accuracy": [0.5, 0.6, 0.7],
}


def spec_with(**changes) -> dict:
    """The default experiment with ``changes`` ("section.field" -> value)."""
    spec = default_spec()
    for path, value in changes.items():
        *parents, name = path.split(".")
        part = spec
        for parent in parents:
            part = part[parent]
        part[name] = value
    return spec


def run(spec: dict, job: str, history: dict | None = None, **more) -> PastRun:
    return PastRun(
        spec=spec,
        history=copy.deepcopy(HISTORY if history is None else history),
        dataset=spec["data"]["source"],
        job_id=job,
        **more,
    )


NOW = run(default_spec(), "now")


# --- which runs --------------------------------------------------------------------


def test_only_runs_on_the_same_data_become_ghosts():
    earlier = [
        run(spec_with(**{"data.seed": 7}), "other split"),
        run(spec_with(**{"data.source": "builtin:iris"}), "other data"),
        run(spec_with(**{"data.scaling": "minmax"}), "other scaling"),
        run(spec_with(**{"compile.learning_rate": 0.01}), "faster"),
        run(spec_with(**{"data.target": "other"}), "other target"),
    ]
    ghosts = ghost_runs(NOW, earlier, "loss")
    assert [g["label"] for g in ghosts] == ["learning rate 0.01 (now 0.001)"]
    assert ghosts[0]["history"] == {
        "loss": HISTORY["loss"],
        "val_loss": [1.0, 0.7, 0.65],
    }


def test_an_uploaded_file_of_the_same_name_with_other_rows_is_other_data():
    now = run(default_spec(), "now", n_train=100)
    other_rows = run(spec_with(**{"compile.learning_rate": 0.01}), "a", n_train=90)
    same_rows = run(spec_with(**{"compile.learning_rate": 0.1}), "b", n_train=100)
    ghosts = ghost_runs(now, [other_rows, same_rows], "loss")
    assert [g["label"] for g in ghosts] == ["learning rate 0.1 (now 0.001)"]


def test_the_current_run_and_runs_without_that_metric_are_left_out():
    continued = run(spec_with(**{"train.epochs": 50}), "resumed", run_id="r1")
    earlier = [
        run(default_spec(), "now"),  # the current job itself
        continued,
        run(spec_with(**{"train.batch_size": 8}), "empty", history={}),
        run(
            spec_with(**{"train.batch_size": 64}),
            "diverged",
            history={"loss": [None, float("nan")], "val_loss": [None]},
        ),
    ]
    now = run(default_spec(), "now", run_id="r1")  # "resumed" is its run, too
    assert ghost_runs(now, earlier, "loss") == []
    regression = run(spec_with(**{"train.batch_size": 16}), "r")
    assert ghost_runs(NOW, [regression], "mae") == []


def test_ghosts_are_the_most_recent_first_and_at_most_limit():
    rates = [0.1, 0.05, 0.01, 0.005, 0.002, 0.0005, 0.0002]
    earlier = [
        run(spec_with(**{"compile.learning_rate": rate}), f"job {i}")
        for i, rate in enumerate(rates)  # newest first, as jobs_for lists them
    ]
    labels = [g["label"] for g in ghost_runs(NOW, earlier, "loss")]
    assert labels == [f"learning rate {r:g} (now 0.001)" for r in rates[:5]]
    assert len(ghost_runs(NOW, earlier, "loss", limit=2)) == 2
    assert ghost_runs(NOW, earlier, "loss", limit=0) == []


@pytest.mark.parametrize("limit", [-1, 2.5, True], ids=["negative", "float", "bool"])
def test_a_bad_limit_is_refused(limit):
    with pytest.raises(ValueError, match=r"Received limit=.*Expected a whole number"):
        ghost_runs(NOW, [], "loss", limit=limit)


# --- what they are called ----------------------------------------------------------


def dense(*units, activation="relu") -> list[dict]:
    return [{"type": "dense", "units": u, "activation": activation} for u in units]


@pytest.mark.parametrize(
    ("changes", "label"),
    [
        ({"compile.learning_rate": 0.01}, "learning rate 0.01 (now 0.001)"),
        (
            {
                "model.layers": [
                    *dense(128),
                    {"type": "dropout", "rate": 0.5},
                    *dense(64),
                ]
            },
            "dropout 0.5 (now 0.2)",
        ),
        ({"model.layers": dense(128, 64)}, "no dropout (now 0.2)"),
        (
            {"model.layers": [*dense(8), {"type": "dropout", "rate": 0.2}]},
            "layers 8 (now 128-64)",
        ),
        ({"compile.optimizer": "sgd"}, "SGD (now Adam)"),
        ({"train.batch_size": 8}, "batch size 8 (now 32)"),
        ({"train.seed": 1}, "seed 1 (now 42)"),
        ({"train.early_stopping.enabled": False}, "early stopping off (now on)"),
        ({"train.early_stopping.patience": 9}, "patience 9 (now 5)"),
        (
            {"train.seed": 1, "train.batch_size": 8},
            "batch size 8 (now 32), seed 1 (now 42)",
        ),
        (
            {"compile.learning_rate": 0.01, "train.batch_size": 8},
            "learning rate 0.01 (now 0.001) +1 more",
        ),
        (
            {
                "compile.learning_rate": 0.01,
                "train.batch_size": 8,
                "train.epochs": 5,
            },
            "learning rate 0.01 (now 0.001) +2 more",
        ),
        ({}, "same settings"),
    ],
    ids=[
        "learning rate",
        "dropout rate",
        "no dropout",
        "layers",
        "optimiser",
        "batch size",
        "seed",
        "early stopping",
        "patience",
        "two changes",
        "two long changes",
        "three changes",
        "nothing",
    ],
)
def test_each_ghost_is_named_by_what_it_did_differently(changes, label):
    ghosts = ghost_runs(NOW, [run(spec_with(**changes), "then")], "loss")
    assert [g["label"] for g in ghosts] == [label]


def test_the_names_fit_a_legend_and_repeated_ones_are_told_apart():
    tanh = spec_with(**{"model.layers": dense(512, 256, 128, 64, activation="tanh")})
    tanh["compile"]["optimizer"] = "rmsprop"
    earlier = [
        run(tanh, "c"),
        run(default_spec(), "b"),
        run(default_spec(), "a"),
    ]
    labels = [g["label"] for g in ghost_runs(NOW, earlier, "loss")]
    # Four changes, the first longer than a legend holds: its number instead.
    # Three runs before this one: the oldest is run 1.
    assert labels == ["run 3", "same settings · run 2", "same settings · run 1"]
    long_first = "layers 512-256-128-64 (now 128-64) +3 more"
    assert len(long_first) > LABEL_LIMIT


def test_runs_from_the_run_store_are_read_like_jobs():
    spec = spec_with(**{"compile.learning_rate": 0.01})
    kept = Run(
        run_id="abc",
        status="finished",
        created="2025-01-01T10:00:00+00:00",
        updated="2025-01-01T10:01:00+00:00",
        spec=spec,
        dataset=spec["data"]["source"],
        task="binary",
        epochs_planned=3,
        epochs_run=3,
        history={"loss": [0.9, None, 0.5], "val_loss": [1.0, 0.8, 0.7]},
        rows={"train": 398, "val": 85, "test": 86},
    )
    assert past_run(kept).n_train == 398
    now = run(default_spec(), "now", task="binary", n_train=398)
    ghosts = ghost_runs(now, [kept], "loss")
    assert ghosts[0]["label"] == "learning rate 0.01 (now 0.001)"
    assert ghosts[0]["history"]["loss"] == [0.9, None, 0.5]


# --- the chart ---------------------------------------------------------------------

GHOSTS = [
    {"label": "dropout 0.5 (now 0.2)", "history": {"loss": [1.2, 1.0, 0.9, 0.8]}},
    {
        "label": "learning rate 0.01 (now 0.001)",
        "history": {"loss": [1.0, 0.5], "val_loss": [1.1, 0.6]},
    },
]


def test_ghosts_are_faint_named_lines_under_the_current_curves():
    figure = curves_figure(HISTORY, "loss", ghosts=GHOSTS)
    names = [trace.name for trace in figure.data]
    assert names == [
        "dropout 0.5 (now 0.2)",
        "learning rate 0.01 (now 0.001)",
        "learning rate 0.01 (now 0.001)",
        "training",
        "validation",
    ]  # drawn first: under the current run's lines
    ghosts, current = figure.data[:3], figure.data[3:]
    for trace in ghosts:
        assert trace.opacity < 0.5
        assert trace.line.width < current[0].line.width
        assert trace.line.dash not in (None, "solid")
        assert trace.name in trace.hovertemplate
    # Faded in the current run's colours: blue training, orange validation.
    assert [t.line.color for t in ghosts] == [PALETTE[0], PALETTE[0], PALETTE[1]]
    # One legend entry per earlier run, listed after the current run's.
    assert [t.showlegend for t in ghosts] == [True, True, False]
    assert all(t.legendrank > 1000 for t in ghosts)
    assert ghosts[1].legendgroup == ghosts[2].legendgroup != ghosts[0].legendgroup
    # The axis spans the longest run, so a ghost is never cut off.
    assert figure.layout.xaxis.range == (0.5, 4.5)


def test_without_ghosts_the_chart_is_as_before():
    plain = curves_figure(HISTORY, "loss")
    empty = curves_figure(HISTORY, "loss", ghosts=[])
    assert plain.to_plotly_json() == empty.to_plotly_json()
    assert [t.name for t in plain.data] == ["training", "validation"]
    assert plain.layout.legend.y == 1.0


def test_ghost_names_are_shown_as_plain_text():
    ghosts = [{"label": "<b>bold</b>", "history": {"loss": [1.0]}}]
    figure = curves_figure(HISTORY, "loss", ghosts=ghosts)
    assert figure.data[0].name == "&lt;b&gt;bold&lt;/b&gt;"


def test_ghosts_show_before_the_first_epoch_of_the_current_run():
    figure = curves_figure({}, "loss", ghosts=GHOSTS)
    assert len(figure.data) == 3
    assert figure.layout.xaxis.visible
    assert "No epochs yet" in figure.layout.annotations[0].text
