"""The Data screen with pictures in a real browser: the shapes dataset's sample
grid and class balance are drawn, and the augmentation preview follows a click."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import EXCEPTION, MAIN, SIDEBAR, choose, rerun, screenshot

pytestmark = pytest.mark.e2e

SHAPES = "Shapes (4 classes, images)"


def chart(page: Page, title: str):
    """The Plotly chart whose title is ``title``."""
    return page.locator(f"{MAIN} .js-plotly-plot").filter(
        has=page.locator(".gtitle", has_text=title)
    )


def expect_drawn_pictures(figure) -> None:
    """The chart holds the mosaic as an SVG image of a real size."""
    expect(figure).to_be_visible()
    mosaic = figure.locator("svg image").first
    expect(mosaic).to_be_attached()
    assert mosaic.get_attribute("href").startswith("data:image/png;base64,")
    box = mosaic.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 100, box


def test_the_shapes_dataset_shows_its_sample_grid(app_page: Page):
    page = app_page
    choose(page, "Dataset", SHAPES)
    main = page.locator(MAIN)
    expect(main.get_by_text("Image size: 28×28 pixels, grayscale")).to_be_visible()
    expect(main.locator('[data-testid="stMetricValue"]').first).to_have_text("400")
    grid = chart(page, "Sample pictures per class")
    expect_drawn_pictures(grid)
    for name in ("circle", "cross", "square", "triangle"):
        expect(grid.locator(".ytick text", has_text=name)).to_have_count(1)
    expect(chart(page, "Class balance").locator(".point")).to_have_count(4)
    expect(page.locator(SIDEBAR).get_by_text("400 pictures of 28×28×1")).to_be_visible()

    rerun(page, lambda: main.get_by_text("Flip left-right", exact=True).click())
    expect_drawn_pictures(chart(page, "What training sees"))
    expect(main.get_by_text("Applied to the training pictures only")).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)
    screenshot(page, "image-data")
