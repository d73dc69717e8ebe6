"""scikit-learn's bundled tables, read straight from its data folder.

Importing scikit-learn imports SciPy: a second or more on a small server, paid
before the Data screen can show its default dataset. The CSV files that
``sklearn.datasets.load_breast_cancer`` and friends read are plain files inside the
installed package, so these readers find the package without importing it and
build the same DataFrame the loader would (``bundled_frame``). When the files are
not where they are expected (another scikit-learn layout), ``bundled_frame``
returns None and the caller uses scikit-learn's own loader.
"""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd

# The feature names scikit-learn's loaders give (they are not in the files).
_MEASURES = [
    "radius",
    "texture",
    "perimeter",
    "area",
    "smoothness",
    "compactness",
    "concavity",
    "concave points",
    "symmetry",
    "fractal dimension",
]
FEATURE_NAMES = {
    "breast_cancer": [f"mean {m}" for m in _MEASURES]
    + [f"{m} error" for m in _MEASURES]
    + [f"worst {m}" for m in _MEASURES],
    "iris": [
        "sepal length (cm)",
        "sepal width (cm)",
        "petal length (cm)",
        "petal width (cm)",
    ],
    "wine": [
        "alcohol",
        "malic_acid",
        "ash",
        "alcalinity_of_ash",
        "magnesium",
        "total_phenols",
        "flavanoids",
        "nonflavanoid_phenols",
        "proanthocyanins",
        "color_intensity",
        "hue",
        "od280/od315_of_diluted_wines",
        "proline",
    ],
    "digits": [f"pixel_{row}_{column}" for row in range(8) for column in range(8)],
}
FILES = {
    "breast_cancer": "breast_cancer.csv",
    "iris": "iris.csv",
    "wine": "wine_data.csv",
    "digits": "digits.csv.gz",
}


def data_folder() -> Path | None:
    """The installed scikit-learn's ``datasets/data`` folder, found without
    importing scikit-learn; None when scikit-learn is not installed."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data"


def bundled_frame(name: str) -> tuple[pd.DataFrame, np.ndarray] | None:
    """The bundled dataset ``name`` as ``sklearn.datasets.load_NAME(as_frame=True)``
    gives it: its ``frame`` (the features as float64 and an integer ``target``
    column) and its ``target_names``.

    Args:
        name: ``"breast_cancer"``, ``"iris"``, ``"wine"`` or ``"digits"``.

    Returns:
        ``(frame, target_names)``, or None when ``name`` is not one of those or its
        file is not in the installed scikit-learn (use scikit-learn's loader then).
    """
    folder = data_folder()
    if name not in FILES or folder is None or not (folder / FILES[name]).is_file():
        return None
    path = folder / FILES[name]
    if name == "digits":
        table = np.loadtxt(path, delimiter=",")
        data, target = table[:, :-1], table[:, -1].astype(int, copy=False)
        names = np.arange(10)
    else:
        data, target, names = _read_csv_data(path)
    frame = pd.DataFrame(data, columns=FEATURE_NAMES[name], copy=False)
    target_column = pd.DataFrame(target, columns=["target"])
    return pd.concat([frame, target_column], axis=1), names


def _read_csv_data(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # As sklearn.datasets.load_csv_data: a first line "n_samples,n_features,class
    # names…", then one row per sample with the class index last.
    with path.open("r", encoding="utf-8") as file:
        rows = csv.reader(file)
        header = next(rows)
        names = np.array(header[2:])
        data = np.empty((int(header[0]), int(header[1])))
        target = np.empty((int(header[0]),), dtype=int)
        for i, row in enumerate(rows):
            data[i] = np.asarray(row[:-1], dtype=np.float64)
            target[i] = np.asarray(row[-1], dtype=int)
    return data, target, names
