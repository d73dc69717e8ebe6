"""The guided tour: the six steps, the demo experiments and the words that explain them.

Plain data and text (no Streamlit, no heavy imports): the Home screen draws the step
tracker and the demos from it, presenter mode shows ``caption(step)`` under each
screen's title, and the tests check that every step has its words.

Example:
    >>> caption("compile").startswith("Compile")
    True
    >>> demo_spec("first")["data"]["source"]
    'builtin:circle'
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from nncore.spec import default_spec, validate_spec

__all__ = [
    "CAPTIONS",
    "DEMOS",
    "LEARNING_STEPS",
    "STEPS",
    "WORKFLOW",
    "Demo",
    "Step",
    "caption",
    "demo_captions",
    "demo_settings",
    "demo_spec",
    "learning_steps",
]


@dataclass(frozen=True)
class Step:
    """One step of the workflow, as the Home screen's tracker shows it.

    Attributes:
        key: the step's name, e.g. ``"train"`` (also its screen's file name).
        title: the step as a heading, e.g. ``"Train"``.
        icon: a Material icon for the step.
        summary: what the step is, in one short line.
    """

    key: str
    title: str
    icon: str
    summary: str


# The six steps in the order the workflow goes through them (the sidebar's order).
STEPS: tuple[Step, ...] = (
    Step("data", "Data", ":material/table:", "Examples and the target"),
    Step("model", "Model", ":material/hub:", "Layers of neurons"),
    Step("compile", "Compile", ":material/tune:", "Loss and optimiser"),
    Step("train", "Train", ":material/model_training:", "Learning from the rows"),
    Step("tune", "Tune", ":material/science:", "A search for settings"),
    Step("evaluate", "Evaluate", ":material/fact_check:", "Scores on unseen rows"),
)

# What each screen does and why, in plain words: presenter mode shows it under the
# screen's title. Every step has one, and so do the screens around them.
CAPTIONS: dict[str, str] = {
    "home": (
        "Six steps turn a table of examples into a network you can trust. Press "
        "“Run the demo” to watch all of them in under a minute, or follow the steps "
        "one by one: the tracker shows what this session has done."
    ),
    "data": (
        "Data: choose the examples the network learns from and the column it must "
        "predict. The rows are split three ways: training rows to learn from, "
        "validation rows to check progress and choose settings, and test rows kept "
        "apart for the final verdict. The inputs are scaled to similar ranges so no "
        "column drowns out the others. With pictures, each one's folder is its "
        "class and its pixels are the inputs."
    ),
    "model": (
        "Model: stack the layers of neurons. Each neuron multiplies its inputs by "
        "weights, adds them up and bends the sum with an activation (ReLU, tanh): "
        "those bends let the network draw curved boundaries. More neurons and layers "
        "can learn more complicated patterns, but can also memorise noise."
    ),
    "compile": (
        "Compile: decide how the network will learn. The loss measures how wrong its "
        "answers are; the optimiser decides how to change the weights to make the "
        "loss smaller; the learning rate sets how big each change is: too small and "
        "learning crawls, too large and it overshoots."
    ),
    "train": (
        "Train: the network goes over the training rows again and again (epochs) "
        "and adjusts its weights after every batch. Watch the two curves: the "
        "training loss should fall, and the validation loss tells whether that "
        "carries over to rows it never learns from. When validation gets worse "
        "while training improves, it is overfitting: the training doctor says so "
        "and offers one-click fixes."
    ),
    "evaluate": (
        "Evaluate: how good is the network on rows it never learnt from? Compare it "
        "with the naive guess (always the most common class, or the mean), see "
        "which classes it confuses, and try it on values of your own. Keep the test "
        "rows for one final check, once you have finished choosing."
    ),
    "tune": (
        "Tune: let the computer try many settings (layers, units, learning rate, "
        "batch size) and keep the one that scores best on the validation rows. It "
        "replaces guesswork with a search, and never looks at the test rows."
    ),
    "runs": (
        "Runs: every training is recorded with its settings, curves and scores. "
        "Compare runs side by side to see which change helped, and open one to "
        "evaluate it again."
    ),
    "experiment": (
        "Experiment: everything chosen on the screens is one experiment. Save it as "
        "a file or share it as a link: whoever opens it gets the same screens, and "
        "can run it again."
    ),
    "glossary": (
        "Glossary: the words the app uses, each explained in a sentence or two. "
        "The underlined words in help texts lead here."
    ),
}

# How a network learns, one batch at a time: (key, title, text), in order.
LEARNING_STEPS: tuple[tuple[str, str, str], ...] = (
    (
        "forward",
        "1 · Forward pass",
        "A batch of training rows goes through the network layer by layer: each "
        "neuron weighs its inputs, adds them up and applies its activation. Out "
        "comes a prediction for each row.",
    ),
    (
        "loss",
        "2 · Loss",
        "The loss compares each prediction with the true answer and sums it up in "
        "one number: how wrong the network is on this batch. It is small when the "
        "network is confidently right and large when it is confidently wrong.",
    ),
    (
        "backward",
        "3 · Backward pass (backpropagation)",
        "Going back from the loss through the layers, the chain rule of calculus "
        "works out, for every weight, which way and how strongly it pushed the loss "
        "up: its gradient.",
    ),
    (
        "update",
        "4 · Weight update",
        "Every weight takes a small step against its gradient, so the loss gets "
        "smaller. The learning rate sets the size of the step; the optimiser (Adam "
        "here) adapts it for each weight. Then the next batch goes through; one "
        "pass over all training rows is an epoch.",
    ),
)

# The workflow in one line a step, for the Home screen's recap.
WORKFLOW: tuple[tuple[str, str], ...] = (
    (
        "Collect and preprocess the data",
        "a table of examples with the answer to learn; split it into training, "
        "validation and test rows, encode text and scale the numbers.",
    ),
    (
        "Build the network",
        "layers of neurons between the inputs and one output per answer.",
    ),
    (
        "Compile it",
        "choose the loss that measures its mistakes and the optimiser and learning "
        "rate that correct them.",
    ),
    (
        "Train it",
        "show it the training rows for a number of epochs and watch both curves.",
    ),
    (
        "Evaluate and improve",
        "score it on unseen rows against a naive guess, then change one thing (or "
        "let the tuner search) and compare.",
    ),
)


@dataclass(frozen=True)
class Demo:
    """A ready-made experiment that the Home screen trains and explains.

    Attributes:
        key: ``"first"`` or ``"overfit"``.
        title: the demo's heading.
        button: the label of the button that starts it.
        pitch: one or two sentences on what it shows.
        changes: the experiment, as changes to the default spec.
        example: one prediction of its network, in its own words, e.g.
            ``"inside the circle: 80 %"`` (the tour's forward pass shows it).
        captions: stage (``"data"``, ``"model"``, ``"compile"``, ``"train"``,
            ``"evaluate"``) -> what happens there; ``{n_train}``, ``{n_val}`` and
            ``{parameters}`` are filled in by ``demo_captions``.
    """

    key: str
    title: str
    button: str
    pitch: str
    changes: dict[str, Any]
    example: str
    captions: dict[str, str] = field(default_factory=dict)


DEMO_STAGES = ("data", "model", "compile", "train", "evaluate")

# A clean ring of points: a small network learns the curved boundary in a few
# seconds, and the training doctor finds nothing to complain about (checked by
# tests/unit/test_guide.py).
_FIRST = Demo(
    key="first",
    title="Your first neural network, step by step",
    button="Run the demo",
    pitch=(
        "One click: NN Studio loads a small dataset, builds a network, trains it "
        "while you watch and scores it, explaining each step."
    ),
    changes={
        "data": {"source": "builtin:circle", "n_samples": 400, "noise": 0.02},
        "model": {
            "layers": [
                {"type": "dense", "units": 8, "activation": "relu"},
                {"type": "dense", "units": 8, "activation": "relu"},
            ]
        },
        "compile": {"optimizer": "adam", "learning_rate": 0.003},
        "train": {
            "epochs": 150,
            "batch_size": 16,
            "early_stopping": {"enabled": True, "patience": 10, "restore_best": True},
        },
    },
    example="inside the circle: 80 %",
    captions={
        "data": (
            "400 points on a plane, each with two inputs (its x1 and x2 position) "
            "and an answer: is it inside the inner circle (1) or on the outer ring "
            "(0)? No straight line separates them, so the network must learn a "
            "curve. {n_train} rows are for training, {n_val} for validation (checking "
            "progress), and the rest stay apart as the test rows."
        ),
        "model": (
            "Two hidden layers of 8 neurons each (ReLU activation) and one output "
            "neuron that gives the probability of “inside”. That is {parameters} "
            "weights to learn, all random to begin with."
        ),
        "compile": (
            "The loss is binary cross-entropy: it punishes confident wrong answers "
            "hardest. The optimiser is Adam with a learning rate of 0.003: the size "
            "of each correction of the weights."
        ),
        "train": (
            "The network goes over the {n_train} training rows in batches of 16, "
            "up to 150 times (epochs); early stopping ends it sooner if the "
            "validation loss stops improving. Each batch is one round of the four "
            "steps below. Watch the loss fall and the boundary bend into a circle."
        ),
        "evaluate": (
            "Scored on the {n_val} validation rows, which the network never learnt "
            "from, against the naive guess that always answers the most common "
            "class. The test rows are left untouched for your own final check on "
            "the Evaluate screen."
        ),
    },
)

# Too big a network (3 × 256 neurons, about 130,000 weights) on 50 noisy training
# rows, trained long with no early stopping: the validation loss turns up after a
# few dozen epochs and the training doctor says so (checked by test_guide.py).
_OVERFIT = Demo(
    key="overfit",
    title="Watch a network overfit",
    button="Watch a network overfit",
    pitch=(
        "A far too big network on a handful of noisy rows: watch it memorise them, "
        "and see the training doctor notice and offer a fix."
    ),
    changes={
        "data": {
            "source": "builtin:gaussian",
            "n_samples": 100,
            "noise": 0.5,
            "split": {"train": 0.5, "val": 0.25, "test": 0.25, "stratify": True},
        },
        "model": {
            "layers": [
                {"type": "dense", "units": 256, "activation": "relu"},
                {"type": "dense", "units": 256, "activation": "relu"},
                {"type": "dense", "units": 256, "activation": "relu"},
            ]
        },
        "compile": {"optimizer": "adam", "learning_rate": 0.0003},
        "train": {
            "epochs": 200,
            "batch_size": 32,
            "early_stopping": {"enabled": False, "patience": 5, "restore_best": True},
        },
    },
    example="from the upper-right cloud (class 1): 65 %",
    captions={
        "data": (
            "Two overlapping clouds of points, and only {n_train} rows to learn "
            "from: some points lie deep in the other cloud, so no boundary can get "
            "them all right. {n_val} rows are kept for validation."
        ),
        "model": (
            "Three hidden layers of 256 neurons: {parameters} weights for "
            "{n_train} rows. A network this big can memorise every training row, "
            "noise included, instead of learning the simple rule."
        ),
        "compile": (
            "Adam with a small learning rate (0.0003), so the curves change slowly "
            "enough to watch, and no early stopping: it trains all 200 epochs."
        ),
        "train": (
            "Look at the two curves. At first both losses fall: the network learns "
            "the rule. Then the training loss keeps falling while the validation "
            "loss turns up: it now memorises the training rows, and the boundary "
            "bends to fit single points. The training doctor marks the epoch where "
            "it started and offers fixes."
        ),
        "evaluate": (
            "Compare the network on the rows it memorised with the rows it never "
            "saw: the gap between them is the overfitting. Try one of the doctor's "
            "fixes above, then train again on the Train screen and compare the "
            "curves."
        ),
    },
)

DEMOS: dict[str, Demo] = {demo.key: demo for demo in (_FIRST, _OVERFIT)}


def _merge(target: dict, changes: dict) -> dict:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    return target


def _demo(name: str) -> Demo:
    if name not in DEMOS:
        raise ValueError(
            f"Received: demo={name!r}. Expected one of "
            "{" + ", ".join(f"'{key}'" for key in DEMOS) + "}."
        )
    return DEMOS[name]


def demo_spec(name: str) -> dict[str, Any]:
    """The demo's experiment: the default spec with its changes, validated.

    Args:
        name: ``"first"`` or ``"overfit"``.

    Raises:
        ValueError: for an unknown demo.
    """
    return validate_spec(_merge(default_spec(), _demo(name).changes))


def demo_captions(
    name: str, n_train: int, n_val: int, parameters: int
) -> dict[str, str]:
    """The demo's captions, stage -> text, with its numbers filled in.

    Args:
        name: ``"first"`` or ``"overfit"``.
        n_train: training rows.
        n_val: validation rows.
        parameters: the network's trainable weights.

    Raises:
        ValueError: for an unknown demo.
    """
    facts = {"n_train": f"{n_train:,}", "n_val": f"{n_val:,}"}
    facts["parameters"] = f"{parameters:,}"
    return {stage: text.format(**facts) for stage, text in _demo(name).captions.items()}


def demo_settings(name: str) -> str:
    """The demo's settings in a few words, e.g. "3×256 network, 200 epochs, learning
    rate 0.0003".

    Args:
        name: ``"first"`` or ``"overfit"``.

    Raises:
        ValueError: for an unknown demo.
    """
    spec = demo_spec(name)
    units = [
        layer["units"] for layer in spec["model"]["layers"] if layer["type"] == "dense"
    ]
    network = (
        f"{len(units)}×{units[0]}"
        if len(set(units)) == 1
        else "-".join(map(str, units))
    )
    return (
        f"{network} network, {spec['train']['epochs']} epochs, learning rate "
        f"{spec['compile']['learning_rate']:g}"
    )


def learning_steps(name: str) -> tuple[tuple[str, str, str], ...]:
    """``LEARNING_STEPS`` for demo ``name``: its forward pass gives its own example.

    Args:
        name: ``"first"`` or ``"overfit"``.

    Raises:
        ValueError: for an unknown demo.
    """
    example = _demo(name).example
    (key, title, text), *rest = LEARNING_STEPS
    return ((key, title, f"{text[:-1]}, e.g. “{example}”."), *rest)


def caption(step: str) -> str:
    """What the screen of ``step`` does and why, in plain words.

    Args:
        step: ``"data"``, ``"model"``, ``"compile"``, ``"train"``, ``"evaluate"``,
            ``"tune"``, ``"runs"``, ``"experiment"``, ``"glossary"`` or ``"home"``.

    Raises:
        ValueError: for a step without a caption.
    """
    if step not in CAPTIONS:
        raise ValueError(
            f"Received: step={step!r}. Expected one of "
            "{" + ", ".join(f"'{key}'" for key in CAPTIONS) + "}."
        )
    return CAPTIONS[step]
