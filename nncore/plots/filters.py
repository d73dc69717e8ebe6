"""What a convolutional network sees: its first layer's filters as small pictures,
and one picture's feature maps through each convolution and pooling, from the
plain arrays of ``nncore.inside.convolution``.

Each figure is a mosaic: the filters (or one layer's maps) side by side in one
trace with a thin gap between them, so dozens of small pictures draw as fast as
one. Pixels are square and rows run top to bottom, as in the picture.

Example:
    >>> network = unpack(layers, (8, 8, 1), "multiclass", 10, snapshot)
    >>> filters_figure(first_filters(network))
    >>> feature_maps_figure(feature_maps(network, prepared.image(0)))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from nncore.plots.base import base_layout
from nncore.plots.inside import NEGATIVE_COLOUR, POSITIVE_COLOUR
from nncore.spec.stack import shape_text

__all__ = [
    "FEATURE_MAPS_CAPTION",
    "FILTERS_CAPTION",
    "feature_maps_figure",
    "filters_figure",
]

FILTERS_CAPTION = (
    "Each square is one filter of the first convolution: the weights it multiplies "
    "a small patch of the picture by. Blue weights add where the picture is bright, "
    "red ones subtract; a filter lights up on the pattern it looks like (an edge, a "
    "stroke, a corner). They start as noise and take shape as the network learns."
)
FEATURE_MAPS_CAPTION = (
    "What each convolution and pooling makes of the picture: one small picture per "
    "filter (a feature map), bright where the filter found its pattern. Each map is "
    "scaled on its own, from its lowest value (black) to its highest (white). "
    "Pooling keeps the strongest (max) or the average of each square, so the maps "
    "shrink while what they found stays."
)
# Filters (or maps) per row of a mosaic, and the gap between them (in their pixels).
COLUMNS = 8
GAP = 1
MAX_FILTERS = 32


def _mosaic(tiles: Sequence[np.ndarray], columns: int, fill: Any) -> np.ndarray:
    """Tiles of one size side by side, ``columns`` a row, ``fill`` between them."""
    height, width = tiles[0].shape[:2]
    rows = math.ceil(len(tiles) / columns)
    columns = min(columns, len(tiles))
    shape = (
        rows * (height + GAP) - GAP,
        columns * (width + GAP) - GAP,
        *tiles[0].shape[2:],
    )
    mosaic = np.full(shape, fill, dtype=np.asarray(tiles[0]).dtype)
    for i, tile in enumerate(tiles):
        top, left = (i // columns) * (height + GAP), (i % columns) * (width + GAP)
        mosaic[top : top + height, left : left + width] = tile
    return mosaic


def _picture_axes(figure: go.Figure, **where) -> None:
    """No ticks, square pixels, the first row at the top."""
    figure.update_xaxes(
        visible=False, constrain="domain", showgrid=False, zeroline=False, **where
    )
    figure.update_yaxes(
        visible=False,
        autorange="reversed",
        scaleanchor="x" if not where else f"x{_suffix(where)}",
        showgrid=False,
        zeroline=False,
        **where,
    )


def _suffix(where: dict) -> str:
    row = where.get("row", 1)
    return "" if row == 1 else str(row)


def filters_figure(
    kernel: Any,
    *,
    title: str = "The first layer's filters",
    max_filters: int = MAX_FILTERS,
) -> go.Figure:
    """The filters of a convolution as small pictures, numbered.

    Args:
        kernel: the convolution's kernel, ``(k, k, input channels, filters)``
            (``nncore.inside.convolution.first_filters``).
        title: the figure's title. Default: "The first layer's filters".
        max_filters: the most filters drawn (the first ones). Default: 32.

    Returns:
        One trace: a heatmap of the weights (blue positive, red negative, white
        zero, one scale for all) for one input channel, or an image (each filter's
        weights as colours, grey zero) for an RGB picture; more than one
        channel otherwise is drawn as the channels' mean. One annotation per
        filter: its number.
    """
    kernel = np.asarray(kernel, dtype="float64")
    if kernel.ndim != 4:
        raise ValueError(
            f"Received a kernel of shape {kernel.shape}. Expected (kernel_size, "
            "kernel_size, input channels, filters)."
        )
    size, _, channels, count = kernel.shape
    shown = min(count, max(1, int(max_filters)))
    largest = float(np.abs(kernel[..., :shown]).max()) or 1.0
    figure = go.Figure()
    if channels == 3:
        tiles = [
            np.rint(127.5 + 127.5 * kernel[..., k] / largest).astype(np.uint8)
            for k in range(shown)
        ]
        figure.add_trace(
            go.Image(
                z=_mosaic(tiles, COLUMNS, 255),
                hoverinfo="skip",
            )
        )
    else:
        tiles = [kernel[..., k].mean(axis=2) for k in range(shown)]
        z = _mosaic(tiles, COLUMNS, np.nan)
        figure.add_trace(
            go.Heatmap(
                z=z,
                zmin=-largest,
                zmax=largest,
                colorscale=[
                    [0.0, NEGATIVE_COLOUR],
                    [0.5, "#ffffff"],
                    [1.0, POSITIVE_COLOUR],
                ],
                showscale=True,
                colorbar=dict(title="weight", thickness=12, len=0.8),
                hovertemplate="weight %{z:.3f}<extra></extra>",
                hoverongaps=False,
            )
        )
    for k in range(shown):
        figure.add_annotation(
            x=(k % COLUMNS) * (size + GAP) + (size - 1) / 2,
            y=(k // COLUMNS) * (size + GAP) - 0.5,
            text=str(k + 1),
            showarrow=False,
            yanchor="bottom",
            font=dict(size=10, color="#666666"),
        )
    _picture_axes(figure)
    if shown < count:
        title = f"{title} (the first {shown} of {count})"
    rows = math.ceil(shown / COLUMNS)
    figure.update_layout(plot_bgcolor="#ffffff")
    return base_layout(figure, title, height=min(130 + 75 * rows, 420), top=60)


def feature_maps_figure(
    maps: Sequence[dict[str, Any]],
    *,
    title: str = "Feature maps of this picture",
    max_maps: int = COLUMNS,
) -> go.Figure:
    """One picture's feature maps, a row per convolution or pooling layer.

    Args:
        maps: ``nncore.inside.convolution.feature_maps``: per layer its ``name``
            and ``maps`` ``(h, w, channels)``.
        title: the figure's title. Default: "Feature maps of this picture".
        max_maps: the most maps drawn per layer (the first ones). Default: 8.

    Returns:
        One heatmap per layer (its maps side by side, each scaled from its lowest
        value, black, to its highest, white), titled with the layer's name, its
        output shape and how many of its maps are shown.
    """
    if not maps:
        figure = go.Figure()
        return base_layout(figure, title, height=120)
    titles = []
    for layer in maps:
        values = np.asarray(layer["maps"])
        shown = min(values.shape[-1], max(1, int(max_maps)))
        count = values.shape[-1]
        what = f"{shown} of {count} maps" if shown < count else _maps_word(count)
        titles.append(f"{layer['name']} · {shape_text(values.shape)} ({what})")
    figure = make_subplots(
        rows=len(maps),
        cols=1,
        subplot_titles=titles,
        vertical_spacing=min(0.08, 0.6 / len(maps)),
    )
    for row, layer in enumerate(maps, start=1):
        values = np.asarray(layer["maps"], dtype="float64")
        shown = min(values.shape[-1], max(1, int(max_maps)))
        tiles = [_scaled(values[..., k]) for k in range(shown)]
        raw = [values[..., k] for k in range(shown)]
        figure.add_trace(
            go.Heatmap(
                z=_mosaic(tiles, max_maps, np.nan),
                customdata=_mosaic(raw, max_maps, np.nan),
                zmin=0,
                zmax=1,
                colorscale="gray",
                showscale=False,
                hovertemplate="value %{customdata:.3f}<extra></extra>",
                hoverongaps=False,
            ),
            row=row,
            col=1,
        )
        _picture_axes(figure, row=row, col=1)
    figure.update_annotations(font_size=12)
    figure.update_layout(plot_bgcolor="#ffffff")
    return base_layout(figure, title, height=70 + 150 * len(maps), top=60)


def _maps_word(count: int) -> str:
    return "1 map" if count == 1 else f"{count} maps"


def _scaled(values: np.ndarray) -> np.ndarray:
    """From 0 (the lowest value) to 1 (the highest); all 0 when the map is flat."""
    low, high = float(np.min(values)), float(np.max(values))
    if not math.isfinite(low) or not math.isfinite(high) or high - low < 1e-12:
        return np.zeros_like(values)
    return (values - low) / (high - low)
