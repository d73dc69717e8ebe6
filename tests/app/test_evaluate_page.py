"""The Evaluate screen (AppTest): a tiny network trained in the app, then judged.

Each test trains through the Train screen (a few epochs) and opens Evaluate, as a
user does. Chart selections cannot be made under AppTest, so a confusion-matrix
cell is picked with the selectbox beside the chart (the keyboard way).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT
from tests.support import (
    charts,
    ended,
    experiment,
    go,
    plain,
    poll,
    texts,
    train_screen,
    upload_frame,
)


def trained(spec: dict, at: AppTest | None = None) -> AppTest:
    """Train ``spec`` on the Train screen until it ends; open Evaluate."""
    if at is None:
        at = train_screen(spec)
    else:
        go(at, "train")
    at.button(key="train_start").click().run()
    poll(at, ended, "the training to end")
    go(at, "evaluate")
    assert not at.exception, at.exception
    return at


def metric(at: AppTest, label: str) -> str:
    return next(plain(m.value) for m in at.metric if plain(m.label) == label)


def test_evaluate_a_binary_classifier_cells_threshold_test_rows_and_predictions():
    spec = experiment("builtin:breast_cancer", epochs=4)
    at = trained(spec)
    assert "How good it is on the 86 validation rows" in texts(at.subheader)
    sentence = next(t for t in texts(at.markdown) if "always guessing" in t)
    assert "accuracy; always guessing 'benign' would score 63 %" in sentence
    for label in ("Accuracy", "Precision", "Recall", "F1 score", "ROC AUC"):
        assert metric(at, label) != "—"
    figures = charts(at)
    confusion = figures["Confusion matrix (validation rows)"]
    assert [trace["type"] for trace in confusion["data"]] == ["heatmap", "scatter"]
    assert {"ROC curve", "Precision-recall curve", "How sure the network is"} <= set(
        figures
    )

    # A cell of the matrix: its rows, with their original values.
    cell = at.selectbox(key="evaluate_cell")
    assert cell.value is None
    assert cell.options[0].startswith("true '")  # the biggest mistake comes first
    cell.set_value("1,1").run()
    assert not at.exception
    rows = at.dataframe[-1].value
    assert {"mean radius", "true target", "predicted target", "confidence"} <= set(
        rows.columns
    )
    assert set(rows["true target"]) == {"malignant"}
    assert set(rows["predicted target"]) == {"malignant"}
    counts = confusion["data"][1]["customdata"]
    assert len(rows) == next(c[4] for c in counts if c[:2] == [1, 1])

    # The decision threshold moves the predictions.
    before = json.dumps(confusion["data"][0]["text"])
    at.slider(key="evaluate_threshold").set_value(0.95).run()
    assert not at.exception
    after = charts(at)["Confusion matrix (validation rows)"]
    assert json.dumps(after["data"][0]["text"]) != before
    assert charts(at)["ROC curve"]["data"][-1]["name"] == "threshold 0.95"
    at.slider(key="evaluate_threshold").set_value(0.5).run()

    # Which columns matter, on the validation rows.
    at.button(key="evaluate_importance").click().run()
    assert not at.exception
    importance = charts(at)["Which columns the network relies on (top 20 of 30)"]
    assert len(importance["data"][0]["y"]) == 20

    # Try the model on one row.
    at.number_input(key="evaluate_try_0").set_value(40.0)  # beyond 28.1
    at.button(key="evaluate_try_submit").click().run()
    assert not at.exception
    assert metric(at, "Predicted target") in ("benign", "malignant")
    assert any(title == "Class probabilities" for title in charts(at))
    assert any("Outside the range of the training rows" in w for w in texts(at.warning))

    # A table of rows to predict: predictions added, a download offered.
    from sklearn.datasets import load_breast_cancer

    rows = load_breast_cancer(as_frame=True).frame.head(5)
    upload_frame(at, "evaluate_batch", "new.csv", rows.drop(columns=["target"]))
    predicted = at.dataframe[-1].value
    assert list(predicted.columns[-4:]) == [
        "predicted target",
        "confidence",
        "probability benign",
        "probability malignant",
    ]
    labels = [b.label for b in at.get("download_button")]
    assert "Download with predictions (.csv)" in labels
    upload_frame(at, "evaluate_batch", "short.csv", rows.iloc[:, :3])
    assert any("lacks 27 columns the model needs" in e for e in texts(at.error))

    # The test rows are held back until asked for; each look is counted.
    at.radio(key="evaluate_split").set_value("test").run()
    assert any("86 test rows have been kept apart" in i for i in texts(at.info))
    assert "How good it is on the 86 test rows" not in texts(at.subheader)
    at.button(key="evaluate_test").click().run()
    assert not at.exception
    assert "How good it is on the 86 test rows" in texts(at.subheader)
    assert "Confusion matrix (test rows)" in charts(at)

    # Another network on the same test set: the second look comes with a warning.
    at = trained(spec, at)
    at.radio(key="evaluate_split").set_value("test").run()
    assert any("looked at once already" in i for i in texts(at.info))
    at.button(key="evaluate_test").click().run()
    warning = " ".join(texts(at.warning))
    assert "looked at 2 times" in warning and "optimistic" in warning
    assert not at.exception


def test_evaluate_a_regression_network():
    at = trained(experiment("builtin:diabetes", epochs=3))
    sentence = next(t for t in texts(at.markdown) if "on average" in t)
    assert "always guessing the mean" in sentence
    for label in ("R² (explained variance)", "Mean absolute error"):
        assert metric(at, label) != "—"
    figures = charts(at)
    assert {
        "Predicted against actual",
        "Residuals against the prediction",
        "Spread of the residuals",
    } <= set(figures)
    ideal = figures["Predicted against actual"]["data"][1]
    assert ideal["name"] == "perfect prediction"
    worst = at.dataframe[-1].value
    assert {"true target", "predicted target", "error"} <= set(worst.columns)
    errors = worst["error"].abs().to_numpy()
    assert np.all(errors[:-1] >= errors[1:])  # the worst first

    at.button(key="evaluate_try_submit").click().run()
    assert not at.exception
    value = metric(at, "Predicted target")
    assert np.isfinite(float(value))


def test_evaluate_a_network_trained_on_an_uploaded_file_with_text_columns():
    rng = np.random.default_rng(0)
    n = 240
    colour = rng.choice(["red", "green", "blue"], size=n)
    frame = pd.DataFrame(
        {
            "colour": colour,
            "size": rng.choice(["S", "M", "L"], size=n),
            # Names that Markdown or HTML would change: shown as written.
            "weight $kg$ <b>": rng.normal(50, 10, size=n).round(1),
            "fruit": np.where(
                colour == "red",
                "apple",
                np.where(colour == "green", "pear", "**plum**"),
            ),
        }
    )
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("screens/data.py").run()  # the app opens on Home
    at.radio(key="data_source_kind").set_value("My own file").run()
    upload_frame(at, "data_upload", "fruit.csv", frame)
    at.selectbox(key="data_target").set_value("fruit").run()
    assert not at.exception
    spec = at.session_state["spec"]
    assert spec["data"]["source"] == "fruit.csv"
    spec["model"]["layers"] = [{"type": "dense", "units": 16, "activation": "relu"}]
    spec["train"].update(epochs=30, batch_size=16)
    spec["compile"]["learning_rate"] = 0.01
    at = trained(spec, at)
    assert "Confusion matrix (validation rows)" in charts(at)

    cell = at.selectbox(key="evaluate_cell")
    cell.set_value("0,0").run()
    rows = at.dataframe[-1].value
    assert {"colour", "size", "weight $kg$ <b>", "true fruit"} <= set(rows.columns)
    labels = [w.label for w in at.number_input]
    assert any(r"weight \$kg\$ \<b\>" in label for label in labels)

    # Text columns are choices in the try-it form.
    colour_box = at.selectbox(key="evaluate_try_0")
    assert sorted(colour_box.options) == ["blue", "green", "red"]
    colour_box.set_value("red")
    at.button(key="evaluate_try_submit").click().run()
    assert not at.exception
    assert metric(at, "Predicted fruit") == "apple"
    at.selectbox(key="evaluate_try_0").set_value("blue")
    at.button(key="evaluate_try_submit").click().run()
    shown = next(m.value for m in at.metric if plain(m.label) == "Predicted fruit")
    assert shown == r"\*\*plum\*\*"  # the Markdown is shown as written

    at.button(key="evaluate_importance").click().run()
    importance = next(f for t, f in charts(at).items() if t.startswith("Which columns"))
    assert importance["data"][0]["y"][-1] == "colour"  # the most important on top

    new = frame.drop(columns=["fruit"]).head(4)
    new.loc[0, "colour"] = "=HYPERLINK(1)"
    upload_frame(at, "evaluate_batch", "new fruit.csv", new)
    predicted = at.dataframe[-1].value
    assert "predicted fruit" in predicted.columns
    notes = " ".join(texts(at.caption))
    assert "never saw in training" in notes


def test_without_a_trained_network_the_screen_says_what_to_do():
    at = AppTest.from_file(
        str(ROOT / "screens" / "evaluate.py"), default_timeout=60
    ).run()
    assert not at.exception
    assert any("Nothing to evaluate yet" in i for i in texts(at.info))
