"""Task detection, column handling, the split and the preprocessing pipeline."""

import numpy as np
import pandas as pd
import pytest

from nncore.core.errors import DataError
from nncore.data.detect import clean_labels, detect_task
from nncore.data.prepare import prepare_data
from nncore.data.sources import BUILTIN_DATASETS, load_builtin
from tests import files


@pytest.mark.parametrize(
    ("values", "task", "reason"),
    [
        (["yes", "no", "yes"], "binary", "text with 2 labels"),
        ([0, 1, 1, 0], "binary", "exactly 2 values"),
        (["a", "b", "c", "a"], "multiclass", "text with 3 labels"),
        (list(range(10)) * 3, "multiclass", "only 10 distinct values"),
        ([0.5, 1.25, 3.0, 2.2], "regression", "decimal numbers"),
        (list(range(100)), "regression", "too many to be classes"),
    ],
    ids=["text-binary", "int-binary", "text-multi", "int-multi", "float", "many-ints"],
)
def test_detect_task_with_reason(values, task, reason):
    detected, why = detect_task(pd.Series(values))
    assert detected == task
    assert reason in why


def test_messy_labels_are_merged_and_reported():
    cleaned, message = clean_labels(pd.Series(["yes", " yes", "Yes", "no", "no "]))
    assert sorted(set(cleaned)) == ["no", "yes"]
    assert "differ only by capital letters or spaces" in message
    assert "' yes' = 'Yes' = 'yes'" in message


def test_prepare_splits_70_15_15_stratified_and_scales_on_train_only():
    frame = load_builtin("breast_cancer")
    prepared = prepare_data(frame, "target")
    assert (len(prepared.y_train), len(prepared.y_val), len(prepared.y_test)) == (
        397,
        86,
        86,
    )
    assert prepared.stratified
    shares = [
        np.mean(y == 0) for y in (prepared.y_train, prepared.y_val, prepared.y_test)
    ]
    assert max(shares) - min(shares) < 0.02
    assert np.allclose(prepared.X_train.mean(axis=0), 0, atol=1e-5)
    assert not np.allclose(prepared.X_test.mean(axis=0), 0, atol=1e-3)
    assert prepared.X_train.dtype == np.float32


def test_minmax_scaling_maps_training_data_to_0_1():
    prepared = prepare_data(load_builtin("wine"), "target", scaling="minmax")
    assert prepared.X_train.min() == pytest.approx(0)
    assert prepared.X_train.max() == pytest.approx(1)


def test_same_seed_same_split_other_seed_other_split():
    frame = load_builtin("iris")
    a = prepare_data(frame, "target", seed=1)
    b = prepare_data(frame, "target", seed=1)
    c = prepare_data(frame, "target", seed=2)
    assert np.array_equal(a.test_index, b.test_index)
    assert not np.array_equal(a.test_index, c.test_index)


@pytest.mark.parametrize("name", list(BUILTIN_DATASETS))
def test_every_builtin_dataset_prepares(name):
    prepared = prepare_data(load_builtin(name, n_samples=200), "target")
    expected = {
        "iris": "multiclass",
        "wine": "multiclass",
        "digits": "multiclass",
        "diabetes": "regression",
        "plane": "regression",
    }.get(name, "binary")
    assert prepared.task == expected
    assert np.isfinite(prepared.X_train).all()


def test_digits_have_64_pixel_features_and_constant_pixels_are_dropped():
    frame = load_builtin("digits")
    assert len(frame.columns) == 65
    prepared = prepare_data(frame, "target")
    assert prepared.n_features + len(prepared.dropped) == 64
    assert all("same value on every row" in why for why in prepared.dropped.values())


def test_generators_follow_noise_samples_and_seed():
    a = load_builtin("spiral", n_samples=300, noise=0.0, random_state=3)
    b = load_builtin("spiral", n_samples=300, noise=0.0, random_state=3)
    c = load_builtin("spiral", n_samples=300, noise=0.4, random_state=3)
    assert len(a) == 300 and a.equals(b)
    assert not a.equals(c)


def test_categoricals_are_one_hot_encoded_with_a_cap_and_a_warning():
    frame = files.simple_frame(200)
    frame["city"] = [f"city{i % 40}" for i in range(200)]
    prepared = prepare_data(frame, "label", max_categories=10)
    colour = [n for n in prepared.feature_names if n.startswith("colour_")]
    city = [n for n in prepared.feature_names if n.startswith("city_")]
    assert len(colour) == 3
    assert len(city) == 10
    assert any("'city' has 40 different values" in w for w in prepared.warnings)


