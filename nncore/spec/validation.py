"""The experiment spec: one plain, JSON-serialisable dict for a whole experiment.

The app edits it, the CLI runs it, and exporters turn it into code. Top-level keys
are fixed (``data``, ``model``, ``compile``, ``train``, ``tune``); fields inside may
grow. Each section's fields, defaults and bounds are in ``nncore.spec.schema``; this
module checks the ``data``, ``train`` and ``tune`` sections and the whole spec (the
``model``, ``compile`` and ``tune.space`` rules have modules of their own).
"""

from __future__ import annotations

import copy
from typing import Any

from nncore.core.catalog import BUILTIN_DATASETS, IMAGE_DATASETS
from nncore.core.errors import SpecError
from nncore.spec.compiling import validate_compile_spec
from nncore.spec.fields import check_field, expected, fail, merge_section, one_of
from nncore.spec.model import validate_model_spec
from nncore.spec.schema import (
    MAX_IMAGE_SIDE,
    MIN_IMAGE_SIDE,
    SCHEMA,
    SECTION_EXPECTED,
    SECTIONS,
    default_spec,
    section_defaults,
)
from nncore.spec.shape import check_shape
from nncore.spec.space import validate_space


def validate_data_spec(data: Any) -> dict[str, Any]:
    """Check the ``data`` part of a spec and return it with defaults filled in.

    Args:
        data: the ``data`` dict of an experiment spec.

    Returns:
        A new dict with every field present.

    Raises:
        SpecError: naming the field, the value received and what is expected.
    """
    merged = merge_section(
        data, section_defaults("data"), "data", expected=SECTION_EXPECTED["data"]
    )
    split = merge_section(merged["split"], section_defaults("data.split"), "data.split")
    merged["split"] = split
    source = check_field(merged, "data.source")
    if source.startswith("builtin:"):
        name = source.split(":", 1)[1]
        if name not in BUILTIN_DATASETS and name not in IMAGE_DATASETS:
            raise fail(
                "data.source",
                source,
                "names an unknown built-in dataset; expected one of "
                + one_of(f"builtin:{n}" for n in [*BUILTIN_DATASETS, *IMAGE_DATASETS]),
            )
    for name in (
        "target",
        "task",
        "scaling",
        "seed",
        "n_samples",
        "max_categories",
        "noise",
        "clean_labels",
        "outliers",
    ):
        check_field(merged, f"data.{name}")
    for part in ("train", "val", "test"):
        check_field(split, f"data.split.{part}")
    total = split["train"] + split["val"] + split["test"]
    if abs(total - 1) > 1e-6:
        raise SpecError(
            "The 'data.split' fractions must add up to 1. Got "
            f"train={split['train']} + val={split['val']} + test={split['test']} "
            f"= {round(total, 6)}. For example use 0.7, 0.15 and 0.15."
        )
    check_field(split, "data.split.stratify")
    _image_sections(merged)
    return merged


def _image_sections(merged: dict[str, Any]) -> None:
    """Check the image datasets' sub-sections (``data.images``, ``data.augment``,
    ``data.shapes``) in place; every spec has them, whatever its source."""
    images = _subsection(merged, "data.images", ("color",))
    images["size"] = image_size(images["size"])
    merged["images"] = images
    merged["augment"] = _subsection(
        merged, "data.augment", ("flip", "rotation", "zoom", "contrast")
    )
    shapes = _subsection(
        merged, "data.shapes", ("min_size", "max_size", "jitter", "rotation")
    )
    if shapes["min_size"] > shapes["max_size"]:
        raise SpecError(
            "The 'data.shapes.min_size' field must be at most 'data.shapes.max_size'. "
            f"Got min_size={shapes['min_size']} and max_size={shapes['max_size']}; "
            "for example use 0.4 and 0.8."
        )
    merged["shapes"] = shapes


def image_size(value: Any) -> Any:
    """``data.images.size`` checked: ``"auto"`` (or null), a whole number of pixels
    (square pictures) or ``[height, width]``; returned as given, a list for a
    tuple.

    Raises:
        SpecError: naming the field, the value received and what is expected.
    """
    if value is None or value == "auto":
        return value
    sides = list(value) if isinstance(value, list | tuple) else [value]
    if len(sides) in (1, 2) and all(
        isinstance(side, int)
        and not isinstance(side, bool)
        and MIN_IMAGE_SIDE <= side <= MAX_IMAGE_SIDE
        for side in sides
    ):
        return sides if isinstance(value, list | tuple) else value
    raise fail("data.images.size", value, expected(SCHEMA["data.images.size"]))


def validate_train_spec(train: Any) -> dict[str, Any]:
    """Check the ``train`` part of a spec and return it with defaults filled in.

    Raises:
        SpecError: naming the field, the value received and what is expected.
    """
    merged = merge_section(
        train, section_defaults("train"), "train", expected=SECTION_EXPECTED["train"]
    )
    for name in ("epochs", "batch_size", "seed", "class_weight"):
        check_field(merged, f"train.{name}")
    merged["early_stopping"] = _subsection(
        merged, "train.early_stopping", ("enabled", "restore_best", "patience")
    )
    check_field(merged, "train.save_best")
    merged["reduce_lr"] = _subsection(
        merged, "train.reduce_lr", ("enabled", "patience", "factor")
    )
    return merged


def _subsection(section: dict, path: str, names: tuple[str, ...]) -> dict[str, Any]:
    """A sub-section (``"train.reduce_lr"``) merged over its defaults, its fields
    ``names`` checked in that order."""
    merged = merge_section(
        section[path.rpartition(".")[2]], section_defaults(path), path
    )
    for name in names:
        check_field(merged, f"{path}.{name}")
    return merged


def validate_tune_spec(tune: Any) -> dict[str, Any]:
    """Check the ``tune`` part of a spec and return it with defaults filled in.

    Raises:
        SpecError: naming the field, the value received and what is expected.
    """
    merged = merge_section(
        tune, section_defaults("tune"), "tune", expected=SECTION_EXPECTED["tune"]
    )
    for name in ("method", "pruner", "trials", "minutes", "epochs"):
        check_field(merged, f"tune.{name}")
    merged["space"] = validate_space(merged["space"])
    return merged


def validate_spec(spec: Any) -> dict[str, Any]:
    """Check a whole experiment spec and return it with defaults filled in.

    Raises:
        SpecError: naming the field, the value received and what is expected.
    """
    check_shape(spec)
    if not isinstance(spec, dict):
        raise SpecError(
            "An experiment spec must be a JSON object with the sections "
            f"{', '.join(SECTIONS)}. Got {type(spec).__name__}."
        )
    unknown = sorted(set(spec) - set(SECTIONS))
    if unknown:
        raise SpecError(
            f"The experiment spec has an unknown section '{unknown[0]}'. "
            f"Expected sections: {', '.join(SECTIONS)}."
        )
    merged = default_spec()
    for section in SECTIONS:
        if section in spec:
            if not isinstance(spec[section], dict):
                raise fail(section, spec[section], "must be an object")
            merged[section] = {**merged[section], **copy.deepcopy(spec[section])}
    merged["data"] = validate_data_spec(spec.get("data", {}))
    merged["model"] = validate_model_spec(merged["model"])
    merged["compile"] = validate_compile_spec(merged["compile"])
    merged["train"] = validate_train_spec(merged["train"])
    merged["tune"] = validate_tune_spec(merged["tune"])
    return merged
