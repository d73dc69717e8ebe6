"""NN Studio's engine: data, models, training and tuning, without any UI.

Importing ``nncore`` is cheap: TensorFlow is only imported by the modules that
train, and only when they do.
"""

from nncore.data import DataReport, inspect_data, load_source
from nncore.datasets import BUILTIN_DATASETS, load_builtin
from nncore.errors import DataError, SpecError
from nncore.loading import LoadedTable, read_table
from nncore.prepare import PreparedData, prepare_data, prepare_from_spec
from nncore.profile import DataProfile, profile_data
from nncore.spec import default_spec, load_spec, validate_data_spec, validate_spec

__all__ = [
    "BUILTIN_DATASETS",
    "DataError",
    "DataProfile",
    "DataReport",
    "LoadedTable",
    "PreparedData",
    "SpecError",
    "default_spec",
    "inspect_data",
    "load_builtin",
    "load_source",
    "load_spec",
    "prepare_data",
    "prepare_from_spec",
    "profile_data",
    "read_table",
    "validate_data_spec",
    "validate_spec",
]
