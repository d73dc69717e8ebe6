"""scikit-learn's bundled tables, read without importing scikit-learn."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nncore.data.bundled import bundled_frame
from nncore.data.sources import load_builtin
from tests.isolation import fresh_output

BUNDLED = ["breast_cancer", "iris", "wine", "digits"]


@pytest.mark.parametrize("name", BUNDLED, ids=BUNDLED)
def test_bundled_tables_are_the_ones_scikit_learn_loads(name):
    from sklearn import datasets

    bunch = getattr(datasets, f"load_{name}")(as_frame=True)
    frame, names = bundled_frame(name)
    pd.testing.assert_frame_equal(frame, bunch.frame, check_exact=True)
    np.testing.assert_array_equal(names, bunch.target_names)


def test_other_datasets_use_scikit_learn_s_loader():
    assert bundled_frame("diabetes") is None
    frame = load_builtin("diabetes")
    assert frame.shape == (442, 11)


def test_the_default_dataset_loads_without_scikit_learn():
    """The Data screen shows its default table before scikit-learn (and SciPy)
    are imported: they cost a second or more on a small server."""
    code = (
        "import sys\n"
        "from nncore.data.sources import load_builtin\n"
        "frame = load_builtin('breast_cancer')\n"
        "print(frame.shape, sorted(m for m in ('sklearn', 'scipy') "
        "if m in sys.modules))\n"
    )
    assert fresh_output(code, timeout=120)[-1] == "(569, 31) []"


def test_the_default_dataset_names_its_classes():
    frame = load_builtin("breast_cancer")
    assert frame["target"].value_counts().to_dict() == {"benign": 357, "malignant": 212}
    assert list(frame.columns[:2]) == ["mean radius", "mean texture"]
