"""Layout fixes of issue 18, item 15 (AppTest): the Model screen's layer buttons
are labelled, normal-sized buttons; Compile's code listing starts collapsed and
its learning rate takes any typed value the spec allows."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT


def screen(name: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "screens" / f"{name}.py"), default_timeout=60)
    return at.run()


def test_every_layer_has_labelled_move_and_remove_buttons():
    at = screen("model")
    at.button(key="model_preset_3").click().run()  # Wide with dropout: 4 layers
    assert not at.exception
    for i in range(4):
        buttons = [
            at.button(key=f"model_layer_{i}_{k}") for k in ("up", "down", "remove")
        ]
        assert [b.label for b in buttons] == ["Move up", "Move down", "Remove"]
        assert all(b.help for b in buttons)
        assert all(b.proto.type != "tertiary" for b in buttons)  # full-size buttons
    assert at.button(key="model_layer_0_up").disabled
    assert at.button(key="model_layer_3_down").disabled
    at.button(key="model_layer_0_remove").click().run()
    assert len(at.session_state["spec"]["model"]["layers"]) == 3


def test_a_typed_learning_rate_lands_in_the_spec_and_the_code_starts_collapsed():
    at = screen("compile")
    assert not at.exception
    [code] = [e for e in at.expander if e.label == "Read the code here (experiment.py)"]
    assert code.proto.expanded is False

    at.number_input(key="compile_learning_rate_typed").set_value(0.00025).run()
    assert not at.exception
    assert at.session_state["spec"]["compile"]["learning_rate"] == 0.00025
    slider = at.select_slider(key="compile_learning_rate")
    assert slider.value == 0.00025  # shown among the quick steps too
    assert "learning_rate=0.00025" in at.code[0].value

    slider.set_value(0.01).run()  # a quick step shows in the box as well
    assert at.number_input(key="compile_learning_rate_typed").value == 0.01
    assert at.session_state["spec"]["compile"]["learning_rate"] == 0.01
