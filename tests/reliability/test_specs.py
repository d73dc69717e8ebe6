"""Corrupted and hand-edited experiments and share links.

Each bad experiment file and each damaged link gets one message naming the bad
field (with the value received and what is expected) through the engine
(``nncore.spec.sharing``), the Experiment screen's "Load an experiment", the app's
``?experiment=`` link and ``python -m nncore data``; the experiment the user had
stays in place.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from nncore.core.errors import SpecError
from nncore.spec import default_spec, validate_spec
from nncore.spec.sharing import decode_spec, encode_spec, spec_from_json
from tests.app.conftest import ROOT
from tests.reliability import cli
from tests.support import plain


@dataclass(frozen=True)
class BadSpec:
    """An experiment file and the fragments its message must hold.

    ``link`` is what the same text packed into a share link must say, when that
    differs (a link that is not JSON is simply damaged).
    """

    id: str
    text: bytes
    message: tuple[str, ...]
    link: tuple[str, ...] | None = None


def spec_json(**sections) -> bytes:
    return json.dumps(sections).encode()


DAMAGED = ("The share link is damaged",)
NESTED = b"[" * 100_000 + b"]" * 100_000

BAD_SPECS = [
    BadSpec(
        "not-json",
        b'{"data": {"source": "builtin:iris",}}',
        ("is not valid JSON", "at line 1, column 36"),
        DAMAGED,
    ),
    BadSpec("empty-file", b"", ("is empty",), ("The share link is damaged (it is",)),
    BadSpec(
        "json-list",
        b"[1, 2]",
        ("must be a JSON object with the sections data, model", "Got list"),
        DAMAGED + ("it does not hold an experiment",),
    ),
    BadSpec(
        "unknown-section",
        spec_json(dataa={}),
        ("unknown section 'dataa'", "Expected sections: data, model, compile"),
    ),
    BadSpec(
        "section-not-an-object",
        spec_json(train=None),
        ("The 'train' field must be an object", "Got null"),
    ),
    BadSpec(
        "unknown-field",
        spec_json(train={"epoch": 5}),
        ("'train' section has an unknown field 'epoch'", "Expected fields:"),
    ),
    BadSpec(
        "epochs-ten",
        spec_json(train={"epochs": "ten"}),
        ("'train.epochs' field", "whole number from 1 to 1000", "Got 'ten'"),
    ),
    BadSpec(
        "epochs-negative",
        spec_json(train={"epochs": -1}),
        ("'train.epochs' field", "whole number from 1 to 1000", "Got -1."),
    ),
    BadSpec(
        "epochs-1e9",
        b'{"train": {"epochs": 1e9}}',
        ("'train.epochs' field", "whole number from 1 to 1000", "Got 1000000000.0"),
    ),
    BadSpec(
        "batch-size-0",
        spec_json(train={"batch_size": 0}),
        ("'train.batch_size' field", "whole number from 1 to 8192", "Got 0."),
    ),
    BadSpec(
        "learning-rate-fast",
        spec_json(compile={"learning_rate": "fast"}),
        ("'compile.learning_rate' field", "from 1e-06 to 1.0", "Got 'fast'"),
    ),
    BadSpec(
        "learning-rate-0",
        spec_json(compile={"learning_rate": 0}),
        ("'compile.learning_rate' field", "from 1e-06 to 1.0", "Got 0."),
    ),
    BadSpec(
        "learning-rate-nan",
        b'{"compile": {"learning_rate": NaN}}',
        ("'compile.learning_rate' field", "from 1e-06 to 1.0", "Got nan."),
    ),
    BadSpec(
        "layers-not-a-list",
        spec_json(model={"layers": {"type": "dense", "units": 8}}),
        ("'model.layers' field must be a list of layers", 'Got {"type": "dense"'),
    ),
    BadSpec(
        "unknown-layer-type",
        spec_json(model={"layers": [{"type": "conv3d", "units": 3}]}),
        ("'model.layers[0].type' field must be one of {'dense'", "Got 'conv3d'"),
    ),
    BadSpec(
        "units-0",
        spec_json(model={"layers": [{"type": "dense", "units": 0}]}),
        ("'model.layers[0].units' field", "whole number from 1 to 4096", "Got 0."),
    ),
    BadSpec(
        "units-1e9",
        spec_json(model={"layers": [{"type": "dense", "units": 10**9}]}),
        ("'model.layers[0].units' field", "from 1 to 4096", "Got 1000000000."),
    ),
    BadSpec(
        "dense-without-units",
        spec_json(model={"layers": [{"type": "dense"}]}),
        ("'model.layers[0]' dense layer needs the 'units' field", '"units": 32'),
    ),
    BadSpec(
        "dropout-1.5",
        spec_json(
            model={
                "layers": [
                    {"type": "dense", "units": 8},
                    {"type": "dropout", "rate": 1.5},
                ]
            }
        ),
        ("'model.layers[1].rate' field", "from 0 up to (not including) 1", "Got 1.5"),
    ),
    BadSpec(
        "split-over-1",
        spec_json(data={"split": {"train": 0.8, "val": 0.2, "test": 0.2}}),
        ("'data.split' fractions must add up to 1", "train=0.8 + val=0.2 + test=0.2"),
    ),
    BadSpec(
        "unknown-builtin",
        spec_json(data={"source": "builtin:mnist"}),
        ("'data.source' field names an unknown built-in", "Got 'builtin:mnist'"),
    ),
    BadSpec(
        "target-empty",
        spec_json(data={"target": ""}),
        ("'data.target' field must be a column name (text) or null", "Got ''"),
    ),
    BadSpec(
        "metric-unknown",
        spec_json(compile={"metrics": ["accuracy", "accurcy"]}),
        ("'compile.metrics' field may only hold names from", "Got 'accurcy'"),
    ),
    BadSpec(
        "nested-100000-deep",
        b'{"data": {"target": ' + NESTED + b"}}",
        ("'data.target' field is nested more than 20 levels deep",),
        DAMAGED + ("it expands to more than 100 kB",),
    ),
    BadSpec(
        "nested-500-deep",
        spec_json(tune={"space": {"units": json.loads("[" * 500 + "]" * 500)}}),
        ("'tune.space.units' field is nested more than 20 levels deep",),
    ),
    BadSpec(
        "text-of-10-mb",
        spec_json(data={"target": "x" * 10_000_000}),
        ("'data.target' field is a text of 10,000,000 characters", "at most 100,000"),
        DAMAGED + ("it expands to more than 100 kB",),
    ),
    BadSpec(
        "number-of-5000-digits",
        b'{"train": {"epochs": ' + b"9" * 5000 + b"}}",
        ("'train.epochs' field holds a number with more than 4,000 digits",),
        DAMAGED,
    ),
]
SPEC_IDS = [case.id for case in BAD_SPECS]


def pack(payload: bytes) -> str:
    """What the app's share link carries: zlib-compressed, URL-safe base64."""
    return base64.urlsafe_b64encode(zlib.compress(payload, 9)).decode().rstrip("=")


