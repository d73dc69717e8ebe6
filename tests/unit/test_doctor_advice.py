"""The training doctor never recommends what the experiment does already (issue 18,
item 5): a one-click fix always changes the experiment; with a fix in place, the
finding says so and what else to try. Tiny absolute wiggles are not oscillation.
"""

import math

import numpy as np

from nncore.spec import default_spec, validate_spec
from nncore.train.doctor import apply_fix, diagnose
from tests.unit.test_doctor import (
    gap_widening,
    loss_with,
    oscillating,
    plateaued,
    val_rising,
)

STANDARDISE = "Standardise the inputs"
STOP_EARLY = "Stop at the best epoch (early stopping, patience 5)"


def experiment(**train) -> dict:
    """The default experiment: standard scaling, early stopping with patience 5."""
    spec = default_spec()
    spec["train"].update(train)
    return validate_spec(spec)


def labels(finding) -> list[str]:
    return [fix["label"] for fix in finding.fixes]


def only(findings, kind):
    (finding,) = [f for f in findings if f.kind == kind]
    return finding


def test_diverged_with_standard_scaling_says_what_else_to_try():
    spec = experiment()
    assert spec["data"]["scaling"] == "standard"
    finding = only(diagnose(loss_with(12, 7, math.nan), spec=spec), "divergence")
    assert STANDARDISE not in labels(finding)
    assert labels(finding) == ["Halve the learning rate"]
    assert "standardised already" in finding.remedy
    assert "outliers" in finding.remedy
    assert "scale the inputs" not in finding.remedy


def test_oscillating_with_standard_scaling_offers_no_scaling():
    finding = only(diagnose(oscillating(), spec=experiment()), "oscillation")
    assert labels(finding) == ["Halve the learning rate"]
    assert "standardised already" in finding.remedy


def test_unscaled_data_still_gets_the_scaling_fix():
    spec = experiment()
    spec["data"]["scaling"] = "none"
    finding = only(diagnose(loss_with(12, 7, math.nan), spec=spec), "divergence")
    assert STANDARDISE in labels(finding)


def test_plateau_after_early_stopping_fired_suggests_something_else():
    # The validation loss creeps down by less than 1% an epoch: Keras' early
    # stopping (patience 5) keeps going, then fires; the doctor sees a plateau.
    spec = experiment()
    assert spec["train"]["early_stopping"]["patience"] == 5
    finding = only(diagnose(plateaued(), spec=spec), "plateau")
    assert STOP_EARLY not in labels(finding)
    assert "Early stopping (patience 5) is on already" in finding.remedy
    # Something else: more regularisation, a smaller network, more data.
    assert "Add dropout (rate 0.2) after each dense layer" in labels(finding)
    assert "Halve the units of each dense layer" in labels(finding)
    assert "more training rows" in finding.remedy


def test_overfitting_with_early_stopping_on_does_not_offer_it_again():
    finding = only(diagnose(val_rising(), spec=experiment()), "overfitting")
    assert "Turn on early stopping (patience 5)" not in labels(finding)
    assert "is on already" in finding.remedy


def test_oscillation_needs_swings_that_are_not_tiny():
    # The loss fell from 0.7 to about 0.00001 and wiggles there (1e-5 <-> 2e-5): the
    # data is fitted; the swings are 100% of the loss but only 0.00001 in size.
    t = np.arange(30.0)
    fall = 0.7 * np.exp(-t) + 1e-5
    wiggle = np.where(t >= 15, 1e-5 * (1 + (-1.0) ** t) / 2, 0.0)
    history = {"loss": [float(v) for v in fall + wiggle]}
    assert "oscillation" not in [f.kind for f in diagnose(history)]
    # Large swings are still found.
    assert "oscillation" in [f.kind for f in diagnose(oscillating())]


def test_every_fix_offered_changes_the_experiment():
    scaled_slow = experiment()
    scaled_slow["compile"]["learning_rate"] = 1e-6  # lowest: halving changes nothing
    histories = [
        val_rising(),
        gap_widening(),
        oscillating(),
        plateaued(),
        loss_with(12, 7, math.nan),
    ]
    for spec in (experiment(), scaled_slow):
        for history in histories:
            for finding in diagnose(history, spec=spec):
                assert finding.remedy
                for fix in finding.fixes:
                    assert apply_fix(spec, fix) != spec, (finding.kind, fix["label"])
    # No fix left: the remedy says what else to try.
    finding = only(diagnose(loss_with(12, 7, math.nan), spec=scaled_slow), "divergence")
    assert finding.fixes == []
    assert "lowest" in finding.remedy and "outliers" in finding.remedy
