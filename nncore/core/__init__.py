"""The foundation: errors, text for messages, the dataset catalog, the glossary,
resource limits, metrics, their error bars (intervals) and CSV output. Imports
nothing else from nncore.
"""

from __future__ import annotations

from nncore.core.lazy import lazy_exports

_WHERE = {
    "main_metric": "nncore.core.metrics",
    "CLASSIFICATION_METRICS": "nncore.core.metrics",
    "advice": "nncore.core.glossary",
    "Advice": "nncore.core.glossary",
    "baseline_metrics": "nncore.core.metrics",
    "bootstrap_intervals": "nncore.core.intervals",
    "BUILTIN_DATASETS": "nncore.core.catalog",
    "BuiltinDataset": "nncore.core.catalog",
    "check_upload_size": "nncore.core.limits",
    "classification_metrics": "nncore.core.metrics",
    "csv_bytes": "nncore.core.tables",
    "DataError": "nncore.core.errors",
    "dataset_title": "nncore.core.catalog",
    "find": "nncore.core.glossary",
    "format_metric": "nncore.core.metrics",
    "format_with_interval": "nncore.core.metrics",
    "GROUPS": "nncore.core.glossary",
    "histogram": "nncore.core.bins",
    "IMAGE_DATASETS": "nncore.core.catalog",
    "interval_problem": "nncore.core.intervals",
    "is_generated": "nncore.core.catalog",
    "is_image_dataset": "nncore.core.catalog",
    "json_text": "nncore.core.text",
    "LimitError": "nncore.core.limits",
    "link": "nncore.core.glossary",
    "linked_terms": "nncore.core.glossary",
    "listing": "nncore.core.text",
    "LOWER_IS_BETTER": "nncore.core.metrics",
    "METRIC_TITLES": "nncore.core.metrics",
    "MIN_INTERVAL_ROWS": "nncore.core.intervals",
    "metrics_from_outputs": "nncore.core.metrics",
    "neutralise_csv_cells": "nncore.core.tables",
    "parameters_problem": "nncore.core.limits",
    "plot_label": "nncore.core.text",
    "plural": "nncore.core.text",
    "preview": "nncore.core.text",
    "quoted": "nncore.core.text",
    "readable_number": "nncore.core.text",
    "regression_metrics": "nncore.core.metrics",
    "resampled_metrics": "nncore.core.intervals",
    "search": "nncore.core.glossary",
    "short": "nncore.core.text",
    "SpecError": "nncore.core.errors",
    "TERMS": "nncore.core.glossary",
}
__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
