"""Plotly figures from plain results: data, network, training, evaluation and
tuning charts on one base layout.
"""

from __future__ import annotations

from nncore.core.lazy import lazy_exports

_WHERE = {
    "boundary_figure": "nncore.plots.training",
    "crossval_figure": "nncore.plots.crossval",
    "curves_figure": "nncore.plots.training",
    "epoch_table": "nncore.plots.training",
    "finding_label": "nncore.plots.training",
    "history_csv": "nncore.plots.training",
    "history_figure": "nncore.plots.tuning",
    "importance_figure": "nncore.plots.evaluation",
    "metric_names": "nncore.plots.training",
    "metric_title": "nncore.plots.training",
    "network_figure": "nncore.plots.network",
    "PALETTE": "nncore.plots.base",
    "parallel_figure": "nncore.plots.tuning",
    "param_title": "nncore.plots.tuning",
    "prediction_figure": "nncore.plots.evaluation",
    "reference_figure": "nncore.plots.evaluation",
    "runs_curves_figure": "nncore.plots.evaluation",
    "runs_metrics_figure": "nncore.plots.evaluation",
    "scatter_figure": "nncore.plots.base",
}
__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
