"""The layers stay apart: no import cycles, no import up a layer, nncore is UI-free
and the data path never loads TensorFlow."""

import ast
from pathlib import Path

import pytest

from tests.imports import cycles, import_graph, upward_imports
from tests.isolation import heavy_modules_after

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_nncore_never_imports_streamlit():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "nncore").rglob("*.py")
        if "streamlit" in imported_modules(path)
    ]
    assert offenders == []


def test_data_modules_load_without_streamlit_or_tensorflow():
    loaded = heavy_modules_after(
        "import nncore, nncore.data.inspect, nncore.plots.base, nncore.cli\n"
        "from nncore import load_builtin, prepare_data, profile_data\n"
        "profile_data(prepare_data(load_builtin('iris'), 'target'))\n"
    )
    assert loaded == []


def test_pages_hold_no_keras_calls():
    for path in list((ROOT / "screens").glob("*.py")) + [ROOT / "app.py"]:
        assert not {"tensorflow", "keras", "sklearn"} & imported_modules(path), path


def test_the_app_has_no_import_cycles():
    assert cycles(import_graph(ROOT)) == []


def test_no_import_goes_up_a_layer():
    # See tests/imports.py's MAY_IMPORT and docs/architecture.md for the table.
    assert upward_imports(import_graph(ROOT)) == []


PLANTED = {
    "nncore/__init__.py": "",
    "nncore/core/__init__.py": "",
    "nncore/core/text.py": "def short():\n    from nncore.train.model import build\n",
    "nncore/train/__init__.py": "_WHERE = {'build': 'nncore.train.model'}\n",
    "nncore/train/model.py": "from nncore.core import text\n\n\ndef build(): ...\n",
    "ui/__init__.py": "",
    "screens/__init__.py": "",
    "screens/tune.py": "from nncore.train import build\n",
}


@pytest.mark.parametrize(
    "files, expected_cycles, expected_upward",
    [
        (PLANTED, [["nncore.core.text", "nncore.train.model"]], 1),
        (
            {**PLANTED, "nncore/core/text.py": "def short(): ...\n"},
            [],
            0,
        ),
        (
            {
                **PLANTED,
                "nncore/core/text.py": "def short(): ...\n",
                "nncore/train/model.py": "import ui.frame\n",
                "ui/frame.py": "",
            },
            [],
            1,
        ),
    ],
    ids=["cycle-inside-a-function", "clean", "engine-imports-ui"],
)
def test_the_checker_finds_a_planted_cycle_and_an_upward_import(
    tmp_path, files, expected_cycles, expected_upward
):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    graph = import_graph(tmp_path)
    assert graph["screens.tune"] == {"nncore.train.model": 1}  # via the lazy API
    assert cycles(graph) == expected_cycles
    assert len(upward_imports(graph)) == expected_upward


MAX_LINES = 800  # split a module that holds several concerns at 800 lines at the latest


def test_no_module_of_the_app_is_over_800_lines():
    lengths = {
        str(path.relative_to(ROOT)): len(path.read_text().splitlines())
        for folder in ("nncore", "ui", "screens")
        for path in (ROOT / folder).rglob("*.py")
    }
    assert {name: n for name, n in lengths.items() if n > MAX_LINES} == {}
