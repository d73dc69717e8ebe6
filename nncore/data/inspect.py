"""The Data screen's work in one call: load the source, prepare, profile.

Image sources (``builtin:digits_images``, ``builtin:shapes``, a ZIP or a folder of
class folders) go to ``nncore.data.image_sets`` and ``nncore.data.images``:
``load_source`` returns a ``LoadedImages`` for them, and ``inspect_data`` a report
whose ``prepared`` is a ``PreparedImages`` and whose ``profile`` is None.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nncore.core import memory
from nncore.core.catalog import is_image_dataset
from nncore.core.errors import DataError
from nncore.core.text import quoted
from nncore.data.loading import LoadedTable, read_table
from nncore.data.prepare import (
    DataOutline,
    PreparedData,
    outline_data,
    prepare_from_spec,
)
from nncore.data.profile import DataOverview, DataProfile, overview_data, profile_data
from nncore.data.sources import load_builtin

if TYPE_CHECKING:
    from nncore.data.image_sets import LoadedImages
    from nncore.data.images import PreparedImages


@dataclass
class DataReport:
    """A loaded, prepared and profiled dataset."""

    table: LoadedTable | LoadedImages
    prepared: PreparedData | PreparedImages
    profile: DataProfile | None  # None for pictures: see nncore.data.images

    @property
    def warnings(self) -> list[str]:
        """Everything the user should act on: load problems, preparation, pitfalls."""
        seen: list[str] = []
        pitfalls = self.profile.pitfalls if self.profile is not None else []
        for message in self.table.warnings + self.prepared.warnings + pitfalls:
            if message not in seen:
                seen.append(message)
        return seen


def load_source(
    data_spec: dict, base_dir: str | Path | None = None
) -> LoadedTable | LoadedImages:
    """Load the table (or the pictures) named by ``data_spec["source"]``.

    A ZIP, a folder or a built-in image dataset gives a ``LoadedImages``
    (``nncore.data.image_sets.load_image_source``), anything else a table.

    Args:
        data_spec: a validated ``data`` section of an experiment spec.
        base_dir: folder that relative file paths are also looked up in (the
            experiment file's folder). Defaults to None (current folder only).

    Raises:
        DataError: when the source cannot be read.
    """
    source = data_spec["source"]
    if is_image_dataset(source):
        return _images(data_spec)
    if source.startswith("builtin:"):
        name = source.split(":", 1)[1]
        frame = load_builtin(
            name,
            n_samples=data_spec["n_samples"],
            noise=data_spec["noise"],
            random_state=data_spec["seed"],
        )
        return LoadedTable(frame=frame, name=name, notes=["built-in dataset"])
    path = Path(source).expanduser()
    try:
        if not path.is_absolute() and not path.exists() and base_dir is not None:
            beside = Path(base_dir) / path
            if beside.exists():
                path = beside
        found = path.exists()
    except OSError as error:  # e.g. a name longer than the system allows
        raise DataError(
            f"The 'data.source' path {quoted(source, 60)} cannot be used "
            f"({error.strerror or error}). Give the path of a CSV, TSV, Excel or "
            "Parquet file, or pass the file with --data FILE."
        ) from error
    if path.is_dir() or path.suffix.lower() == ".zip":
        return _images(data_spec, path)
    if not found:
        raise DataError(
            f"The data file {quoted(source, 120)} does not exist. Check "
            "'data.source' in the experiment, or pass the file with --data FILE."
        )
    return read_table(path)


def _images(data_spec: dict, path: Path | None = None) -> LoadedImages:
    from nncore.data.image_sets import load_image_source

    return load_image_source(data_spec, path)


def inspect_data(table: LoadedTable | LoadedImages, data_spec: dict) -> DataReport:
    """Prepare and profile a loaded table with the spec's settings; split loaded
    pictures (``nncore.data.images.split_images``; no profile).

    The memory that each step frees (a large table's copies) is handed back to the
    system after it, so that the next step and other sessions can use it.
    """
    if not isinstance(table, LoadedTable):
        from nncore.data.images import split_images

        return DataReport(
            table=table, prepared=split_images(table, data_spec), profile=None
        )
    prepared = prepare_from_spec(table.frame, data_spec)
    memory.return_freed_memory()
    profile = profile_data(prepared, split=data_spec["split"])
    memory.return_freed_memory()
    return DataReport(table=table, prepared=prepared, profile=profile)


def overview_from_spec(
    table: LoadedTable, data_spec: dict
) -> tuple[DataOutline, DataOverview | None]:
    """The table's outline (target, task, classes, column kinds) and the facts of
    the overview charts (rows per class or the target's distribution, each feature's
    relation with the target) before the data is split and scaled: what
    ``inspect_data(table, data_spec)`` will show in them, in a fraction of the time
    and without importing scikit-learn.

    Returns:
        The ``DataOutline`` and a ``DataOverview``; the overview is None when
        ``data.outliers`` is ``"drop"`` (the charts then count only the training
        rows that are kept, known after the split).

    Raises:
        DataError: as ``inspect_data`` does for a missing or unusable target.
    """
    outline = outline_data(
        table.frame,
        data_spec.get("target"),
        task=data_spec["task"],
        clean_labels=data_spec["clean_labels"],
    )
    if data_spec.get("outliers", "keep") == "drop":
        return outline, None
    return outline, overview_data(outline)
