"""Evaluation (nncore.train.evaluation and .prediction, nncore.plots.evaluation) and
test-set looks in the store.

No TensorFlow: the "network" is a scikit-learn model or fixed outputs, passed as a
predict function, exactly as the Evaluate screen passes a Keras model's.
"""

from __future__ import annotations

import io
import json
import sqlite3

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    mean_absolute_error,
    mean_squared_error,
    precision_recall_fscore_support,
    precision_score,
    r2_score,
    recall_score,
    roc_auc_score,
    roc_curve,
)

from nncore.core.errors import DataError
from nncore.core.metrics import classification_metrics
from nncore.core.tables import csv_bytes, neutralise_csv_cells
from nncore.data.prepare import prepare_data
from nncore.plots import evaluation as eval_plots
from nncore.runs.store import SCHEMA_VERSION, RunStore
from nncore.train.evaluation import (
    Evaluation,
    baseline_sentence,
    cell_rows,
    classification_summary,
    evaluation_from_outputs,
    holdout_fingerprint,
    pr_curves,
    probability_histogram,
    regression_summary,
    roc_curves,
)
from nncore.train.prediction import (
    input_fields,
    model_input,
    permutation_importance,
    predict_one,
    predict_table,
)
from tests.isolation import heavy_modules_after


def table(n=300, classes=2, seed=0) -> pd.DataFrame:
    """A signal column that decides the class, noise, and a text column."""
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=n)
    # Binary: 40 % benign, 60 % malignant; multiclass: a third each.
    shares = [0.4] if classes == 2 else np.linspace(0, 1, classes + 1)[1:-1]
    edges = np.quantile(signal, shares)
    label = np.digitize(signal, edges)
    names = np.array(["benign", "malignant"] if classes == 2 else ["a", "b", "c"])
    return pd.DataFrame(
        {
            "signal": signal,
            "noise": rng.normal(size=n),
            "colour": rng.choice(["red", "green", "blue"], size=n),
            "count": rng.integers(0, 10, size=n),
            "label": names[label],
        }
    )


def fitted(prepared):
    """A logistic or linear regression on the prepared inputs, as a predict function."""
    if prepared.task == "regression":
        model = LinearRegression().fit(prepared.X_train, prepared.y_train)
        return lambda X: model.predict(X)[:, None]
    model = LogisticRegression(max_iter=1000).fit(prepared.X_train, prepared.y_train)
    if prepared.task == "binary":
        return lambda X: model.predict_proba(X)[:, 1:]
    return model.predict_proba


@pytest.fixture(scope="module")
def binary():
    return prepare_data(table(), "label")


@pytest.fixture(scope="module")
def multiclass():
    return prepare_data(table(classes=3), "label")


@pytest.fixture(scope="module")
def regression():
    frame = table().drop(columns=["label"])
    frame["value"] = 3 * frame["signal"] + 0.1 * frame["noise"] + 10
    return prepare_data(frame, "value")


def random_outputs(prepared, split="val", seed=1):
    rng = np.random.default_rng(seed)
    n = len(getattr(prepared, f"y_{split}"))
    if prepared.task == "binary":
        return rng.uniform(size=(n, 1))
    raw = rng.uniform(size=(n, len(prepared.classes)))
    return raw / raw.sum(axis=1, keepdims=True)


# --- metrics equal scikit-learn's -----------------------------------------------------


@pytest.mark.parametrize("threshold", [0.5, 0.3, 0.8], ids=["0.5", "0.3", "0.8"])
def test_binary_metrics_equal_scikit_learns_at_any_threshold(binary, threshold):
    outputs = random_outputs(binary)
    evaluation = evaluation_from_outputs(binary, "val", outputs)
    summary = classification_summary(evaluation, threshold)
    y, p = binary.y_val, outputs[:, 0]
    predicted = (p >= threshold).astype(int)
    assert summary["metrics"] == pytest.approx(
        {
            "accuracy": accuracy_score(y, predicted),
            "precision": precision_score(y, predicted, zero_division=0),
            "recall": recall_score(y, predicted, zero_division=0),
            "f1": f1_score(y, predicted, zero_division=0),
            "roc_auc": roc_auc_score(y, p),
            "balanced_accuracy": balanced_accuracy_score(y, predicted),
            "pr_auc": average_precision_score(y, p),
        }
    )
    assert summary["confusion"] == confusion_matrix(y, predicted).tolist()
    precision, recall, f1, support = precision_recall_fscore_support(
        y, predicted, zero_division=0
    )
    assert [row["precision"] for row in summary["per_class"]] == pytest.approx(
        precision
    )
    assert [row["recall"] for row in summary["per_class"]] == pytest.approx(recall)
    assert [row["f1"] for row in summary["per_class"]] == pytest.approx(f1)
    assert [row["support"] for row in summary["per_class"]] == support.tolist()
    if threshold == 0.5:  # the same numbers as training and the command line
        assert summary["metrics"] == pytest.approx(classification_metrics(y, outputs))


