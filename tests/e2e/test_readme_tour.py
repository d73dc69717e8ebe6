"""Every screen after one training, in a real browser: the README's screenshots.

One session goes through the whole workflow on the iris flowers (Data, Model,
Compile, Train, Evaluate, Tune, Runs, Experiment, Glossary, back Home) and every
screen must show its content with no error element. The screenshots it saves as
``artifacts/screenshots/readme-<screen>.png`` are the ones in the README
(docs/images/).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import EXCEPTION, MAIN, choose, screenshot, wait_for_app
from .test_design_and_share import go_to
from .test_evaluate_screen import train

pytestmark = pytest.mark.e2e

# What each screen must show once the workflow has been through it.
EXPECTED = {
    "Model": re.compile(r"parameters", re.IGNORECASE),
    "Compile": re.compile(r"learning rate", re.IGNORECASE),
    "Evaluate": re.compile(r"How good it is on the \d+ validation"),
    "Tune": re.compile(r"search", re.IGNORECASE),
    "Runs": re.compile(r"Every training recorded"),
    "Experiment": re.compile(r"share", re.IGNORECASE),
    "Glossary": re.compile(r"epoch", re.IGNORECASE),
}


def test_every_screen_after_one_training(app_page: Page):
    page = app_page
    main = page.locator(MAIN)
    choose(page, "Dataset", "Iris flowers (3 classes)")
    expect(main.get_by_text("Task: multiclass", exact=False).first).to_be_visible()
    screenshot(page, "readme-data")
    train(page, 40)
    screenshot(page, "readme-train")
    for title in ("Model", "Compile", "Evaluate", "Tune", "Runs", "Experiment"):
        go_to(page, title)
        expect(main.get_by_text(EXPECTED[title]).first).to_be_visible()
        if title == "Evaluate":  # its charts come after the first paint
            expect(main.locator(".js-plotly-plot").first).to_be_visible()
        expect(page.locator(EXCEPTION)).to_have_count(0)
        screenshot(page, f"readme-{title.lower()}")
    go_to(page, "Glossary")
    expect(main.get_by_text(EXPECTED["Glossary"]).first).to_be_visible()
    screenshot(page, "readme-glossary")
    link = page.locator('[data-testid="stSidebarNav"]').get_by_text("Home", exact=True)
    link.click()
    wait_for_app(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)
    screenshot(page, "readme-home")
