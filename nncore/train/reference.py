"""Reference models: what plain scikit-learn models score on the same rows.

On most tables a logistic regression or a gradient-boosted tree is the bar a network
must clear, so every training is measured against two of them, trained on exactly
the network's training rows with the same preprocessing (``prepared.X_train``, the
scaled and one-hot encoded columns) and scored on the same validation and test rows
by the same metric functions (``nncore.core.metrics``):

- classification: ``LogisticRegression(max_iter=1000)`` and
  ``HistGradientBoostingClassifier(random_state=seed)``;
- regression: ``LinearRegression()`` and
  ``HistGradientBoostingRegressor(random_state=seed)``. Ordinary least squares and
  not ridge: scikit-learn solves it by least squares with the minimum-norm
  solution, so one-hot columns that add up to the intercept (every category has a
  column) give the same, stable predictions that a dropped column would.

Pictures (``PreparedImages``) are flattened into one row of pixels/255 per picture.
Their tables are wide (a 28x28 picture is 784 columns), so the models are kept to a
few seconds: the logistic regression stops after fewer iterations on bigger sets
(``LOGISTIC_CELL_ITERATIONS``; still a usable model), and gradient boosting runs only
when it is cheap (``BOOSTING_CELLS``): 1.3 s on the 8x8 digits, 20 s on 2,100 shapes
of 28x28, so there it is left out with a plain reason. Above ``REFERENCE_CELLS``
pixels in all, neither runs.

A model that cannot be trained on these rows (one class only, or scikit-learn
refuses the data) is left out with a sentence in ``Reference.problems``; nothing
here raises for the data's sake. scikit-learn is imported inside functions.

The models run on one thread (OpenMP and BLAS): they train beside networks (other
worker threads, other users), and threads that wait for a busy core spin, which
made the gradient boosting ten to fifty times slower on a loaded two-core machine
(0.2 s alone on breast cancer, 1.5 to 15 s with two threads), and the logistic
regression on 280 pictures of 40x40 eighteen times slower (7.2 s instead of 0.4 s
with OpenBLAS's two threads).

Example:

    >>> reference = reference_models(prepared, seed=42)
    >>> reference.metrics["val"]["gradient_boosting"]["accuracy"]
    0.953
    >>> reference_sentence("binary", network["val"], reference.metrics["val"])
    "Your network: 93 % accuracy on the validation rows. Gradient boosting on the
    same rows: 95 % (logistic regression: 94 %). For this table a tree model does
    better: try more data or a simpler network, or use the tree."
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from nncore.core.metrics import (
    LOWER_IS_BETTER,
    METRIC_TITLES,
    classification_metrics,
    finite_or_none,
    format_metric,
    main_metric,
    regression_metrics,
)
from nncore.core.text import quoted
from nncore.data.prepare import PreparedData

__all__ = [
    "REFERENCE_TITLES",
    "SAME_SCORE",
    "Reference",
    "reference_models",
    "reference_sentence",
]

REFERENCE_TITLES = {
    "logistic_regression": "Logistic regression",
    "linear_regression": "Linear regression",
    "gradient_boosting": "Gradient boosting",
}
# Without an error bar, two scores this close count as "about the same": one point of
# accuracy-like scores, 2 % of an error (RMSE, MAE) or 0.01 of R² and ROC AUC.
SAME_SCORE = {"percent": 0.01, "error": 0.02, "score": 0.01}
# Shown in percent: the scores people read as "how often it is right".
_PERCENT = ("accuracy", "balanced_accuracy")
_SPLIT_WORDS = {"val": "validation", "validation": "validation", "test": "test"}
# Pictures: training pictures × pixels × trees per round (one per class, one for
# binary) beyond which gradient boosting is left out (about 2 s on one core).
BOOSTING_CELLS = 1_000_000
# Pictures: the logistic regression's iterations × training pictures × pixels ×
# outputs, about 1.5 s on one core (at least 50 iterations, at most 1,000).
LOGISTIC_CELL_ITERATIONS = 1_000_000_000
# Pictures: training pictures × pixels beyond which no reference model is trained
# (their float table alone would take 200 MB).
REFERENCE_CELLS = 25_000_000


@dataclass
class Reference:
    """The reference models' scores on the same rows as the network.

    Attributes:
        metrics: ``{"val": {model_name: metrics}, "test": {model_name: metrics}}``,
            each metrics dict as ``nncore.core.metrics`` returns it for the network.
            Model names are keys of ``REFERENCE_TITLES``.
        problems: model name -> the sentence saying why it could not be trained and
            what to do; such a model is not in ``metrics``.
    """

    metrics: dict[str, dict[str, dict]] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)


def reference_models(prepared: PreparedData, *, seed: int = 42) -> Reference:
    """Train the reference models on the network's training rows; score them.

    Args:
        prepared: the data as the network gets it (``X_train``, ``y_train`` to
            train; ``X_val``/``y_val`` and ``X_test``/``y_test`` to score).
        seed: the gradient boosting's ``random_state``. Default: 42.

    Returns:
        A ``Reference``: the validation and test metrics of each model that could be
        trained, and a sentence for each that could not.
    """
    from threadpoolctl import threadpool_limits

    task = prepared.task
    y_train = np.asarray(prepared.y_train)
    reference = Reference(metrics={"val": {}, "test": {}})
    models = _models(task, seed)
    costs = _picture_costs(prepared, models) if _pictures(prepared) else {}
    X_train = None
    for name, model in models.items():
        problem = costs.get(name) or _training_problem(prepared, name)
        if problem is None and X_train is None:
            X_train = _table(prepared.X_train, prepared)
        if problem is None:
            try:
                with warnings.catch_warnings(), threadpool_limits(1):
                    # Not converging within max_iter still gives a usable model.
                    warnings.simplefilter("ignore", _convergence_warning())
                    model.fit(X_train, y_train)
                    for split in ("val", "test"):
                        reference.metrics[split][name] = _score(model, prepared, split)
            except (ValueError, MemoryError, FloatingPointError) as error:
                problem = (
                    f"{REFERENCE_TITLES[name]} could not be trained on these rows "
                    f"({type(error).__name__}: {' '.join(str(error).split())[:200]}). "
                    "The network's results stand on their own; check the data on the "
                    "Data screen."
                )
        if problem is not None:
            reference.problems[name] = problem
            for split in ("val", "test"):
                reference.metrics[split].pop(name, None)
    return reference


def reference_sentence(
    task: str,
    network_metrics: dict | None,
    reference_metrics: dict[str, dict],
    *,
    split: str = "validation",
    metric: str | None = None,
    interval: list[float] | None = None,
    imbalanced: bool = False,
    pictures: bool = False,
) -> str:
    """The network against the best reference model, in plain words.

    Says the network's score, the reference models' scores on the same rows, and
    what follows: the network does better, about as well (then the simpler model
    is the honest choice), or worse (then what to try).

    Args:
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        network_metrics: the network's metrics on the split, or None.
        reference_metrics: model name -> its metrics on the same split
            (``Reference.metrics[split]``).
        split: the rows the scores are on: ``"validation"`` (or ``"val"``) or
            ``"test"``. Default: ``"validation"``.
        metric: the score to compare by. Default: accuracy for classification,
            RMSE for regression.
        interval: the network's ``[low, high]`` for that score
            (``nncore.core.intervals``). When given, a reference score inside it
            counts as "about the same"; else ``SAME_SCORE`` decides. Default: None.
        imbalanced: the classes are imbalanced: compare by balanced accuracy
            (when no ``metric`` is given), since a model that ignores the small
            class can score a high accuracy. Default: False.
        pictures: the data are pictures (the advice says "these pictures", not
            "this table"). Default: False.

    Returns:
        e.g. ``"Your network: 93 % accuracy on the validation rows. Gradient
        boosting on the same rows: 95 % (logistic regression: 94 %). For this
        table a tree model does better: try more data or a simpler network, or use
        the tree."``
    """
    metric = metric or main_metric(task, imbalanced=imbalanced)
    words = _SPLIT_WORDS.get(split, split)
    ours = finite_or_none((network_metrics or {}).get(metric))
    scores = {
        name: finite_or_none(values.get(metric))
        for name, values in (reference_metrics or {}).items()
    }
    scores = {name: value for name, value in scores.items() if value is not None}
    lower = metric in LOWER_IS_BETTER
    ranked = sorted(scores, key=lambda name: scores[name], reverse=not lower)
    # Percent to one decimal when whole percents would show different scores alike.
    values = {value for value in [ours, *scores.values()] if value is not None}
    digits = 1 if len({round(value * 100) for value in values}) < len(values) else 0
    if ours is None:
        head = f"Your network has no {_metric_words(metric)} on the {words} rows."
    else:
        head = (
            f"Your network: {_shown(ours, metric, digits, with_name=True)} on the "
            f"{words} rows."
        )
    if not scores:
        return (
            f"{head} No reference model could be trained on these rows, so there is "
            "no simpler model to compare with."
        )
    best = ranked[0]
    others = ", ".join(
        f"{REFERENCE_TITLES.get(name, name).lower()}: "
        f"{_shown(scores[name], metric, digits)}"
        for name in ranked[1:]
    )
    theirs = (
        f"{REFERENCE_TITLES.get(best, best)} on the same rows: "
        f"{_shown(scores[best], metric, digits)}"
        + (f" ({others})" if others else "")
        + "."
    )
    if ours is None:
        return (
            f"{head} {theirs} Fix the network's training first (see the doctor's "
            "findings), then compare."
        )
    outcome = _outcome(ours, scores[best], metric, interval)
    kind = "tree" if best == "gradient_boosting" else "linear"
    if outcome == "worse" and pictures:
        advice = (
            f"For these pictures a {kind} model does better: train longer, add "
            "pictures or augmentation, or try a small CNN (Model screen presets)."
        )
    elif outcome == "worse":
        advice = (
            f"For this table a {kind} model does better: try more data or a simpler "
            f"network, or use the {'tree' if kind == 'tree' else 'linear model'}."
        )
    elif outcome == "same":
        advice = (
            f"Your network does about as well as a {kind} model: the simpler model "
            "is easier to explain and to run; keep the network if you need "
            "something only it offers."
        )
    else:
        advice = (
            "Your network does better than the simpler models on these rows: the "
            "network earns its place here."
        )
    return f"{head} {theirs} {advice}"


def _models(task: str, seed: int) -> dict:
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
    )
    from sklearn.linear_model import LinearRegression, LogisticRegression

    if task == "regression":
        return {
            "linear_regression": LinearRegression(),
            "gradient_boosting": HistGradientBoostingRegressor(random_state=seed),
        }
    return {
        "logistic_regression": LogisticRegression(max_iter=1000),
        "gradient_boosting": HistGradientBoostingClassifier(random_state=seed),
    }


def _pictures(prepared) -> bool:
    return getattr(prepared, "image_shape", None) is not None


def _picture_costs(prepared, models: dict) -> dict[str, str]:
    """For pictures: the models left out as too slow, each with its reason; the
    logistic regression's iterations are set to fit its budget."""
    n_train = len(prepared.y_train)
    pixels = int(prepared.n_features)
    outputs = 1 if prepared.task == "binary" else max(len(prepared.classes), 1)
    cells = n_train * pixels
    size = "×".join(str(side) for side in prepared.image_shape)
    where = f"{n_train:,} training pictures of {size} ({cells:,} pixel values)"
    if cells > REFERENCE_CELLS:
        reason = (
            f"{{title}} was left out: {where} are too many for a quick reference "
            "model beside the network. The network's results stand on their own; "
            "smaller pictures (Data screen: image size) bring the reference models "
            "back."
        )
        return {name: reason.format(title=REFERENCE_TITLES[name]) for name in models}
    problems = {}
    for name, model in models.items():
        if name == "logistic_regression":
            rounds = LOGISTIC_CELL_ITERATIONS // max(cells * outputs, 1)
            model.set_params(max_iter=int(min(1000, max(50, rounds))))
        elif name == "gradient_boosting" and cells * outputs > BOOSTING_CELLS:
            problems[name] = (
                f"Gradient boosting was left out: on {where} it would take too "
                "long beside the network (one tree per class in each of 100 "
                "rounds), so the logistic regression is the bar here."
            )
    return problems


