"""Item 14 (issue 18): no "(s)" plurals in what people read ("3 column(s)"): every
count says "1 column" or "3 columns" (``nncore.core.text.plural``).

Scans the string literals (f-string parts included, docstrings left out) of the
app's code: nncore/, ui/, screens/ and app.py.
"""

from __future__ import annotations

import ast
import re

from tests.app.conftest import ROOT

LAZY_PLURAL = re.compile(r"\w\(s\)")


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(
            node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
        ):
            body = node.body
            if body and isinstance(body[0], ast.Expr):
                found.add(id(body[0].value))
    return found


def test_no_lazy_plurals_in_the_apps_strings():
    files = [ROOT / "app.py"]
    for folder in ("nncore", "ui", "screens"):
        files.extend(sorted((ROOT / folder).rglob("*.py")))
    found = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in skip
                and LAZY_PLURAL.search(node.value)
            ):
                where = path.relative_to(ROOT)
                found.append(f"{where}:{node.lineno}: {node.value.strip()[:60]}")
    assert not found, "Write the plural out (nncore.core.text.plural):\n" + "\n".join(
        found
    )
