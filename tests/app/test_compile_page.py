"""The Compile screen under AppTest: choices edit the spec; only what fits is shown."""

from streamlit.testing.v1 import AppTest

from nncore.spec import default_spec
from tests.app.conftest import ROOT
from tests.isolation import heavy_modules_after

PAGE = str(ROOT / "screens" / "compile.py")


def compile_page(source=None, report=None):
    at = AppTest.from_file(PAGE, default_timeout=60)
    if source is not None:
        spec = default_spec()
        spec["data"]["source"] = source
        spec["data"]["target"] = "target"
        at.session_state["spec"] = spec
    if report is not None:
        at.session_state["data_report"] = report
    return at.run()


def options(widget) -> list[str]:
    return [option for option in widget.options]


def test_choices_edit_the_spec_and_the_code():
    at = compile_page()
    assert not at.exception
    assert at.title[0].value == "Compile"
    assert any("**Task: binary classification**" in m.value for m in at.markdown)
    assert not at.slider  # momentum is for SGD only
    at.selectbox(key="compile_optimizer").set_value("sgd").run()
    at.select_slider(key="compile_learning_rate").set_value(0.01).run()
    at.slider(key="compile_momentum").set_value(0.5).run()
    at.selectbox(key="compile_loss").set_value("binary_crossentropy").run()
    at.multiselect(key="compile_metrics").set_value(["accuracy", "auc"]).run()
    assert not at.exception
    assert at.session_state["spec"]["compile"] == {
        "optimizer": "sgd",
        "learning_rate": 0.01,
        "momentum": 0.5,
        "loss": "binary_crossentropy",
        "metrics": ["accuracy", "auc"],
    }
    code = at.code[0].value
    assert "keras.optimizers.SGD(learning_rate=0.01, momentum=0.5)" in code
    assert 'keras.metrics.AUC(name="auc")' in code
    assert 'loss="binary_crossentropy"' in code
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons] == [
        "Download experiment.py",
        "Download experiment.ipynb",
    ]
    captions = " ".join(c.value for c in at.caption)
    assert "[Keras docs](https://keras.io/api/optimizers/sgd/)" in captions
    assert "https://keras.io/api/metrics/classification_metrics/#auc-class" in captions


def test_learning_rate_is_on_a_log_scale():
    at = compile_page()
    rates = options(at.select_slider(key="compile_learning_rate"))
    assert rates[:5] == ["1e-05", "3e-05", "0.0001", "0.0003", "0.001"]
    assert rates[-1] == "1"
    assert at.select_slider(key="compile_learning_rate").value == 0.001


def test_regression_offers_only_regression_losses_and_metrics():
    at = compile_page("builtin:diabetes")
    assert not at.exception
    loss = at.selectbox(key="compile_loss")
    assert options(loss) == [
        "Automatic: Mean squared error (MSE)",
        "Mean squared error (MSE)",
        "Mean absolute error (MAE)",
        "Huber",
    ]
    metrics = at.multiselect(key="compile_metrics")
    assert options(metrics) == [
        "Mean absolute error (MAE)",
        "Root mean squared error (RMSE)",
    ]
    # The default ["accuracy"] does not fit: replaced by MAE, and the user is told.
    assert metrics.value == ["mae"]
    assert at.session_state["spec"]["compile"]["metrics"] == ["mae"]
    assert any("Dropped the metric" in i.value for i in at.info)
    assert any("For regression, automatic means" in c.value for c in at.caption)
    assert any("compares class probabilities" in m.value for m in at.markdown)
    at.selectbox(key="compile_loss").set_value("huber").run()
    assert at.session_state["spec"]["compile"]["loss"] == "huber"
    assert 'loss="huber"' in at.code[0].value


def test_a_loss_that_no_longer_fits_is_reset_with_a_reason():
    at = AppTest.from_file(PAGE, default_timeout=60)
    spec = default_spec()
    spec["data"]["source"] = "builtin:iris"
    spec["compile"]["loss"] = "binary_crossentropy"
    at.session_state["spec"] = spec
    at.run()
    assert not at.exception
    assert at.session_state["spec"]["compile"]["loss"] == "auto"
    assert any("does not fit multiclass" in i.value for i in at.info)


def test_uses_the_data_screens_report():
    from nncore.data.inspect import inspect_data
    from nncore.data.loading import LoadedTable
    from tests import files

    frame = files.simple_frame(80)
    data = {**default_spec()["data"], "source": "mine.csv", "target": "label"}
    table = LoadedTable(frame=frame, name="mine.csv", reader={"format": "csv"})
    at = compile_page(report=inspect_data(table, data))
    at.session_state["spec"]["data"].update(source="mine.csv", target="label")
    at.run()
    assert not at.exception
    assert 'DATA_FILE = "mine.csv"' in at.code[0].value
    assert 'CATEGORICAL = ["colour"]' in at.code[0].value


def test_file_source_without_data_asks_for_it():
    at = compile_page("mine.csv")
    assert not at.exception
    assert "Load your data file on the Data screen first" in at.info[0].value
    assert not at.code


def test_page_does_not_import_tensorflow():
    loaded = heavy_modules_after(
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({PAGE!r}, default_timeout=60).run()\n"
        "assert not at.exception, at.exception\n"
        "assert at.code, 'no code shown'\n"
    )
    assert "tensorflow" not in loaded and "keras" not in loaded
