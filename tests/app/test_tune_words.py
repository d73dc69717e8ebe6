"""The Tune screen's words and layout (issue 18, items 14 and 15): no server path,
a readable trials table, Smart search by default, and no parameter importance from
a handful of trials.

One small study, kept with the runs (the default storage): 4 grid trials on iris,
then a pruned and a failed trial added the way Optuna records them.
"""

from __future__ import annotations

import optuna
import pytest
from streamlit.testing.v1 import AppTest

from nncore.tune import Search, default_storage, open_storage
from tests.app.conftest import ROOT
from tests.support import charts, experiment, go, plain, prepared_for

ERROR = (
    "The loss became NaN at epoch 2: the learning rate is too high for these settings."
)


@pytest.fixture(scope="module")
def tune_screen():
    """The Tune screen showing a 6-trial study kept with the runs."""
    spec = experiment(epochs=2)
    spec["tune"].update(
        method="grid",
        trials=4,
        pruner="none",
        space={"units": [4, 8], "batch_size": [16, 32]},
    )
    Search(spec, prepared_for(spec), study_name="words").run()
    study = optuna.load_study(study_name="words", storage=open_storage())
    first = study.trials[0]
    for state, attrs in (
        (optuna.trial.TrialState.PRUNED, {"pruned_at": 1, "epochs": 1}),
        (optuna.trial.TrialState.FAIL, {"error": ERROR, "epochs": 2}),
    ):
        study.add_trial(
            optuna.trial.create_trial(
                state=state,
                params=first.params,
                distributions=first.distributions,
                user_attrs=attrs,
            )
        )
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["spec"] = experiment(epochs=2)
    at.session_state["tuning_study"] = {"storage": default_storage(), "name": "words"}
    at.run()
    go(at, "tune")
    assert not at.exception, at.exception
    return at


def shown_texts(at) -> list[str]:
    return [
        plain(str(element.value))
        for kind in ("markdown", "caption", "text_input", "info", "warning")
        for element in at.get(kind)
    ]


def test_the_study_is_kept_with_the_runs_and_no_server_path_is_shown(
    tune_screen, runs_folder
):
    texts = shown_texts(tune_screen)
    assert any(text.endswith("Kept with the runs") for text in texts), texts
    assert not [text for text in texts if str(runs_folder) in text]
    assert not [text for text in texts if "studies.log" in text]
    # "Open or watch a study" lists the study kept with the runs, storage empty.
    assert tune_screen.text_input(key="tune_storage").value == ""
    assert tune_screen.selectbox(key="tune_study_pick").value == "words"


def test_the_trials_notes_are_short_next_to_the_state_and_explained_below(
    tune_screen,
):
    (table,) = [d.value for d in tune_screen.dataframe if "State" in d.value.columns]
    columns = list(table.columns)
    assert columns.index("Note") == columns.index("State") + 1
    notes = dict(zip(table["State"], table["Note"], strict=False))
    assert notes["pruned"] == "stopped after epoch 1"
    assert all(len(note) <= 30 for note in table["Note"])
    captions = [plain(c.value) for c in tune_screen.caption]
    assert "Trial 6 failed: " + ERROR in captions


def test_parameter_importance_waits_for_ten_completed_trials(tune_screen):
    assert not [t for t in charts(tune_screen) if "Which settings matter" in t]
    assert (
        "Which settings matter: Importance appears after 10 completed trials; it "
        "would be guesswork with 4."
    ) in [plain(c.value) for c in tune_screen.caption]


def test_smart_search_is_the_default_method(tune_screen):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    go(at, "tune")
    assert not at.exception, at.exception
    method = at.radio(key="tune_method")
    assert method.value == "tpe"
    assert method.format_func(method.value) == "Smart (TPE)"
    assert at.session_state["spec"]["tune"]["method"] == "tpe"
