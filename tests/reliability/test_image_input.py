"""Image sources through ``python -m nncore data``: the built-in sets, a ZIP and a
folder print the usual JSON plus ``image_shape``; every bad ZIP or folder ends in
one ``error:`` line that says what is wrong and how to fix it, exit status 2 and
no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import pictures
from tests.reliability import cli

GOOD = pictures.class_files({"cats": 12, "dogs": 12}, wrapper="pets")

BAD = {
    "climbs-out": (
        pictures.zip_of({**GOOD, "../../evil.png": pictures.picture()}),
        "holds a path that climbs out of the archive ('..'): '../../evil.png'",
    ),
    "absolute-path": (
        pictures.zip_of({**GOOD, "/tmp/evil.png": pictures.picture()}),
        "holds an absolute path: '/tmp/evil.png'",
    ),
    "link": (
        pictures.zip_of(GOOD, links={"pets/cats/link.png": "/etc/passwd"}),
        "holds a link to another file: 'pets/cats/link.png'",
    ),
    "bomb-lies-about-size": (
        pictures.understated_zip(GOOD, "pets/cats/bomb.png", 3_000_000),
        "does not unpack as its header says",
    ),
    "empty-zip": (pictures.zip_of({}), "holds no files. Put one folder per class"),
    "one-class": (
        pictures.zip_of(pictures.class_files({"cats": 5})),
        "has only one class ('cats', 5 pictures)",
    ),
    "class-of-one": (
        pictures.zip_of(pictures.class_files({"cats": 5, "dogs": 1})),
        "The class 'dogs' of 'bad.zip' has only one usable picture",
    ),
    "nested-folders": (
        pictures.zip_of(
            pictures.class_files(
                {"train/cats": 3, "train/dogs": 3, "test/cats": 2, "test/dogs": 2}
            )
        ),
        "'test/cats/000.png' is in 'cats' inside 'test'. Put one folder per class",
    ),
    "svg": (
        pictures.zip_of({"cats/a.svg": b"<svg/>", "dogs/b.svg": b"<svg/>"}),
        "(an SVG drawing, not supported). NN Studio reads PNG, JPEG, BMP, GIF "
        "(first frame) and WebP files",
    ),
    "text-named-png": (
        pictures.zip_of({"cats/a.png": b"hello", "dogs/b.png": b"text"}),
        "(text, not a picture)",
    ),
    "all-truncated": (
        pictures.zip_of({k: v[:80] for k, v in GOOD.items()}),
        "(damaged or cut short)",
    ),
    "huge-header": (
        pictures.zip_of({"a/big.png": pictures.huge_png_header(), "b/big.png": b"x"}),
        "too big: its header claims 10,000,000,000 pixels",
    ),
    "not-a-zip": (b"this is not a zip", "'bad.zip' is not a ZIP archive"),
}


def experiment(folder: Path, source: str, **data) -> Path:
    path = folder / f"experiment-{len(list(folder.glob('*.json')))}.json"
    path.write_text(json.dumps({"data": {"source": source, **data}}))
    return path


def last_json(result: cli.Result) -> dict:
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, cli.Result]:
    """Every case through one process running ``nncore.cli.main``."""
    folder = tmp_path_factory.mktemp("images")
    commands = {}
    for name, (archive, _) in BAD.items():
        case = folder / name
        case.mkdir()
        (case / "bad.zip").write_bytes(archive)
        commands[name] = ["data", experiment(case, "bad.zip")]
    (folder / "pets.zip").write_bytes(pictures.zip_of(GOOD))
    pictures.write_tree(folder / "tree", GOOD)
    nested = pictures.class_files({"a/x": 2, "b/y": 2})
    pictures.write_tree(folder / "nested", nested)
    commands.update(
        {
            "zip": ["data", experiment(folder, "pets.zip", images={"size": 8})],
            "folder": ["data", experiment(folder, "builtin:iris"), "--data", "tree"],
            "folder-nested": ["data", experiment(folder, "nested")],
            "digits": ["data", experiment(folder, "builtin:digits_images")],
            "shapes": [
                "data",
                experiment(
                    folder, "builtin:shapes", n_samples=80, images={"color": "rgb"}
                ),
            ],
            "missing": ["data", experiment(folder, "nowhere.zip")],
            "regression": [
                "data",
                experiment(folder, "builtin:digits_images", task="regression"),
            ],
            "bad-size": [
                "data",
                experiment(folder, "builtin:shapes", images={"size": [1, 2]}),
            ],
        }
    )
    done = cli.run_batch(list(commands.values()), cwd=folder)
    return dict(zip(commands, done, strict=True))


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_zip_ends_in_one_clear_error_line(results, case):
    cli.assert_one_error_line(results[case], BAD[case][1])


@pytest.mark.parametrize(
    "case, message",
    [
        ("folder-nested", "is in 'x' inside 'a'. Put one folder per class"),
        ("missing", "'nowhere.zip' does not exist"),
        ("regression", "cannot be regression. Choose 'auto', 'binary'"),
        ("bad-size", "The 'data.images.size' field must be 'auto'"),
    ],
)
def test_other_bad_image_input_ends_in_one_clear_error_line(results, case, message):
    cli.assert_one_error_line(results[case], message)


@pytest.mark.parametrize(
    "case, shape, n, classes",
    [
        ("zip", [8, 8, 3], 24, ["cats", "dogs"]),
        ("folder", [16, 16, 3], 24, ["cats", "dogs"]),
        ("digits", [8, 8, 1], 1797, [str(d) for d in range(10)]),
        ("shapes", [28, 28, 3], 80, ["circle", "cross", "square", "triangle"]),
    ],
)
def test_an_image_source_prints_its_shape_and_counts(results, case, shape, n, classes):
    summary = last_json(results[case])
    assert summary["image_shape"] == shape
    assert summary["n_features"] == shape[0] * shape[1] * shape[2]
    assert summary["n_train"] + summary["n_val"] + summary["n_test"] == n
    assert summary["classes"] == classes
    assert summary["task"] == ("binary" if len(classes) == 2 else "multiclass")
    assert isinstance(summary["warnings"], list)
    assert "pictures of" in results[case].stderr


def test_warnings_of_a_loaded_zip_reach_the_json(tmp_path):
    files = {**GOOD, "pets/cats/broken.png": b"not a picture at all"}
    (tmp_path / "pets.zip").write_bytes(pictures.zip_of(files))
    (result,) = cli.run_batch([["data", experiment(tmp_path, "pets.zip")]], tmp_path)
    warnings = last_json(result)["warnings"]
    assert any("'cats/broken.png' (text, not a picture)" in w for w in warnings)
