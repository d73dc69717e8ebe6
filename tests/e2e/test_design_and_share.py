"""Data → Model → Compile in the browser, the script that runs as-is, share links."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.isolation import run_exported_script

from .conftest import (
    EXCEPTION,
    MAIN,
    SIDEBAR,
    choose,
    go_to,
    rerun,
    screenshot,
    wait_for_app,
)

pytestmark = pytest.mark.e2e


def test_design_compile_and_run_the_downloaded_script(app_page: Page, tmp_path):
    page = app_page
    choose(page, "Dataset", "Iris flowers (3 classes)")
    go_to(page, "Model")
    rerun(page, lambda: page.get_by_role("button", name="Start simple").click())
    main = page.locator(MAIN)
    expect(main.get_by_text("3 neurons", exact=False).first).to_be_visible()
    units = main.locator('[data-testid="stNumberInput"] input').first
    expect(units).to_have_value("8")  # the preset's layer, not the one it replaced
    expect(main.locator(".js-plotly-plot").first).to_be_visible()
    screenshot(page, "model-screen")

    go_to(page, "Compile")
    choose(page, "Optimiser", "SGD (stochastic gradient descent)")
    expect(page.locator(EXCEPTION)).to_have_count(0)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download experiment.py").click()
    script = tmp_path / "exported.py"
    download.value.save_as(script)
    screenshot(page, "compile-screen")

    result_line, lines = run_exported_script(script)
    assert any(line.startswith("test accuracy:") for line in lines), lines
    assert result_line["task"] == "multiclass"
    test = result_line["metrics"]["test"]
    assert 0 <= test["accuracy"] <= 1 and "f1" in test


def test_a_share_link_restores_the_design_in_a_new_session(
    app_page: Page, chromium, app_url
):
    page = app_page
    choose(page, "Dataset", "Wine (3 classes)")
    go_to(page, "Model")
    rerun(page, lambda: page.get_by_role("button", name="Wide with dropout").click())
    go_to(page, "Experiment")
    link = (
        page.locator(MAIN).locator('[data-testid="stCode"]').first.inner_text().strip()
    )
    assert link.startswith("http://127.0.0.1") and "?experiment=" in link

    other = chromium.new_context(viewport={"width": 1400, "height": 1000})
    try:
        fresh = other.new_page()
        fresh.goto(link)
        wait_for_app(fresh)
        expect(
            fresh.get_by_text("Experiment restored from the share link.")
        ).to_be_visible()
        box = fresh.locator('[data-testid="stSelectbox"]').filter(
            has=fresh.get_by_text("Dataset", exact=True)
        )
        expect(box.locator('[role="combobox"]')).to_have_value("Wine (3 classes)")
        go_to(fresh, "Model")
        number_inputs = fresh.locator(MAIN).locator(
            '[data-testid="stNumberInput"] input'
        )
        expect(number_inputs.first).to_have_value("256")
        expect(fresh.locator(EXCEPTION)).to_have_count(0)
        screenshot(fresh, "model-restored-from-link")
    finally:
        other.close()


def test_opening_a_screen_url_directly_keeps_the_app_frame(chromium, app_url):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(f"{app_url}/model")
        wait_for_app(page)
        expect(
            page.locator(MAIN).get_by_role("heading", name="Model", exact=True)
        ).to_be_visible()
        nav = page.locator('[data-testid="stSidebarNav"]')
        expect(nav.get_by_text("Compile", exact=True)).to_be_visible()
        expect(nav.get_by_text("app", exact=True)).to_have_count(0)
        expect(page.locator(SIDEBAR).get_by_text("Active dataset")).to_be_visible()
    finally:
        context.close()
