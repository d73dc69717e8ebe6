"""How an image classifier does, picture by picture, and trying it on one picture:
the pictures behind a confusion-matrix cell, the most confident mistakes, each
class's accuracy, and a drawing made ready for the network.

Plain results from an ``nncore.train.evaluation.Evaluation`` of a
``PreparedImages``: a picture is named by its ``position`` in
``prepared.images`` (``Evaluation.rows``), so the screens show
``prepared.image(position)``. The figures are ``nncore.plots.image_eval``'s.

Example:
    >>> evaluation = evaluate(model_predictor(model), prepared, "val")
    >>> [p["position"] for p in confident_mistakes(evaluation, limit=3)]
    [1203, 77, 412]
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np

from nncore.train.evaluation import Evaluation, predicted_classes
from nncore.train.prediction import class_answer

__all__ = [
    "MAX_CELL_PICTURES",
    "MAX_MISTAKES",
    "cell_pictures",
    "centre_drawing",
    "confident_mistakes",
    "drawing_colours",
    "per_class_accuracy",
    "predict_picture",
]

MAX_CELL_PICTURES = 24
MAX_MISTAKES = 12
# A drawing is cropped to its strokes and put in a square this much bigger, as
# the digits of scikit-learn's set nearly fill their 8x8 square.
DRAWING_MARGIN = 0.15
DARK, LIGHT = "#000000", "#ffffff"


def _pictures(
    evaluation: Evaluation, mask: np.ndarray, predicted: np.ndarray, limit: int
) -> list[dict[str, Any]]:
    """The pictures of ``mask``, the most confident first."""
    chosen = np.flatnonzero(mask)
    confidence = evaluation.outputs[chosen, predicted[chosen]]
    order = np.argsort(-confidence, kind="stable")[: max(0, int(limit))]
    classes = evaluation.classes
    return [
        {
            "position": int(evaluation.rows[chosen[k]]),
            "true": classes[int(evaluation.y_true[chosen[k]])],
            "predicted": classes[int(predicted[chosen[k]])],
            "confidence": float(confidence[k]),
        }
        for k in order
    ]


def cell_pictures(
    evaluation: Evaluation,
    true_class: int,
    predicted_class: int,
    threshold: float = 0.5,
    limit: int = MAX_CELL_PICTURES,
) -> list[dict[str, Any]]:
    """The pictures in one confusion-matrix cell, the most confident first.

    Args:
        evaluation: a classification ``Evaluation`` of pictures.
        true_class, predicted_class: the cell's class indices.
        threshold: as for ``classification_summary`` (binary). Default: 0.5.
        limit: the most pictures returned. Default: 24.

    Returns:
        One dict per picture: ``position`` (in ``prepared.images``), ``true`` and
        ``predicted`` (class labels) and ``confidence`` (the probability of the
        predicted class).
    """
    predicted = predicted_classes(evaluation, threshold)
    mask = (evaluation.y_true == true_class) & (predicted == predicted_class)
    return _pictures(evaluation, mask, predicted, limit)


def confident_mistakes(
    evaluation: Evaluation, threshold: float = 0.5, limit: int = MAX_MISTAKES
) -> list[dict[str, Any]]:
    """The wrongly predicted pictures the network was surest about, surest first.

    Returns:
        As ``cell_pictures``; ``confidence`` is the probability the network gave
        the wrong class.
    """
    predicted = predicted_classes(evaluation, threshold)
    mask = evaluation.y_true.astype(int) != predicted
    return _pictures(evaluation, mask, predicted, limit)


def per_class_accuracy(
    evaluation: Evaluation, threshold: float = 0.5
) -> list[dict[str, Any]]:
    """Each class's accuracy: the share of its pictures predicted as it (its
    recall).

    Returns:
        One dict per class, in class order: ``class``, ``pictures`` (how many of
        the split's pictures are of it), ``right`` and ``accuracy`` (None for a
        class with no picture in the split).
    """
    predicted = predicted_classes(evaluation, threshold)
    truth = evaluation.y_true.astype(int)
    rows = []
    for index, label in enumerate(evaluation.classes):
        mine = truth == index
        count, right = int(mine.sum()), int((predicted[mine] == index).sum())
        rows.append(
            {
                "class": label,
                "pictures": count,
                "right": right,
                "accuracy": right / count if count else None,
            }
        )
    return rows


def predict_picture(
    predict: Callable[[np.ndarray], np.ndarray], prepared: Any, pixels: np.ndarray
) -> dict[str, Any]:
    """The network's answer for one picture, converted as the dataset's were.

    Args:
        predict: the network (``model_predictor(model)``).
        prepared: the ``PreparedImages`` it was trained on.
        pixels: uint8 ``(H, W, C)`` of the dataset's shape
            (``nncore.data.image_sets.decode_image``).

    Returns:
        ``{"label", "confidence", "probabilities": {class: p}}``.

    Raises:
        ValueError: the picture does not have the dataset's shape.
    """
    pixels = np.asarray(pixels)
    if pixels.shape != tuple(prepared.image_shape):
        raise ValueError(
            f"The picture is {pixels.shape}; the network takes "
            f"{tuple(prepared.image_shape)}. Convert it with decode_image to the "
            "dataset's size and colour mode."
        )
    return class_answer(np.asarray(predict(pixels[None]), dtype="float64"), prepared)


def drawing_colours(images: np.ndarray) -> tuple[str, str]:
    """The ink and background colours to draw with, as the dataset's pictures
    are: light strokes on black when their borders are dark (the digits), dark
    strokes on white otherwise.

    Args:
        images: the dataset's pictures, uint8 ``(n, H, W, C)``.

    Returns:
        ``(ink, background)`` as ``"#rrggbb"``.
    """
    images = np.asarray(images)
    if images.ndim != 4 or not images.size:
        return DARK, LIGHT
    sample = images[:: max(1, len(images) // 200)]
    border = np.concatenate(
        [
            sample[:, 0].reshape(-1),
            sample[:, -1].reshape(-1),
            sample[:, :, 0].reshape(-1),
            sample[:, :, -1].reshape(-1),
        ]
    )
    return (LIGHT, DARK) if float(np.median(border)) < 128 else (DARK, LIGHT)


def centre_drawing(data: bytes, background: str) -> bytes | None:
    """A drawing cropped to its strokes and centred in a square, as a PNG.

    A digit drawn small in a corner of the canvas would shrink to a dot at the
    dataset's size; the dataset's digits fill their square.

    Args:
        data: the canvas as an image file (PNG).
        background: the canvas's colour, ``"#000000"`` or ``"#ffffff"``.

    Returns:
        The PNG of the centred drawing, or None when nothing is drawn.
    """
    from PIL import Image

    with Image.open(io.BytesIO(data)) as opened:
        picture = opened.convert("RGBA")
    dark = background.lower() == DARK
    fill = (0, 0, 0) if dark else (255, 255, 255)
    flat = Image.new("RGB", picture.size, fill)
    flat.paste(picture, mask=picture.getchannel("A"))
    gray = np.asarray(flat.convert("L"), dtype=np.int16)
    ink = np.abs(gray - (0 if dark else 255)) > 40
    if not ink.any():
        return None
    rows, columns = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    top, bottom, left, right = rows[0], rows[-1] + 1, columns[0], columns[-1] + 1
    side = int(max(bottom - top, right - left) * (1 + 2 * DRAWING_MARGIN)) + 1
    square = Image.new("RGB", (side, side), fill)
    strokes = flat.crop((int(left), int(top), int(right), int(bottom)))
    square.paste(strokes, ((side - (right - left)) // 2, (side - (bottom - top)) // 2))
    out = io.BytesIO()
    square.save(out, format="PNG")
    return out.getvalue()
