"""NN Studio's engine: data, models, training and tuning, without any UI.

Importing ``nncore`` is cheap: each name below is imported from its module on first
use (PEP 562), so the app's first screen draws before NumPy, pandas or scikit-learn
load, and TensorFlow is only imported by the modules that train, when they do.
"""

from __future__ import annotations

import importlib

_WHERE = {
    "BUILTIN_DATASETS": "nncore.catalog",
    "DataError": "nncore.errors",
    "DataProfile": "nncore.profile",
    "DataReport": "nncore.data",
    "LoadedTable": "nncore.loading",
    "PreparedData": "nncore.prepare",
    "SpecError": "nncore.errors",
    "build_model": "nncore.model",
    "decode_spec": "nncore.sharing",
    "default_spec": "nncore.spec",
    "encode_spec": "nncore.sharing",
    "export_notebook": "nncore.export",
    "export_script": "nncore.export",
    "resolve_compile": "nncore.compiling",
    "train_and_evaluate": "nncore.training",
    "inspect_data": "nncore.data",
    "load_builtin": "nncore.datasets",
    "load_source": "nncore.data",
    "load_spec": "nncore.spec",
    "prepare_data": "nncore.prepare",
    "prepare_from_spec": "nncore.prepare",
    "profile_data": "nncore.profile",
    "read_table": "nncore.loading",
    "validate_data_spec": "nncore.spec",
    "validate_spec": "nncore.spec",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'nncore' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