def test_id_and_constant_columns_are_dropped_with_a_note():
    frame = files.simple_frame(50)
    frame["id"] = range(1, 51)
    frame["customer"] = [f"C-{i:04d}" for i in range(50)]
    frame["same"] = 7
    prepared = prepare_data(frame, "label")
    assert set(prepared.dropped) == {"id", "customer", "same"}
    assert "like an ID" in prepared.dropped["id"]
    assert any(note.startswith("Dropped 'same'") for note in prepared.notes)


def test_missing_values_and_infinities_are_imputed_and_counted():
    frame = files.simple_frame(40)
    frame.loc[:4, "x1"] = np.nan
    frame.loc[5, "x1"] = np.inf
    frame.loc[6, "x2"] = 1e300
    frame.loc[:2, "colour"] = None
    prepared = prepare_data(frame, "label")
    assert prepared.filled == {"x1": 6, "x2": 1, "colour": 3}
    assert np.isfinite(prepared.X_train).all() and np.isfinite(prepared.X_test).all()
    assert any("infinite or too large" in w for w in prepared.warnings)
    assert any(note.startswith("Filled 10 missing values") for note in prepared.notes)


def test_rows_without_a_target_are_left_out_with_a_warning():
    frame = files.simple_frame(40)
    frame.loc[:3, "label"] = None
    prepared = prepare_data(frame, "label")
    assert len(prepared.frame) == 36
    assert "4 rows have no usable value in the target" in prepared.warnings[0]


def test_a_rare_class_falls_back_to_a_random_split_with_a_warning():
    frame = files.simple_frame(40)
    frame.loc[0, "label"] = "maybe"
    prepared = prepare_data(frame, "label")
    assert not prepared.stratified
    assert any("rarest class has only 1 row," in w for w in prepared.warnings)


def test_task_can_be_overridden():
    frame = pd.DataFrame(
        {"x": np.random.default_rng(0).normal(size=60), "y": np.arange(60) % 5}
    )
    assert prepare_data(frame, "y").task == "multiclass"
    prepared = prepare_data(frame, "y", task="regression")
    assert prepared.task == "regression"
    assert "you chose regression (detected: multiclass" in prepared.task_reason


TARGET_ERRORS = [
    ("one_class", None, "has only one class \\('a'\\): there is nothing to tell apart"),
    ("empty", None, "has no values \\(every row is missing\\)\\. Choose another"),
    (None, None, "No target column is chosen\\. Choose the column"),
    ("nope", None, "The target column 'nope' is not in the data\\. Choose one of"),
    ("label", "regression", "holds text .* cannot be predicted as a number"),
    (
        "y3",
        "binary",
        "has 3 distinct values, but binary classification needs exactly 2",
    ),
    ("y_float", "multiclass", "too many to treat as classes"),
]


@pytest.mark.parametrize(
    ("target", "task", "message"),
    TARGET_ERRORS,
    ids=[
        "one-class",
        "all-missing",
        "not-chosen",
        "unknown",
        "text-regression",
        "binary-3",
        "float-classes",
    ],
)
def test_unusable_targets_get_a_clear_message(target, task, message):
    frame = files.simple_frame(300)
    frame["one_class"] = "a"
    frame["empty"] = np.nan
    frame["y3"] = np.arange(300) % 3
    frame["y_float"] = np.linspace(0, 1, 300)
    with pytest.raises(DataError, match=message):
        prepare_data(frame, target, task=task or "auto")


def test_one_row_is_too_few_to_split():
    frame = files.simple_frame(1)
    with pytest.raises(DataError, match="Only 1 row of data .* at least 10 rows"):
        prepare_data(frame, "label")


def test_no_usable_feature_columns():
    frame = pd.DataFrame({"id": range(30), "y": [0, 1] * 15})
    with pytest.raises(DataError, match="No column is left to learn from"):
        prepare_data(frame, "y")


def test_a_ten_thousand_character_column_name_works_in_messages():
    frame = files.simple_frame(40)
    long_name = "n" * 10_000
    frame[long_name] = 1
    prepared = prepare_data(frame, "label")
    assert long_name in prepared.dropped
    assert max(len(note) for note in prepared.notes) < 200
    with pytest.raises(DataError) as error:
        prepare_data(frame, long_name)
    assert len(str(error.value)) < 400
