"""Item 13 (issue 18): numbers people read have thousands separators and no
scientific notation: the shared helper and the places that use it."""

from __future__ import annotations

import numpy as np
import pytest

from nncore.core.text import plural, readable_number


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3021.7, "3,022"),
        (1343000.0, "1,343,000"),
        (0.01234, "0.0123"),
        (391278.9688, "391,279"),
        (np.float32(391278.97), "391,279"),
        (np.int64(1309), "1,309"),
        (0.891, "0.891"),
        (-3021.7, "-3,022"),
        (2.50, "2.5"),
        (1.0, "1"),
        (0.0, "0"),
        (float("nan"), "n/a"),
    ],
)
def test_readable_number(value, text):
    assert readable_number(value) == text


def test_readable_number_keeps_precision_when_asked():
    assert readable_number(2007.5) == "2,008"
    assert readable_number(2007.5, digits=5) == "2,007.5"


def test_readable_number_never_uses_an_exponent_in_the_readable_range():
    for value in (1.2345e-4, 3.02e3, 1.343e6, 9.99e14, -7.5e9):
        assert "e" not in readable_number(value).lower()


def test_plural():
    assert plural(1, "column") == "1 column"
    assert plural(3, "column") == "3 columns"
    assert plural(0, "row") == "0 rows"
    assert plural(1309, "row") == "1,309 rows"
    assert plural(2, "category") == "2 categories"
    assert plural(2, "class") == "2 classes"
    assert plural(2, "epoch", "epochs") == "2 epochs"
    assert plural(2, "person", "people") == "2 people"


def test_error_metrics_in_the_thousands_have_separators_and_no_exponent():
    from nncore.core.metrics import format_metric, format_with_interval

    assert format_metric(3021.7, "mae") == "3,022"
    assert format_metric(1343000.0, "rmse") == "1,343,000"
    assert format_metric(0.891, "r2") == "0.891"
    assert format_metric(-0.0001, "r2") == "0.000"
    assert "e+" not in format_with_interval(1343000.0, [1.2e6, 1.5e6], "rmse")


def test_a_year_histogram_has_whole_year_bars_and_ticks():
    from types import SimpleNamespace

    from nncore.core.bins import histogram
    from nncore.plots.base import histograms_figure

    years = np.random.default_rng(0).integers(1995, 2021, size=400)
    counts, edges = histogram(years)
    centres = (edges[:-1] + edges[1:]) / 2
    assert np.all(centres == np.round(centres))  # no bar at 2007.5
    assert counts.sum() == years.size
    figure = histograms_figure(SimpleNamespace(histograms={"year": (counts, edges)}))
    axis = figure.layout.xaxis
    assert axis.tickformat == "d" and axis.dtick >= 1 and axis.tick0 == 0
    assert ".3g" not in figure.data[0].hovertemplate


def test_regression_charts_of_large_values_have_no_exponent_formats():
    from nncore.plots.evaluation import (
        predicted_actual_figure,
        residual_histogram_figure,
        residuals_figure,
    )

    rng = np.random.default_rng(0)
    actual = rng.normal(1.3e6, 2e5, size=50)
    predicted = actual + rng.normal(0, 3e4, size=50)
    summary = {
        "actual": actual.tolist(),
        "predicted": predicted.tolist(),
        "residuals": (actual - predicted).tolist(),
    }
    for figure in (
        predicted_actual_figure(summary, "price"),
        residuals_figure(summary),
        residual_histogram_figure(summary),
    ):
        assert figure.layout.xaxis.tickformat == ",~r"
        for trace in figure.data:
            hover = trace.hovertemplate or ""
            assert "g}" not in hover and "e}" not in hover, hover
