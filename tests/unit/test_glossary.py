"""The glossary and its links, and warnings that say what, why and what to do."""

from __future__ import annotations

import copy
import json
import pickle
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nncore.core import glossary
from nncore.core.glossary import TERMS, Advice, advice, find, link, linked_terms, search
from nncore.data.prepare import prepare_data
from nncore.data.profile import profile_data
from nncore.data.sources import load_builtin
from nncore.train.compiling import resolve_compile
from nncore.train.doctor import diagnose
from nncore.train.trainer import metric_warnings, nan_message
from tests import files
from tests.unit.test_doctor import (
    accuracy_at_baseline,
    flat_high_loss,
    gap_widening,
    healthy,
    loss_with,
    oscillating,
    plateaued,
    spiking,
    val_rising,
)

ROOT = Path(__file__).resolve().parents[2]
# The terms the issue asks for, by a name a help text would use.
REQUIRED = [
    "epoch",
    "batch size",
    "loss",
    "learning rate",
    "optimiser",
    "overfitting",
    "underfitting",
    "validation set",
    "test set",
    "training set",
    "neuron",
    "layer",
    "activation function",
    "relu",
    "sigmoid",
    "softmax",
    "dropout",
    "batch normalisation",
    "early stopping",
    "accuracy",
    "precision",
    "recall",
    "f1",
    "roc auc",
    "confusion matrix",
    "baseline",
    "scaling",
    "one-hot encoding",
    "gradient",
    "backpropagation",
    "weights",
    "hyperparameter",
    "forward pass",
    "r2",
    "rmse",
    "mae",
    "regression",
    "classification",
    "parameter count",
    "decision boundary",
    # Pictures (issue 14).
    "pixel",
    "data augmentation",
    "convolution",
    "filter",
    "feature map",
    "stride",
    "padding",
    "pooling",
    "flatten",
    "global average pooling",
]


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences (a full stop in 0.5 or e.g. does not end one)."""
    return [s for s in re.split(r"(?<![0-9]\.)(?<!e\.g)[.!?](?:\s+|$)", text) if s]


# --- the glossary ---------------------------------------------------------------------


def test_the_glossary_explains_every_term_in_one_to_three_plain_sentences():
    assert len(TERMS) >= 20
    for slug, term in TERMS.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug), slug
        assert term.group in glossary.GROUPS, slug
        assert 1 <= len(sentences(term.text)) <= 3, (slug, sentences(term.text))
        assert term.text.endswith("."), slug
        # Plain words: no code, no Markdown, no unexplained abbreviations in caps.
        assert not re.search(r"[`_*\[\]{}]|\(\)|=", term.text), slug


@pytest.mark.parametrize("name", REQUIRED)
def test_the_terms_the_issue_names_are_explained(name):
    assert find(name) in TERMS


def test_every_name_of_a_term_leads_to_that_term_only():
    seen = {}
    for slug, term in TERMS.items():
        for name in {slug, term.title, *term.also}:
            key = " ".join(name.lower().replace("_", " ").split())
            assert seen.setdefault(key, slug) == slug, (name, seen[key], slug)
            assert find(name) == slug


def test_a_link_points_at_the_terms_anchor_on_the_glossary_screen():
    assert link("epoch") == "[epoch](glossary#epoch)"
    assert link("Learning rate", "step size") == "[step size](glossary#learning-rate)"
    assert link("optimizer") == "[optimizer](glossary#optimiser)"  # US spelling
    assert linked_terms(f"See {link('epochs')} and [x](/glossary#nope).") == [
        "epoch",
        "nope",
    ]


def test_an_unknown_term_is_named_with_the_known_ones():
    with pytest.raises(ValueError, match=r"no term 'epoc'\. Use one of: dataset, "):
        link("epoc")


def test_the_glossary_screen_is_at_the_address_the_links_use():
    # st.navigation names a page's address after its file: screens/glossary.py is
    # /glossary, the address glossary.link() points at.
    app = (ROOT / "app.py").read_text()
    assert f'st.Page("screens/{glossary.PAGE}.py"' in app


def test_search_finds_terms_by_name_other_name_and_meaning():
    assert search("") == list(TERMS)
    assert search("LEARNING rate")[0] == "learning-rate"
    assert "optimiser" in search("adam")
    assert "overfitting" in search("memorises training")
    assert search("zebra") == []


# --- three-part warnings --------------------------------------------------------------


def test_advice_keeps_its_three_parts_and_reads_as_one_text():
    found = advice("Scaling is off.", "Large columns dominate.", "turn it on.")
    assert found == "Scaling is off. Large columns dominate. What to do: turn it on."
    assert (found.what, found.why, found.fix) == (
        "Scaling is off.",
        "Large columns dominate.",
        "turn it on.",
    )
    for copied in (pickle.loads(pickle.dumps(found)), copy.deepcopy(found)):
        assert isinstance(copied, Advice) and copied.fix == "turn it on."
    assert json.loads(json.dumps([found])) == [str(found)]
    with pytest.raises(ValueError, match="needs all three parts"):
        advice("Scaling is off.", " ", "turn it on.")


def assert_three_parts(message) -> None:
    """What it means, why it matters (each at least a sentence), what to do."""
    assert isinstance(message, Advice), message
    assert sentences(message.what) and sentences(message.why), message
    assert message.fix and " What to do: " in message, message
    assert message.what != message.why != message.fix


def imbalanced():
    frame = files.simple_frame(400)
    frame["label"] = np.where(np.arange(400) < 360, "ok", "fraud")
    return frame, "label", {}


def leaking():
    frame = files.simple_frame(300)
    frame["outcome_code"] = (
        np.where(frame["label"] == "yes", 1.0, 0.0) + 0.01 * np.arange(300) % 0.5
    )
    return frame, "label", {}


def unscaled():
    return load_builtin("breast_cancer"), "target", {"scaling": "none"}


def rare_class():
    frame = files.simple_frame(200)
    frame.loc[:7, "label"] = "rare"
    return frame, "label", {}


def with_ids():
    frame = files.simple_frame(100)
    frame.insert(0, "customer_id", range(1000, 1100))
    return frame, "label", {}


def wide():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        rng.normal(size=(40, 300)), columns=[f"c{i}" for i in range(300)]
    )
    frame["y"] = [0, 1] * 20
    return frame, "y", {}


def messy():
    frame = files.simple_frame(120)
    frame.loc[:3, "label"] = None  # rows without a target
    frame.loc[5, "x1"] = np.inf  # a number that cannot be computed with
    frame["code"] = [f"c{i % 60}" for i in range(120)]  # many categories
    frame.loc[10, "label"] = "maybe"  # a class too rare to stratify
    return frame, "label", {"max_categories": 10}


SITUATIONS = {
    "imbalance": (imbalanced, ["class imbalance"]),
    "leakage": (leaking, ["leakage"]),
    "unscaled": (unscaled, ["very different scales"]),
    "too few rows per class": (rare_class, ["Too few rows per class"]),
    "ID column": (with_ids, ["ID-like column"]),
    "more inputs than rows": (wide, ["more inputs"]),
    "messy file": (
        messy,
        [
            "no usable value in the target",
            "infinite or too large",
            "different values; the 9 most frequent",
            "rarest class has only 1 row",
        ],
    ),
}


@pytest.mark.parametrize("situation", SITUATIONS.values(), ids=list(SITUATIONS))
def test_data_warnings_say_what_why_and_what_to_do(situation):
    make, expected = situation
    frame, target, options = make()
    prepared = prepare_data(frame, target, **options)
    shown = prepared.warnings + profile_data(prepared).pitfalls
    for words in expected:
        assert any(words in message for message in shown), (words, shown)
    for message in shown:
        assert_three_parts(message)


def test_training_warnings_say_what_why_and_what_to_do():
    shown = [
        nan_message(7),
        *metric_warnings({"test": {"accuracy": None, "roc_auc": None}}),
        *metric_warnings({"test": {"accuracy": 0.9, "roc_auc": None}}),
        *resolve_compile({"metrics": ["accuracy"]}, "regression")["notes"],
    ]
    assert shown[0].startswith("Training stopped at epoch 7: the loss became NaN")
    assert len(shown) == 4
    for message in shown:
        assert_three_parts(message)


DOCTOR = {
    "overfitting": (val_rising(), {}),
    "overfitting, widening gap": (gap_widening(), {}),
    "underfitting, accuracy at the baseline": (
        accuracy_at_baseline(),
        {"baseline": {"accuracy": 0.63}, "task": "binary"},
    ),
    "underfitting, flat loss": (flat_high_loss(), {}),
    "divergence, NaN": (loss_with(12, 6, float("nan")), {}),
    "divergence, spike": (spiking(), {}),
    "oscillation": (oscillating(), {}),
    "plateau": (plateaued(), {}),
    "rare class ignored": (
        healthy(),
        {"task": "binary", "scores": {"accuracy": 0.9, "balanced_accuracy": 0.5}},
    ),
}


@pytest.mark.parametrize("case", DOCTOR.values(), ids=list(DOCTOR))
def test_doctor_findings_say_what_why_and_what_to_do(case):
    history, options = case
    findings = diagnose(history, **options)
    assert findings
    for finding in findings:
        # The message says what happened (and when) and why it matters, the
        # remedy what to do; the screen shows them as the warning and
        # "What to do: ...", with one-click fixes.
        parts = sentences(finding.message)
        assert len(parts) >= 2, finding.message
        assert f"epoch {finding.epoch}" in parts[0], finding.message
        assert finding.remedy and finding.remedy not in finding.message
        assert finding.fixes
