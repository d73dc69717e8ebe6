"""The layers stay apart: nncore is UI-free and the data path never loads TensorFlow."""

import ast
from pathlib import Path

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