def good_spec() -> dict:
    spec = default_spec()
    spec["data"].update(source="builtin:wine", scaling="minmax")
    spec["model"]["layers"] = [{"type": "dense", "units": 12, "activation": "tanh"}]
    spec["train"]["epochs"] = 7
    return validate_spec(spec)


GOOD_CODE = encode_spec(good_spec())
# Damaged share links: (id, code, fragments of the message).
BAD_LINKS = [
    ("cut-in-half", GOOD_CODE[: len(GOOD_CODE) // 2], DAMAGED + ("it is cut short",)),
    ("last-character-lost", GOOD_CODE[:-1], DAMAGED),
    ("not-base64", "%%%not*base64!!", DAMAGED + ("not an NN Studio experiment",)),
    (
        "base64-of-random-bytes",
        base64.urlsafe_b64encode(np.random.default_rng(0).bytes(48)).decode(),
        DAMAGED + ("not an NN Studio experiment",),
    ),
    ("zlib-bomb", pack(b" " * 2_000_000), DAMAGED + ("expands to more than 100 kB",)),
    ("60-kB-code", "A" * 70_000, DAMAGED + ("longer than 60,000 characters",)),
    (
        "not-an-object",
        pack(b'"experiment"'),
        DAMAGED + ("does not hold an experiment",),
    ),
    (
        "wrong-field",
        pack(b'{"train": {"epochs": "ten"}}'),
        ("'train.epochs' field", "Got 'ten'"),
    ),
    (
        "unknown-field",
        pack(b'{"model": {"layer": []}}'),
        ("'model' section has an unknown field 'layer'",),
    ),
]
LINK_IDS = [case[0] for case in BAD_LINKS]


def link_cases():
    """Every bad link: the damaged ones and each bad experiment packed as a link."""
    cases = list(BAD_LINKS)
    for case in BAD_SPECS:
        cases.append((f"spec-{case.id}", pack(case.text), case.link or case.message))
    return cases


ALL_LINKS = link_cases()


def assert_says(text: str, fragments: tuple[str, ...]) -> None:
    for fragment in fragments:
        assert fragment in text, (fragment, text[:500])


def test_the_catalogues_are_big_enough():
    assert len(BAD_SPECS) >= 15 and len(BAD_LINKS) >= 5
    assert len(set(SPEC_IDS)) == len(SPEC_IDS)


# --- the engine ----------------------------------------------------------------------


@pytest.mark.parametrize("case", BAD_SPECS, ids=SPEC_IDS)
def test_the_engine_names_the_bad_field_of_a_file(case):
    with pytest.raises(SpecError) as error:
        spec_from_json(case.text, name="'bad.json'")
    assert_says(str(error.value), case.message)
    assert len(str(error.value)) < 700  # a message, not the document


@pytest.mark.parametrize(
    ("code", "message"), [c[1:] for c in ALL_LINKS], ids=[c[0] for c in ALL_LINKS]
)
def test_the_engine_explains_a_bad_link(code, message):
    with pytest.raises(SpecError) as error:
        decode_spec(code)
    assert_says(str(error.value), message)
    assert len(str(error.value)) < 700


def test_missing_sections_are_filled_with_the_defaults():
    spec = spec_from_json(b'{"train": {"epochs": 3}}')
    assert spec["train"]["epochs"] == 3
    assert spec["data"] == default_spec()["data"]
    assert decode_spec(pack(b"{}")) == validate_spec(default_spec())


# --- the Experiment screen and the share link -----------------------------------------


@pytest.fixture(scope="module")
def experiment_screen() -> AppTest:
    """The Experiment screen with a good experiment loaded from a file."""
    at = AppTest.from_file(str(ROOT / "screens" / "experiment.py"), default_timeout=60)
    at.run()
    at.file_uploader(key="experiment_upload").set_value(
        ("good.json", json.dumps(good_spec()).encode(), "application/json")
    ).run()
    assert not at.exception
    assert at.session_state["spec"] == good_spec()
    return at


@pytest.mark.parametrize("case", BAD_SPECS, ids=SPEC_IDS)
def test_the_experiment_screen_refuses_a_bad_file_and_keeps_the_experiment(
    experiment_screen, case
):
    at = experiment_screen
    at.file_uploader(key="experiment_upload").set_value(
        ("bad.json", case.text, "application/json")
    ).run()
    assert not at.exception, at.exception
    errors = [plain(e.value) for e in at.error]
    assert len(errors) == 1, errors
    assert_says(errors[0], case.message)
    assert at.session_state["spec"] == good_spec()
    assert at.code[0].value.endswith(GOOD_CODE)  # the share link is still the good one


@pytest.fixture(scope="module")
def linked_app() -> AppTest:
    """The app opened from a good share link."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["experiment"] = GOOD_CODE
    at.run()
    assert not at.exception
    assert at.session_state["spec"] == good_spec()
    return at


@pytest.mark.parametrize(
    ("code", "message"), [c[1:] for c in ALL_LINKS], ids=[c[0] for c in ALL_LINKS]
)
def test_a_bad_link_is_explained_and_the_experiment_is_kept(linked_app, code, message):
    at = linked_app
    at.query_params["experiment"] = code
    at.run()
    assert not at.exception, at.exception
    errors = [plain(e.value) for e in at.error]
    assert len(errors) == 1, errors
    assert_says(errors[0], message)
    assert at.session_state["spec"] == good_spec()
    at.run()  # the message was shown once; the link is not applied again
    assert not at.error and at.session_state["spec"] == good_spec()


# --- the command line ----------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_results(tmp_path_factory) -> dict[str, cli.Result]:
    folder = tmp_path_factory.mktemp("specs")
    commands = []
    for case in BAD_SPECS:
        path = folder / f"{case.id}.json"
        path.write_bytes(case.text)
        commands.append(["data", path])
    results = dict(zip(SPEC_IDS, cli.run_batch(commands, cwd=folder), strict=True))
    alone = cli.run(commands[SPEC_IDS.index("epochs-ten")], cwd=folder)
    assert alone.returncode == 2 and alone.stdout == ""
    assert alone.stderr == results["epochs-ten"].stderr
    return results


@pytest.mark.parametrize("case", BAD_SPECS, ids=SPEC_IDS)
def test_the_command_line_names_the_bad_field(cli_results, case):
    line = cli.assert_one_error_line(cli_results[case.id], case.message[0])
    assert_says(line, case.message)
    assert len(line) < 800
