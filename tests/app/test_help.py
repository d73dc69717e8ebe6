"""Every control on every screen explains itself, and presenter mode hides the
expert ones (AppTest).

Each screen is shown in the states that reveal its controls (a generated dataset,
an upload, a finished and a diverged training, an opened study...); every widget
found must have a help text (the (?) tooltip), and every glossary link in the help
texts, captions and messages must lead to a term the Glossary explains.
"""

from __future__ import annotations

import copy

from streamlit.proto.LabelVisibility_pb2 import LabelVisibility
from streamlit.testing.v1 import AppTest

from nncore.core.glossary import TERMS, linked_terms
from nncore.data.sources import load_builtin
from nncore.spec import default_spec, validate_spec
from tests.app.conftest import ROOT
from tests.support import ended, experiment, go, plain, poll, train_screen, upload_frame
from ui.state import PRESENTER

VISIBLE = LabelVisibility.LabelVisibilityOptions.VISIBLE
WIDGET_TYPES = (
    "button",
    "checkbox",
    "color_picker",
    "date_input",
    "download_button",
    "file_uploader",
    "multiselect",
    "number_input",
    "radio",
    "select_slider",
    "selectbox",
    "slider",
    "text_area",
    "text_input",
    "time_input",
    "toggle",
)


def widgets(at: AppTest) -> list:
    return [widget for kind in WIDGET_TYPES for widget in at.get(kind)]


def label_shown(widget) -> bool:
    proto = widget.proto
    if "label_visibility" not in proto.DESCRIPTOR.fields_by_name:
        return True  # buttons: the help shows when the pointer rests on them
    return proto.label_visibility.value == VISIBLE


def name(widget) -> str:
    label = plain(widget.proto.label) or "(no label)"
    return f"{widget.type} '{label}' (key {widget.key or '-'})"


class Coverage:
    """The controls seen on one screen, over the states it is shown in."""

    def __init__(self, screen: str):
        self.screen = screen
        self.seen: set[str] = set()

    def check(self, at: AppTest) -> None:
        """Every control shown now has help; every glossary link has its term."""
        assert not at.exception, at.exception
        found = widgets(at)
        missing = [name(w) for w in found if not w.proto.help.strip()]
        assert not missing, (
            f"{self.screen}: {len(missing)} of {len(found)} controls have no help "
            "text: " + "; ".join(missing)
        )
        # Streamlit shows the help icon beside the label only: a hidden label
        # hides the help too.
        unseen = [name(w) for w in found if not label_shown(w)]
        assert not unseen, f"{self.screen}: help not shown, label hidden: {unseen}"
        texts = [w.proto.help for w in found] + [m.proto.help for m in at.metric]
        for kind in ("markdown", "caption", "info", "warning", "success"):
            texts += [element.value for element in at.get(kind)]
        unknown = {slug for text in texts for slug in linked_terms(text)} - set(TERMS)
        assert not unknown, f"{self.screen}: links to unknown terms {unknown}"
        self.seen |= {name(w) for w in found}

    def report(self, at_least: int) -> None:
        print(f"\n[help] {self.screen}: {len(self.seen)} controls, all with help")
        assert len(self.seen) >= at_least, sorted(self.seen)


