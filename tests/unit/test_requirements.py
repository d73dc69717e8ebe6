"""The pinned requirements: Keras is pinned, the pin is what is installed, and the
platform markers pick tensorflow-cpu or tensorflow."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "requirements.txt"


def requirements() -> list[Requirement]:
    lines = REQUIREMENTS.read_text().splitlines()
    return [Requirement(line) for line in lines if line.strip() and line[0] != "#"]


def pinned(name: str) -> list[Requirement]:
    return [r for r in requirements() if r.name == name]


def test_keras_is_pinned_to_the_installed_version():
    # nncore/train/compiled_loop.py uses keras.src internals: a new Keras can break the
    # fast loop for every new install, so the version is pinned and checked.
    (keras,) = pinned("keras")
    (wanted,) = keras.specifier
    assert wanted.operator == "=="
    assert version("keras") == wanted.version, (
        f"Keras {version('keras')} is installed but requirements.txt pins "
        f"keras=={wanted.version}. Run the fast-loop equivalence tests "
        "(tests/unit/test_fastfit.py) on the new version, then update the pin in "
        f"{REQUIREMENTS.relative_to(ROOT)}."
    )


@pytest.mark.parametrize(
    "platform, package",
    [
        ("linux", "tensorflow-cpu"),
        ("win32", "tensorflow-cpu"),
        ("darwin", "tensorflow"),
    ],
    ids=["linux", "windows", "mac"],
)
def test_each_platform_gets_one_tensorflow_of_the_same_version(platform, package):
    chosen = [
        r
        for r in requirements()
        if r.name.startswith("tensorflow")
        and (r.marker is None or r.marker.evaluate({"sys_platform": platform}))
    ]
    assert [r.name for r in chosen] == [package]
    versions = {
        str(r.specifier) for r in requirements() if r.name.startswith("tensorflow")
    }
    assert len(versions) == 1
