"""Every chart has Plotly's white look, from a template cut to what the charts draw.

``nncore.plots.base.chart_template`` keeps, of Plotly's "plotly_white" template, the
layout (less the map, polar, 3-D and ternary planes) and the defaults of the trace
types NN Studio draws. A chart of a trace type left out would lose the white look's
defaults for it (bar outlines, colour bars), so every figure of the app is checked
against the whole template, trace type by trace type.
"""

from __future__ import annotations

import json

import plotly.io as pio
import pytest

from nncore.plots.base import OTHER_PLANES, chart_template
from tests.unit.test_palette import FIGURES

WHITE = pio.templates["plotly_white"]
# The whole template's layout, less the planes no chart has.
WHITE_LAYOUT = {
    key: value
    for key, value in WHITE.layout.to_plotly_json().items()
    if key not in OTHER_PLANES
}


@pytest.mark.parametrize("builder", FIGURES.values(), ids=list(FIGURES))
def test_every_figure_has_the_white_look_for_each_trace_type_it_draws(builder):
    for name, figure in builder().items():
        template = figure.layout.template
        assert template.layout.to_plotly_json() == WHITE_LAYOUT, name
        for trace in figure.data:
            kind = trace.type
            assert template.data[kind] == WHITE.data[kind], f"{name}: {kind}"


def test_the_cut_template_is_under_half_the_whole_one_sent_to_the_browser():
    cut = json.dumps(chart_template().to_plotly_json())
    whole = json.dumps(WHITE.to_plotly_json())
    assert len(cut) < len(whole) / 2
    # What is left out is nothing the charts draw: other planes, other traces.
    assert set(json.loads(cut)["layout"]) == set(WHITE_LAYOUT)
