"""NN Studio's engine: data, models, training and tuning, without any UI.

Importing ``nncore`` is cheap: each name below is imported from its module on first
use (PEP 562), so the app's first screen draws before NumPy, pandas or scikit-learn
load, and TensorFlow is only imported by the modules that train, when they do.
"""

from __future__ import annotations

import importlib

from nncore.core.cpus import ask_for_two_inter_op_threads

# Before TensorFlow starts: on a machine with one CPU, training waited forever
# (see nncore.core.cpus).
ask_for_two_inter_op_threads()

_WHERE = {
    "BUILTIN_DATASETS": "nncore.core.catalog",
    "DataError": "nncore.core.errors",
    "DataProfile": "nncore.data.profile",
    "DataReport": "nncore.data.inspect",
    "LoadedTable": "nncore.data.loading",
    "PreparedData": "nncore.data.prepare",
    "SpecError": "nncore.core.errors",
    "build_model": "nncore.train.model",
    "decode_spec": "nncore.spec.sharing",
    "default_spec": "nncore.spec.schema",
    "encode_spec": "nncore.spec.sharing",
    "export_notebook": "nncore.report.export",
    "export_script": "nncore.report.export",
    "resolve_compile": "nncore.train.compiling",
    "train_and_evaluate": "nncore.train.trainer",
    "inspect_data": "nncore.data.inspect",
    "load_builtin": "nncore.data.sources",
    "load_source": "nncore.data.inspect",
    "load_spec": "nncore.spec.parse",
    "prepare_data": "nncore.data.prepare",
    "prepare_from_spec": "nncore.data.prepare",
    "profile_data": "nncore.data.profile",
    "read_table": "nncore.data.loading",
    "validate_data_spec": "nncore.spec.validation",
    "validate_spec": "nncore.spec.validation",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'nncore' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
