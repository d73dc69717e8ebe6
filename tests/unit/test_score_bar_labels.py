"""The Runs screen's score bars keep their value labels apart (issue 18, item 15):
labels sit inside the bars' feet, and one that no longer fits is hidden rather
than shrunk into its neighbour."""

from __future__ import annotations

import pytest

from nncore.plots.evaluation import runs_metrics_figure

UNIT = ["accuracy", "precision", "recall", "f1", "roc_auc"]
OWN_SCALES = ["r2", "mae", "rmse"]


@pytest.mark.parametrize("metrics", [UNIT, OWN_SCALES], ids=["unit", "own-scales"])
def test_many_runs_bars_hide_labels_that_do_not_fit(metrics):
    runs = [
        (name, {m: 0.9 + 0.01 * i for m in metrics})
        for i, name in enumerate(["A", "B", "C", "D", "E"])
    ]
    figure = runs_metrics_figure(runs, metrics)
    assert figure.layout.uniformtext.mode == "hide"
    assert figure.layout.uniformtext.minsize >= 9
    for trace in figure.data:
        places = trace.textposition
        places = [places] if isinstance(places, str) else list(places)
        assert set(places) == {"inside"}  # not above the bars, side by side
