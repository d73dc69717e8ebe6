"""The names and descriptions of the built-in datasets.

Kept apart from ``nncore.data.sources`` so the app can list datasets without importing
NumPy, pandas or scikit-learn (the first screen draws before those load).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BuiltinDataset:
    """What the Data screen says about a built-in dataset."""

    title: str
    description: str
    generated: bool = False


BUILTIN_DATASETS: dict[str, BuiltinDataset] = {
    "breast_cancer": BuiltinDataset(
        "Breast cancer (binary)",
        "569 tumours, 30 measurements each: is it malignant or benign?",
    ),
    "iris": BuiltinDataset(
        "Iris flowers (3 classes)", "150 flowers, 4 measurements: which species?"
    ),
    "wine": BuiltinDataset(
        "Wine (3 classes)", "178 wines, 13 chemical measurements: which cultivar?"
    ),
    "digits": BuiltinDataset(
        "Handwritten digits (10 classes)",
        "1,797 images of 8×8 pixels (64 features): which digit 0-9?",
    ),
    "diabetes": BuiltinDataset(
        "Diabetes progression (regression)",
        "442 patients, 10 measurements: disease progression one year later.",
    ),
    "circle": BuiltinDataset(
        "Circle (2-D, binary)",
        "Points inside or outside a circle: needs a curved boundary.",
        generated=True,
    ),
    "xor": BuiltinDataset(
        "XOR (2-D, binary)",
        "Four quadrants, opposite corners share a class: no straight line works.",
        generated=True,
    ),
    "gaussian": BuiltinDataset(
        "Gaussian clusters (2-D, binary)",
        "Two blobs of points: the easy case, a straight line separates them.",
        generated=True,
    ),
    "spiral": BuiltinDataset(
        "Spiral (2-D, binary)",
        "Two interleaved spirals: the hardest of the 2-D sets.",
        generated=True,
    ),
    "plane": BuiltinDataset(
        "Plane (2-D, regression)",
        "A value that rises across the plane: the simplest regression.",
        generated=True,
    ),
}

# The image datasets (nncore.data.images), kept apart from BUILTIN_DATASETS: those
# are tables, and whatever lists or loads BUILTIN_DATASETS expects a table.
IMAGE_DATASETS: dict[str, BuiltinDataset] = {
    "digits_images": BuiltinDataset(
        "Handwritten digits as images (10 classes)",
        "1,797 grayscale pictures of 8×8 pixels: which digit 0-9?",
    ),
    "shapes": BuiltinDataset(
        "Shapes (4 classes, images)",
        "28×28 grayscale drawings of circles, squares, triangles and crosses of "
        "random size, place and angle: where convolutions shine.",
        generated=True,
    ),
}


def is_image_dataset(source: str) -> bool:
    """Whether a spec's ``data.source`` names a built-in image dataset
    (``builtin:digits_images``, ``builtin:shapes``)."""
    name = source.split(":", 1)[1] if source.startswith("builtin:") else None
    return name in IMAGE_DATASETS


def is_generated(source: str) -> bool:
    """Whether a spec's ``data.source`` names one of the 2-D generators."""
    name = source.split(":", 1)[1] if source.startswith("builtin:") else None
    return name in BUILTIN_DATASETS and BUILTIN_DATASETS[name].generated


def dataset_title(source: str | None) -> str:
    """The name people know a dataset by: a built-in's title, or the file name."""
    if not source:
        return "unknown data"
    if source.startswith("builtin:"):
        name = source.split(":", 1)[1]
        known = BUILTIN_DATASETS.get(name) or IMAGE_DATASETS.get(name)
        return known.title if known is not None else name
    return source
