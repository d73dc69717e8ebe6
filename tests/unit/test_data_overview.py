"""The Data screen's overview charts, drawn before the data is split and scaled.

The class balance (or target distribution) and the feature relation come from the
table's outline (``nncore.data.inspect.overview_from_spec``), which imports neither
scikit-learn nor SciPy: the charts show while those load and the rest is prepared.
They must be the very charts the full report gives.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from nncore.core.errors import DataError
from nncore.data.inspect import inspect_data, load_source, overview_from_spec
from nncore.plots import base as plots
from nncore.spec.schema import default_spec
from tests.isolation import fresh_output

CASES = [
    ("breast_cancer", {}),
    ("iris", {}),
    ("wine", {"scaling": "none", "clean_labels": False}),
    ("diabetes", {}),  # regression: the target's distribution
    ("xor", {"task": "multiclass", "split": {"stratify": False}}),
    ("gaussian", {"outliers": "clip", "seed": 7}),
]


def data_spec(name: str, **changes) -> dict:
    data = copy.deepcopy(default_spec()["data"])
    data.update(source=f"builtin:{name}", target="target")
    split = changes.pop("split", {})
    data.update(changes)
    data["split"].update(split)
    return data


def test_the_overview_charts_are_drawn_without_scikit_learn():
    """In a fresh process: load the default dataset, make both overview figures;
    neither scikit-learn nor SciPy (nor TensorFlow) is imported."""
    code = (
        "import sys, copy\n"
        "from nncore.spec.schema import default_spec\n"
        "from nncore.data.inspect import load_source, overview_from_spec\n"
        "from nncore.plots import base as plots\n"
        "data = copy.deepcopy(default_spec()['data'])\n"
        "outline, overview = overview_from_spec(load_source(data), data)\n"
        "figures = [plots.class_balance_figure(overview), "
        "plots.relation_figure(overview)]\n"
        "print(outline.task, len(figures[0].data[0].x), len(figures[1].data[0].y))\n"
        "print(sorted(m for m in ('sklearn', 'scipy', 'tensorflow') "
        "if m in sys.modules))\n"
    )
    shown, loaded = fresh_output(code)[-2:]
    assert shown == "binary 2 20"  # two classes, the 20 strongest features
    assert loaded == "[]"


@pytest.mark.parametrize(("name", "changes"), CASES, ids=[c[0] for c in CASES])
def test_the_overview_charts_are_those_of_the_full_report(name, changes):
    data = data_spec(name, **changes)
    table = load_source(data)
    outline, overview = overview_from_spec(table, data)
    report = inspect_data(table, data)
    prepared, profile = report.prepared, report.profile
    assert (outline.task, outline.classes) == (prepared.task, prepared.classes)
    assert outline.kinds.numeric == prepared.numeric_columns
    assert outline.kinds.categorical == prepared.categorical_columns
    if profile.class_counts:
        pairs = [(plots.class_balance_figure(overview), plots.class_balance_figure)]
    else:
        pairs = [(plots.target_figure(overview), plots.target_figure)]
    pairs.append((plots.relation_figure(overview), plots.relation_figure))
    for early, draw in pairs:
        assert early.to_json() == draw(profile).to_json()


def test_dropped_outliers_wait_for_the_split():
    """With outlier training rows dropped, the charts count the rows kept, known
    only after the split: no early overview."""
    data = data_spec("diabetes", outliers="drop")
    outline, overview = overview_from_spec(load_source(data), data)
    assert overview is None and outline.task == "regression"


def test_a_bad_target_gets_the_same_message_as_the_full_report():
    data = data_spec("iris", target="nope")
    table = load_source(data)
    with pytest.raises(DataError) as early:
        overview_from_spec(table, data)
    with pytest.raises(DataError) as full:
        inspect_data(table, data)
    assert str(early.value) == str(full.value)
    assert "'nope'" in str(early.value)


def test_the_outline_keeps_every_labelled_row():
    frame = load_source(data_spec("breast_cancer")).frame.copy()
    frame.loc[:9, "target"] = None
    table = copy.copy(load_source(data_spec("breast_cancer")))
    table.frame = frame
    outline, overview = overview_from_spec(table, data_spec("breast_cancer"))
    assert len(outline.frame) == len(frame) - 10
    assert sum(overview.class_counts.values()) == len(frame) - 10
    assert np.array_equal(np.unique(outline.y), [0, 1])
    assert any("no usable value in the target" in w for w in outline.warnings)
