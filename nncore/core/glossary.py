"""Plain-language explanations: the glossary, links to it, and three-part warnings.

``TERMS`` holds every technical word the app uses, each explained in one to three
sentences for someone who has never written code. ``link`` turns a term into a
Markdown link to its entry on the Glossary screen, for help texts and captions.

``Advice`` is a warning that says what it means, why it matters and what to do. It
is a ``str`` (so lists of warnings stay plain text, in JSON and on screen) that also
keeps its three parts, so tests can check that none is missing.

Example:
    >>> link("epoch")
    '[epoch](glossary#epoch)'
    >>> link("learning rate", "step size")
    '[step size](glossary#learning-rate)'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nncore.core.image_terms import IMAGE_ENTRIES

__all__ = ["GROUPS", "PAGE", "TERMS", "Advice", "Term", "advice", "find", "link"]

# The Glossary screen's address as st.navigation gives it (from screens/glossary.py),
# relative so that it also works when the app is served under a path prefix.
PAGE = "glossary"

GROUPS = ("The data", "The network", "Training", "Judging a model", "Tuning")


@dataclass(frozen=True)
class Term:
    """One glossary entry.

    Attributes:
        title: the term as a heading, e.g. ``"Learning rate"``.
        text: what it means, in one to three plain sentences.
        group: one of ``GROUPS``.
        also: other names people use for it (searched, and accepted by ``link``).
    """

    title: str
    text: str
    group: str
    also: tuple[str, ...] = ()


def _terms(*entries: tuple[str, str, str, str, tuple[str, ...]]) -> dict[str, Term]:
    return {
        slug: Term(title, text, group, also)
        for slug, title, group, text, also in entries
    }


DATA, NETWORK, TRAINING, JUDGING, TUNING = GROUPS

# slug (the anchor on the Glossary screen) -> Term, grouped as the workflow goes.
TERMS: dict[str, Term] = _terms(
    # --- the data ---
    (
        "dataset",
        "Dataset",
        DATA,
        "A table of examples, one row per example and one column per piece of "
        "information about it. The network learns from the rows.",
        ("data",),
    ),
    (
        "feature",
        "Feature (input)",
        DATA,
        "A column the network reads to make its prediction, such as a size, an age "
        "or a colour. Every column except the target is a feature.",
        ("input", "inputs", "features", "column"),
    ),
    (
        "target",
        "Target",
        DATA,
        "The column the network learns to predict: the answer it should give for "
        "each row, such as 'spam or not' or a house price.",
        ("label", "target column"),
    ),
    (
        "classification",
        "Classification",
        DATA,
        "Predicting which group (class) a row belongs to, such as 'cat' or 'dog'. "
        "Binary classification has two classes; multiclass has three or more.",
        ("binary", "multiclass", "class", "classes", "binary classification"),
    ),
    (
        "regression",
        "Regression",
        DATA,
        "Predicting a number, such as a price or a temperature, rather than a class.",
        (),
    ),
    (
        "training-set",
        "Training set",
        DATA,
        "The rows the network learns from. It sees them again in every epoch and "
        "adjusts its weights to get them right.",
        ("training split", "training rows", "training data"),
    ),
    (
        "validation-set",
        "Validation set",
        DATA,
        "Rows held out from learning and checked after every epoch. They show how "
        "well the network does on data it has not learnt from, and are used to "
        "choose settings.",
        ("validation split", "validation rows", "validation"),
    ),
    (
        "test-set",
        "Test set",
        DATA,
        "Rows kept untouched until the very end for one honest final score. If you "
        "make choices by looking at them, the score becomes too optimistic.",
        ("test split", "test rows", "holdout"),
    ),
    (
        "stratify",
        "Stratified split",
        DATA,
        "Splitting the rows so that every part (training, validation, test) keeps "
        "the same share of each class as the whole table. It matters most when a "
        "class is rare.",
        ("stratification", "stratified"),
    ),
    (
        "seed",
        "Random seed",
        DATA,
        "A number that fixes the computer's random choices (which rows go where, "
        "the starting weights). The same seed gives the same result again.",
        ("random seed", "random_state"),
    ),
    (
        "scaling",
        "Scaling (normalisation)",
        DATA,
        "Putting the numeric columns on similar ranges, for example mean 0 and "
        "spread 1 (standard) or 0 to 1 (min-max). Networks learn faster and more "
        "reliably when no column dwarfs the others.",
        ("normalisation", "normalization", "standardisation", "standard scaling"),
    ),
    (
        "one-hot-encoding",
        "One-hot encoding",
        DATA,
        "Turning a text column into numbers the network can read: one new column per "
        "value, holding 1 where the row has that value and 0 elsewhere.",
        ("one-hot", "categorical"),
    ),
    (
        "class-imbalance",
        "Class imbalance",
        DATA,
        "When one class has far more rows than another. A network can then score "
        "well by mostly guessing the big class, so accuracy alone is misleading.",
        ("imbalance", "imbalanced"),
    ),
    (
        "class-weights",
        "Class weights",
        DATA,
        "Weights that make each class count as much as the others in the loss while "
        "the network trains. Balanced weights give the rows of a rare class more "
        "weight, so the network cannot score well by ignoring it.",
        ("class weight", "balanced class weights", "class weighting"),
    ),
    (
        "leakage",
        "Data leakage",
        DATA,
        "A column that gives the answer away, for example one filled in only after "
        "the outcome is known. The network looks excellent in testing and then "
        "fails on real new data.",
        ("data leakage", "leak"),
    ),
    (
        "baseline",
        "Baseline",
        DATA,
        "The score of a naive guess that ignores the inputs: always the most common "
        "class, or always the average value. A useful network must beat it.",
        ("naive baseline", "naive guess"),
    ),
    # --- the network ---
    (
        "neural-network",
        "Neural network",
        NETWORK,
        "A model made of layers of simple units (neurons) that pass numbers to each "
        "other. It learns from examples by adjusting the strength of each "
        "connection.",
        ("network", "model"),
    ),
    (
        "neuron",
        "Neuron (unit)",
        NETWORK,
        "The basic building block of a network: it adds up its inputs, each "
        "multiplied by a weight, and passes the sum through an activation function.",
        ("unit", "units", "neurons"),
    ),
    (
        "layer",
        "Layer (dense)",
        NETWORK,
        "A row of neurons. In a dense layer every neuron is connected to every "
        "output of the layer before. Hidden layers sit between the inputs and the "
        "output.",
        ("dense", "dense layer", "hidden layer", "hidden layers", "layers"),
    ),
    (
        "output-layer",
        "Output layer",
        NETWORK,
        "The last layer, which gives the prediction. Its size and activation follow "
        "from the task: one sigmoid neuron for two classes, one softmax neuron per "
        "class, one linear neuron for a number.",
        ("output",),
    ),
    (
        "weights",
        "Weights (and biases)",
        NETWORK,
        "The numbers inside the network that say how strongly each input counts. "
        "Training is nothing but adjusting them; a bias is an extra number each "
        "neuron adds.",
        ("weight", "bias", "biases", "kernel"),
    ),
    (
        "parameter-count",
        "Parameter count",
        NETWORK,
        "How many weights and biases the network has to learn. More parameters can "
        "learn more complex patterns but also memorise the training rows more "
        "easily.",
        ("parameters", "parameter"),
    ),
    (
        "activation",
        "Activation function",
        NETWORK,
        "The rule a neuron applies to its sum before passing it on. Without it a "
        "stack of layers could only draw straight lines; with it the network can "
        "learn curves.",
        ("activation function", "activations"),
    ),
    (
        "relu",
        "ReLU",
        NETWORK,
        "An activation that passes positive sums unchanged and turns negative ones "
        "into 0. Simple, fast and the usual default for hidden layers.",
        ("rectified linear unit",),
    ),
    (
        "sigmoid",
        "Sigmoid",
        NETWORK,
        "An activation that squeezes any number into the range 0 to 1, so it can be "
        "read as a probability. Used for the output of binary classification.",
        ("logistic",),
    ),
    (
        "tanh",
        "Tanh",
        NETWORK,
        "An activation that squeezes any number into the range -1 to 1. It suits "
        "small networks.",
        (),
    ),
    (
        "softmax",
        "Softmax",
        NETWORK,
        "An activation for the output of multiclass classification: it turns one "
        "number per class into probabilities that add up to 1.",
        (),
    ),
    (
        "initialiser",
        "Weight initialiser",
        NETWORK,
        "How the weights are set randomly before training starts. A good start "
        "(He for ReLU, Glorot for tanh and sigmoid) helps the network learn from "
        "the first epoch.",
        ("initializer", "initial weights", "kernel initializer"),
    ),
    (
        "regularisation",
        "Weight penalty (L1/L2 regularisation)",
        NETWORK,
        "An extra cost for large weights, added to the loss. It keeps the network "
        "simpler and less likely to memorise; L1 also sets many weights exactly to "
        "0.",
        ("regularization", "l1", "l2", "penalty", "weight penalty"),
    ),
    (
        "dropout",
        "Dropout",
        NETWORK,
        "A layer that switches off a random share of neurons at every training step, "
        "so the network cannot rely on any single one. It fights overfitting and is "
        "off when predicting.",
        ("dropout rate",),
    ),
    (
        "batch-normalisation",
        "Batch normalisation",
        NETWORK,
        "A layer that rescales the previous layer's outputs to mean 0 and spread 1 "
        "on every batch. It often makes training faster and steadier.",
        ("batchnorm", "batch normalization", "batchnormalization"),
    ),
    (
        "forward-pass",
        "Forward pass",
        NETWORK,
        "Running the inputs through the network, layer by layer, to get a "
        "prediction. Predicting is a forward pass and nothing else.",
        ("prediction",),
    ),
    (
        "decision-boundary",
        "Decision boundary",
        NETWORK,
        "The line or curve where the network's prediction switches from one class "
        "to another. With two inputs it can be drawn on the plane.",
        ("boundary",),
    ),
    # --- training ---
    (
        "epoch",
        "Epoch",
        TRAINING,
        "One pass of the network over every training row. Training usually takes "
        "many epochs; the curves show one point per epoch.",
        ("epochs",),
    ),
    (
        "batch-size",
        "Batch and batch size",
        TRAINING,
        "The network changes its weights after looking at a small group of rows, a "
        "batch. The batch size is how many rows that is; 32 is a common start.",
        ("batch", "batches", "mini-batch"),
    ),
    (
        "loss",
        "Loss",
        TRAINING,
        "One number that says how wrong the network's predictions are; training "
        "tries to make it smaller. Cross-entropy is the usual loss for classes, "
        "mean squared error for numbers.",
        ("loss function", "cross-entropy", "mse", "mean squared error"),
    ),
    (
        "gradient",
        "Gradient and backpropagation",
        TRAINING,
        "The gradient says, for every weight, which way to nudge it to make the loss "
        "smaller. Backpropagation is how the network works it out, from the output "
        "back to the first layer.",
        ("gradients", "backpropagation", "backprop"),
    ),
    (
        "optimiser",
        "Optimiser",
        TRAINING,
        "The method that changes the weights using the gradients, after every batch. "
        "Adam is a good default; SGD is the simplest.",
        ("optimizer", "adam", "sgd", "rmsprop"),
    ),
    (
        "learning-rate",
        "Learning rate",
        TRAINING,
        "How big a step the optimiser takes each time it changes the weights. Too "
        "big and the loss jumps around or explodes; too small and learning crawls.",
        ("step size", "lr"),
    ),
    (
        "momentum",
        "Momentum",
        TRAINING,
        "Lets each step of SGD carry on part of the previous one, like a ball "
        "rolling downhill. It smooths and speeds up training.",
        (),
    ),
    (
        "overfitting",
        "Overfitting",
        TRAINING,
        "When the network memorises the training rows instead of learning the "
        "pattern: it gets better on them but worse on new data. The validation loss "
        "rises while the training loss keeps falling.",
        ("overfit", "memorising"),
    ),
    (
        "underfitting",
        "Underfitting",
        TRAINING,
        "When the network has not learnt even the training rows well: it is too "
        "small, trained too briefly, or learning too slowly.",
        ("underfit",),
    ),
    (
        "early-stopping",
        "Early stopping",
        TRAINING,
        "Ending training by itself once the validation loss stops improving, instead "
        "of running every epoch. It saves time and stops overfitting.",
        ("stop early",),
    ),
    (
        "patience",
        "Patience",
        TRAINING,
        "How many epochs in a row without improvement are tolerated before early "
        "stopping (or lowering the learning rate) steps in.",
        (),
    ),
    (
        "plateau",
        "Plateau",
        TRAINING,
        "A stretch of epochs where the loss stops improving. Lowering the learning "
        "rate often gets it moving again.",
        ("reduce learning rate on plateau", "reduce lr"),
    ),
    (
        "divergence",
        "Divergence (NaN loss)",
        TRAINING,
        "When the loss shoots up or becomes NaN (not a number): the steps were so "
        "big that the weights blew up. A smaller learning rate and scaled inputs "
        "usually cure it.",
        ("diverged", "nan", "not a number"),
    ),
    (
        "checkpoint",
        "Checkpoint (best model)",
        TRAINING,
        "A saved copy of the network during training, for example at its best epoch, "
        "so it can be used or trained further later.",
        ("best model", "checkpoints"),
    ),
    (
        "hyperparameter",
        "Hyperparameter",
        TRAINING,
        "A setting you choose before training, such as the number of layers, the "
        "learning rate or the batch size. The network learns its weights; you (or "
        "the Tune screen) choose the hyperparameters.",
        ("hyperparameters", "hyper-parameter", "setting", "settings"),
    ),
    # --- judging a model ---
    (
        "accuracy",
        "Accuracy",
        JUDGING,
        "The share of rows the network gets right. Easy to read, but misleading "
        "when one class is much more common than the others.",
        (),
    ),
    (
        "precision",
        "Precision",
        JUDGING,
        "Of the rows the network says belong to a class, the share that really do. "
        "High precision means few false alarms.",
        (),
    ),
    (
        "recall",
        "Recall",
        JUDGING,
        "Of the rows that really belong to a class, the share the network finds. "
        "High recall means few missed cases.",
        ("sensitivity",),
    ),
    (
        "f1",
        "F1 score",
        JUDGING,
        "One number that balances precision and recall (their harmonic mean). It is "
        "high only when both are high.",
        ("f1 score", "f-score"),
    ),
    (
        "roc-auc",
        "ROC AUC",
        JUDGING,
        "How well the network ranks the rows of a class above the others, whatever "
        "the threshold: 1 is perfect, 0.5 is a coin toss.",
        ("roc", "auc", "roc curve"),
    ),
    (
        "balanced-accuracy",
        "Balanced accuracy",
        JUDGING,
        "The average, over the classes, of the share of each class the network "
        "finds (its recall). Always guessing the big class scores only 0.5 with two "
        "classes, so it suits imbalanced classes better than accuracy.",
        (),
    ),
    (
        "pr-auc",
        "PR AUC (average precision)",
        JUDGING,
        "The area under the precision-recall curve of a class: how well the network "
        "finds a class without false alarms, whatever the threshold. A guess scores "
        "the class's share of the rows, so it shows clearly how well a rare class "
        "is found.",
        ("pr auc", "average precision", "precision-recall auc"),
    ),
    (
        "confusion-matrix",
        "Confusion matrix",
        JUDGING,
        "A table of true classes against predicted classes. The diagonal holds the "
        "right answers; every other cell is a kind of mistake.",
        ("confusion",),
    ),
    (
        "confidence-interval",
        "Confidence interval (error bar)",
        JUDGING,
        "The range a score could have landed in by chance alone, from which rows "
        "happened to be held out: 93 % (89-96 %) means a 95 % chance that the true "
        "score lies between 89 and 96. Fewer rows give a wider range, so a small "
        "difference between two networks may be luck.",
        ("error bar", "error bars", "interval", "bootstrap", "95 % interval"),
    ),
    (
        "reference-model",
        "Reference model",
        JUDGING,
        "A standard model from scikit-learn (logistic or linear regression, and "
        "gradient boosting, a set of decision trees) trained on the same rows as "
        "your network. On tables these are often hard to beat, so they show whether "
        "a network is worth it here.",
        ("reference models", "gradient boosting", "logistic regression"),
    ),
    (
        "threshold",
        "Decision threshold",
        JUDGING,
        "The probability from which a row is predicted as the positive class, 0.5 "
        "by default. Lowering it finds more cases but raises more false alarms.",
        ("decision threshold",),
    ),
    (
        "r2",
        "R² (coefficient of determination)",
        JUDGING,
        "How much better the predictions are than always guessing the average: 1 is "
        "perfect, 0 is no better than the average, below 0 is worse.",
        ("r squared", "r^2", "r²"),
    ),
    (
        "rmse",
        "RMSE and MAE",
        JUDGING,
        "How far off the predicted numbers are, in the target's own units. MAE is "
        "the average error; RMSE punishes large errors more.",
        ("mae", "root mean squared error", "mean absolute error"),
    ),
    (
        "residual",
        "Residual",
        JUDGING,
        "The difference between the true value and the predicted one for a row. "
        "Residuals spread evenly around 0 are a good sign.",
        ("residuals",),
    ),
    (
        "permutation-importance",
        "Permutation importance",
        JUDGING,
        "How much the score drops when one column's values are shuffled among the "
        "rows. A big drop means the network relies on that column.",
        ("feature importance", "importance"),
    ),
    (
        "generalisation",
        "Generalisation",
        JUDGING,
        "How well the network does on new rows it never saw. It is the real goal: "
        "a good score on the training rows alone proves little.",
        ("generalization", "generalise"),
    ),
    (
        "cross-validation",
        "Cross-validation",
        JUDGING,
        "Training the network several times (k folds), each time holding out a "
        "different part of the rows and scoring it there. The spread of the k "
        "scores shows how much one validation score owes to which rows happened to "
        "be held out; on small tables it can be several points.",
        ("k-fold", "k-fold cross-validation", "folds", "fold", "cross validation"),
    ),
    # --- tuning ---
    (
        "tuning",
        "Tuning (hyperparameter search)",
        TUNING,
        "Letting the computer train many versions of the network with different "
        "settings and keep the one with the best validation score.",
        ("hyperparameter search", "search", "tune"),
    ),
    (
        "trial",
        "Trial",
        TUNING,
        "One attempt of a search: the network trained once with one combination of "
        "settings, and its validation score.",
        ("trials",),
    ),
    (
        "study",
        "Study",
        TUNING,
        "All the trials of one search, kept together so the search can be stopped, "
        "resumed or watched from another machine.",
        ("studies",),
    ),
    (
        "search-method",
        "Grid, random and smart search",
        TUNING,
        "Grid search tries every combination of the values listed; random search "
        "draws combinations at random; smart search (TPE) learns from each trial "
        "which settings look promising.",
        ("grid", "grid search", "random search", "tpe", "smart search"),
    ),
    (
        "pruning",
        "Pruning",
        TUNING,
        "Stopping a trial early because after a few epochs it is already behind the "
        "others. It spends the time on more promising settings.",
        ("pruner", "pruned", "hyperband", "median rule"),
    ),
    (
        "parameter-importance",
        "Parameter importance",
        TUNING,
        "An estimate of how much each searched setting explains the differences "
        "between the trials' results. A setting near 0% can be fixed.",
        ("fanova",),
    ),
)
# Pictures and convolutional networks (nncore/core/image_terms.py), each in its
# group.
TERMS.update(_terms(*IMAGE_ENTRIES))


def _normal(words: str) -> str:
    return " ".join(str(words).lower().replace("_", " ").split())


def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for slug, term in TERMS.items():
        for name in (slug, slug.replace("-", " "), term.title, *term.also):
            index.setdefault(_normal(name), slug)
    return index


_INDEX = _index()


def find(term: str) -> str:
    """The slug of ``term``, given as its slug, title or another name.

    Raises:
        ValueError: when the glossary has no such term.
    """
    slug = _INDEX.get(_normal(term))
    if slug is None:
        raise ValueError(
            f"The glossary has no term {term!r}. Use one of: {', '.join(TERMS)}."
        )
    return slug


def link(term: str, text: str | None = None) -> str:
    """A Markdown link to ``term`` on the Glossary screen, e.g. for a help text.

    Args:
        term: the term's slug, title or another name of it (``"learning rate"``).
        text: the words to show. Defaults to the term as given.

    Returns:
        ``"[text](glossary#slug)"``; Streamlit opens it in a new tab, at the term.

    Raises:
        ValueError: when the glossary has no such term.
    """
    slug = find(term)
    return f"[{term if text is None else text}]({PAGE}#{slug})"


LINK_PATTERN = re.compile(r"\]\(/?" + PAGE + r"#([A-Za-z0-9_-]+)\)")


def linked_terms(text: str) -> list[str]:
    """The slugs that ``text`` links to on the Glossary screen (known or not)."""
    return LINK_PATTERN.findall(text or "")


def search(query: str) -> list[str]:
    """The slugs of the terms whose title, other names or text contain every word of
    ``query`` (case-insensitive), in glossary order; all of them for an empty query.
    """
    words = _normal(query).split()
    found = []
    for slug, term in TERMS.items():
        haystack = _normal(" ".join((slug, term.title, *term.also, term.text)))
        if all(word in haystack for word in words):
            found.append(slug)
    return found


class Advice(str):
    """A warning in three parts: what it means, why it matters, what to do.

    It is the text ``"WHAT WHY What to do: FIX"`` (a ``str``, so it goes anywhere
    a message goes) with the parts kept as ``what``, ``why`` and ``fix``.
    """

    what: str
    why: str
    fix: str

    def __new__(cls, what: str, why: str, fix: str) -> Advice:
        parts = [" ".join(str(p).split()) for p in (what, why, fix)]
        if not all(parts):
            raise ValueError(
                "An Advice needs all three parts: what it means, why it matters and "
                f"what to do. Got what={what!r}, why={why!r}, fix={fix!r}."
            )
        self = super().__new__(cls, f"{parts[0]} {parts[1]} What to do: {parts[2]}")
        self.what, self.why, self.fix = parts
        return self

    def __getnewargs__(self) -> tuple[str, str, str]:  # pickling and copying
        return (self.what, self.why, self.fix)


def advice(what: str, why: str, fix: str) -> Advice:
    """A warning that says what it means, why it matters and what to do.

    Example:
        >>> advice("Scaling is off.", "Large columns dominate.", "Turn scaling on.")
        'Scaling is off. Large columns dominate. What to do: Turn scaling on.'
    """
    return Advice(what, why, fix)
