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

from .conftest import EXCEPTION, MAIN, choose, go_to, rerun, screenshot, wait_for_app
from .test_data_screen import upload
from .test_evaluate_screen import train
from .test_train_screen import status_line

pytestmark = pytest.mark.e2e

# Generous: the machine running the tests may be shared and slow.
DEMO_TIMEOUT_MS = 150_000
DONE = "The demo is done"

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


def penguins_csv() -> bytes:
    """A penguin-like table: three species told apart by their measurements."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    species = rng.choice(["Adelie", "Chinstrap", "Gentoo"], size=150)
    centre = {"Adelie": 38.8, "Chinstrap": 48.8, "Gentoo": 47.5}
    depth = {"Adelie": 18.3, "Chinstrap": 18.4, "Gentoo": 15.0}
    frame = pd.DataFrame(
        {
            "species": species,
            "bill_length_mm": [centre[s] + rng.normal(0, 2.5) for s in species],
            "bill_depth_mm": [depth[s] + rng.normal(0, 0.8) for s in species],
            "island": rng.choice(["Biscoe", "Dream", "Torgersen"], size=150),
        }
    )
    return frame.to_csv(index=False).encode()


def test_demos_then_an_uploaded_table_trains_with_the_normal_settings(app_page: Page):
    """Issue 18's tour: the two demos, then the user's own table. No result of the
    demos' data may be shown as the table's, and the table trains with the normal
    defaults, not the overfitting demo's settings."""
    page = app_page
    main = page.locator(MAIN)
    home = page.locator('[data-testid="stSidebarNav"]').get_by_text("Home", exact=True)
    rerun(page, home.click)
    for button in ("Run the demo", "Watch a network overfit"):
        rerun(page, main.get_by_role("button", name=button).click)
        expect(main.get_by_text(DONE)).to_be_visible(timeout=DEMO_TIMEOUT_MS)
        wait_for_app(page)
    go_to(page, "Data")
    rerun(page, lambda: main.get_by_text("My own file", exact=True).click())
    upload(page, "penguins.csv", penguins_csv())
    choose(page, "Target: the column to predict", "species")
    expect(main.get_by_text("Task: multiclass", exact=False).first).to_be_visible()
    # The demo's settings were not carried over, and the screen says so.
    expect(main.get_by_text(re.compile("normal settings")).first).to_be_visible()
    screenshot(page, "tour-upload-after-demos")

    go_to(page, "Train")
    expect(main.get_by_text(re.compile("on other data")).first).to_be_visible()
    expect(main.get_by_text("Validation results", exact=True)).to_have_count(0)
    expect(main.locator(".st-key-train_boundary")).to_have_count(0)
    expect(main.get_by_role("button", name="Continue", exact=True)).to_be_disabled()
    epochs = main.locator('[data-testid="stNumberInput"]').filter(
        has=page.get_by_text("Epochs", exact=True)
    )
    expect(epochs.locator("input")).to_have_value("20")  # not the demo's 200
    expect(page.locator(EXCEPTION)).to_have_count(0)
    screenshot(page, "tour-train-other-data")

    rerun(page, lambda: main.get_by_role("button", name="Train", exact=True).click())
    expect(status_line(page)).to_contain_text("Finished", timeout=DEMO_TIMEOUT_MS)
    wait_for_app(page)
    expect(main.get_by_text("Validation results", exact=True)).to_be_visible()
    expect(main.get_by_text(re.compile("on other data"))).to_have_count(0)
    expect(main.get_by_text(re.compile("penguins.csv")).first).to_be_visible()

    go_to(page, "Evaluate")
    expect(
        main.get_by_text(re.compile(r"How good it is on the \d+ validation"))
    ).to_be_visible()
    expect(main.get_by_text(re.compile("on other data"))).to_have_count(0)
    expect(main.get_by_text(re.compile("penguins.csv")).first).to_be_visible()
    expect(main.locator(".js-plotly-plot").first).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)
    screenshot(page, "tour-evaluate-upload")