def test_multiclass_metrics_equal_scikit_learns(multiclass):
    outputs = random_outputs(multiclass)
    evaluation = evaluation_from_outputs(multiclass, "val", outputs)
    summary = classification_summary(evaluation)
    y, predicted = multiclass.y_val, outputs.argmax(axis=1)
    assert summary["metrics"] == pytest.approx(
        {
            "accuracy": accuracy_score(y, predicted),
            "precision": precision_score(y, predicted, average="macro"),
            "recall": recall_score(y, predicted, average="macro"),
            "f1": f1_score(y, predicted, average="macro"),
            "roc_auc": roc_auc_score(y, outputs, multi_class="ovr"),
            "balanced_accuracy": balanced_accuracy_score(y, predicted),
            "pr_auc": np.mean(
                [average_precision_score(y == k, outputs[:, k]) for k in range(3)]
            ),
        }
    )
    assert summary["metrics"] == pytest.approx(classification_metrics(y, outputs))
    weighted = precision_recall_fscore_support(y, predicted, average="weighted")
    assert summary["averages"]["weighted"]["f1"] == pytest.approx(weighted[2])
    assert summary["confusion"] == confusion_matrix(y, predicted).tolist()


def test_regression_metrics_equal_scikit_learns(regression):
    outputs = np.random.default_rng(2).normal(10, 3, size=(len(regression.y_val), 1))
    summary = regression_summary(evaluation_from_outputs(regression, "val", outputs))
    y = regression.y_val
    assert summary["metrics"] == pytest.approx(
        {
            "r2": r2_score(y, outputs[:, 0]),
            "mae": mean_absolute_error(y, outputs[:, 0]),
            "rmse": np.sqrt(mean_squared_error(y, outputs[:, 0])),
        }
    )
    assert summary["residuals"] == pytest.approx((y - outputs[:, 0]).tolist())


def test_roc_and_pr_curves_are_one_vs_rest(binary, multiclass):
    outputs = random_outputs(binary)
    [curve] = roc_curves(evaluation_from_outputs(binary, "val", outputs))
    fpr, tpr, _ = roc_curve(binary.y_val, outputs[:, 0])
    assert curve["label"] == "malignant"
    assert curve["fpr"] == pytest.approx(fpr.tolist())
    assert curve["tpr"] == pytest.approx(tpr.tolist())

    outputs = random_outputs(multiclass)
    evaluation = evaluation_from_outputs(multiclass, "val", outputs)
    curves = pr_curves(evaluation)
    assert [c["label"] for c in curves] == ["a", "b", "c"]
    for i, curve in enumerate(curves):
        positive = multiclass.y_val == i
        assert curve["average_precision"] == pytest.approx(
            average_precision_score(positive, outputs[:, i])
        )
        assert curve["prevalence"] == pytest.approx(positive.mean())
    assert len(roc_curves(evaluation)) == 3


def test_probability_histograms_count_every_row(binary, multiclass):
    for prepared in (binary, multiclass):
        evaluation = evaluation_from_outputs(prepared, "val", random_outputs(prepared))
        histogram = probability_histogram(evaluation, bins=10)
        assert len(histogram["edges"]) == 11
        total = sum(sum(series["counts"]) for series in histogram["series"])
        assert total == len(prepared.y_val)
    assert [s["name"] for s in histogram["series"]] == ["right", "wrong"]


