"""Experiments as JSON files and share links: round trips and clear messages."""

import base64
import json
import zlib

import pytest

from nncore.core.errors import SpecError
from nncore.spec import default_spec, validate_spec
from nncore.spec.sharing import decode_spec, encode_spec, spec_from_json, spec_to_json


def custom_spec():
    spec = default_spec()
    spec["data"].update(source="builtin:iris", scaling="minmax", seed=7)
    spec["data"]["split"].update(train=0.6, val=0.2, test=0.2)
    spec["model"]["layers"] = [
        {"type": "dense", "units": 16, "activation": "tanh"},
        {"type": "dropout", "rate": 0.1},
    ]
    spec["compile"]["learning_rate"] = 0.01
    spec["train"]["epochs"] = 5
    return spec


def test_json_round_trip_keeps_every_field():
    spec = custom_spec()
    assert spec_from_json(spec_to_json(spec)) == validate_spec(spec)


def test_share_code_round_trip_and_is_short():
    spec = custom_spec()
    code = encode_spec(spec)
    assert decode_spec(code) == validate_spec(spec)
    assert len(code) < 300
    assert set(code) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )
    assert len(encode_spec(default_spec())) < 20


def test_class_weights_travel_in_files_and_links_and_the_default_is_left_out():
    spec = custom_spec()
    spec["train"]["class_weight"] = "balanced"
    assert spec_from_json(spec_to_json(spec))["train"]["class_weight"] == "balanced"
    assert decode_spec(encode_spec(spec))["train"]["class_weight"] == "balanced"
    assert decode_spec(encode_spec(custom_spec()))["train"]["class_weight"] == "none"
    code = encode_spec(custom_spec())
    unpacked = zlib.decompress(base64.urlsafe_b64decode(code + "=" * (-len(code) % 4)))
    assert b"class_weight" not in unpacked
    with pytest.raises(SpecError, match="'train.class_weight' field must be one of"):
        decode_spec(pack(b'{"train": {"class_weight": "heavy"}}'))


def pack(payload: bytes) -> str:
    return base64.urlsafe_b64encode(zlib.compress(payload)).decode().rstrip("=")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "%%%not-base64",
            "share link is damaged \\(it is not an NN Studio experiment\\)",
        ),
        ("aGVsbG8", "share link is damaged \\(it is not an NN Studio experiment\\)"),
        (pack(b"[1, 2]"), "share link is damaged \\(it does not hold an experiment\\)"),
        (pack(b" " * 200_000), "expands to more than 100 kB"),
        (pack(b'{"data": {"scaling": "std"}}'), "'data.scaling' field must be one of"),
        (
            pack(b'{"train": {"epochs": 0}}'),
            "'train.epochs' field must be a whole number",
        ),
    ],
    ids=["not-base64", "not-zlib", "not-object", "bomb", "bad-field", "bad-epochs"],
)
def test_damaged_or_wrong_links_get_a_message(code, message):
    with pytest.raises(SpecError, match=message):
        decode_spec(code)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe\x00garbage", "is not a text file"),
        (b'{"data": ', "is not valid JSON: .* at line 1"),
        (
            json.dumps({"data": {"source": "builtin:mnist"}}).encode(),
            "unknown built-in",
        ),
        (json.dumps({"colour": {}}).encode(), "unknown section 'colour'"),
    ],
    ids=["binary", "broken-json", "unknown-dataset", "unknown-section"],
)
def test_bad_experiment_files_get_a_message(data, message):
    with pytest.raises(SpecError, match=message):
        spec_from_json(data, name="'x.json'")


def test_train_section_is_validated():
    with pytest.raises(SpecError, match="'train.batch_size' field must be a whole"):
        validate_spec({"train": {"batch_size": -1}})
    with pytest.raises(
        SpecError, match="'train.early_stopping' section has an unknown"
    ):
        validate_spec({"train": {"early_stopping": {"wait": 3}}})
    spec = validate_spec({"train": {"early_stopping": {"patience": 3}}})
    assert spec["train"]["early_stopping"] == {
        "enabled": True,
        "patience": 3,
        "restore_best": True,
    }
    with pytest.raises(SpecError, match="'train.reduce_lr.factor' field must be"):
        validate_spec({"train": {"reduce_lr": {"factor": 1.5}}})
    with pytest.raises(SpecError, match="'train.save_best' field must be true"):
        validate_spec({"train": {"save_best": "yes"}})