def _convergence_warning() -> type[Warning]:
    from sklearn.exceptions import ConvergenceWarning

    return ConvergenceWarning


def _table(X, prepared=None) -> np.ndarray:
    """The inputs as a float64 table, one row per example: pictures flattened
    into their pixels, scaled to 0..1 (pixels/255) as the network sees them."""
    X = np.asarray(X, dtype="float64")
    if prepared is not None and _pictures(prepared):
        X = X / 255.0
    return X.reshape(len(X), -1)


def _training_problem(prepared: PreparedData, name: str) -> str | None:
    """Why ``name`` cannot be trained on these rows, or None."""
    title = REFERENCE_TITLES[name]
    if len(prepared.y_train) < 2:
        return (
            f"{title} could not be trained: there are fewer than 2 training rows. "
            "Add rows, or give the training split a bigger share on the Data screen."
        )
    if prepared.task != "regression":
        present = np.unique(prepared.y_train)
        if len(present) < 2:
            only = prepared.classes[int(present[0])] if prepared.classes else "?"
            return (
                f"{title} could not be trained: the training rows hold only one "
                f"class ({quoted(only)}). Add rows of the other classes, or turn on "
                "stratified splitting on the Data screen."
            )
    return None


def _score(model, prepared: PreparedData, split: str) -> dict:
    """The model's metrics on one split, as the network's are computed."""
    X = _table(getattr(prepared, f"X_{split}"), prepared)
    y = getattr(prepared, f"y_{split}")
    if prepared.task == "regression":
        return regression_metrics(y, model.predict(X))
    # Columns for every class, also those missing from the training rows.
    probabilities = np.zeros((len(X), len(prepared.classes)))
    probabilities[:, model.classes_.astype(int)] = model.predict_proba(X)
    if prepared.task == "binary":
        probabilities = probabilities[:, 1:2]
    return classification_metrics(y, probabilities)