def test_a_diverged_network_gets_no_metrics_and_says_why(binary):
    outputs = np.full((len(binary.y_val), 1), np.nan)
    evaluation = evaluation_from_outputs(binary, "val", outputs)
    assert not evaluation.finite
    assert classification_summary(evaluation)["metrics"]["accuracy"] is None
    assert "diverged" in baseline_sentence(evaluation, {})
    assert roc_curves(evaluation) == []


@pytest.mark.parametrize("threshold", [-0.1, 1.5, "half"], ids=["<0", ">1", "text"])
def test_a_bad_threshold_is_refused(binary, threshold):
    evaluation = evaluation_from_outputs(binary, "val", random_outputs(binary))
    with pytest.raises(ValueError, match="threshold=.*Expected a number between 0"):
        classification_summary(evaluation, threshold)


def test_outputs_for_the_wrong_rows_are_refused(binary):
    with pytest.raises(ValueError, match="validation split has"):
        evaluation_from_outputs(binary, "val", np.zeros((3, 1)))


# --- the baseline in words ------------------------------------------------------------


def evaluation(task="binary", **fields) -> Evaluation:
    values = dict(
        task=task,
        split="test",
        target="diagnosis",
        classes=None if task == "regression" else ["benign", "malignant"],
        y_true=np.zeros(4),
        outputs=np.zeros((4, 2)),
        rows=np.arange(4),
        baseline={"accuracy": 0.63},
        majority="benign",
    )
    values.update(fields)
    return Evaluation(**values)


def test_the_baseline_sentence_puts_the_network_beside_the_naive_guess():
    sentence = baseline_sentence(evaluation(), {"accuracy": 0.92})
    assert sentence == "92 % accuracy; always guessing 'benign' would score 63 %."


def test_the_baseline_sentence_says_when_the_network_is_no_better():
    sentence = baseline_sentence(evaluation(), {"accuracy": 0.6})
    assert sentence.startswith("60 % accuracy; always guessing 'benign' would score")
    assert "no better than ignoring its inputs" in sentence


def test_the_regression_baseline_sentence_gives_errors_and_r2():
    found = evaluation(
        "regression", baseline={"mae": 64.0, "r2": 0.0}, majority=None, mean=152.1
    )
    sentence = baseline_sentence(found, {"mae": 43.2, "r2": 0.48, "rmse": 55.0})
    assert sentence == (
        "Off by 43.2 on average (mean absolute error); always guessing the mean, 152, "
        "would be off by 64. R² 0.48: it explains 48 % of the variation."
    )


def test_baseline_figures_are_those_of_the_training_majority(binary):
    found = evaluation_from_outputs(binary, "test", random_outputs(binary, "test"))
    majority = int(np.bincount(binary.y_train).argmax())
    assert found.majority == binary.classes[majority] == "malignant"
    assert found.baseline["accuracy"] == pytest.approx(
        np.mean(binary.y_test == majority)
    )


# --- which columns matter ------------------------------------------------------------


def test_permutation_importance_finds_the_one_column_that_carries_the_signal(
    binary,
):
    found = permutation_importance(fitted(binary), binary, "val", n_repeats=5)
    # One entry per original column: "colour" counts once, not once per colour.
    assert sorted(item["column"] for item in found) == [
        "colour",
        "count",
        "noise",
        "signal",
    ]
    assert found[0]["column"] == "signal"
    others = max(abs(item["importance"]) for item in found[1:])
    assert found[0]["importance"] > 0.2
    assert found[0]["importance"] > 5 * max(others, 0.01)
    assert found[0]["metric"] == "accuracy"


def test_permutation_importance_works_for_regression_with_r2(regression):
    found = permutation_importance(fitted(regression), regression, "val")
    assert found[0]["column"] == "signal"
    assert found[0]["metric"] == "r2"
    assert found[0]["score"] > 0.9


# --- rows in, predictions out ------------------------------------------------------


