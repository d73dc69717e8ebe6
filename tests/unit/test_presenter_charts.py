"""Presenter mode enlarges every text of a chart, not only the global font (item 12)."""

import json

import plotly.graph_objects as go
from plotly.subplots import make_subplots
from streamlit.testing.v1 import AppTest

from nncore.plots.evaluation import confusion_figure
from ui.presenter import CHART_FONT_PX, enlarge


def font_sizes(node, path="") -> list[tuple[str, float]]:
    """Every font size a figure's JSON sets, with where (its template left out)."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "template":
                continue
            if key.endswith("font") and isinstance(value, dict) and "size" in value:
                sizes = value["size"]
                for size in sizes if isinstance(sizes, list) else [sizes]:
                    found.append((f"{path}.{key}", size))
            found += font_sizes(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += font_sizes(value, f"{path}[{i}]")
    return found


def busy_figure() -> go.Figure:
    """Subplot titles, an annotation, bar labels and a heatmap with a colour bar."""
    figure = make_subplots(rows=1, cols=2, subplot_titles=["counts", "matrix"])
    figure.add_trace(
        go.Bar(x=["a", "b"], y=[3, 5], text=["3", "5"], textfont=dict(size=9)), 1, 1
    )
    figure.add_trace(
        go.Heatmap(z=[[1, 2], [3, 4]], texttemplate="%{z}", showscale=True), 1, 2
    )
    figure.add_annotation(text="best epoch", x=0, y=0, font=dict(size=11))
    figure.update_annotations(font_size=12)
    figure.update_xaxes(tickfont=dict(size=10), title=dict(text="x", font=dict(size=9)))
    figure.update_layout(legend=dict(font=dict(size=8)))
    return figure


def test_every_text_of_a_figure_reaches_the_presenter_size():
    for figure in (
        busy_figure(),
        confusion_figure([[5, 1, 0], [0, 6, 1], [2, 0, 4]], ["a", "b", "c"]),
    ):
        before = font_sizes(figure.to_plotly_json())
        assert any(size < CHART_FONT_PX for _where, size in before)  # small today
        shown = figure.to_plotly_json()
        enlarge(figure)
        after = figure.to_plotly_json()
        small = [(w, s) for w, s in font_sizes(after) if s < CHART_FONT_PX]
        assert not small, small
        assert after["layout"]["font"]["size"] >= CHART_FONT_PX
        # Set on every axis and note: Streamlit's theme would size unset ones.
        axes = [
            v for k, v in after["layout"].items() if k.startswith(("xaxis", "yaxis"))
        ]
        assert axes
        for axis in axes:
            assert axis["tickfont"]["size"] >= CHART_FONT_PX
            assert axis["title"]["font"]["size"] >= CHART_FONT_PX
        for note in after["layout"].get("annotations", []):
            assert note["font"]["size"] >= CHART_FONT_PX
        assert after["layout"]["title"]["font"]["size"] > CHART_FONT_PX
        for trace in after["data"]:
            if trace.get("text") is not None or trace.get("texttemplate"):
                assert trace["textfont"]["size"] >= CHART_FONT_PX  # cell numbers
        assert len(after["layout"].get("annotations", [])) == len(
            shown["layout"].get("annotations", [])
        )  # nothing lost on the way


def test_presenter_mode_sends_the_enlarged_chart_to_the_browser():
    def script():
        from plotly import graph_objects as go

        from ui import presenter, state

        state.init_state()
        presenter.sync_with_url()
        figure = go.Figure(go.Heatmap(z=[[1, 2], [3, 4]], texttemplate="%{z}"))
        figure.add_annotation(text="note", x=0, y=0, font=dict(size=10))
        presenter.plotly_chart(figure, key="chart")

    at = AppTest.from_function(script, default_timeout=30)
    at.query_params["presenter"] = "1"
    at.run()
    assert not at.exception, at.exception
    shown = json.loads(at.get("plotly_chart")[0].proto.spec)
    sizes = font_sizes(shown)
    assert sizes and all(size >= CHART_FONT_PX for _where, size in sizes), sizes
    assert shown["data"][0]["textfont"]["size"] >= CHART_FONT_PX
