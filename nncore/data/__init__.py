"""Data: built-in sources, reading files, type detection, preparation (split,
scaling, encoding) and the profile with its pitfalls; image datasets (reading ZIPs
and folders of class folders, the built-in image sets, their split and pitfalls).
No TensorFlow.
"""

from __future__ import annotations

from nncore.core.lazy import lazy_exports

_WHERE = {
    "augment_images": "nncore.data.image_sets",
    "clean_labels": "nncore.data.detect",
    "column_kind": "nncore.data.profile",
    "DataProfile": "nncore.data.profile",
    "decode_image": "nncore.data.image_sets",
    "detect_task": "nncore.data.detect",
    "draw_shapes": "nncore.data.shapes",
    "find_outliers": "nncore.data.profile",
    "image_overview": "nncore.data.images",
    "images_zip": "nncore.data.image_sets",
    "inspect_data": "nncore.data.inspect",
    "is_imbalanced": "nncore.data.profile",
    "load_builtin": "nncore.data.sources",
    "load_builtin_images": "nncore.data.image_sets",
    "load_images": "nncore.data.image_sets",
    "load_source": "nncore.data.inspect",
    "LoadedImages": "nncore.data.image_sets",
    "LoadedTable": "nncore.data.loading",
    "MAX_MAGNITUDE": "nncore.data.prepare",
    "OutlierClipper": "nncore.data.outliers",
    "OutlierFinding": "nncore.data.profile",
    "prepare_data": "nncore.data.prepare",
    "prepare_from_spec": "nncore.data.prepare",
    "prepare_images": "nncore.data.images",
    "PreparedData": "nncore.data.prepare",
    "PreparedImages": "nncore.data.images",
    "profile_data": "nncore.data.profile",
    "read_table": "nncore.data.loading",
    "split_images": "nncore.data.images",
}
__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
