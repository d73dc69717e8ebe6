"""After a demo, the user's own data starts from the normal settings (item 2)."""

import pandas as pd
from streamlit.testing.v1 import AppTest

from nncore.report import guide
from nncore.spec import default_spec, validate_spec
from tests.app.conftest import ROOT
from tests.support import go, plain, texts, upload_frame

NOTICE = (
    "Your data starts from the normal settings, not the demo's (3×256 network, "
    "200 epochs, learning rate 0.0003)."
)


def penguins() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "bill_mm": [39.1 + i % 7 for i in range(60)],
            "mass_g": [3700 + 40 * (i % 11) for i in range(60)],
            "species": ["Adelie", "Gentoo", "Chinstrap"] * 20,
        }
    )


def test_an_upload_after_the_overfit_demo_trains_with_the_normal_settings():
    normal = validate_spec(default_spec())
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.button(key="home_demo_overfit").click().run()
    assert not at.exception, at.exception
    assert at.session_state["spec"] == guide.demo_spec("overfit")
    go(at, "data")  # the demo's own data: its settings stay
    assert at.session_state["spec"]["model"] == guide.demo_spec("overfit")["model"]
    assert NOTICE not in texts(at.info)

    at.radio(key="data_source_kind").set_value("My own file").run()
    upload_frame(at, "data_upload", "penguins.csv", penguins())
    at.selectbox(key="data_target").set_value("species").run()
    assert not at.exception, at.exception
    spec = at.session_state["spec"]
    for section in ("model", "compile", "train"):
        assert spec[section] == normal[section], section
    assert spec["data"]["split"] == normal["data"]["split"]
    assert (spec["data"]["source"], spec["data"]["target"]) == (
        "penguins.csv",
        "species",
    )
    assert NOTICE in texts(at.info)
    assert at.slider(key="data_val").value == round(
        normal["data"]["split"]["val"] * 100
    )
    go(at, "compile")  # the other screens show the normal settings too
    go(at, "data")
    assert NOTICE in texts(at.info)  # said while this data is loaded

    at.button(key="data_keep_demo_settings").click().run()
    assert not at.exception, at.exception
    spec = at.session_state["spec"]
    demo = guide.demo_spec("overfit")
    for section in ("model", "compile", "train"):
        assert spec[section] == demo[section], section
    assert spec["data"]["split"] == demo["data"]["split"]
    assert spec["data"]["source"] == "penguins.csv"
    assert any(
        plain(i).startswith("Your data uses the demo's settings")
        for i in texts(at.info)
    )
