"""The experiment spec: defaults, validation messages, loading from a file."""

import json

import pytest

from nncore.core.errors import SpecError
from nncore.spec import (
    default_spec,
    load_spec,
    validate_data_spec,
    validate_spec,
    validate_train_spec,
)


def test_default_spec_matches_the_design_document():
    spec = default_spec()
    assert list(spec) == ["data", "model", "compile", "train", "tune"]
    assert spec["data"]["split"] == {
        "train": 0.7,
        "val": 0.15,
        "test": 0.15,
        "stratify": True,
    }
    assert spec["data"]["scaling"] == "standard"
    assert json.loads(json.dumps(spec)) == spec


def test_partial_data_section_gets_defaults():
    data = validate_data_spec(
        {"source": "builtin:iris", "split": {"val": 0.2, "train": 0.65}}
    )
    assert data["split"] == {"train": 0.65, "val": 0.2, "test": 0.15, "stratify": True}
    assert data["target"] == "target"


BAD_SPECS = [
    (
        {"scaling": "std"},
        r"The 'data.scaling' field must be one of "
        r"\{'standard', 'minmax', 'none'\}. Got 'std'.",
    ),
    ({"task": "clustering"}, r"'data.task' field must be one of \{'auto', 'binary'"),
    (
        {"source": "builtin:mnist"},
        r"'data.source' field names an unknown built-in dataset",
    ),
    ({"source": ""}, r"'data.source' field must be 'builtin:NAME' or the path"),
    ({"target": 3}, r"'data.target' field must be a column name"),
    ({"seed": -1}, r"'data.seed' field must be a whole number from 0"),
    ({"seed": True}, r"'data.seed' field must be a whole number"),
    ({"noise": 5}, r"'data.noise' field must be a number from 0 to 2. Got 5."),
    (
        {"split": {"train": 0.8, "val": 0.15, "test": 0.15}},
        r"must add up to 1. Got train=0.8",
    ),
    (
        {"split": {"val": 0}},
        r"'data.split.val' field must be a fraction between 0 and 1",
    ),
    (
        {"split": {"validation": 0.1}},
        r"'data.split' section has an unknown field 'validation'",
    ),
    ({"split": [0.7, 0.15]}, r"'data.split' field must be an object"),
    ({"colour": "red"}, r"The 'data' section has an unknown field 'colour'"),
]


@pytest.mark.parametrize(
    ("data", "message"), BAD_SPECS, ids=[str(d)[:30] for d, _ in BAD_SPECS]
)
def test_bad_data_fields_are_named(data, message):
    with pytest.raises(SpecError, match=message):
        validate_data_spec(data)


BAD_TRAIN = [
    (
        {"class_weight": "auto"},
        r"The 'train.class_weight' field must be one of \{'none', 'balanced'\}. "
        r"Got 'auto'.",
    ),
    ({"class_weight": True}, r"'train.class_weight' field must be one of .*Got true."),
    ({"class_weight": None}, r"'train.class_weight' field must be one of .*Got null."),
    ({"class_weights": "balanced"}, r"'train' section has an unknown field"),
]


@pytest.mark.parametrize(
    ("train", "message"), BAD_TRAIN, ids=["word", "boolean", "null", "misspelt"]
)
def test_bad_train_fields_are_named(train, message):
    with pytest.raises(SpecError, match=message):
        validate_train_spec(train)


def test_class_weights_are_off_unless_balanced_is_asked_for():
    assert default_spec()["train"]["class_weight"] == "none"
    train = validate_train_spec({"class_weight": "balanced"})
    assert train["class_weight"] == "balanced"
    assert validate_spec({"train": {"class_weight": "balanced"}})["train"] == train


def test_bad_sections_are_named():
    with pytest.raises(SpecError, match="unknown section 'dataa'"):
        validate_spec({"dataa": {}})
    with pytest.raises(SpecError, match="must be a JSON object"):
        validate_spec([1, 2])
    with pytest.raises(SpecError, match="The 'model' field must be an object"):
        validate_spec({"model": "big"})


def test_load_spec_messages(tmp_path):
    with pytest.raises(SpecError, match="does not exist. Check the path"):
        load_spec(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"data": {"source": "builtin:iris",}}')
    with pytest.raises(SpecError, match="is not valid JSON: .* at line 1, column"):
        load_spec(broken)
    good = tmp_path / "good.json"
    good.write_text('{"data": {"source": "builtin:wine"}}')
    assert load_spec(good)["data"]["source"] == "builtin:wine"
