"""A large table is prepared and profiled in little memory, with the same results.

The preprocessor is fitted, and the network's arrays built, a chunk of rows at a
time; these tests use tables several chunks long and compare with scikit-learn's own
``ColumnTransformer.fit`` on every training row at once.
"""

import tracemalloc

import numpy as np
import pandas as pd
import pytest

from nncore.data import preprocessing
from nncore.data.loading import LoadedTable
from nncore.data.prepare import prepare_data
from nncore.data.profile import profile_data
from nncore.train.prediction import model_input
from tests.support import plain_fit

ROWS = 3 * preprocessing.CHUNK_ROWS + 1234  # the last chunk is a short one
NUMERIC = [f"x{i}" for i in range(8)]


def _table(rows: int = ROWS, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    columns = {name: rng.normal(i, 1 + i * 10, rows) for i, name in enumerate(NUMERIC)}
    columns["x0"][::53] = np.nan
    columns["x1"][7] = np.inf  # treated as missing
    columns["x2"] = rng.lognormal(0, 0.3, rows)  # all well above 0
    columns["x2"][::997] = 0.0  # zeros the clipper finds impossible
    colour = rng.choice(
        ["red", "green", "blue", "grey"], rows, p=[0.5, 0.3, 0.2 - 1e-4, 1e-4]
    )
    columns["colour"] = pd.Categorical(colour)
    many = np.array([f"v{i}" for i in rng.zipf(1.5, rows) % 60], dtype=object)
    many[::101] = None
    columns["many"] = many
    columns["label"] = np.where(
        columns["x3"] + rng.normal(0, 20, rows) > 3, "yes", "no"
    )
    return pd.DataFrame(columns)


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"scaling": "minmax", "outliers": "clip"},
        {"scaling": "none", "max_categories": 10},
    ],
    ids=["standard", "minmax-clip", "grouped-categories"],
)
def test_chunked_fit_gives_the_inputs_of_one_fit_on_every_row(settings):
    frame = _table()
    prepared = prepare_data(frame, "label", seed=1, **settings)
    reference, expected = plain_fit(prepared, frame)
    assert prepared.feature_names == [
        name.split("__", 1)[1] for name in reference.get_feature_names_out()
    ]
    ours = prepared.preprocessor.named_transformers_
    theirs = reference.named_transformers_
    # Medians, categories and the rare values grouped as 'other': the same exactly.
    assert np.array_equal(
        ours["numeric"]["impute"].statistics_,
        theirs["numeric"]["impute"].statistics_,
        equal_nan=True,
    )
    for found, expected_categories in zip(
        ours["categorical"]["onehot"].categories_,
        theirs["categorical"]["onehot"].categories_,
        strict=True,
    ):
        assert list(found) == list(expected_categories)
    assert str(ours["categorical"]["onehot"].infrequent_categories_) == str(
        theirs["categorical"]["onehot"].infrequent_categories_
    )
    for split in ("train", "val", "test"):
        built = getattr(prepared, f"X_{split}")
        assert built.dtype == np.float32
        assert built.shape == expected[split].shape
        # Means and deviations summed chunk by chunk may differ in the last digits.
        assert np.allclose(built, expected[split], rtol=1e-6, atol=1e-6)


def test_grouping_rare_values_is_the_same_as_one_fit():
    prepared = prepare_data(_table(), "label", seed=1, max_categories=10)
    encoder = prepared.preprocessor.named_transformers_["categorical"]["onehot"]
    assert encoder.infrequent_categories_[1] is not None  # 'many' has 60 values
    assert "many_infrequent_sklearn" in prepared.feature_names


def test_arrays_built_in_chunks_are_the_same_as_one_transform():
    frame = _table()
    prepared = prepare_data(frame, "label", seed=2)
    inputs = model_input(prepared, frame.iloc[prepared.train_index])[0]
    at_once = prepared.preprocessor.transform(inputs).astype(np.float32)
    assert np.array_equal(prepared.X_train, at_once)


def _peak_bytes(function, *args, **kwargs):
    """The most memory allocated at once while ``function`` runs, beyond what was
    allocated when it started (NumPy and Python objects)."""
    tracemalloc.start()
    try:
        started, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        result = function(*args, **kwargs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak - started


def test_preparing_and_profiling_hold_few_copies_of_the_table():
    frame = _table(rows=6 * preprocessing.CHUNK_ROWS)
    numbers = frame[NUMERIC].memory_usage(index=False).sum()
    prepare_data(frame.head(500), "label")  # libraries loaded before measuring
    prepared, preparing = _peak_bytes(prepare_data, frame, "label")
    _, profiling = _peak_bytes(profile_data, prepared)
    # Fitting on every training row at once held over four times the numbers, and
    # profiling over three times; now about twice.
    assert preparing < 2.5 * numbers
    assert profiling < 2.75 * numbers


def test_a_categorical_column_shows_the_same_top_values_as_its_text():
    rng = np.random.default_rng(0)
    # Many values with tied counts: ties are listed in order of first appearance.
    values = rng.choice([f"v{i}" for i in range(40)] + [None], 300)
    as_text = pd.DataFrame(
        {"kind": values.astype(object), "y": rng.integers(0, 2, 300)}
    )
    as_category = as_text.assign(kind=pd.Categorical(values))
    tables = []
    for frame in (as_text, as_category):
        prepared = prepare_data(frame, "y", seed=0)
        tables.append(profile_data(prepared).columns.set_index("column"))
    assert tables[0].loc["kind", "values"] == tables[1].loc["kind", "values"]
    assert tables[0].loc["kind", "values"].count(",") == 2


def test_data_screen_report_on_a_large_table_builds_no_arrays():
    from nncore.data.inspect import inspect_data
    from nncore.spec import default_spec, validate_data_spec

    spec = default_spec()["data"]
    spec.update(source="big.csv", target="label")
    validate_data_spec(spec)
    report = inspect_data(LoadedTable(frame=_table(), name="big.csv"), spec)
    assert report.prepared.inputs_built == []
    assert report.profile.n_rows == ROWS
    zeros = report.profile.outliers.columns["x2"]["zeros"]
    assert zeros == np.count_nonzero(report.prepared.frame["x2"] == 0)
