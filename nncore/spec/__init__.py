"""The experiment spec: its schema (fields, bounds, defaults), validation, parsing
and share links. Imports only nncore.core.
"""

from __future__ import annotations

from nncore.core.lazy import lazy_exports

_WHERE = {
    "decode_spec": "nncore.spec.sharing",
    "default_spec": "nncore.spec.validation",
    "DEFAULT_SPEC": "nncore.spec.validation",
    "encode_spec": "nncore.spec.sharing",
    "load_spec": "nncore.spec.validation",
    "merge_section": "nncore.spec.validation",
    "QUERY_KEY": "nncore.spec.sharing",
    "spec_from_json": "nncore.spec.sharing",
    "spec_to_json": "nncore.spec.sharing",
    "validate_data_spec": "nncore.spec.validation",
    "validate_spec": "nncore.spec.validation",
    "validate_train_spec": "nncore.spec.validation",
    "validate_tune_spec": "nncore.spec.validation",
}
__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
