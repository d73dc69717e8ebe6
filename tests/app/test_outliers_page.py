"""Issue 18, items 8 and 14 on the Data screen: the outlier pitfall with its
one-click fixes, missing cells shown as "missing", column types in words."""

import numpy as np
from streamlit import dataframe_util

from tests import files
from tests.app.test_data_page import upload
from tests.support import texts
from tests.unit.test_outliers import prices


def preview_table(at):
    """The data preview: the first table, the only styled one."""
    return next(d for d in at.dataframe if d.proto.arrow_data.styler.display_values)


def shown_values(element):
    """The cells as the user sees them (a styled table's display values)."""
    styler = element.proto.arrow_data.styler
    return dataframe_util.convert_arrow_bytes_to_pandas_df(styler.display_values)


def price_file() -> bytes:
    frame = prices()
    frame.loc[[17, 120], "price"] *= 100  # the target has extreme values too
    frame.loc[3, "depth"] = np.nan  # a missing cell
    return files.csv_bytes(frame)


def test_the_outlier_pitfall_offers_huber_drop_and_says_what_changed(data_page):
    at = upload(data_page, "prices.csv", price_file())
    at.selectbox(key="data_target").set_value("price").run()
    assert not at.exception
    pitfall = next(w for w in texts(at.warning) if "Extreme or impossible" in w)
    assert "'length': 2 zeros where every other value is positive" in pitfall
    assert "'price'" in pitfall
    keys = {b.key for b in at.button}
    assert {"data_outliers_drop", "data_outliers_clip", "data_outliers_huber"} <= keys

    at.button(key="data_outliers_huber").click().run()
    assert not at.exception
    assert at.session_state["spec"]["compile"]["loss"] == "huber"
    assert any(
        "compile.loss changed from auto to huber" in s for s in texts(at.success)
    )
    assert any("The Huber loss is on" in s for s in texts(at.success))

    at.button(key="data_outliers_drop").click().run()
    assert not at.exception
    assert at.session_state["spec"]["data"]["outliers"] == "drop"
    said = texts(at.success)
    assert any("data.outliers changed from keep to drop" in s for s in said)
    assert any("Outliers dropped:" in s and "training rows" in s for s in said)
    assert not any("Extreme or impossible" in w for w in texts(at.warning))
    report = at.session_state["data_report"]
    assert report.prepared.outliers_dropped >= 2

    at.button(key="data_outliers_keep").click().run()
    assert at.session_state["spec"]["data"]["outliers"] == "keep"
    assert any("Extreme or impossible" in w for w in texts(at.warning))


def test_missing_cells_read_missing_and_types_are_words(data_page):
    at = upload(data_page, "prices.csv", price_file())
    shown = shown_values(preview_table(at))
    assert shown.loc[3, "depth"] == "missing"
    assert "None" not in shown.to_string() and "nan" not in shown.to_string()
    at.selectbox(key="data_target").set_value("price").run()
    columns = next(d.value for d in at.dataframe if "role" in d.value.columns)
    assert set(columns["type"]) == {"number"}
    assert "float64" not in columns.to_string()
