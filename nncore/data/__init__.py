"""Data: built-in sources, reading files, type detection, preparation (split,
scaling, encoding) and the profile with its pitfalls. No TensorFlow.
"""

from __future__ import annotations

from nncore.core.lazy import lazy_exports

_WHERE = {
    "clean_labels": "nncore.data.detect",
    "column_kind": "nncore.data.profile",
    "DataProfile": "nncore.data.profile",
    "detect_task": "nncore.data.detect",
    "find_outliers": "nncore.data.profile",
    "inspect_data": "nncore.data.inspect",
    "is_imbalanced": "nncore.data.profile",
    "load_builtin": "nncore.data.sources",
    "load_source": "nncore.data.inspect",
    "LoadedTable": "nncore.data.loading",
    "MAX_MAGNITUDE": "nncore.data.prepare",
    "OutlierClipper": "nncore.data.outliers",
    "OutlierFinding": "nncore.data.profile",
    "prepare_data": "nncore.data.prepare",
    "prepare_from_spec": "nncore.data.prepare",
    "PreparedData": "nncore.data.prepare",
    "profile_data": "nncore.data.profile",
    "read_table": "nncore.data.loading",
}
__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
