"""Cross-validation on the Train screen (AppTest): after a training, estimate the
validation score with k folds in the background and see each fold's score, the
spread in a sentence, and the one split's score beside it."""

from __future__ import annotations

import json

from tests.support import (
    ended,
    experiment,
    keras_in_the_main_thread,  # noqa: F401
    plain,
    poll,
    train_screen,
)

CHART = "Validation accuracy in each fold"


def sentence(at) -> str:
    found = [plain(i.value) for i in at.info if "split" in plain(i.value)]
    return found[0] if found else ""


def test_cross_validation_shows_each_folds_score_and_the_spread():
    at = train_screen(experiment("builtin:iris", layers=(8,), epochs=4))
    at.button(key="train_start").click().run()
    poll(at, ended, "the training to end")
    assert at.button(key="train_crossval_start").label == (
        "Estimate with 5-fold cross-validation"
    )
    assert at.button(key="train_crossval_stop").disabled

    at.number_input(key="train_crossval_k").set_value(3).run()
    start = at.button(key="train_crossval_start")
    assert start.label == "Estimate with 3-fold cross-validation"
    start.click().run()
    assert not at.exception
    assert at.session_state["crossval_problem"] is None
    poll(at, lambda at: sentence(at), "the folds' scores")

    assert sentence(at).startswith("Across 3 splits the validation accuracy ranged")
    assert sentence(at).endswith("a single split's score can be off by this much.")
    chart = next(
        json.loads(c.proto.spec)
        for c in at.get("plotly_chart")
        if CHART in c.proto.spec
    )
    assert chart["data"][0]["x"] == ["Fold 1", "Fold 2", "Fold 3"]
    assert all(0 <= y <= 100 for y in chart["data"][0]["y"])
    table = at.dataframe[-1].value
    assert list(table["Fold"]) == ["Fold 1", "Fold 2", "Fold 3"]
    assert table["Held-out rows"].sum() == 127  # the training + validation rows
    captions = [plain(c.value) for c in at.caption]
    assert any(
        c.startswith("Your trained network's validation accuracy on the one split")
        for c in captions
    ), captions
    assert not at.button(key="train_crossval_start").disabled
    assert at.button(key="train_crossval_stop").disabled
