"""The network's arrays are built when training needs them, not on the Data screen,
and a finished job can give their memory back without changing what it sees."""

import dataclasses

import numpy as np
import pandas as pd

from nncore.data.inspect import inspect_data
from nncore.data.loading import LoadedTable
from nncore.data.prepare import prepare_data
from nncore.spec import default_spec, validate_data_spec
from tests.support import plain_fit


def _table(rows: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    size = rng.normal(10, 3, rows)
    size[::37] = np.nan
    size[5] = np.inf  # treated as missing, as on the Data screen
    colour = rng.choice(["red", "green", "blue"], rows).astype(object)
    colour[::41] = None
    return pd.DataFrame(
        {
            "size": size,
            "weight": rng.lognormal(0, 1, rows),
            "colour": colour,
            "shape": pd.Categorical(rng.choice(["round", "square"], rows)),
            "label": rng.choice(["yes", "no"], rows),
        }
    )


def test_data_screen_builds_no_network_arrays():
    spec = default_spec()["data"]
    spec.update(source="table.csv", target="label")
    validate_data_spec(spec)
    report = inspect_data(LoadedTable(frame=_table(), name="table.csv"), spec)
    assert report.prepared.inputs_built == []
    assert report.prepared.n_features == 2 + 3 + 2  # still known: 7 inputs
    assert report.profile.n_rows == 400


def test_arrays_built_on_first_use_match_fitting_on_the_training_rows():
    frame = _table()
    prepared = prepare_data(frame, "label", seed=7)
    # The arrays as fitting and transforming every split at once gave them.
    _, expected = plain_fit(prepared, frame)
    for split in ("train", "val", "test"):
        built = getattr(prepared, f"X_{split}")
        assert built.dtype == np.float32
        assert np.array_equal(built, expected[split].astype(np.float32))
        assert split in prepared.inputs_built
    assert not np.isnan(prepared.X_train).any()  # the infinity was filled in


def test_released_arrays_come_back_the_same():
    prepared = prepare_data(_table(), "label", seed=7)
    before = prepared.X_test.copy()
    prepared.release_inputs()
    assert prepared.inputs_built == []
    assert np.array_equal(prepared.X_test, before)


def test_arrays_given_explicitly_are_kept_on_release():
    prepared = prepare_data(_table(), "label", seed=7)
    empty = prepared.X_test[:0]
    tuned = dataclasses.replace(prepared, X_test=empty, y_test=prepared.y_test[:0])
    tuned.release_inputs()
    assert tuned.X_test.shape == (0, prepared.n_features)
    assert tuned.X_train.shape == (len(prepared.y_train), prepared.n_features)
