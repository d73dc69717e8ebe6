"""Built-in datasets that work offline.

Five of scikit-learn's bundled datasets and five TensorFlow-Playground-style 2-D
generators. Every dataset is returned as a DataFrame whose label column is named
``target``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nncore.core.catalog import (
    BUILTIN_DATASETS,
    IMAGE_DATASETS,
    BuiltinDataset,
    is_generated,
)
from nncore.core.errors import DataError
from nncore.data.bundled import bundled_frame

__all__ = ["BUILTIN_DATASETS", "BuiltinDataset", "is_generated", "load_builtin"]


def load_builtin(
    name: str, n_samples: int = 400, noise: float = 0.1, random_state: int = 42
) -> pd.DataFrame:
    """Return a built-in dataset as a DataFrame with a ``target`` column.

    Args:
        name: one of ``BUILTIN_DATASETS``.
        n_samples: number of points for the generators. Defaults to 400.
        noise: noise for the generators, as a fraction of the data's spread.
            Defaults to 0.1.
        random_state: seed for the generators. Defaults to 42.

    Raises:
        DataError: for an unknown name.
    """
    if name in IMAGE_DATASETS:
        raise DataError(
            f"'{name}' is a built-in image dataset, not a table. Load it with "
            "nncore.data.load_builtin_images, or use data.source "
            f"'builtin:{name}' (the Data screen and the CLI read it as pictures)."
        )
    if name not in BUILTIN_DATASETS:
        raise DataError(
            f"There is no built-in dataset '{name}'. "
            f"Choose one of: {', '.join(BUILTIN_DATASETS)}."
        )
    if BUILTIN_DATASETS[name].generated:
        rng = np.random.default_rng(random_state)
        return _GENERATORS[name](int(n_samples), float(noise), rng)
    return _load_sklearn(name)


def _load_sklearn(name: str) -> pd.DataFrame:
    # Read without importing scikit-learn where possible: it imports SciPy, a
    # second or more before the Data screen can show its default dataset.
    found = bundled_frame(name)
    if found is None:
        from sklearn import datasets

        bunch = getattr(datasets, f"load_{name}")(as_frame=True)
        found = bunch.frame.copy(), getattr(bunch, "target_names", None)
    frame, names = found
    if name in ("iris", "wine", "breast_cancer") and names is not None:
        frame["target"] = pd.Series(
            np.asarray(names)[frame["target"].to_numpy()], index=frame.index
        ).astype(str)
    return frame


def _frame(x: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "target": y})


def _circle(n: int, noise: float, rng: np.random.Generator) -> pd.DataFrame:
    radius = 5.0
    inner = n // 2
    r = np.concatenate(
        [
            rng.uniform(0, radius * 0.5, inner),
            rng.uniform(radius * 0.7, radius, n - inner),
        ]
    )
    angle = rng.uniform(0, 2 * np.pi, n)
    x = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    x += rng.normal(0, noise * radius, x.shape)
    y = (r <= radius * 0.5).astype(int)
    return _frame(x, y)


def _xor(n: int, noise: float, rng: np.random.Generator) -> pd.DataFrame:
    x = rng.uniform(-5, 5, (n, 2))
    # Keep points off the axes so the quadrants are clear before noise is added.
    x += np.where(x > 0, 0.3, -0.3)
    y = ((x[:, 0] * x[:, 1]) >= 0).astype(int)
    x += rng.normal(0, noise * 5, x.shape)
    return _frame(x, y)


def _gaussian(n: int, noise: float, rng: np.random.Generator) -> pd.DataFrame:
    half = n // 2
    spread = 0.5 + noise * 4
    x = np.concatenate(
        [rng.normal(2, spread, (half, 2)), rng.normal(-2, spread, (n - half, 2))]
    )
    y = np.concatenate([np.ones(half, dtype=int), np.zeros(n - half, dtype=int)])
    return _frame(x, y)


def _spiral(n: int, noise: float, rng: np.random.Generator) -> pd.DataFrame:
    half = n // 2
    parts = []
    for label, delta, count in ((1, 0.0, half), (0, np.pi, n - half)):
        t = np.linspace(0, 1, count, endpoint=False)
        r = t * 5
        angle = 1.75 * t * 2 * np.pi + delta
        points = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
        points += rng.normal(0, noise * 2, points.shape)
        parts.append((points, np.full(count, label)))
    x = np.concatenate([p for p, _ in parts])
    y = np.concatenate([label for _, label in parts])
    return _frame(x, y)


def _plane(n: int, noise: float, rng: np.random.Generator) -> pd.DataFrame:
    x = rng.uniform(-5, 5, (n, 2))
    y = (x[:, 0] + x[:, 1]) / 10 + rng.normal(0, noise, n)
    return _frame(x, y)


_GENERATORS = {
    "circle": _circle,
    "xor": _xor,
    "gaussian": _gaussian,
    "spiral": _spiral,
    "plane": _plane,
}
