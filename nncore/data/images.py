"""Pictures split for a network: the image counterpart of ``nncore.data.prepare``.

``split_images`` splits loaded pictures (``nncore.data.image_sets``) into training,
validation and test pictures exactly as tables are split (stratified, seeded) and
finds the pitfalls of image data: too few pictures per class, one class much
bigger, pictures of very different sizes or shapes, copies across the splits.
``prepare_images`` loads and splits from a spec's ``data`` section;
``image_overview`` gives the Data screen its facts as plain data.

Example:
    >>> prepared = prepare_images({"source": "builtin:digits_images"})
    >>> prepared.image_shape, prepared.n_features, prepared.X_train.dtype
    ((8, 8, 1), 64, dtype('uint8'))
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nncore.core.errors import DataError
from nncore.core.glossary import advice
from nncore.core.text import listing, plural, quoted
from nncore.data.image_sets import FEW_PER_CLASS, LoadedImages, load_image_source
from nncore.data.prepare import DEFAULT_SPLIT, SPLITS, LazyInputs, _Inputs, _split
from nncore.spec.schema import section_defaults

IMBALANCE_RATIO = 3  # the biggest class over the smallest: a warning above it
ASPECT_SPREAD = 1.5  # the widest shape over the narrowest: a warning above it
AREA_SPREAD = 16  # the biggest picture's pixels over the smallest's: a warning above
SAMPLES_PER_CLASS = 8
CHANNEL_NAMES = ("red", "green", "blue")
SCALING = "pixels/255"


@dataclass
class PreparedImages(LazyInputs):
    """Pictures split for a network, and what was done to get them: the image
    counterpart of ``nncore.data.prepare.PreparedData``, with its attributes.

    Attributes:
        task: ``"binary"`` (two classes) or ``"multiclass"``.
        task_reason: one line saying why.
        target: ``"class"`` (the folder name is the class).
        classes: the class names, in index order.
        images: every picture, uint8 ``(n, height, width, channels)``, in
            ``file_names`` order; ``image(i)`` is picture ``i``.
        labels: every picture's class index (int64), in the same order.
        file_names: every picture's name, e.g. ``"cats/1.jpg"``.
        original_sizes: every picture's ``(height, width)`` before resizing.
        color: ``"grayscale"`` or ``"rgb"``.
        y_train, y_val, y_test: the splits' class indices (int64).
        train_index, val_index, test_index: the splits' picture positions.
        X_train, X_val, X_test: the splits' uint8 pixels ``(n, h, w, c)``, taken
            from ``images`` on first use; ``release_inputs`` drops them.
        augment: ``data.augment`` (flip, rotation, zoom, contrast), for training
            pictures only.
        scaling: ``"pixels/255"``: divide by 255 for the network's 0..1 inputs.
        stratified: whether the split kept class proportions.
        notes: what was done to split them (the loading notes are the
            ``LoadedImages``').
        warnings: problems to act on, each with its fix, the loading ones too.
        name: the source, as messages name it.
        dropped, filled, outliers, outliers_dropped, numeric_columns,
        categorical_columns, frame, preprocessor: as ``PreparedData``'s, empty.
    """

    task: str
    task_reason: str
    classes: list[str]
    images: np.ndarray
    labels: np.ndarray
    file_names: list[str]
    original_sizes: np.ndarray
    color: str
    y_train: np.ndarray
    y_val: np.ndarray
    y_test: np.ndarray
    train_index: np.ndarray
    val_index: np.ndarray
    test_index: np.ndarray
    augment: dict[str, Any] = field(default_factory=dict)
    stratified: bool = False
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    name: str = ""
    target: str = "class"
    scaling: str = SCALING
    dropped: dict[str, str] = field(default_factory=dict)
    filled: dict[str, int] = field(default_factory=dict)
    outliers: str = "keep"
    outliers_dropped: int = 0
    numeric_columns: list[str] = field(default_factory=list)
    categorical_columns: list[str] = field(default_factory=list)
    frame: None = None
    preprocessor: None = None
    X_train: np.ndarray = field(default=_Inputs("train"), repr=False, compare=False)
    X_val: np.ndarray = field(default=_Inputs("val"), repr=False, compare=False)
    X_test: np.ndarray = field(default=_Inputs("test"), repr=False, compare=False)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(height, width, channels)`` of every picture."""
        return tuple(int(n) for n in self.images.shape[1:])

    @property
    def n_features(self) -> int:
        """Height × width × channels: the inputs of a network without convolutions."""
        return math.prod(self.image_shape)

    @property
    def feature_names(self) -> list[str]:
        """One name per input of the flattened picture, in NumPy's order:
        ``"pixel 3,5"`` (grayscale) or ``"pixel 3,5 red"``."""
        height, width, channels = self.image_shape
        if channels == 1:
            return [f"pixel {r},{c}" for r in range(height) for c in range(width)]
        return [
            f"pixel {r},{c} {CHANNEL_NAMES[k]}"
            for r in range(height)
            for c in range(width)
            for k in range(channels)
        ]

    def image(self, index: int) -> np.ndarray:
        """Picture ``index`` (a position in ``file_names``), uint8 ``(h, w, c)``."""
        return self.images[index]

    def _build_inputs(self, split: str) -> np.ndarray:
        return self.images[getattr(self, f"{split}_index")]

    def summary(self) -> dict[str, Any]:
        """The plain, JSON-ready facts the CLI prints and the screens show."""
        return {
            "task": self.task,
            "target": self.target,
            "n_train": int(len(self.y_train)),
            "n_val": int(len(self.y_val)),
            "n_test": int(len(self.y_test)),
            "n_features": self.n_features,
            "image_shape": list(self.image_shape),
            "classes": list(self.classes),
            "dropped": {},
            "filled": {},
            "warnings": list(self.warnings),
        }


def prepare_images(
    data_spec: dict, base_dir: str | Path | None = None
) -> PreparedImages:
    """Load and split the pictures a spec's ``data`` section names.

    Args:
        data_spec: the ``data`` section (validated, or with only ``source``).
        base_dir: the folder a relative ZIP or folder path is also looked up in.
            Defaults to None (the current folder only).

    Raises:
        DataError: as ``load_images`` and ``split_images``.
    """
    loaded = load_image_source(data_spec, base_dir=base_dir)
    return split_images(loaded, data_spec)


def split_images(loaded: LoadedImages, data_spec: dict | None = None) -> PreparedImages:
    """Split loaded pictures into training, validation and test pictures, as
    tables are split (stratified and seeded, ``data.split`` and ``data.seed``),
    and find the pitfalls of the data.

    Args:
        loaded: the pictures.
        data_spec: the ``data`` section; its ``task``, ``split``, ``seed`` and
            ``augment`` are used. Defaults to the spec's defaults.

    Raises:
        DataError: for a task other than classification, or a split that leaves
            one part empty.
    """
    data_spec = data_spec or {}
    split = {**DEFAULT_SPLIT, **(data_spec.get("split") or {})}
    augment = {**section_defaults("data.augment"), **(data_spec.get("augment") or {})}
    task, reason = _task(loaded.classes, data_spec.get("task", "auto"))
    warnings = list(loaded.warnings)
    y = loaded.labels
    train, val, test, stratified = _split(
        y, task, split, int(data_spec.get("seed", 42)), warnings, unit="picture"
    )
    notes = [_shape_note(loaded)]  # the loading notes stay with ``loaded``
    warnings += _pitfalls(loaded, train, np.concatenate([val, test]))
    return PreparedImages(
        task=task,
        task_reason=reason,
        classes=list(loaded.classes),
        images=loaded.images,
        labels=y,
        file_names=list(loaded.file_names),
        original_sizes=loaded.original_sizes,
        color=loaded.color,
        y_train=y[train],
        y_val=y[val],
        y_test=y[test],
        train_index=train,
        val_index=val,
        test_index=test,
        augment=augment,
        stratified=stratified,
        notes=notes,
        warnings=warnings,
        name=loaded.name,
    )


def image_overview(prepared: PreparedImages | LoadedImages) -> dict[str, Any]:
    """The facts the Data screen shows about pictures, as plain data.

    Returns:
        ``{"n_images", "image_shape": [h, w, c], "color", "classes": [{"name",
        "count", "samples": [up to 8 picture positions]}], "sizes": [{"height",
        "width", "count"}] (before resizing, most common first), "resized": bool}``
        and, for prepared pictures, ``"splits": {"train", "val", "test"}`` counts.
    """
    counts = np.bincount(prepared.labels, minlength=len(prepared.classes))
    classes = []
    for index, name in enumerate(prepared.classes):
        members = np.flatnonzero(prepared.labels == index)
        picks = np.linspace(0, len(members) - 1, min(SAMPLES_PER_CLASS, len(members)))
        samples = [int(members[i]) for i in np.unique(picks.round().astype(int))]
        classes.append({"name": name, "count": int(counts[index]), "samples": samples})
    seen = Counter(map(tuple, prepared.original_sizes.tolist()))
    shape = list(prepared.image_shape)
    overview = {
        "n_images": int(len(prepared.labels)),
        "image_shape": shape,
        "color": prepared.color,
        "classes": classes,
        "sizes": [
            {"height": h, "width": w, "count": n} for (h, w), n in seen.most_common()
        ],
        "resized": any(list(size) != shape[:2] for size in seen),
    }
    if isinstance(prepared, PreparedImages):
        overview["splits"] = {
            split: int(len(getattr(prepared, f"y_{split}"))) for split in SPLITS
        }
    return overview


# --- helpers --------------------------------------------------------------------------


def _task(classes: list[str], task: str) -> tuple[str, str]:
    detected = "binary" if len(classes) == 2 else "multiclass"
    reason = f"each picture's folder is its class: {plural(len(classes), 'class')}"
    if task in ("auto", None):
        return detected, reason
    if task == "regression":
        raise DataError(
            "Pictures are sorted into classes by their folders, so the task cannot "
            "be regression. Choose 'auto', 'binary' or 'multiclass' for 'data.task'."
        )
    if task == "binary" and detected != "binary":
        raise DataError(
            f"Binary classification needs exactly 2 classes, but there are "
            f"{len(classes)} ({listing(classes, 4, 20)}). Choose 'multiclass' or "
            "'auto' for 'data.task'."
        )
    if task not in ("binary", "multiclass"):
        raise DataError(
            f"The task must be 'auto', 'binary' or 'multiclass' for pictures. Got "
            f"{task!r}."
        )
    return task, f"you chose {task} ({reason})"


def _shape_note(loaded: LoadedImages) -> str:
    height, width, channels = loaded.image_shape
    sizes = Counter(map(tuple, loaded.original_sizes.tolist()))
    resized = sum(n for size, n in sizes.items() if list(size) != [height, width])
    text = (
        f"{plural(len(loaded.labels), 'picture')} of {height}×{width} pixels, "
        f"{loaded.color} ({plural(channels, 'channel')}): "
        f"{height * width * channels:,} inputs each."
    )
    if resized:
        text += (
            f" {plural(resized, 'picture')} of {plural(len(sizes), 'other size')} "
            "were resized (stretched, not cropped)."
            if len(sizes) > 1 or resized != len(loaded.labels)
            else f" Every picture was resized from {_size_text(next(iter(sizes)))}."
        )
    return text


def _size_text(size) -> str:
    return f"{size[0]}×{size[1]}"


def _pitfalls(loaded: LoadedImages, train: np.ndarray, held: np.ndarray) -> list[str]:
    found = []
    counts = np.bincount(loaded.labels, minlength=len(loaded.classes))
    few = [c for c, n in zip(loaded.classes, counts, strict=True) if n < FEW_PER_CLASS]
    if few:
        found.append(
            advice(
                f"{listing(few, 4, 30)} {'has' if len(few) == 1 else 'have'} fewer "
                f"than {FEW_PER_CLASS} pictures (the smallest class: "
                f"{plural(int(counts.min()), 'picture')}).",
                "With so few examples the network memorises those pictures instead "
                "of learning what the class looks like, and the test scores rest "
                "on one or two pictures.",
                "add pictures to the small classes (30 or more each is a good "
                "start); augmentation (flip, rotation, zoom) also helps.",
            )
        )
    if counts.max() > IMBALANCE_RATIO * counts.min():
        big, small = int(counts.argmax()), int(counts.argmin())
        found.append(
            advice(
                f"The class {quoted(loaded.classes[big], 30)} has "
                f"{plural(int(counts[big]), 'picture')}, more than "
                f"{IMBALANCE_RATIO} times the {int(counts[small]):,} of "
                f"{quoted(loaded.classes[small], 30)}.",
                "A network trained on it tends to answer the big class, and "
                "accuracy hides how badly it does on the small one.",
                "add pictures to the small classes, or set class weights to "
                "'balanced' (Train screen).",
            )
        )
    size_problem = _size_pitfall(loaded)
    if size_problem:
        found.append(size_problem)
    duplicates = _duplicates(loaded, train, held)
    if duplicates:
        found.append(duplicates)
    return found


def _size_pitfall(loaded: LoadedImages) -> str | None:
    sizes = np.unique(loaded.original_sizes, axis=0)
    if len(sizes) < 2:
        return None
    aspects = sizes[:, 1] / sizes[:, 0]
    areas = sizes[:, 0] * sizes[:, 1]
    odd = []
    if aspects.max() / aspects.min() > ASPECT_SPREAD:
        odd.append(
            "shapes (from "
            f"{_size_text(sizes[aspects.argmin()])} to "
            f"{_size_text(sizes[aspects.argmax()])}, height × width)"
        )
    if areas.max() / areas.min() > AREA_SPREAD:
        odd.append(
            f"sizes (from {_size_text(sizes[areas.argmin()])} to "
            f"{_size_text(sizes[areas.argmax()])})"
        )
    if not odd:
        return None
    height, width, _ = loaded.image_shape
    return advice(
        f"The pictures have very different {' and '.join(odd)}; every one is "
        f"resized to {height}×{width}.",
        "Pictures of another shape are stretched, and small ones blown up and "
        "blurred, so the same thing looks different from picture to picture.",
        "crop the pictures to the same shape before loading them, or choose an "
        "image size close to most of them.",
    )


def _duplicates(
    loaded: LoadedImages, train: np.ndarray, held: np.ndarray
) -> str | None:
    hashes = np.array(
        [hashlib.blake2b(p.tobytes(), digest_size=16).digest() for p in loaded.images],
        dtype=object,
    )
    first_in_train = {}
    for position in train:
        first_in_train.setdefault(hashes[position], position)
    pairs = [
        (p, first_in_train[hashes[p]]) for p in held if hashes[p] in first_in_train
    ]
    if not pairs:
        return None
    copy, original = pairs[0]
    names = loaded.file_names
    return advice(
        f"{plural(len(pairs), 'validation or test picture')} "
        f"{'is an exact copy' if len(pairs) == 1 else 'are exact copies'} of "
        f"training pictures (after resizing), e.g. {quoted(names[copy], 50)} and "
        f"{quoted(names[original], 50)}.",
        "The network is then tested on pictures it has learnt, so its validation "
        "and test scores look better than they will be on new pictures.",
        "remove the copies from the ZIP or folder and load it again.",
    )
