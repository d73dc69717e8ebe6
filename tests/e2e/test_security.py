"""Script injection: a data file whose names and values are HTML, JavaScript and
Markdown goes through every screen, and nothing in it runs or turns into markup.

The file name, three column names, the class labels (the target) and the values of
an input category are all hostile. On each screen the test checks that no dialog
opened, ``window.__xss`` is still 0, nothing was injected (no ``<img src=x>``, no
``onerror`` attribute, no ``javascript:`` link, no ``<b>`` made from our text, no
script holding our payload, no Markdown bold or maths), and that the names show
literally, as text.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import (
    EXCEPTION,
    MAIN,
    SIDEBAR,
    choose,
    go_to,
    grid_rows,
    rerun,
    screenshot,
)
from .test_data_screen import use_own_file
from .test_train_screen import TRAINING_TIMEOUT_MS, set_number, status_line
from .test_tune_screen import SEARCH_TIMEOUT_MS

pytestmark = pytest.mark.e2e

# Column names.
IMG = "<img src=x onerror=window.__xss=1>"
SCRIPT = "<script>window.__xss=2</script>"
MARKDOWN = "**x** $x$"  # the input category
TARGET = "<b>bold</b> javascript:alert(1)"
# Values of the input category.
SCRIPT_VALUE = "<script>window.__xss=3</script>"
LINK_VALUE = "javascript:alert(2)"
BOLD_VALUE = "**x**"
# Class labels.
IMG_CLASS = "<img src=x onerror=window.__xss=4>"
BOLD_CLASS = "<b>bold</b>"
MATH_CLASS = "$x$"
FILE_NAME = "<img src=x onerror=window.__xss=5>.csv"

PLOT_TEXT = ".js-plotly-plot text"


def hostile_csv() -> bytes:
    """60 rows; the class follows the two numbers, so a network can learn it."""
    classes = [IMG_CLASS, BOLD_CLASS, MATH_CLASS]
    values = [SCRIPT_VALUE, LINK_VALUE, BOLD_VALUE]
    lines = [f'"{IMG}",{SCRIPT},{MARKDOWN},{TARGET}']
    for i in range(60):
        label = i % 3
        a = label * 2 + (i * 7 % 10) / 10
        b = (i * 3 % 10) / 10 - label
        lines.append(f"{a:.2f},{b:.2f},{values[(i // 3) % 3]},{classes[label]}")
    return ("\n".join(lines) + "\n").encode()


# -- checks --------------------------------------------------------------------------


def watch(page: Page) -> list[str]:
    """Record every dialog the page opens; set ``window.__xss`` to 0."""
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.evaluate("window.__xss = 0")
    return dialogs


_PAYLOAD_SCRIPTS_JS = """() => [...document.querySelectorAll('script')]
  .filter((s) => (s.textContent || '').includes('__xss')).length"""


def expect_inert(page: Page, dialogs: list[str], where: str) -> None:
    """Nothing of the file ran or became markup on this screen."""
    assert dialogs == [], f"{where}: dialogs {dialogs}"
    assert page.evaluate("window.__xss") == 0, f"{where}: a payload ran"
    for selector in ('img[src="x"]', "[onerror]", 'a[href^="javascript"]'):
        expect(page.locator(selector), f"{where}: {selector}").to_have_count(0)
    assert page.evaluate(_PAYLOAD_SCRIPTS_JS) == 0, f"{where}: a script was injected"
    expect(page.locator("b", has_text="bold"), where).to_have_count(0)
    # Plotly draws <b> in labels as bold text: our <b> must stay text.
    expect(page.locator("tspan[style*='bold']", has_text="bold")).to_have_count(0)
    for area in (MAIN, SIDEBAR):
        strong = page.locator(area).locator("strong", has_text=re.compile(r"^x$"))
        expect(strong, f"{where}: Markdown bold").to_have_count(0)
        expect(page.locator(area).locator(".katex"), f"{where}: maths").to_have_count(0)
    expect(page.locator(EXCEPTION)).to_have_count(0)
    assert "Traceback" not in page.locator(MAIN).inner_text(), where


def expect_literal(page: Page, *texts: str) -> None:
    """Each text shows, as written, somewhere on the screen (HTML or chart)."""
    for text in texts:
        found = page.locator(MAIN).get_by_text(text, exact=False)
        charts = page.locator(MAIN).locator(PLOT_TEXT, has_text=text)
        assert found.count() + charts.count() > 0, f"{text!r} is not shown"


def sidebar_is_clean(page: Page, dialogs: list[str], where: str) -> None:
    sidebar = page.locator(SIDEBAR)
    expect(sidebar.get_by_text(FILE_NAME, exact=True)).to_be_visible()
    expect(
        sidebar.get_by_text(re.compile(re.escape(f"predicts '{TARGET}'")))
    ).to_be_visible()
    expect_inert(page, dialogs, f"{where} (sidebar)")


def grid_text(page: Page) -> str:
    """The text of every table (dataframe) on the screen."""
    grids = page.locator(MAIN).locator('[data-testid="stDataFrame"]')
    return " ".join(
        " ".join(" ".join(row.keys()) + " " + " ".join(row.values()) for row in rows)
        for rows in (grid_rows(grids.nth(i)) for i in range(grids.count()))
    )


def upload(page: Page, name: str, content: bytes) -> None:
    """Put the file into the uploader (which shortens a long name in the middle)."""
    field = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    rerun(
        page,
        lambda: field.set_input_files(
            files=[{"name": name, "mimeType": "text/csv", "buffer": content}]
        ),
    )
    expect(
        page.locator('[data-testid="stFileUploader"]').get_by_text(
            re.compile(r"^<img sr.*\.csv$")
        )
    ).to_be_visible()


def open_options(page: Page, box):
    """Open a selectbox's list; return its options."""
    box.locator('[role="combobox"]').click()
    options = page.locator('[role="option"]')
    if not options.count():  # a box with no choice yet opens from the keyboard
        page.keyboard.press("ArrowDown")
    expect(options.first).to_be_visible()
    return options


