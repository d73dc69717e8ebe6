"""The live decision boundary of a network trained on data with two inputs.

The grid covers the training rows (in the scaled input space) with a margin; the
network's prediction at every grid point is drawn as a heatmap under the training
rows. ``JobView.boundary`` holds the result of ``BoundaryGrid.boundary``.

Example:

    grid = BoundaryGrid(prepared)          # data with exactly two inputs
    drawing = grid.boundary(trainer.predict, epoch=3)
    drawing["kind"], len(drawing["z"])     # ("probability", 60)
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from nncore.data.prepare import PreparedData

__all__ = ["GRID_SIZE", "MAX_POINTS", "BoundaryGrid", "boundary_grid"]

# The decision boundary's grid has this many points per side.
GRID_SIZE = 60
# At most this many training rows are drawn on the decision boundary.
MAX_POINTS = 1000


class BoundaryGrid:
    """The grid over a two-input dataset's training rows, computed once per job.

    Args:
        prepared: data with exactly two inputs (``prepared.n_features == 2``).
    """

    def __init__(self, prepared: PreparedData):
        self.prepared = prepared
        X = prepared.X_train
        low, high = X.min(axis=0), X.max(axis=0)
        margin = (high - low) * 0.1 + 1e-6
        self.xs = np.linspace(low[0] - margin[0], high[0] + margin[0], GRID_SIZE)
        self.ys = np.linspace(low[1] - margin[1], high[1] + margin[1], GRID_SIZE)
        gx, gy = np.meshgrid(self.xs, self.ys)
        self.points = np.column_stack([gx.ravel(), gy.ravel()]).astype("float32")

    def boundary(self, predict: Callable[[np.ndarray], np.ndarray], epoch: int) -> dict:
        """The network's predictions over the grid, as a plain dict.

        Args:
            predict: the network's predict function (e.g. ``Trainer.predict``).
            epoch: the epochs completed, shown with the drawing.

        Returns:
            ``x`` and ``y`` (grid coordinates, ``GRID_SIZE`` each), ``z`` (rows of
            ``x`` values per ``y``: probability of ``classes[1]`` for binary,
            predicted class index for multiclass, predicted value for regression;
            None where not finite), ``kind`` (``"probability"``, ``"class"`` or
            ``"value"``), ``points`` (``x``, ``y``, ``label`` of up to
            ``MAX_POINTS`` training rows), ``feature_names``, ``classes`` and
            ``epoch``.
        """
        prepared = self.prepared
        xs, ys = self.xs, self.ys
        outputs = np.asarray(predict(self.points), dtype="float64")
        if prepared.task == "binary":
            kind, z = "probability", outputs[:, 0]
        elif prepared.task == "multiclass":
            kind, z = "class", outputs.argmax(axis=1).astype("float64")
        else:
            kind, z = "value", outputs[:, 0]
        z = np.where(np.isfinite(z), z, np.nan).reshape(len(ys), len(xs))
        rows = prepared.X_train[:MAX_POINTS]
        labels = prepared.y_train[:MAX_POINTS]
        return {
            "x": xs.tolist(),
            "y": ys.tolist(),
            "z": [[None if math.isnan(v) else v for v in row] for row in z.tolist()],
            "kind": kind,
            "points": {
                "x": rows[:, 0].astype(float).tolist(),
                "y": rows[:, 1].astype(float).tolist(),
                "label": labels.tolist(),
            },
            "feature_names": list(prepared.feature_names[:2]),
            "classes": list(prepared.classes) if prepared.classes else None,
            "epoch": epoch,
        }


def boundary_grid(prepared: PreparedData) -> BoundaryGrid | None:
    """The grid for a table with exactly two inputs; None for any other data
    (pictures included, even of two pixels)."""
    if getattr(prepared, "image_shape", None) is not None:
        return None
    return BoundaryGrid(prepared) if prepared.n_features == 2 else None
