"""Counts in messages say "1 epoch", "1 neuron", "1 training job", not "1 epochs":
the ones a setting or a network can make 1."""

from __future__ import annotations

from nncore.report.compare import settings
from nncore.report.export_common import train_code
from nncore.spec import default_spec
from nncore.train.layer_doctor import dead_relu


def patience_one() -> dict:
    spec = default_spec()
    spec["train"]["early_stopping"].update(enabled=True, patience=1)
    spec["train"]["reduce_lr"].update(enabled=True, patience=1, factor=0.5)
    return spec


def test_the_exported_script_explains_a_patience_of_one_epoch():
    code = train_code(patience_one(), "binary")
    assert "has not improved for 1 epoch,\n" in code
    assert "after 1 epoch without improvement" in code
    assert "1 epochs" not in code


def test_the_run_comparison_says_one_epoch_of_patience():
    assert settings(patience_one())["Lower the learning rate"] == (
        "on (×0.5 after 1 epoch)"
    )


def test_a_layer_with_one_live_neuron_left_says_neuron():
    layer = {"name": "Dense 1", "units": 8, "dead": 7, "dead_share": 7 / 8}
    records = [{"epoch": epoch, "layers": [dict(layer)]} for epoch in (1, 2, 3)]
    finding = dead_relu(records)
    assert finding.message.endswith("the layer works with 1 neuron instead of 8.")
