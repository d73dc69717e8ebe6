"""Plotly's code loaded as the page opens, not when its first chart arrives.

Streamlit's browser side loads each kind of element's code the first time one is
drawn. Plotly's is by far the largest (4.7 MB, about a second of the browser's time
to compile and run on a small machine): loaded when the first chart reaches the
browser, it comes after the code of every widget above the chart, while the server
is busy preparing the data, and a fresh visit's first chart came two seconds after
the screen's title (``bench/startup.py``). Imported as soon as the page opens, it
loads while the server runs the screen's script; the chart's own import then finds
it ready (the browser keeps one copy of each module).

Sent on every run, first on the page, in a hidden container: an element that went
away after the first run would move every element below it up one place, and the
browser would draw them all again (and lose the page's scroll). The browser runs
the script once, when the element first appears. Nothing is drawn, and where the
file is not found (another Streamlit build), nothing is sent.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import streamlit as st

# The script's container, hidden: it takes no room on the page.
KEY = "nn_preload"
# The Plotly element's own file in Streamlit's build.
PATTERN = "PlotlyChart.*.js"
# The file lies beside the page's own script (static/js/index.<hash>.js), whatever
# path the app is served under.
SCRIPT = """<style>
.st-key-{key}, [data-testid="stLayoutWrapper"]:has(> .st-key-{key}) {{ display: none; }}
</style>
<script>
(() => {{
  const page = document.querySelector('script[type="module"][src*="/static/js/"]');
  if (page) import(new URL({name}, page.src).href).catch(() => {{}});
}})();
</script>"""


@functools.cache
def chart_code() -> str | None:
    """The file name of the Plotly element's code in Streamlit's build, if one."""
    folder = Path(st.__file__).parent / "static" / "static" / "js"
    found = sorted(folder.glob(PATTERN))
    return found[0].name if len(found) == 1 else None


def preload_charts() -> None:
    """Ask the browser for Plotly's code (app.py, before anything else)."""
    name = chart_code()
    if name is not None:
        with st.container(key=KEY):
            st.html(
                SCRIPT.format(key=KEY, name=json.dumps(name)),
                unsafe_allow_javascript=True,
            )