def table_with(page: Page, column: str) -> list[dict[str, str]]:
    """The rows of the table (dataframe) on the screen that has this column."""
    grids = page.locator(MAIN).locator('[data-testid="stDataFrame"]')
    for _ in range(50):  # a table is drawn a moment after its rerun
        for i in range(grids.count()):
            if grids.nth(i).is_visible():
                rows = grid_rows(grids.nth(i), timeout=1_000)
                if rows and column in rows[0]:
                    return rows
        page.wait_for_timeout(200)
    pytest.fail(f"no table with a column {column!r}", pytrace=False)


def train(page: Page, epochs: int) -> None:
    go_to(page, "Train")
    set_number(page, "Epochs", epochs)
    rerun(page, lambda: page.get_by_role("button", name="Train", exact=True).click())
    expect(status_line(page)).to_contain_text("Finished", timeout=TRAINING_TIMEOUT_MS)


# -- the test ------------------------------------------------------------------------


def test_hostile_names_stay_text_on_every_screen(app_page: Page):
    page = app_page
    dialogs = watch(page)
    main = page.locator(MAIN)

    # Data: upload, target, preview, profile, columns, warnings.
    use_own_file(page)
    upload(page, FILE_NAME, hostile_csv())
    expect(page.get_by_text("60 rows × 4 columns")).to_be_visible()
    choose(page, "Target: the column to predict", TARGET)
    expect(page.get_by_text("Task: multiclass", exact=True)).to_be_visible()
    # The preview is filled once the overview charts are sent: its grid is drawn
    # a moment later, with every column named as written.
    preview = main.locator('[data-testid="stDataFrame"]').first
    expect(preview).to_be_visible()
    assert {IMG, SCRIPT, MARKDOWN, TARGET} <= set(grid_rows(preview)[0])
    expect_literal(page, IMG, SCRIPT, MARKDOWN)
    tables = grid_text(page)
    for text in (IMG, SCRIPT, MARKDOWN, TARGET, SCRIPT_VALUE, IMG_CLASS):
        assert text in tables, f"{text!r} is not in the Data screen's tables"
    leakage = main.locator('[data-testid="stAlert"]').filter(has_text="leakage")
    expect(leakage).to_contain_text(f"'{IMG}' alone predicts the target")
    expect_inert(page, dialogs, "Data")
    screenshot(page, "security-data")
    page.get_by_role("tab", name="Feature histograms").click()
    histograms = main.locator(f"{PLOT_TEXT}:visible", has_text=IMG[:19])
    expect(histograms.first).to_be_visible()
    page.get_by_role("tab", name="Columns").click()
    values = set()
    for _ in range(50):  # the table is drawn once its tab shows
        grids = main.locator('[data-testid="stDataFrame"]:visible')
        values = {
            v
            for i in range(grids.count())
            for row in grid_rows(grids.nth(i))
            for v in row.values()
        }
        if {IMG, SCRIPT, MARKDOWN, TARGET} <= values:
            break
        page.wait_for_timeout(200)
    assert {IMG, SCRIPT, MARKDOWN, TARGET} <= values, values
    expect_inert(page, dialogs, "Data (columns)")

    go_to(page, "Model")
    rerun(page, lambda: page.get_by_role("button", name="Start simple").click())
    expect_inert(page, dialogs, "Model")
    sidebar_is_clean(page, dialogs, "Model")

    go_to(page, "Compile")
    expect_inert(page, dialogs, "Compile")

    # Train twice (two runs to compare); the second one a little longer.
    train(page, 4)
    train(page, 6)
    expect(main.get_by_text("Decision boundary after epoch")).to_have_count(0)
    expect_literal(page, f"Data: {FILE_NAME}")
    expect_inert(page, dialogs, "Train")
    screenshot(page, "security-train")

    # Evaluate: metrics, per-class table, confusion matrix, a cell's rows, try it.
    go_to(page, "Evaluate")
    page.wait_for_function(
        """() => [...document.querySelectorAll(
            '[data-testid="stMain"] .js-plotly-plot')]
          .some((c) => ((c.layout || {}).title || {}).text)""",
        timeout=60_000,
    )
    rerun(page, lambda: main.get_by_text("Per class: precision, recall and F1").click())
    tables = grid_text(page)
    for label in (IMG_CLASS, BOLD_CLASS, MATH_CLASS):
        assert label in tables, f"class {label!r} is not in the per-class table"
        # The charts shorten long labels to 20 characters, with an ellipsis.
        matrix = main.locator(PLOT_TEXT, has_text=label[:19])
        assert matrix.count() > 0, f"class {label!r} is not on the charts"
    cells = main.locator('[data-testid="stSelectbox"]').filter(
        has=page.get_by_text("Rows behind a cell", exact=False)
    )
    options = open_options(page, cells)
    # Labels are shortened to 25 characters here.
    expect(options.filter(has_text=f"true '{IMG_CLASS[:20]}").first).to_be_visible()
    texts = options.all_text_contents()
    biggest = max(texts, key=lambda t: int(re.search(r"· (\d+) rows?", t).group(1)))
    rerun(page, lambda: options.filter(has_text=biggest).first.click())
    expect(main.get_by_text(re.compile(r"the most confident first"))).to_be_visible()
    listed = table_with(page, "confidence")  # the rows behind the cell
    assert {IMG, SCRIPT} <= set(listed[0]), listed[0]  # the columns, by name
    classes = {IMG_CLASS, BOLD_CLASS, MATH_CLASS}
    assert all(set(row.values()) & classes for row in listed), listed
    expect_inert(page, dialogs, "Evaluate (cell rows)")

    category = main.locator('[data-testid="stSelectbox"]').filter(
        has=page.get_by_text(MARKDOWN, exact=True)
    )
    choice = open_options(page, category).filter(has_text=SCRIPT_VALUE)
    expect(choice).to_have_count(1)
    rerun(page, lambda: choice.click())
    expect(category.locator('[role="combobox"]')).to_have_value(SCRIPT_VALUE)
    rerun(page, lambda: page.get_by_role("button", name="Predict", exact=True).click())
    predicted = main.locator('[data-testid="stMetric"]').filter(
        has_text=f"Predicted {TARGET[:25]}"
    )
    expect(predicted).to_be_visible()
    value = predicted.locator('[data-testid="stMetricValue"]').inner_text()
    assert value in (IMG_CLASS, BOLD_CLASS, MATH_CLASS), value
    expect_inert(page, dialogs, "Evaluate")
    screenshot(page, "security-evaluate")

    # Runs: the table and two runs side by side.
    go_to(page, "Runs")
    ours = [row for row in table_with(page, "dataset") if row["dataset"] == FILE_NAME]
    assert len(ours) >= 2, ours  # the two trainings above
    picker = main.locator('[data-testid="stMultiSelect"]')
    for _ in range(2):
        ours = open_options(page, picker).filter(has_text=FILE_NAME)
        rerun(page, lambda ours=ours: ours.first.click())
        page.keyboard.press("Escape")
    expect(
        main.get_by_text(re.compile(r"^A: .*" + re.escape(FILE_NAME)))
    ).to_be_visible()
    expect(main.get_by_text(re.compile(r"B .*: .*validation accuracy"))).to_be_visible()
    expect_literal(page, FILE_NAME)
    expect_inert(page, dialogs, "Runs")
    screenshot(page, "security-runs")

    # Tune: a two-trial search.
    go_to(page, "Tune")
    expect(main.get_by_text(re.compile("at the measured speed"))).to_be_visible(
        timeout=SEARCH_TIMEOUT_MS
    )
    set_number(page, "Trials", 2)
    set_number(page, "Epochs per trial", 3)
    page.get_by_role("button", name="Start search", exact=True).click()
    expect(status_line(page)).to_contain_text(
        "Finished · 2 trials", timeout=SEARCH_TIMEOUT_MS
    )
    expect_inert(page, dialogs, "Tune")
    screenshot(page, "security-tune")

    # Experiment: the experiment as JSON holds the names as plain strings.
    go_to(page, "Experiment")
    rerun(page, lambda: main.get_by_text("The experiment as JSON").click())
    expect(main.get_by_text(TARGET, exact=False).first).to_be_visible()
    expect_inert(page, dialogs, "Experiment")
    sidebar_is_clean(page, dialogs, "Experiment")
