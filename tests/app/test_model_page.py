"""The Model screen under AppTest: what a user does, and what they see."""

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from nncore.data.inspect import inspect_data
from nncore.data.loading import LoadedTable
from nncore.spec import default_spec
from tests import files
from tests.app.conftest import ROOT
from tests.isolation import heavy_modules_after
from tests.support import texts

PAGE = str(ROOT / "screens" / "model.py")


def open_page(data: dict | None = None, layers: list | None = None, report=None):
    at = AppTest.from_file(PAGE, default_timeout=60)
    spec = default_spec()
    spec["data"].update(data or {})
    if layers is not None:
        spec["model"]["layers"] = layers
    at.session_state["spec"] = spec
    if report is not None:
        at.session_state["data_report"] = report
    return at.run()


@pytest.fixture
def model_page():
    """The Model screen on its own, with the default (breast cancer) data."""
    return open_page()


def total(at) -> str:
    return {m.label: m.value for m in at.metric}["Parameters to learn"]


def summary(at) -> list[tuple[str, str]]:
    table = at.dataframe[0].value
    return list(zip(table["Layer"], table["Parameters"].astype(str), strict=True))


def layer_titles(at) -> list[str]:
    return [m for m in texts(at.markdown) if re.fullmatch(r"\*\*\d+\. \w+\*\*", m)]


def network_spec(at) -> dict:
    (chart,) = [c for c in at.get("plotly_chart") if "chart_network" in c.proto.id]
    return json.loads(chart.proto.spec)


def spec_layers(at) -> list[dict]:
    return at.session_state["spec"]["model"]["layers"]


def test_opens_with_the_default_network_and_its_summary(model_page):
    at = model_page
    assert not at.exception
    assert at.title[0].value == "Model"
    assert layer_titles(at) == ["**1. Dense**", "**2. Dropout**", "**3. Dense**"]
    # 30 inputs -> 128 -> dropout -> 64 -> 1
    assert summary(at) == [
        ("Dense 1", "3968"),
        ("Dropout 1", "0"),
        ("Dense 2", "8256"),
        ("Output", "65"),
        ("Total", "12289"),
    ]
    assert total(at) == "12,289"
    assert any("1 neuron, sigmoid" in m for m in texts(at.markdown))
    assert any("Inputs: 30 features" in c for c in texts(at.caption))
    figure = network_spec(at)
    notes = [a["text"] for a in figure["layout"]["annotations"]]
    assert "+20 more" in notes  # 30 inputs, 10 drawn
    assert "+118 more<br>then dropout 20%" in notes
    # The defaults were filled into the spec the other screens read.
    assert spec_layers(at)[0]["kernel_initializer"] == "glorot_uniform"


@pytest.mark.parametrize(
    ("index", "layers", "parameters"),
    [
        (0, ["**1. Dense**"], "257"),  # 30*8+8 + 8+1
        (1, ["**1. Dense**", "**2. Dense**"], "12,289"),
        (2, ["**1. Dense**", "**2. Dense**", "**3. Dense**"], "8,257"),
        (
            3,
            ["**1. Dense**", "**2. Dropout**", "**3. Dense**", "**4. Dropout**"],
            "40,961",
        ),
    ],
    ids=["start-simple", "classic", "deeper", "wide-dropout"],
)
def test_a_preset_replaces_the_layers(model_page, index, layers, parameters):
    at = model_page.button(key=f"model_preset_{index}").click().run()
    assert not at.exception
    assert layer_titles(at) == layers
    assert total(at) == parameters
    assert len(spec_layers(at)) == len(layers)


def test_add_edit_move_and_remove_layers(model_page):
    at = model_page.button(key="model_preset_0").click().run()  # Dense 8
    at.button(key="model_add_dropout").click().run()
    at.button(key="model_add_dense").click().run()
    assert layer_titles(at) == ["**1. Dense**", "**2. Dropout**", "**3. Dense**"]
    # 30*8+8 + 8*32+32 + 32+1
    assert total(at) == "569"

    at.number_input(key="model_layer_2_units").set_value(4).run()
    at.selectbox(key="model_layer_2_activation").set_value("tanh").run()
    at.slider(key="model_layer_1_rate").set_value(0.5).run()
    assert total(at) == f"{248 + 36 + 5:,}"
    assert spec_layers(at)[1:] == [
        {"type": "dropout", "rate": 0.5},
        {
            "type": "dense",
            "units": 4,
            "activation": "tanh",
            "kernel_initializer": "glorot_uniform",
            "l1": 0.0,
            "l2": 0.0,
        },
    ]

    at.button(key="model_layer_2_up").click().run()
    assert layer_titles(at) == ["**1. Dense**", "**2. Dense**", "**3. Dropout**"]
    # Widgets follow their layer: position 1 now shows the 4-unit tanh layer.
    assert at.number_input(key="model_layer_1_units").value == 4
    assert at.selectbox(key="model_layer_1_activation").value == "tanh"
    assert at.slider(key="model_layer_2_rate").value == 0.5
    assert total(at) == f"{248 + 36 + 5:,}"

    at.button(key="model_layer_0_down").click().run()
    assert [layer.get("units") for layer in spec_layers(at)] == [4, 8, None]
    assert total(at) == f"{124 + 40 + 9:,}"

    at.button(key="model_layer_0_remove").click().run()
    assert layer_titles(at) == ["**1. Dense**", "**2. Dropout**"]
    assert at.number_input(key="model_layer_0_units").value == 8
    assert summary(at)[-1] == ("Total", str(248 + 9))
    assert not at.exception


