"""The experiment spec: its schema (fields, bounds, defaults), validation, parsing
and share links. Imports only nncore.core.
"""

from __future__ import annotations

from nncore.core.lazy import lazy_exports

_WHERE = {
    "ACTIVATIONS": "nncore.spec.schema",
    "bounds": "nncore.spec.schema",
    "check_shape": "nncore.spec.shape",
    "check_stack": "nncore.spec.stack",
    "choices": "nncore.spec.schema",
    "decode_json_bytes": "nncore.spec.parse",
    "decode_spec": "nncore.spec.sharing",
    "default_spec": "nncore.spec.schema",
    "DEFAULT_SPEC": "nncore.spec.schema",
    "DimensionInfo": "nncore.spec.schema",
    "DIMENSIONS": "nncore.spec.schema",
    "encode_spec": "nncore.spec.sharing",
    "field": "nncore.spec.schema",
    "IMAGE_LAYER_TYPES": "nncore.spec.schema",
    "Field": "nncore.spec.schema",
    "INITIALIZERS": "nncore.spec.schema",
    "input_shape_of": "nncore.spec.stack",
    "LAYER_TYPES": "nncore.spec.schema",
    "layer_shapes": "nncore.spec.stack",
    "load_spec": "nncore.spec.parse",
    "LOSS_NAMES": "nncore.spec.schema",
    "MAX_HIDDEN_LAYERS": "nncore.spec.schema",
    "MAX_LAYERS": "nncore.spec.schema",
    "MAX_LEARNING_RATE": "nncore.spec.schema",
    "MAX_UNITS": "nncore.spec.schema",
    "merge_section": "nncore.spec.fields",
    "METRIC_NAMES": "nncore.spec.schema",
    "MIN_LEARNING_RATE": "nncore.spec.schema",
    "one_of": "nncore.spec.fields",
    "OPTIMIZER_NAMES": "nncore.spec.schema",
    "QUERY_KEY": "nncore.spec.sharing",
    "SCALINGS": "nncore.spec.schema",
    "SCHEMA": "nncore.spec.schema",
    "SECTIONS": "nncore.spec.schema",
    "spec_from_json": "nncore.spec.sharing",
    "spec_from_text": "nncore.spec.parse",
    "spec_to_json": "nncore.spec.sharing",
    "TASKS": "nncore.spec.schema",
    "TUNE_METHODS": "nncore.spec.schema",
    "TUNE_PRUNERS": "nncore.spec.schema",
    "validate_compile_spec": "nncore.spec.compiling",
    "validate_data_spec": "nncore.spec.validation",
    "validate_model_spec": "nncore.spec.model",
    "validate_space": "nncore.spec.space",
    "validate_spec": "nncore.spec.validation",
    "validate_train_spec": "nncore.spec.validation",
    "validate_tune_spec": "nncore.spec.validation",
}
__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
