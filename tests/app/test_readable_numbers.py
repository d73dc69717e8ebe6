"""Item 13 (issue 18): the Evaluate screen of a regression with large targets (prices
in the millions) writes its numbers readably: no "e+06" in a sentence, card or
caption, and no raw floats such as "391278.9688" in its tables."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT
from tests.support import ended, go, plain, poll, texts, upload_frame


def test_evaluate_a_regression_with_large_targets_shows_readable_numbers():
    rng = np.random.default_rng(0)
    n = 200
    year = rng.integers(1990, 2021, size=n)
    size = rng.normal(120, 30, size=n).round(1)
    price = 1_000_000 + 9_000 * (size - 120) + 4_000 * (year - 2005)
    price = price + rng.normal(0, 50_000, size=n)
    frame = pd.DataFrame({"year": year, "size": size, "price": price.round(4)})
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("screens/data.py").run()
    at.radio(key="data_source_kind").set_value("My own file").run()
    upload_frame(at, "data_upload", "houses.csv", frame)
    at.selectbox(key="data_target").set_value("price").run()
    spec = at.session_state["spec"]
    spec["model"]["layers"] = [{"type": "dense", "units": 8, "activation": "relu"}]
    spec["train"].update(epochs=2, batch_size=32)
    spec["train"]["early_stopping"]["enabled"] = False
    go(at, "train")
    at.button(key="train_start").click().run()
    poll(at, ended, "the training to end")
    go(at, "evaluate")
    assert not at.exception, at.exception

    sentence = next(t for t in texts(at.markdown) if "on average" in t)
    assert "," in sentence  # "Off by 1,003,671 on average …"
    shown = (
        texts(at.markdown)
        + texts(at.caption)
        + [plain(m.value) for m in at.metric]
        + [plain(w.label) for w in at.number_input]
    )
    assert not [t for t in shown if "e+0" in t or "e+1" in t]

    worst = at.dataframe[-1]
    assert "localized" in json.dumps(worst.proto.columns)
    for column in worst.value.columns:
        values = worst.value[column]
        if values.dtype.kind == "f":
            large = values[values.abs() >= 1000]
            assert (large == large.round()).all(), (column, list(large)[:3])