def app(spec: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if spec is not None:
        at.session_state["spec"] = spec
    at.run()
    assert not at.exception, at.exception
    return at


def test_every_control_on_data_model_and_compile_has_help():
    at = app()
    go(at, "data")
    data = Coverage("Data")
    data.check(at)
    at.selectbox(key="data_builtin").set_value("circle").run()  # a generator
    data.check(at)
    at.radio(key="data_source_kind").set_value("My own file").run()
    data.check(at)
    upload_frame(at, "data_upload", "mine.csv", load_builtin("iris").head(60))
    at.selectbox(key="data_target").set_value("target").run()
    data.check(at)
    data.report(at_least=15)

    go(at, "model")
    model = Coverage("Model")
    model.check(at)
    at.button(key="model_preset_3").click().run()  # "Wide with dropout"
    at.button(key="model_add_batchnorm").click().run()
    model.check(at)
    model.report(at_least=20)

    go(at, "compile")
    compiling = Coverage("Compile")
    compiling.check(at)
    at.selectbox(key="compile_optimizer").set_value("sgd").run()  # momentum
    compiling.check(at)
    compiling.report(at_least=7)


def test_every_control_on_train_evaluate_and_runs_has_help():
    spec = experiment("builtin:breast_cancer", epochs=3, save_best=True)
    at = train_screen(spec)
    train = Coverage("Train")
    train.check(at)
    at.button(key="train_start").click().run()
    poll(at, ended, "the training to end")
    train.check(at)  # the curves, the results and the downloads

    go(at, "evaluate")
    evaluate = Coverage("Evaluate")
    evaluate.check(at)
    at.radio(key="evaluate_split").set_value("test").run()
    evaluate.check(at)  # the button that unlocks the test rows
    at.button(key="evaluate_test").click().run()
    evaluate.check(at)
    rows = load_builtin("breast_cancer").drop(columns=["target"]).head(5)
    upload_frame(at, "evaluate_batch", "new.csv", rows)
    evaluate.check(at)  # the predictions to download
    evaluate.report(at_least=40)

    # A training that diverges: its error, warnings and one-click fixes.
    diverging = experiment("builtin:diabetes", epochs=30)
    diverging["compile"].update(optimizer="sgd", learning_rate=1.0)
    at.session_state["spec"] = validate_spec(diverging)
    go(at, "train")
    at.button(key="train_start").click().run()
    poll(at, ended, "the diverging training to end")
    assert any(b.key.startswith("train_fix_") for b in at.button if b.key)
    train.check(at)
    train.report(at_least=20)

    go(at, "runs")
    runs = Coverage("Runs")
    runs.check(at)
    chosen = at.multiselect(key="runs_chosen")
    chosen.set_value(chosen.options[:2]).run()
    runs.check(at)  # the comparison
    at.button(key="runs_delete_chosen").click().run()
    runs.check(at)  # the confirmation
    at.button(key="runs_delete_cancel").click().run()
    runs.check(at)
    runs.report(at_least=9)


def test_every_control_on_tune_experiment_glossary_and_home_has_help(tmp_path):
    from nncore.data.inspect import inspect_data, load_source
    from nncore.tune import Search

    spec = experiment("builtin:iris", epochs=2)
    at = app(spec)
    go(at, "tune")
    tune = Coverage("Tune")
    tune.check(at)
    for dimension in ("activation", "dropout_rate", "optimizer"):
        at.toggle(key=f"tune_search_{dimension}").set_value(True)
    at.radio(key="tune_method").set_value("grid")
    at.run()
    assert at.button(key="tune_switch_method")  # a large grid: switch to smart
    tune.check(at)
    # A study filled elsewhere, opened by its storage.
    storage = str(tmp_path / "studies.log")
    other = copy.deepcopy(spec)
    other["tune"].update(method="random", trials=2, space={"units": [4, 8]})
    prepared = inspect_data(load_source(other["data"]), other["data"]).prepared
    Search(validate_spec(other), prepared, storage=storage, study_name="help").run()
    at.text_input(key="tune_storage").set_value(storage).run()
    tune.check(at)
    at.button(key="tune_open").click().run()
    assert at.button(key="tune_use_best")
    tune.check(at)  # the trials, their download and the best settings
    tune.report(at_least=30)

    go(at, "experiment")
    shared = Coverage("Experiment")
    shared.check(at)
    shared.report(at_least=2)

    go(at, "glossary")
    words = Coverage("Glossary")
    words.check(at)
    at.text_input(key="glossary_search").set_value("zebra").run()
    assert "No term matches 'zebra'" in plain(at.info[0].value)
    words.check(at)
    words.report(at_least=1)

    go(at, "home")
    home = Coverage("Home")
    home.check(at)
    home.report(at_least=0)


# --- presenter mode -------------------------------------------------------------------

DATA_EXPERT = {
    "data_task",
    "data_scaling",
    "data_stratify",
    "data_seed",
    "data_max_categories",
    "data_clean_labels",
}
TRAIN_EXPERT = {
    "train_batch_size",
    "train_seed",
    "train_patience",
    "train_restore_best",
    "train_reduce_lr",
    "train_reduce_lr_patience",
    "train_reduce_lr_factor",
}


def keys(at: AppTest) -> set[str]:
    return {w.key for w in widgets(at) if w.key}


def test_presenter_mode_hides_the_expert_controls_and_keeps_their_values():
    spec = default_spec()
    spec["data"].update(source="builtin:wine", scaling="minmax", seed=7)
    spec["data"]["split"]["stratify"] = False
    spec["train"].update(batch_size=64, seed=3, save_best=True)
    spec["train"]["reduce_lr"]["enabled"] = True
    at = app(validate_spec(spec))
    go(at, "data")
    expert_data = keys(at)
    go(at, "train")
    expert_train = keys(at)
    assert expert_data >= DATA_EXPERT and expert_train >= TRAIN_EXPERT
    before = copy.deepcopy(at.session_state["spec"])

    at.session_state[PRESENTER] = True
    go(at, "data")
    shown = keys(at)
    assert not shown & DATA_EXPERT, shown & DATA_EXPERT
    assert shown < expert_data and {"data_builtin", "data_val", "data_test"} <= shown
    go(at, "train")
    shown = keys(at)
    assert not shown & TRAIN_EXPERT, shown & TRAIN_EXPERT
    # Which weights are scored stays a visible choice (issue 18, item 6).
    assert {"train_epochs", "train_early_stopping", "train_start"} <= shown
    assert "train_save_best" in shown
    assert at.session_state["spec"] == before  # hidden is not changed

    # What presenters do change, changes; nothing else does.
    at.number_input(key="train_epochs").set_value(7).run()
    go(at, "data")
    at.slider(key="data_val").set_value(20).run()
    assert not at.exception
    after = at.session_state["spec"]
    assert after["train"]["epochs"] == 7 and after["data"]["split"]["val"] == 0.2
    for section, field in (("train", "epochs"), ("data", "split")):
        after = copy.deepcopy(after)
        after[section][field] = before[section][field]
    assert after == before

    # Out of presenter mode (the mode follows ?presenter= in the address, which it
    # keeps at 1 while on), the expert controls show the values they kept.
    at.query_params["presenter"] = "0"
    at.run()
    assert at.session_state[PRESENTER] is False
    assert at.radio(key="data_scaling").value == "minmax"
    assert at.checkbox(key="data_stratify").value is False
    assert at.number_input(key="data_seed").value == 7
    go(at, "train")
    assert at.number_input(key="train_batch_size").value == 64
    assert at.toggle(key="train_reduce_lr").value is True
    assert at.number_input(key="train_epochs").value == 7
