"""Issue 18, items 8, 9 and 14 (data part): extreme and impossible values are
flagged and can be dropped or clipped with bounds from the training rows; repeated
rows are counted on the rows as in the file; messages and column types in words."""

import numpy as np
import pandas as pd
import pytest

from nncore.data.outliers import OutlierClipper
from nncore.data.prepare import prepare_data
from nncore.data.profile import column_kind, profile_data
from nncore.spec import validate_data_spec


def prices(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """A price table whose 'length' has two impossible zeros and two values ten
    times the rest (typing errors; the prices come from the true lengths)."""
    rng = np.random.default_rng(seed)
    length = rng.normal(5.7, 1.1, n).clip(3.5).round(2)
    depth = rng.normal(60, 2, n).round(1)
    price = (length**3 * 20 + rng.normal(0, 200, n)).round(0)
    recorded = length.copy()
    recorded[[5, 50]] = 0.0
    recorded[[17, 120]] = length[[17, 120]] * 10
    return pd.DataFrame({"length": recorded, "depth": depth, "price": price})


def test_a_zero_and_a_tenfold_value_are_flagged_with_counts_and_fixes():
    prepared = prepare_data(prices(), "price")
    profile = profile_data(prepared)
    found = profile.outliers
    assert list(found.columns) == ["length"]
    assert found.columns["length"]["zeros"] == 2
    assert found.columns["length"]["far"] == 2
    assert found.rows == 4 and found.inputs and not found.target
    message = profile.outlier_pitfall
    assert message in profile.pitfalls
    assert "'length': 2 zeros where every other value is positive" in message
    assert "2 values far outside" in message and "4 rows have at least one" in message
    assert "drop them from training" in message and "clip the inputs" in message


def test_a_clean_normal_table_is_not_flagged():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {"a": rng.normal(size=2000), "b": rng.normal(10, 3, 2000).clip(0.1)}
    )
    frame["y"] = frame["a"] + frame["b"] + rng.normal(size=2000)
    profile = profile_data(prepare_data(frame, "y"))
    assert profile.outliers is None and profile.outlier_pitfall is None


def test_drop_leaves_out_flagged_training_rows_only_with_training_bounds():
    frame = prices()
    kept = prepare_data(frame, "price")
    dropped = prepare_data(frame, "price", outliers="drop")
    numbers = frame.iloc[kept.train_index][["length", "depth"]]
    flagged = OutlierClipper().fit(numbers).outliers(numbers).any(axis=1)
    assert flagged.sum() >= 1
    assert list(dropped.train_index) == list(kept.train_index[~flagged])
    assert dropped.outliers_dropped == int(flagged.sum())
    # Validation and test rows are all kept, outliers included.
    assert list(dropped.val_index) == list(kept.val_index)
    assert list(dropped.test_index) == list(kept.test_index)
    assert any("dropped" in n and "training row" in n for n in dropped.notes)
    # Dropped rows are not shown as a pitfall any more; the profile still works.
    profile = profile_data(dropped)
    assert profile.outlier_pitfall is None and profile.outliers is not None


def test_clip_uses_the_training_rows_range_in_every_split():
    frame = prices()
    clipped = prepare_data(frame, "price", outliers="clip", scaling="none")
    train = frame.iloc[clipped.train_index][["length", "depth"]]
    bounds = OutlierClipper().fit(train)
    step = clipped.preprocessor.named_transformers_["numeric"].named_steps["outliers"]
    assert np.allclose(step.high_, bounds.high_)
    every = np.vstack([clipped.X_train, clipped.X_val, clipped.X_test])
    assert every[:, 0].max() <= bounds.high_[0] + 1e-3
    # An impossible zero is filled in with the training median, not kept as 0.
    assert every[:, 0].min() > 3
    assert any("clipped" in n for n in clipped.notes)


def test_outliers_is_a_data_setting_that_defaults_to_keep():
    assert validate_data_spec({})["outliers"] == "keep"
    assert validate_data_spec({"outliers": "clip"})["outliers"] == "clip"


def passengers(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "name": [f"Passenger {i}, Mr. {chr(65 + i % 26)}" for i in range(n)],
            "sex": rng.choice(["male", "female"], n),
            "age": rng.choice([20, 30, 40], n),
            "class": rng.choice([1, 2, 3], n),
            "survived": rng.choice(["yes", "no"], n),
        }
    )


def test_different_people_with_the_same_values_are_no_repeated_rows():
    prepared = prepare_data(passengers(), "survived")
    assert "name" in prepared.dropped  # an ID-like column, as before
    said = prepared.warnings + prepared.notes
    assert not any("copies" in m or "repeat" in m for m in said), said


def test_exact_copies_across_the_split_are_a_warning_with_the_count():
    frame = passengers(200)
    prepared = prepare_data(pd.concat([frame, frame], ignore_index=True), "survived")
    warning = next(w for w in prepared.warnings if "exact copies" in w)
    assert "validation and test rows are exact copies of training rows" in warning
    assert "200 of the 400 rows repeat another row exactly" in warning


def test_filled_columns_are_all_named_and_counts_are_written_out():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({f"c{i}": rng.normal(size=40) for i in range(6)})
    for i in range(6):
        frame.loc[i, f"c{i}"] = np.nan
    frame["y"] = rng.choice(["a", "b"], 40)
    note = next(n for n in prepare_data(frame, "y").notes if n.startswith("Filled"))
    assert note.startswith("Filled 6 missing values")
    assert all(f"'c{i}': 1 with the median" in note for i in range(6))
    assert "more column" not in note and "(s)" not in note


def test_column_types_in_words():
    assert column_kind(pd.Series([1.5, 2.0, None])) == "number"
    assert column_kind(pd.Series([0, 1, 1, 0])) == "yes/no"
    assert column_kind(pd.Series(["Yes", "no", "yes", "no"])) == "yes/no"
    assert column_kind(pd.Series(["a", "b", "a", "b", "c", "a"])) == "category"
    assert column_kind(pd.Series(["Ann", "Bob", "Cy", "Di"])) == "text"
    assert column_kind(pd.Series(["2024-01-01", "2024-02-01"])) == "date"


@pytest.mark.parametrize("mode", ["drop", "clip"])
def test_the_exported_script_drops_or_clips_as_nn_studio_does(tmp_path, mode):
    from tests.unit.test_export import assert_reproduced, experiment

    source = tmp_path / "prices.csv"
    prices().to_csv(source, index=False)
    spec = experiment({"source": str(source), "target": "price", "outliers": mode})
    code, prepared = assert_reproduced(spec, tmp_path)
    assert "class OutlierClipper(" in code
    if mode == "drop":
        assert prepared.outliers_dropped >= 1
        assert "train = train[~flagged]" in code
    else:
        assert '("outliers", OutlierClipper())' in code
