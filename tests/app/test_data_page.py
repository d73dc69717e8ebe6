"""The Data screen under AppTest: what a user does, and what they see."""

import pytest

from tests import files
from tests.isolation import heavy_modules_after
from tests.support import plain, texts


def upload(at, name: str, data: bytes):
    at.radio(key="data_source_kind").set_value("My own file").run()
    at.file_uploader(key="data_upload").set_value((name, data, "text/csv")).run()
    return at


def test_opens_on_a_builtin_dataset_with_its_profile(data_page):
    at = data_page
    assert not at.exception
    assert at.title[0].value == "Data"
    assert "**Task: binary**" in at.markdown[1].value
    charts = at.get("plotly_chart")
    assert len(charts) == 3  # class balance, relation to target, histograms
    assert '"Class balance"' in charts[0].proto.spec
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Training"] == "397" and metrics["Test"] == "86"
    assert any("always guessing 'benign' is right 63%" in c for c in texts(at.caption))


def test_choose_a_2d_generator_shows_the_scatter(data_page):
    at = data_page
    at.selectbox(key="data_builtin").set_value("xor").run()
    at.slider(key="data_n_samples").set_value(600).run()
    assert not at.exception
    assert [t.label for t in at.tabs] == [
        "Overview",
        "2-D view",
        "Feature histograms",
        "Columns",
    ]
    specs = [c.proto.spec for c in at.get("plotly_chart")]
    assert any("The data in two dimensions" in s for s in specs)
    assert {m.label: m.value for m in at.metric}["Rows"] == "600"
    assert at.session_state["spec"]["data"]["n_samples"] == 600


def test_regression_dataset_shows_target_distribution(data_page):
    at = data_page
    at.selectbox(key="data_builtin").set_value("diabetes").run()
    assert "**Task: regression**" in at.markdown[1].value
    assert any("Target distribution" in c.proto.spec for c in at.get("plotly_chart"))


def test_changing_the_split_changes_the_counts_and_the_spec(data_page):
    at = data_page
    at.slider(key="data_val").set_value(20).run()
    at.slider(key="data_test").set_value(10).run()
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Training"], metrics["Validation"], metrics["Test"]) == (
        "398",
        "114",
        "57",
    )
    assert at.session_state["spec"]["data"]["split"] == {
        "train": 0.7,
        "val": 0.2,
        "test": 0.1,
        "stratify": True,
    }
    assert any("Training share: 70 %" in c for c in texts(at.caption))


def test_scaling_off_warns_about_scales(data_page):
    at = data_page
    at.radio(key="data_scaling").set_value("none").run()
    assert any(
        "very different scales" in w and "choose standard or min-max" in w
        for w in texts(at.warning)
    )


def test_upload_a_csv_choose_the_target_and_see_the_profile(data_page):
    data = files.rows_text(
        "size;rooms;city;price", files.numbered(60, "{i},5;{even};c{even};{even},75")
    )
    at = upload(data_page, "houses.csv", data)
    assert not at.exception
    assert any("semicolon-separated, decimal comma" in c for c in texts(at.caption))
    assert any("Choose the target column" in i for i in texts(at.info))
    at.selectbox(key="data_target").set_value("rooms").run()
    assert not at.exception
    assert "**Task: binary**" in at.markdown[1].value
    assert len(at.get("plotly_chart")) >= 2
    assert at.session_state["spec"]["data"]["source"] == "houses.csv"
    assert at.session_state["spec"]["data"]["target"] == "rooms"


def test_messy_labels_and_non_numbers_are_reported(data_page):
    rows = [
        f"{'?' if i == 7 else i % 9},{['yes', ' yes', 'Yes', 'no'][i % 4]}"
        for i in range(80)
    ]
    at = upload(data_page, "messy.csv", files.rows_text("amount,answer", rows))
    at.selectbox(key="data_target").set_value("answer").run()
    warnings = texts(at.warning)
    assert any("not numbers ('?')" in w for w in warnings)
    assert any("differ only by capital letters or spaces" in w for w in warnings)
    assert "2 labels" in plain(at.markdown[1].value)


BAD_UPLOADS = [
    case for case in files.CATALOGUE if case[0] in ("empty", "binary", "zip-as-csv")
]


@pytest.mark.parametrize(
    ("name", "data", "target", "message"),
    [case[1:] for case in files.CATALOGUE],
    ids=[case[0] for case in files.CATALOGUE],
)
def test_catalogue_of_broken_files_gets_clear_messages(
    data_page, name, data, target, message
):
    at = upload(data_page, name, data)
    if target is not None and not at.error:
        at.selectbox(key="data_target").set_value(target).run()
    assert not at.exception
    seen = texts(at.error) + texts(at.warning) + texts(at.info) + texts(at.caption)
    seen += texts(at.markdown)
    assert any(message in text for text in seen), seen
    if at.error:  # the screen stays usable: a built-in dataset still loads
        at.radio(key="data_source_kind").set_value("Built-in dataset").run()
        assert not at.exception and not at.error
        assert "**Task: binary**" in at.markdown[1].value


