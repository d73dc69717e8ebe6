"""Pictures and charts of an image classifier's evaluation, from the plain results
of ``nncore.train.image_evaluation``: each class's accuracy as bars, and
thumbnails (pictures enlarged pixel by pixel, so an 8x8 digit stays sharp) for the
screens to show with ``st.image``.

Example:
    >>> per_class_figure(per_class_accuracy(evaluation))
    >>> thumbnail(prepared.image(0)).shape
    (64, 64)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from nncore.core.text import plot_label
from nncore.plots.base import PALETTE, base_layout, empty_note

__all__ = ["THUMBNAIL_SIDE", "per_class_figure", "thumbnail"]

THUMBNAIL_SIDE = 72
BLUE, ORANGE, VERMILLION = PALETTE[0], PALETTE[1], PALETTE[5]
# A class this far under the mean accuracy is coloured as a weak one.
WEAK_GAP = 0.1


def thumbnail(pixels: Any, side: int = THUMBNAIL_SIDE) -> np.ndarray:
    """A picture enlarged by a whole factor (each pixel a square block) so its
    longer side is about ``side``; pictures already as big are kept as they are.

    Args:
        pixels: uint8 ``(H, W, C)`` with 1 or 3 channels (or ``(H, W)``).
        side: the longer side wanted, in pixels. Default: 72.

    Returns:
        uint8 ``(h, w)`` for grayscale, ``(h, w, 3)`` for colour.
    """
    pixels = np.asarray(pixels)
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[:, :, 0]
    factor = max(1, int(side) // max(pixels.shape[:2]))
    enlarged = pixels.repeat(factor, axis=0).repeat(factor, axis=1)
    return np.ascontiguousarray(enlarged, dtype=np.uint8)


def per_class_figure(
    rows: Sequence[Mapping[str, Any]], title: str = "Accuracy per class"
) -> go.Figure:
    """Each class's accuracy as a bar, the weak classes in orange.

    Args:
        rows: ``nncore.train.image_evaluation.per_class_accuracy``.
        title: the figure's title. Default: "Accuracy per class".
    """
    known = [row for row in rows if row.get("accuracy") is not None]
    figure = go.Figure()
    if not known:
        empty_note(figure, "No pictures to score.")
        return base_layout(figure, title)
    mean = sum(row["right"] for row in known) / sum(row["pictures"] for row in known)
    figure.add_trace(
        go.Bar(
            x=[plot_label(row["class"], 20) for row in known],
            y=[row["accuracy"] for row in known],
            marker_color=[
                ORANGE if row["accuracy"] < mean - WEAK_GAP else BLUE for row in known
            ],
            text=[f"{row['accuracy']:.0%}" for row in known],
            textposition="outside",
            cliponaxis=False,
            customdata=[[row["right"], row["pictures"]] for row in known],
            hovertemplate="%{x}: %{customdata[0]} of %{customdata[1]} pictures right "
            "(%{y:.1%})<extra></extra>",
        )
    )
    figure.add_hline(y=mean, line_dash="dash", line_color=VERMILLION)
    figure.update_xaxes(
        type="category", title=f"true class (dashed: all pictures, {mean:.0%})"
    )
    figure.update_yaxes(
        title="share predicted right", range=[0, 1.12], tickformat=".0%"
    )
    return base_layout(figure, title, top=60)
