"""The shapes dataset: seeded drawings of circles, crosses, squares and triangles.

Each picture is one white shape on a black background (as MNIST's digits), of a
random size, place and angle, with pixel noise: a dense network has to learn every
place a shape can be, while a convolution learns its edges once, wherever they are.
Drawn with Pillow at four times the size and shrunk, so the edges are smooth.

Example:
    >>> images, labels = draw_shapes(8, random_state=0)
    >>> images.shape, images.dtype, SHAPE_CLASSES[labels[0]] in SHAPE_CLASSES
    ((8, 28, 28, 1), dtype('uint8'), True)
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

# In the order of the class indices: sorted, as the folders of a ZIP of them would be.
SHAPE_CLASSES = ("circle", "cross", "square", "triangle")
SHAPE_SIDE = 28
SUPERSAMPLE = 4
# A cross's arms are this share of its reach thick (on each side of the centre line).
CROSS_THICKNESS = 0.3
# A square's half side, as a share of the shape's reach: its area is then close to
# the circle's of the same size.
SQUARE_REACH = 0.8


def draw_shapes(
    n_samples: int = 400,
    *,
    noise: float = 0.1,
    min_size: float = 0.4,
    max_size: float = 0.8,
    jitter: float = 0.15,
    rotation: float = 45.0,
    size: tuple[int, int] = (SHAPE_SIDE, SHAPE_SIDE),
    random_state: int = 42,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n_samples`` grayscale pictures of shapes, the classes equally often.

    Args:
        n_samples: how many pictures. Defaults to 400.
        noise: the standard deviation of the pixel noise, as a fraction of white
            (255). Defaults to 0.1.
        min_size, max_size: the range of a shape's width, as a fraction of the
            picture's side. Defaults to 0.4 and 0.8.
        jitter: how far a shape's centre may move from the middle, as a fraction
            of the side (less when the shape would leave the picture). Defaults to
            0.15.
        rotation: the largest angle, in degrees either way, a shape is turned by.
            Defaults to 45.
        size: the pictures' ``(height, width)``. Defaults to (28, 28).
        random_state: the seed: the same seed draws the same pictures. Defaults
            to 42.

    Returns:
        ``(images, labels)``: uint8 pixels of shape ``(n_samples, height, width, 1)``
        and int64 indices into ``SHAPE_CLASSES``.
    """
    rng = np.random.default_rng(random_state)
    labels = rng.permutation(np.arange(n_samples) % len(SHAPE_CLASSES))
    height, width = size
    side = min(height, width)
    images = np.empty((n_samples, height, width, 1), dtype=np.uint8)
    for index, label in enumerate(labels):
        extent = rng.uniform(min_size, max_size)
        reach = min(jitter, max((1 - extent) / 2, 0.0)) * side
        centre = (
            width / 2 + rng.uniform(-reach, reach),
            height / 2 + rng.uniform(-reach, reach),
        )
        angle = math.radians(rng.uniform(-rotation, rotation))
        picture = _draw(SHAPE_CLASSES[label], centre, extent * side / 2, angle, size)
        if noise > 0:
            grain = rng.normal(0.0, noise * 255, picture.shape)
            picture = np.clip(picture + grain, 0, 255)
        images[index, :, :, 0] = np.rint(picture).astype(np.uint8)
    return images, labels.astype(np.int64)


def _draw(
    shape: str,
    centre: tuple[float, float],
    radius: float,
    angle: float,
    size: tuple[int, int],
) -> np.ndarray:
    """One white shape on black, as float pixels of ``size`` (height, width)."""
    height, width = size
    scale = SUPERSAMPLE
    canvas = Image.new("L", (width * scale, height * scale), 0)
    pen = ImageDraw.Draw(canvas)
    cx, cy = centre[0] * scale, centre[1] * scale
    r = radius * scale
    if shape == "circle":
        pen.ellipse((cx - r, cy - r, cx + r, cy + r), fill=255)
    else:
        points = [
            (
                cx + x * math.cos(angle) - y * math.sin(angle),
                cy + x * math.sin(angle) + y * math.cos(angle),
            )
            for x, y in _outline(shape, r)
        ]
        pen.polygon(points, fill=255)
    small = canvas.resize((width, height), Image.Resampling.BOX)
    return np.asarray(small, dtype=np.float64)


def _outline(shape: str, r: float) -> list[tuple[float, float]]:
    """The corners of a shape of reach ``r`` around (0, 0), before turning it."""
    if shape == "square":
        a = r * SQUARE_REACH
        return [(-a, -a), (a, -a), (a, a), (-a, a)]
    if shape == "triangle":  # equilateral, pointing up (y grows downwards)
        return [
            (r * math.cos(math.radians(t)), -r * math.sin(math.radians(t)))
            for t in (90, 210, 330)
        ]
    t = r * CROSS_THICKNESS  # a plus sign: twelve corners
    return [
        (-t, -r), (t, -r), (t, -t), (r, -t), (r, t), (t, t),
        (t, r), (-t, r), (-t, t), (-r, t), (-r, -t), (-t, -t),
    ]  # fmt: skip