@pytest.mark.parametrize(
    ("data", "message"),
    [(case[2], case[4]) for case in BAD_UPLOADS],
    ids=[case[0] for case in BAD_UPLOADS],
)
def test_a_bad_upload_gets_a_message_and_keeps_the_previous_file(
    data_page, data, message
):
    at = upload(data_page, "good.csv", files.csv_bytes(files.simple_frame()))
    at.selectbox(key="data_target").set_value("label").run()
    at.file_uploader(key="data_upload").set_value(("bad.csv", data, "text/csv")).run()
    assert not at.exception
    assert any(message in e for e in texts(at.error))
    assert any(
        "Still using the file loaded before: good.csv" in i for i in texts(at.info)
    )
    assert "**Task: binary**" in at.markdown[1].value  # the good file is still profiled


@pytest.mark.parametrize(
    ("column", "message"),
    [("one", "has only one class"), ("none", "has no values (every row is missing)")],
    ids=["one-class", "all-missing"],
)
def test_an_unusable_target_gets_a_message_and_a_good_one_recovers(
    data_page, column, message
):
    frame = files.simple_frame()
    frame["one"] = "same"
    frame["none"] = None
    at = upload(data_page, "targets.csv", files.csv_bytes(frame))
    at.selectbox(key="data_target").set_value(column).run()
    assert not at.exception
    assert any(message in e for e in texts(at.error))
    at.selectbox(key="data_target").set_value("label").run()
    assert not at.error
    assert "**Task: binary**" in at.markdown[1].value


def test_names_with_markdown_and_html_are_shown_as_text(data_page):
    frame = files.simple_frame()
    frame = frame.rename(columns={"x1": "**bold** :red[x] $x^2$", "label": "<b>y</b>"})
    frame["<b>y</b>"] = frame["<b>y</b>"].map({"yes": "[y](javascript:x)", "no": "no"})
    at = upload(data_page, "<i>evil</i>.csv", files.csv_bytes(frame))
    at.selectbox(key="data_target").set_value("<b>y</b>").run()
    task_line = at.markdown[1].value
    assert "\\[y\\]\\(javascript\\:x\\)" in task_line
    assert "'[y](javascript:x)'" in plain(task_line)


def test_the_data_screen_never_imports_tensorflow():
    loaded = heavy_modules_after(
        "from streamlit.testing.v1 import AppTest\n"
        "at = AppTest.from_file('screens/data.py', default_timeout=60).run()\n"
        "at.selectbox(key='data_builtin').set_value('spiral').run()\n"
        "assert not at.exception, at.exception\n"
    )
    assert "tensorflow" not in loaded and "keras" not in loaded


def test_the_report_is_reused_until_a_setting_changes(data_page):
    at = data_page
    first = at.session_state["data_report"]
    at.run()
    assert at.session_state["data_report"] is first
    at.checkbox(key="data_stratify").uncheck().run()
    assert at.session_state["data_report"] is not first
    assert at.session_state["data_report"].prepared.stratified is False


def test_generated_data_has_one_seed_for_points_and_split(data_page):
    at = data_page
    assert at.number_input(key="data_seed").value == 42
    at.selectbox(key="data_builtin").set_value("circle").run()
    assert [n.key for n in at.number_input if n.key == "data_seed"] == []
    before = at.session_state["data_report"].prepared.frame["x1"].iloc[0]
    at.number_input(key="data_seed_generator").set_value(7).run()
    assert at.session_state["spec"]["data"]["seed"] == 7
    assert at.session_state["data_report"].prepared.frame["x1"].iloc[0] != before


def test_the_imbalance_pitfall_sets_balanced_class_weights_in_one_click():
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import ROOT
    from tests.support import go

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    go(at, "data")
    at = upload(at, "claims.csv", files.csv_bytes(files.imbalanced_frame()))
    at.selectbox(key="data_target").set_value("outcome").run()
    assert any("Strong class imbalance" in w for w in texts(at.warning))
    assert at.session_state["spec"]["train"]["class_weight"] == "none"
    at.button(key="data_class_weights").click().run()
    assert not at.exception
    assert at.session_state["spec"]["train"]["class_weight"] == "balanced"
    assert any("Balanced class weights are on" in s for s in texts(at.success))
    assert not [b for b in at.button if b.key == "data_class_weights"]
    # The Train screen shows the setting and says where it came from.
    go(at, "train")
    assert not at.exception
    assert at.radio(key="train_class_weight").value == "balanced"
    assert any("set on the Data screen" in s for s in texts(at.success))


def test_balanced_tables_get_no_class_weight_offer(data_page):
    assert not any("class imbalance" in w for w in texts(data_page.warning))
    assert not [b for b in data_page.button if b.key == "data_class_weights"]
