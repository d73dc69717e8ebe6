"""The lab report's data section for pictures (``PreparedImages``): how many, their
size and colour mode, the classes with a few sample pictures each, the splits,
what was done to them and their pitfalls.

The sample pictures are small PNGs inlined as data URIs (the file stays
self-contained), drawn with sharp pixels at a readable size.
"""

from __future__ import annotations

import base64
import io
from types import SimpleNamespace
from typing import Any

import numpy as np

from nncore.report.html_parts import bullet_list, paragraph, table, text

__all__ = ["SAMPLES_PER_CLASS", "picture_data_section", "thumbnail"]

# Sample pictures shown per class, and classes shown with samples.
SAMPLES_PER_CLASS = 4
MAX_CLASSES_SHOWN = 20
# Shown this many CSS pixels wide, whatever the pictures' size.
THUMBNAIL_PX = 48


def thumbnail(pixels: np.ndarray, name: str) -> str:
    """One picture (uint8 ``(h, w, c)``) as an ``<img>`` with an inlined PNG; its
    file name (escaped) as the tooltip and alternative text."""
    from PIL import Image

    array = pixels[:, :, 0] if pixels.shape[-1] == 1 else pixels
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(array)).save(buffer, format="PNG")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f'<img src="data:image/png;base64,{data}" alt="{text(name)}" '
        f'title="{text(name)}" width="{THUMBNAIL_PX}" '
        'style="image-rendering: pixelated; margin: 2px; border: 1px solid #dadce0">'
    )


def picture_data_section(prepared: Any, figure) -> tuple[str, list[str]]:
    """The data section for pictures, and its pitfalls (for "What to try next").

    Args:
        prepared: the ``PreparedImages`` the run trained on.
        figure: the report's figure writer (``nncore.report.html_parts.Figures``).
    """
    from nncore.data.images import image_overview
    from nncore.plots.base import class_balance_figure

    overview = image_overview(prepared)
    height, width, channels = overview["image_shape"]
    splits = overview["splits"]
    parts = [
        table(
            None,
            [
                ("Pictures", f"{overview['n_images']:,}"),
                (
                    "Size",
                    f"{height}×{width} pixels, {overview['color']} "
                    f"({channels} channel{'s' if channels > 1 else ''})",
                ),
                ("Inputs per picture", f"{prepared.n_features:,}"),
                ("Classes", f"{len(prepared.classes):,} (the folder names)"),
                ("Task", f"{prepared.task} ({prepared.task_reason})"),
                (
                    "Pictures for training / validation / test",
                    f"{splits['train']:,} / {splits['val']:,} / {splits['test']:,}",
                ),
            ],
        )
    ]
    augment = [
        f"{name} {value}"
        for name, value in (prepared.augment or {}).items()
        if value and name in ("flip", "rotation", "zoom", "contrast")
    ]
    if augment:
        parts.append(
            paragraph(
                "Augmentation of the training pictures: " + ", ".join(augment) + ".",
                "caption",
            )
        )
    rows = []
    for entry in overview["classes"][:MAX_CLASSES_SHOWN]:
        samples = entry["samples"][:SAMPLES_PER_CLASS]
        images = "".join(
            thumbnail(prepared.image(i), prepared.file_names[i]) for i in samples
        )
        rows.append(
            f"<tr><td>{text(entry['name'])}</td>"
            f'<td class="number">{entry["count"]:,}</td><td>{images}</td></tr>'
        )
    parts.append(
        "<h3>Classes and sample pictures</h3><table><thead><tr><th>Class</th>"
        "<th>Pictures</th><th>Samples</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )
    if len(overview["classes"]) > MAX_CLASSES_SHOWN:
        parts.append(
            paragraph(
                f"The first {MAX_CLASSES_SHOWN} of {len(overview['classes'])} "
                "classes are shown.",
                "caption",
            )
        )
    if prepared.notes:
        parts.append("<h3>What was done to them</h3>" + bullet_list(prepared.notes))
    pitfalls = list(prepared.warnings)
    parts.append("<h3>Pitfalls</h3>")
    if pitfalls:
        parts.append(bullet_list(pitfalls))
    else:
        parts.append(paragraph("No pitfall found in these pictures.", "empty"))
    counts = SimpleNamespace(
        class_counts={entry["name"]: entry["count"] for entry in overview["classes"]}
    )
    parts.append(figure(class_balance_figure(counts), narrow=True))
    return "".join(parts), pitfalls