def test_initializer_and_penalties_are_in_the_spec(model_page):
    at = model_page.button(key="model_preset_0").click().run()
    at.selectbox(key="model_layer_0_initializer").set_value("he_normal").run()
    at.number_input(key="model_layer_0_l2").set_value(0.01).run()
    (layer,) = spec_layers(at)
    assert layer["kernel_initializer"] == "he_normal"
    assert layer["l2"] == pytest.approx(0.01)
    assert not at.exception


def test_batchnorm_counts_its_running_statistics(model_page):
    at = model_page.button(key="model_preset_0").click().run()
    at.button(key="model_add_batchnorm").click().run()
    assert layer_titles(at) == ["**1. Dense**", "**2. BatchNorm**"]
    assert summary(at)[1] == ("BatchNorm 1", "32")
    assert total(at) == f"{248 + 16 + 9:,}"  # 16 of the 32 are learnt
    assert any(
        "Plus 16 numbers that batch normalisation" in c for c in texts(at.caption)
    )


def test_an_empty_stack_is_a_linear_model(model_page):
    at = model_page
    for _ in range(3):
        at.button(key="model_layer_0_remove").click().run()
    assert spec_layers(at) == []
    assert any("linear (or logistic) model" in c for c in texts(at.caption))
    assert total(at) == "31"
    assert not at.exception


def test_the_stack_stops_at_twenty_layers():
    at = open_page(layers=[{"type": "batchnorm"}] * 19)
    assert not at.button(key="model_add_dense").disabled
    at.button(key="model_add_dense").click().run()
    assert len(spec_layers(at)) == 20
    assert at.button(key="model_add_dense").disabled
    assert any("at most 20 hidden layers" in c for c in texts(at.caption))


def test_multiclass_data_gets_a_softmax_output():
    at = open_page({"source": "builtin:iris"})
    assert not at.exception
    sentence = [m for m in texts(at.markdown) if "softmax" in m]
    assert sentence[0].startswith("**3 neurons, softmax**, chosen for multiclass")
    assert "3 neurons with a softmax activation" in sentence[0]
    assert any("Classes, in output order: 'setosa'" in c for c in texts(at.caption))
    assert summary(at)[-2] == ("Output", str(64 * 3 + 3))
    notes = [a["text"] for a in network_spec(at)["layout"]["annotations"]]
    assert "setosa" in notes and "<b>Output</b><br>3 · softmax" in notes


def test_regression_data_gets_a_linear_output():
    at = open_page({"source": "builtin:diabetes"})
    assert any("1 neuron, linear" in m for m in texts(at.markdown))
    assert not at.exception


def test_uploaded_data_must_be_chosen_on_the_data_screen():
    at = open_page({"source": "houses.csv", "target": "price"})
    assert not at.exception
    assert any("Choose data on the Data screen first" in i for i in texts(at.info))
    assert not at.get("plotly_chart")


def test_an_invalid_imported_model_is_named_and_can_be_reset():
    at = open_page(layers=[{"type": "dense", "units": 5000}])
    assert not at.exception
    assert any(
        "'model.layers[0].units' field must be a whole number from 1 to 4096. "
        "Got 5000." in e
        for e in texts(at.error)
    )
    at.button(key="model_reset").click().run()
    assert not at.error and not at.exception
    assert total(at) == "12,289"


def test_names_with_markdown_and_html_are_shown_as_text():
    frame = files.simple_frame()
    frame["label"] = frame["label"].map({"yes": "**yes** :red[x]", "no": "<b>no</b>"})
    frame = frame.rename(columns={"label": "$y$"})
    table = LoadedTable(frame=frame, name="evil.csv")
    data = {**default_spec()["data"], "source": "evil.csv", "target": "$y$"}
    data["task"] = "multiclass"
    at = open_page(data, report=inspect_data(table, data))
    assert not at.exception
    caption = [c for c in at.caption if "Classes" in c.value][0].value
    assert (
        "\\*\\*yes\\*\\* \\:red\\[x\\]" in caption and "\\<b\\>no\\<\\/b\\>" in caption
    )
    assert any("predicts '$y$'" in c for c in texts(at.caption))
    notes = [a["text"] for a in network_spec(at)["layout"]["annotations"]]
    assert "&lt;b&gt;no&lt;/b&gt;" in notes


def test_the_model_screen_imports_tensorflow_only_in_the_background_warmup():
    # The screen itself never imports TensorFlow; it starts the warm-up thread
    # (ui.warmup, issue 18 item 10), which loads it for the first Train click.
    loaded = heavy_modules_after(
        "import sys, threading\n"
        "importers = []\n"
        "class Watch:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name in ('keras', 'tensorflow'):\n"
        "            importers.append(threading.current_thread().name)\n"
        "sys.meta_path.insert(0, Watch())\n"
        "from streamlit.testing.v1 import AppTest\n"
        "at = AppTest.from_file('screens/model.py', default_timeout=60).run()\n"
        "at.button(key='model_preset_3').click().run()\n"
        "at.button(key='model_add_batchnorm').click().run()\n"
        "assert not at.exception, at.exception\n"
        "from nncore.train.warmup import wait_for_warmup\n"
        "assert wait_for_warmup(150), 'the warm-up did not end'\n"
        "assert set(importers) == {'nnstudio-warmup'}, importers\n"
    )
    assert "tensorflow" in loaded and "keras" in loaded