def _metric_words(metric: str) -> str:
    return "RMSE" if metric == "rmse" else METRIC_TITLES.get(metric, metric).lower()


def _shown(value: float, metric: str, digits: int, *, with_name: bool = False) -> str:
    """``"93 %"`` for accuracy-like scores (``digits`` decimals), else the formatted
    value; with the metric's name when asked (``"93 % accuracy"``, ``"RMSE
    54.21"``)."""
    if metric in _PERCENT:
        text = f"{value * 100:.{digits}f} %"
        return f"{text} {_metric_words(metric)}" if with_name else text
    text = format_metric(value, metric)
    return f"{_metric_words(metric)} {text}" if with_name else text


def _outcome(
    ours: float, theirs: float, metric: str, interval: list[float] | None
) -> str:
    """``"better"``, ``"same"`` or ``"worse"``: the network against ``theirs``."""
    lower = metric in LOWER_IS_BETTER
    if interval is not None and len(interval) == 2:
        same = min(interval) <= theirs <= max(interval)
    elif lower:
        same = abs(ours - theirs) <= SAME_SCORE["error"] * max(abs(theirs), 1e-12)
    else:
        margin = SAME_SCORE["percent" if metric in _PERCENT else "score"]
        same = abs(ours - theirs) <= margin
    if same:
        return "same"
    return "better" if (ours < theirs) == lower else "worse"
