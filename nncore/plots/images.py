"""Plotly figures of pictures: samples per class, the class balance and augmented
copies.

Built from plain data (uint8 pixels ``(n, height, width, channels)`` and
``nncore.data.images.image_overview``'s dict). A grid of pictures is drawn as one
mosaic (one PNG in the figure, not one trace per picture), each picture enlarged
without blurring, with its row's name on the left as plain text (``plot_label``).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from nncore.core.text import plot_label
from nncore.plots.base import PALETTE, base_layout

TILE_PX = 56  # the side a picture is drawn at in a grid (larger ones shrink)
GAP_PX = 6  # white space between pictures
ROW_LABEL_CHARS = 24
MAX_CLASS_ROWS = 20  # classes drawn in the sample grid
BACKGROUND = 255


def image_grid_figure(
    rows: Sequence[tuple[str, np.ndarray]],
    *,
    title: str,
    tile_px: int = TILE_PX,
    columns: int | None = None,
) -> go.Figure:
    """Rows of small pictures, each row named on the left.

    Args:
        rows: ``(name, pixels)`` pairs; ``pixels`` is uint8 ``(n, height, width,
            channels)`` (1 or 3 channels); every picture has the same size.
        title: the figure's title.
        tile_px: the longest side each picture is drawn at, in pixels: small
            pictures are enlarged without blurring, big ones shrunk. Defaults to
            ``TILE_PX``.
        columns: pictures per row; defaults to the longest row.

    Returns:
        A figure with one image trace (the mosaic, as a PNG) and the row names as
        the y axis's labels.
    """
    rows = [(name, np.asarray(pixels)) for name, pixels in rows]
    shown = [pixels for _, pixels in rows if len(pixels)]
    columns = columns or max((len(pixels) for _, pixels in rows), default=0)
    figure = go.Figure()
    if not shown or not columns:
        return base_layout(figure, title, height=160)
    tile_h, tile_w = _tile_size(shown[0].shape[1:3], tile_px)
    step_y, step_x = tile_h + GAP_PX, tile_w + GAP_PX
    mosaic = np.full(
        (len(rows) * step_y - GAP_PX, columns * step_x - GAP_PX, 3),
        BACKGROUND,
        dtype=np.uint8,
    )
    for row, (_, pixels) in enumerate(rows):
        for column, picture in enumerate(pixels[:columns]):
            y, x = row * step_y, column * step_x
            mosaic[y : y + tile_h, x : x + tile_w] = _scaled(picture, tile_h, tile_w)
    figure.add_trace(
        go.Image(
            source=_png_uri(mosaic),
            hoverinfo="skip",
            name="pictures",
        )
    )
    height, width = mosaic.shape[:2]
    figure.update_xaxes(visible=False, range=[-0.5, width - 0.5])
    figure.update_yaxes(
        range=[height - 0.5, -0.5],
        tickvals=[row * step_y + tile_h / 2 for row in range(len(rows))],
        ticktext=[plot_label(name, ROW_LABEL_CHARS) for name, _ in rows],
        showgrid=False,
        zeroline=False,
        ticks="",
        scaleanchor="x",
        constrain="domain",
    )
    return base_layout(
        figure,
        title,
        height=min(900, max(160, height + 70)),
        top=40,
        plot_bgcolor="white",
    )


def samples_figure(images: np.ndarray, overview: dict[str, Any]) -> go.Figure:
    """A few pictures of each class, one row per class (at most 8 each, and the
    first ``MAX_CLASS_ROWS`` classes).

    Args:
        images: every picture, uint8 ``(n, height, width, channels)`` (a
            ``PreparedImages``' or ``LoadedImages``' ``images``).
        overview: ``image_overview`` of the same pictures: each class's name and
            the positions of its samples.
    """
    classes = overview["classes"]
    rows = [(c["name"], images[c["samples"]]) for c in classes[:MAX_CLASS_ROWS]]
    title = "Sample pictures per class"
    if len(classes) > MAX_CLASS_ROWS:
        title += f" (the first {MAX_CLASS_ROWS} of {len(classes)} classes)"
    return image_grid_figure(rows, title=title)


def image_balance_figure(overview: dict[str, Any]) -> go.Figure:
    """Bar chart of pictures per class, each bar labelled with its share."""
    names = [plot_label(c["name"]) for c in overview["classes"]]
    counts = [c["count"] for c in overview["classes"]]
    total = sum(counts) or 1
    figure = go.Figure(
        go.Bar(
            x=names,
            y=counts,
            marker_color=[PALETTE[i % len(PALETTE)] for i in range(len(counts))],
            text=[f"{n / total:.0%}" for n in counts],
            textposition="outside",
            hovertemplate="%{x}: %{y} pictures<extra></extra>",
        )
    )
    figure.update_xaxes(type="category", title="class")
    figure.update_yaxes(title="pictures", range=[0, max(counts, default=1) * 1.15])
    return base_layout(figure, "Class balance")


def augmentation_figure(
    originals: np.ndarray, copies: Sequence[np.ndarray]
) -> go.Figure:
    """Training pictures as they are (top row) and augmented copies below.

    Args:
        originals: uint8 ``(n, height, width, channels)``.
        copies: one array like ``originals`` per row of augmented copies
            (``nncore.data.image_sets.augment_images`` with different seeds).
    """
    rows = [("as they are", originals)]
    rows += [(f"augmented {i + 1}", pixels) for i, pixels in enumerate(copies)]
    return image_grid_figure(rows, title="What training sees: augmented copies")


# --- helpers --------------------------------------------------------------------------


def _tile_size(shape, tile_px: int) -> tuple[int, int]:
    height, width = int(shape[0]), int(shape[1])
    scale = tile_px / max(height, width)
    return max(1, round(height * scale)), max(1, round(width * scale))


def _scaled(pixels: np.ndarray, height: int, width: int) -> np.ndarray:
    """One picture as RGB of ``height`` × ``width``: enlarged with sharp pixel edges
    (nearest), shrunk smoothly."""
    flat = pixels[:, :, 0] if pixels.shape[2] == 1 else pixels[:, :, :3]
    picture = Image.fromarray(np.ascontiguousarray(flat))
    bigger = height >= pixels.shape[0]
    method = Image.Resampling.NEAREST if bigger else Image.Resampling.LANCZOS
    picture = picture.resize((width, height), method).convert("RGB")
    return np.asarray(picture, dtype=np.uint8)


def _png_uri(pixels: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
