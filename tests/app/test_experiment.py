"""Share links and experiment files restore every screen (AppTest)."""

import json

from streamlit.testing.v1 import AppTest

from nncore.spec import default_spec
from nncore.spec.sharing import encode_spec
from tests.app.conftest import ROOT
from tests.support import go, plain


def shared_spec():
    spec = default_spec()
    spec["data"].update(source="builtin:wine", scaling="minmax")
    spec["data"]["split"].update(train=0.6, val=0.2, test=0.2)
    spec["model"]["layers"] = [{"type": "dense", "units": 12, "activation": "tanh"}]
    return spec


def test_a_share_link_opens_the_app_with_the_experiment_restored():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["experiment"] = encode_spec(shared_spec())
    at.run()
    assert not at.exception
    # The app opens on Home (AppTest has no address to land on Data, as links do).
    at.switch_page("screens/data.py").run()
    assert not at.exception
    spec = at.session_state["spec"]
    assert spec["data"]["source"] == "builtin:wine"
    assert spec["model"]["layers"][0]["units"] == 12
    assert at.selectbox(key="data_builtin").value == "wine"
    assert at.radio(key="data_scaling").value == "minmax"
    assert at.slider(key="data_val").value == 20
    assert any("**Task: multiclass**" in m.value for m in at.markdown)


def test_a_damaged_share_link_says_so_and_keeps_the_defaults():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["experiment"] = "garbage!!"
    at.run()
    assert not at.exception
    assert any("share link is damaged" in plain(e.value) for e in at.error)
    assert at.session_state["spec"]["data"]["source"] == "builtin:breast_cancer"


def test_load_an_exported_file_restores_the_data_screen():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("screens/data.py").run()
    at.slider(key="data_test").set_value(25).run()
    at.switch_page("screens/experiment.py").run()
    share = at.code[0].value
    assert share.startswith("/data?experiment=")  # a share link opens the Data screen
    text = json.dumps(shared_spec())
    at.file_uploader(key="experiment_upload").set_value(
        ("mine.json", text.encode(), "application/json")
    ).run()
    assert not at.exception
    assert "Experiment loaded from mine.json." in [plain(s.value) for s in at.success]
    at.switch_page("screens/data.py").run()
    assert at.selectbox(key="data_builtin").value == "wine"
    assert at.slider(key="data_test").value == 20  # the file's value, not the old 25


def test_a_bad_experiment_file_names_the_problem_and_keeps_the_experiment():
    at = AppTest.from_file(str(ROOT / "screens" / "experiment.py"), default_timeout=60)
    at.run()
    bad = json.dumps({"data": {"split": {"train": 0.9, "val": 0.2, "test": 0.1}}})
    at.file_uploader(key="experiment_upload").set_value(
        ("bad.json", bad.encode(), "application/json")
    ).run()
    assert not at.exception
    assert any("fractions must add up to 1" in plain(e.value) for e in at.error)
    assert at.session_state["spec"]["data"]["split"]["train"] == 0.7


def test_an_exported_experiment_restores_model_and_compile_in_a_fresh_session():
    from nncore.spec.sharing import spec_to_json

    first = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    go(first, "model")
    first.button(key="model_preset_2").click().run()  # "Deeper"
    first.number_input(key="model_layer_1_units").set_value(48).run()
    go(first, "compile")
    first.selectbox(key="compile_optimizer").set_value("rmsprop").run()
    assert not first.exception
    exported = spec_to_json(first.session_state["spec"])  # what the button downloads

    fresh = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    go(fresh, "experiment")
    fresh.file_uploader(key="experiment_upload").set_value(
        ("exported.json", exported.encode(), "application/json")
    ).run()
    go(fresh, "model")
    assert not fresh.exception
    units = [n.value for n in fresh.number_input if str(n.key).endswith("_units")]
    assert units == [64, 48, 32]
    go(fresh, "compile")
    assert fresh.selectbox(key="compile_optimizer").value == "rmsprop"
    assert fresh.session_state["spec"] == json.loads(exported)
