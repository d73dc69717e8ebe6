"""A fresh visit's first screen: what makes it draw sooner (``bench/startup.py``).

The Data screen's title and first controls are sent before pandas (or
scikit-learn) is loaded, and the page asks the browser for Plotly's code as it
opens (``ui.preload``), so that the first chart does not wait for it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT
from tests.isolation import heavy_modules_after
from ui import preload


def preload_scripts(at: AppTest) -> list[str]:
    return [html.proto.body for html in at.get("html") if "import(" in html.proto.body]


def test_the_page_asks_the_browser_for_plotlys_code_first_on_every_run():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    name = preload.chart_code()
    # The file the browser is asked for is the Plotly element's, in this build.
    assert name is not None and name.startswith("PlotlyChart.")
    assert (Path(st.__file__).parent / "static" / "static" / "js" / name).is_file()
    (script,) = preload_scripts(at)
    assert f'"{name}"' in script
    # The same element on the next runs (every click), so that nothing below it
    # moves (the browser runs the script once, when it first appears).
    at.switch_page("screens/data.py").run()
    assert not at.exception and preload_scripts(at) == [script]
    assert at.title[0].value == "Data"


def test_the_data_screens_title_needs_neither_pandas_nor_scikit_learn():
    """The modules the Data screen imports before drawing its title load neither
    pandas nor scikit-learn (a fresh process; pandas alone is 0.4 s here)."""
    tree = ast.parse((ROOT / "screens" / "data.py").read_text())
    imports = [
        ast.unparse(node)
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    assert any("ui" in line for line in imports)
    loaded = heavy_modules_after(
        "\n".join(imports), modules=("pandas", "sklearn", "tensorflow")
    )
    assert loaded == []