def test_a_confusion_cell_lists_its_rows_with_original_values(binary):
    outputs = random_outputs(binary)
    found = evaluation_from_outputs(binary, "val", outputs)
    rows = cell_rows(found, binary, true_class=1, predicted_class=0)
    expected = np.flatnonzero((binary.y_val == 1) & (outputs[:, 0] < 0.5))
    assert len(rows) == len(expected)
    assert list(rows.columns) == [
        "true label",
        "predicted label",
        "confidence",
        "signal",
        "noise",
        "colour",
        "count",
    ]
    assert set(rows["true label"]) == {"malignant"}
    assert set(rows["predicted label"]) == {"benign"}
    assert rows["confidence"].is_monotonic_decreasing
    original = binary.frame.iloc[binary.val_index[expected]]
    assert sorted(rows["signal"]) == sorted(original["signal"])


def test_the_try_it_form_has_one_field_per_original_column(binary):
    fields = {field.name: field for field in input_fields(binary)}
    assert list(fields) == ["signal", "noise", "colour", "count"]
    train = binary.frame.iloc[binary.train_index]
    assert fields["signal"].kind == "number"
    assert fields["signal"].minimum == pytest.approx(train["signal"].min())
    assert fields["signal"].maximum == pytest.approx(train["signal"].max())
    assert fields["count"].integer and isinstance(fields["count"].default, int)
    assert fields["colour"].kind == "category"
    assert sorted(fields["colour"].choices) == ["blue", "green", "red"]
    assert fields["colour"].default == train["colour"].value_counts().index[0]


def test_one_row_gets_a_class_and_probabilities(binary):
    values = {field.name: field.default for field in input_fields(binary)}
    values["signal"] = 3.0  # far on the malignant side
    answer = predict_one(fitted(binary), binary, values)
    assert answer["label"] == "malignant"
    assert sum(answer["probabilities"].values()) == pytest.approx(1)
    assert answer["confidence"] == max(answer["probabilities"].values())


def test_a_table_gets_its_predictions_added(multiclass):
    frame = multiclass.frame.head(5).drop(columns=["label"])
    predicted, notes = predict_table(fitted(multiclass), multiclass, frame)
    assert list(predicted.columns[:4]) == list(frame.columns)
    assert list(predicted.columns[4:]) == [
        "predicted label",
        "confidence",
        "probability a",
        "probability b",
        "probability c",
    ]
    assert predicted.iloc[:, -3:].sum(axis=1).to_numpy() == pytest.approx(1)
    assert notes == []


def test_a_table_with_the_target_and_extra_columns_says_what_is_not_used(binary):
    frame = binary.frame.head(3).assign(comment="ok", **{"predicted label": "mine"})
    predicted, notes = predict_table(fitted(binary), binary, frame)
    assert "predicted label (model)" in predicted.columns  # the user's column stays
    assert predicted["predicted label"].tolist() == ["mine"] * 3
    text = " ".join(notes)
    assert "target column 'label'" in text
    assert "'comment'" in text and "'predicted label'" in text


def test_missing_columns_are_named(binary):
    frame = binary.frame.head(3).drop(columns=["noise", "colour"])
    with pytest.raises(DataError, match=r"lacks 2 columns.*'noise', 'colour'"):
        model_input(binary, frame)


def test_an_empty_table_is_refused(binary):
    with pytest.raises(DataError, match="no rows"):
        model_input(binary, binary.frame.head(0))


def test_unusable_numbers_and_unseen_categories_are_explained(binary):
    frame = binary.frame.head(3).astype({"signal": object})
    frame.loc[0, "signal"] = "n/a"
    frame.loc[1, "colour"] = "purple"
    inputs, notes = model_input(binary, frame)
    assert np.isnan(inputs.loc[0, "signal"])
    assert any("1 value in 'signal' is not a usable number" in n for n in notes)
    assert any("'colour' has a value the model never saw" in n for n in notes)
    predicted, _ = predict_table(fitted(binary), binary, frame)
    assert predicted["confidence"].notna().all()


# --- safe CSV ------------------------------------------------------------------------


def test_formulas_are_neutralised_and_numbers_stay_numbers():
    frame = pd.DataFrame(
        {
            "text": ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "ok"],
            "numbers": [-1.5, 2.0, -3.0, 0.0, 1e-3, 7.0],
            "as text": ["-1.5", "+2", "-3e4", "-", "a-b", "=A1"],
            "=name": [1, 2, 3, 4, 5, 6],
        }
    )
    safe = neutralise_csv_cells(frame)
    assert safe["text"].tolist() == [
        "'=1+1",
        "'+cmd|' /C calc'!A0",
        "'-2+3",
        "'@SUM(A1)",
        "'\tx",
        "ok",
    ]
    assert safe["numbers"].tolist() == [-1.5, 2.0, -3.0, 0.0, 1e-3, 7.0]
    assert safe["as text"].tolist() == ["-1.5", "+2", "-3e4", "'-", "a-b", "'=A1"]
    assert list(safe.columns) == ["text", "numbers", "as text", "'=name"]
    assert frame["text"][0] == "=1+1"  # the input is left alone

    back = pd.read_csv(io.BytesIO(csv_bytes(frame)), encoding="utf-8-sig")
    assert back["numbers"].dtype == float
    assert back["numbers"].tolist() == [-1.5, 2.0, -3.0, 0.0, 1e-3, 7.0]
    risky = [
        str(cell)
        for column in back.select_dtypes(exclude="number")
        for cell in back[column]
        if str(cell).startswith(("=", "+", "-", "@", "\t", "\r"))
    ]
    assert risky == ["-1.5", "+2", "-3e4"]  # numbers written as text only


def test_the_csv_starts_with_a_byte_order_mark_for_spreadsheets():
    data = csv_bytes(pd.DataFrame({"name": ["café"]}))
    assert data.startswith(b"\xef\xbb\xbf")
    assert "café" in data.decode("utf-8-sig")


# --- the same test set, counted ------------------------------------------------------


def test_the_test_set_fingerprint_depends_on_the_rows_not_on_the_process(binary):
    again = prepare_data(table(), "label")
    assert holdout_fingerprint(again) == holdout_fingerprint(binary)
    other_split = prepare_data(table(), "label", seed=7)
    assert holdout_fingerprint(other_split) != holdout_fingerprint(binary)


def test_test_looks_are_counted_per_test_set_and_per_run(tmp_path):
    store = RunStore(tmp_path)
    run_id = store.create({"data": {}}, dataset="builtin:iris", task="multiclass")
    store.finish(run_id, metrics=None, baseline=None)
    assert store.test_looks("abc") == 0
    assert store.record_test_look("abc", run_id) == 1
    assert store.record_test_look("abc") == 2
    assert store.record_test_look("other", run_id) == 1
    assert store.test_looks("abc") == 2
    assert store.get(run_id).test_looks == 2
    assert store.list_runs()[0].test_looks == 2
    store.delete(run_id)
    assert store.test_looks("abc") == 2  # the test set was seen all the same
    with pytest.raises(ValueError, match="fingerprint"):
        store.record_test_look("")


def test_a_version_1_run_store_is_upgraded_and_keeps_its_runs(tmp_path):
    connection = sqlite3.connect(tmp_path / "runs.sqlite")
    connection.executescript(
        """
        CREATE TABLE runs (run_id TEXT PRIMARY KEY, created TEXT NOT NULL,
            updated TEXT NOT NULL, status TEXT NOT NULL, spec TEXT NOT NULL,
            dataset TEXT, task TEXT, epochs_planned INTEGER,
            epochs_run INTEGER NOT NULL DEFAULT 0, metrics TEXT, baseline TEXT,
            error TEXT, model_path TEXT, checkpoint_path TEXT, owner TEXT);
        CREATE TABLE epochs (run_id TEXT NOT NULL, epoch INTEGER NOT NULL,
            logs TEXT NOT NULL, PRIMARY KEY (run_id, epoch));
        PRAGMA user_version = 1;
        """
    )
    connection.execute(
        "INSERT INTO runs (run_id, created, updated, status, spec, epochs_run) "
        "VALUES ('old', '2024-01-01T00:00:00+00:00', '2024-01-01T00:00:00+00:00', "
        "'finished', ?, 1)",
        (json.dumps({"data": {}}),),
    )
    connection.execute(
        "INSERT INTO epochs VALUES ('old', 0, ?)", (json.dumps({"loss": 0.5}),)
    )
    connection.commit()
    connection.close()

    store = RunStore(tmp_path)
    [run] = store.list_runs()
    assert run.run_id == "old" and run.history == {"loss": [0.5]}
    assert run.test_looks == 0
    assert store.record_test_look("abc", "old") == 1
    check = sqlite3.connect(tmp_path / "runs.sqlite")
    assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 2
    check.close()


# --- figures -------------------------------------------------------------------------


def test_the_confusion_figure_has_a_selectable_marker_per_cell():
    figure = eval_plots.confusion_figure(
        [[5, 1, 0], [2, 7, 1], [0, 0, 9]], ["a", "<b>b</b>", "c"], selected=(1, 0)
    )
    heatmap, cells = figure.data
    assert heatmap.type == "heatmap"
    assert heatmap.z[1][0] == pytest.approx(0.2)  # share of its true class
    assert heatmap.text[1][1] == "7<br>70%"
    assert cells.type == "scatter" and len(cells.x) == 9
    assert list(cells.customdata[3][:2]) == [1, 0]  # row-major: true 1, predicted 0
    assert "&lt;b&gt;b&lt;/b&gt;" in figure.layout.xaxis.ticktext
    assert figure.layout.shapes[0].x0 == -0.5  # the chosen cell is outlined
    with pytest.raises(ValueError, match="must be 3×3"):
        eval_plots.confusion_figure([[1, 2]], ["a", "b", "c"])


def test_the_curve_figures_draw_one_line_per_class_and_the_guess(multiclass):
    found = evaluation_from_outputs(multiclass, "val", random_outputs(multiclass))
    roc = eval_plots.roc_figure(roc_curves(found))
    assert [trace.name.split(" (")[0] for trace in roc.data] == [
        "guessing",
        "a",
        "b",
        "c",
    ]
    pr = eval_plots.pr_figure(pr_curves(found))
    assert len(pr.data) == 3
    histogram = eval_plots.probability_figure(probability_histogram(found))
    assert [trace.name for trace in histogram.data] == ["right", "wrong"]


def test_the_binary_roc_marks_the_threshold(binary):
    found = evaluation_from_outputs(binary, "val", random_outputs(binary))
    figure = eval_plots.roc_figure(roc_curves(found), threshold=0.3)
    assert figure.data[-1].name == "threshold 0.30"


def test_the_regression_figures_show_the_ideal_line_and_the_residuals(regression):
    found = evaluation_from_outputs(
        regression, "val", fitted(regression)(regression.X_val)
    )
    summary = regression_summary(found)
    scatter = eval_plots.predicted_actual_figure(summary, "value")
    assert scatter.data[1].name == "perfect prediction"
    assert scatter.data[1].x[0] == scatter.data[1].y[0]
    residuals = eval_plots.residuals_figure(summary)
    assert len(residuals.data[0].x) == len(regression.y_val)
    histogram = eval_plots.residual_histogram_figure(summary, bins=10)
    assert sum(histogram.data[0].y) == len(regression.y_val)


def test_the_importance_figure_puts_the_most_important_on_top():
    found = [
        {"column": "signal", "importance": 0.4, "std": 0.1, "metric": "accuracy"},
        {"column": "noise", "importance": 0.0, "std": 0.01, "metric": "accuracy"},
    ]
    figure = eval_plots.importance_figure(found)
    assert list(figure.data[0].y) == ["noise", "signal"]
    assert "drop in accuracy" in figure.layout.xaxis.title.text


def test_the_runs_figures_overlay_curves_and_put_scores_side_by_side():
    curves = eval_plots.runs_curves_figure(
        [
            ("A", {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}),
            ("B", {"loss": [0.9, 0.4], "val_loss": [1.0, None]}),
        ],
        "loss",
    )
    assert [trace.name for trace in curves.data] == [
        "A · validation",
        "A · training",
        "B · validation",
        "B · training",
    ]
    assert curves.data[2].y[1] is None  # a missing epoch is a gap
    bars = eval_plots.runs_metrics_figure(
        [("A", {"accuracy": 0.9, "f1": 0.8}), ("B", {"accuracy": 0.95})],
        ["accuracy", "f1"],
    )
    assert [trace.name for trace in bars.data] == ["A", "B"]  # grouped by metric
    assert list(bars.data[1].y) == [0.95, None]
    assert list(bars.data[1].text) == ["0.950", "—"]
    units = eval_plots.runs_metrics_figure(
        [("A", {"r2": 0.5, "rmse": 40.0}), ("B", {"r2": 0.6, "rmse": 35.0})],
        ["r2", "rmse"],
    )
    assert [list(trace.y) for trace in units.data] == [[0.5, 0.6], [40.0, 35.0]]


def test_six_runs_legends_go_under_the_plot_not_over_the_title():
    """Six runs in a half-width column: a legend above the plot wrapped into the
    chart's title (seen on the Runs screen). Under the plot it wraps downwards, and
    the chart grows by a row of legend per few runs."""
    names = "ABCDEF"
    curves = eval_plots.runs_curves_figure(
        [(n, {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}) for n in names], "loss"
    )
    bars = eval_plots.runs_metrics_figure(
        [(n, {"accuracy": 0.9, "f1": 0.8}) for n in names], ["accuracy", "f1"]
    )
    two = eval_plots.runs_curves_figure(
        [(n, {"loss": [1.0], "val_loss": [1.1]}) for n in names[:2]], "loss"
    )
    for figure in (curves, bars):
        legend = figure.layout.legend
        assert (legend.orientation, legend.yanchor) == ("h", "top")
        assert legend.y < 0  # under the plot area
        assert figure.layout.title.text  # the title stays alone at the top
    assert curves.layout.height > two.layout.height


def test_the_reference_figure_puts_the_network_beside_the_others_with_error_bars():
    models = [
        ("Your network", {"accuracy": 0.93, "f1": 0.9}),
        ("Naive baseline", {"accuracy": 0.6, "f1": 0.0}),
        ("Logistic regression", {"accuracy": 0.95, "f1": 0.94}),
        ("Gradient boosting", {"accuracy": 0.94, "f1": None}),
    ]
    figure = eval_plots.reference_figure(
        models,
        ["accuracy", "f1"],
        intervals={"Your network": {"accuracy": [0.89, 0.96]}},
    )
    assert [trace.name for trace in figure.data] == [name for name, _ in models]
    assert [trace.marker.color for trace in figure.data] == [
        "#0072B2",  # the network: blue
        "#888888",  # the naive guess: grey
        "#E69F00",
        "#009E73",
    ]
    network = figure.data[0]
    assert list(network.error_y.array) == pytest.approx([0.03, None])
    assert list(network.error_y.arrayminus) == pytest.approx([0.04, None])
    assert "95 % interval 0.89 to 0.96" in network.customdata[0]
    assert all(trace.error_y.array is None for trace in figure.data[1:])
    assert list(figure.data[3].text) == ["0.940", "—"]

    # Regression: one small chart per metric, the models as bars.
    units = eval_plots.reference_figure(
        [
            ("Your network", {"r2": 0.5, "rmse": 50.0}),
            ("Naive baseline", {"r2": 0.0, "rmse": 70.0}),
            ("Linear regression", {"r2": 0.45, "rmse": 52.0}),
        ],
        ["r2", "rmse"],
        intervals={"Your network": {"r2": [0.4, 0.6], "rmse": [45.0, float("nan")]}},
    )
    assert [list(trace.x) for trace in units.data] == [
        ["Your network", "Naive baseline", "Linear regression"]
    ] * 2
    assert list(units.data[0].error_y.array) == pytest.approx([0.1, None, None])
    assert units.data[1].error_y.array is None  # a bound that is not a number


def test_the_runs_scores_get_error_bars_where_runs_have_intervals():
    bars = eval_plots.runs_metrics_figure(
        [("A", {"accuracy": 0.9}), ("B", {"accuracy": 0.95})],
        ["accuracy"],
        intervals={"B": {"accuracy": [0.9, 0.99]}},
    )
    assert bars.data[0].error_y.array is None
    assert list(bars.data[1].error_y.array) == pytest.approx([0.04])


def test_evaluation_modules_import_neither_tensorflow_nor_streamlit():
    loaded = heavy_modules_after(
        "import nncore.train.evaluation, nncore.train.prediction, "
        "nncore.plots.evaluation, nncore.report.compare"
    )
    assert loaded == []
