"""The lab report: one self-contained HTML file about one training, to hand to a
colleague or a teacher.

It tells the data and its pitfalls, the network and its settings, the training
curves and what the training doctor found, the scores with their 95 % intervals
against the naive guess and the reference models, the confusion matrix or the
residuals, what to try next and the user's own notes. The figures are
``nncore.plots``'s, with plotly.js inlined once, so the file opens offline; every
user-supplied name (columns, class labels, the file name, the notes) is escaped;
a print stylesheet puts each section on its own page without the figures' tools.

Works on a ``nncore.runs.store.Run`` or a finished ``nncore.runs.view.JobView``
(anything with ``spec``, ``task``, ``history``, ``metrics`` and ``baseline``;
``run_id``, ``reference``, ``reference_problems`` and ``metrics_ci`` are used when
present) and the ``PreparedData`` it was trained on.

Example:
    >>> html = lab_report(store.get(run_id), prepared, evaluation=evaluation,
    ...                   notes="Second try, with dropout.")
    >>> Path("report.html").write_text(html, encoding="utf-8")
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nncore.core.catalog import dataset_title
from nncore.core.metrics import (
    LOWER_IS_BETTER,
    METRIC_TITLES,
    baseline_metrics,
    best_epoch,
    finite_or_none,
    format_metric,
    format_with_interval,
    shown_metrics,
)
from nncore.data.prepare import PreparedData
from nncore.report.compare import network_summary, settings
from nncore.report.html_parts import Figures as _Figures
from nncore.report.html_parts import bullet_list as _list
from nncore.report.html_parts import paragraph as _paragraph
from nncore.report.html_parts import table as _table
from nncore.report.html_parts import text as _text

__all__ = ["SECTIONS", "lab_report", "report_file_name"]

# The report's sections, in order: (anchor, heading).
SECTIONS = (
    ("data", "The data"),
    ("network", "The network and its settings"),
    ("training", "Training"),
    ("doctor", "What the training doctor found"),
    ("scores", "Scores against the naive guess and the reference models"),
    ("errors", "Where it goes wrong"),
    ("next", "What to try next"),
    ("notes", "Notes"),
)
NETWORK, NAIVE = "Your network", "Naive guess"
SPLIT_WORDS = {"val": "validation", "test": "test"}
# An interval of the main score wider than this (10 points of accuracy) says the
# score rests on too few rows to tell small differences apart.
WIDE_INTERVAL = 0.10
NOT_COMPUTED = "not computed"

_STYLE = """
:root { --ink: #1d1d1f; --muted: #5f6368; --line: #dadce0; --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.5;
  font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 24px 28px 48px; }
header { border-bottom: 3px solid var(--accent); margin-bottom: 8px; }
h1 { font-size: 1.8em; margin: 0 0 4px; }
h2 { font-size: 1.3em; margin: 32px 0 8px; padding-bottom: 4px;
  border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05em; margin: 18px 0 6px; }
.meta, .caption { color: var(--muted); font-size: 0.9em; }
nav ol { columns: 2; margin: 8px 0 16px; padding-left: 20px; }
nav a { color: var(--accent); text-decoration: none; }
table { border-collapse: collapse; margin: 8px 0 12px; font-size: 0.92em; }
th, td { border: 1px solid var(--line); padding: 4px 10px; text-align: left;
  vertical-align: top; }
th { background: #f4f6f8; font-weight: 600; }
td.number { text-align: right; font-variant-numeric: tabular-nums;
  white-space: nowrap; }
.figure { margin: 12px 0; width: 100%; break-inside: avoid; }
.figure.narrow { max-width: 620px; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
.sentence { font-weight: 600; }
.empty { color: var(--muted); font-style: italic; }
.notes { white-space: pre-wrap; border-left: 4px solid var(--line);
  padding: 8px 14px; background: #fafafa; overflow-wrap: anywhere; }
li { margin: 4px 0; }
footer { margin-top: 40px; color: var(--muted); font-size: 0.85em; }
@media (max-width: 760px) { .pair { grid-template-columns: 1fr; } }
@media print {
  @page { size: A4; margin: 14mm; }
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  nav, .modebar-container, .modebar { display: none !important; }
  section { break-before: page; }
  section:first-of-type { break-before: auto; }
  h2, h3 { break-after: avoid; }
  table, .figure, li { break-inside: avoid; }
  .pair { grid-template-columns: 1fr; }
  .figure, .figure .js-plotly-plot, .figure .plot-container { width: 100% !important;
    max-width: 100% !important; }
  a { color: inherit; text-decoration: none; }
}
"""

# Plotly draws at the screen's width, and the browser fires "beforeprint" before it
# lays the page out for paper: each figure is redrawn as wide as the text of an A4
# or Letter page (182 mm, ~688 CSS pixels), and back to the screen's width after.
PRINT_WIDTH_PX = 680
_PRINT_SCRIPT = """
(function () {
  function each(change) {
    if (!window.Plotly) return;
    document.querySelectorAll('.js-plotly-plot').forEach(change);
  }
  window.addEventListener('beforeprint', function () {
    each(function (figure) {
      window.Plotly.relayout(figure, {width: PRINT_WIDTH});
    });
  });
  window.addEventListener('afterprint', function () {
    each(function (figure) {
      window.Plotly.relayout(figure, {width: null});
      window.Plotly.Plots.resize(figure);
    });
  });
})();
""".replace("PRINT_WIDTH", str(PRINT_WIDTH_PX))


def _source(run: Any) -> str:
    spec = getattr(run, "spec", None) or {}
    return getattr(run, "dataset", None) or (spec.get("data") or {}).get("source") or ""


def _dataset_name(source: str) -> str:
    if source.startswith("builtin:") or not source:
        return dataset_title(source)
    return Path(source).name or source


def report_file_name(source: str | None) -> str:
    """The file name a lab report is saved under, from the dataset's name:
    ``"lab-report-iris-flowers.html"``; names made of other characters give
    ``"lab-report.html"``."""
    name = _dataset_name(source or "")
    if (source or "").startswith("builtin:"):
        name = re.sub(r"\s*\(.*\)$", "", name)  # "Iris flowers (3 classes)"
    else:
        name = name.rsplit(".", 1)[0]  # the file's extension
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60].strip("-")
    return f"lab-report-{slug}.html" if slug else "lab-report.html"


# --- the sections ------------------------------------------------------------------


def _data_section(prepared: PreparedData, spec: Mapping[str, Any], figure) -> str:
    from nncore.data.profile import profile_data
    from nncore.plots.base import class_balance_figure, target_figure

    if getattr(prepared, "image_shape", None) is not None:
        from nncore.report.lab_images import picture_data_section

        return picture_data_section(prepared, figure)
    profile = profile_data(prepared, (spec.get("data") or {}).get("split"))
    n_train, n_val, n_test = map(
        len, (prepared.y_train, prepared.y_val, prepared.y_test)
    )
    features = prepared.numeric_columns + prepared.categorical_columns
    parts = [
        _table(
            None,
            [
                ("Rows", f"{profile.n_rows:,}"),
                ("Input columns", f"{len(features):,}"),
                ("Target", prepared.target),
                ("Task", f"{prepared.task} ({prepared.task_reason})"),
                (
                    "Rows for training / validation / test",
                    f"{n_train:,} / {n_val:,} / {n_test:,}",
                ),
            ],
        )
    ]
    if features:
        parts.append(
            "<h3>Input columns</h3>"
            + _paragraph(", ".join(str(c) for c in features), "caption")
        )
    if prepared.dropped:
        parts.append(
            "<h3>Columns left out</h3>"
            + _list([f"{name}: {why}" for name, why in prepared.dropped.items()])
        )
    notes = list(prepared.notes)
    if notes:
        parts.append("<h3>What was done to it</h3>" + _list(notes))
    parts.append("<h3>Pitfalls</h3>")
    if profile.pitfalls:
        parts.append(_list([str(p) for p in profile.pitfalls]))
    else:
        parts.append(_paragraph("No pitfall found in this table.", "empty"))
    if profile.class_counts:
        parts.append(figure(class_balance_figure(profile), narrow=True))
    elif profile.target_histogram is not None:
        parts.append(figure(target_figure(profile), narrow=True))
    return "".join(parts), list(profile.pitfalls)


def _network_section(run: Any, prepared: PreparedData) -> str:
    from nncore.core.errors import SpecError
    from nncore.train.model import count_parameters, network_inputs

    spec = run.spec
    shown = settings(spec)
    image_shape = getattr(prepared, "image_shape", None)
    inputs = (
        f"{prepared.n_features:,} inputs after preparation"
        if image_shape is None
        else "pictures of " + "×".join(map(str, image_shape)) + " pixels as inputs"
    )
    parts = [_paragraph(f"Hidden layers {network_summary(spec)}, {inputs}.")]
    try:
        rows = count_parameters(
            list((spec.get("model") or {}).get("layers") or []),
            network_inputs(prepared),
            prepared.task,
            len(prepared.classes) if prepared.classes else None,
        )
    except (KeyError, TypeError, SpecError):  # a layer this version does not count
        rows = []
    if rows:
        parts.append(
            "<h3>Layers</h3>"
            + _table(
                ("Layer", "Type", "Output", "Parameters"),
                [
                    (
                        row["name"],
                        row["type"],
                        row.get("output") or "",
                        f"{row['parameters']:,}",
                    )
                    for row in rows
                ],
                numbers=(2, 3),
            )
        )
    parts.append(
        "<h3>Settings</h3>" + _table(("Setting", "Value"), list(shown.items()))
    )
    return "".join(parts)


def _findings(run: Any, prepared: PreparedData) -> list:
    from nncore.train.doctor import diagnose

    history = run.history or {}
    scores = ((run.metrics or {}).get("val")) or None
    class_weight = ((run.spec.get("train") or {}).get("class_weight")) or "none"
    try:
        return diagnose(
            history,
            baseline=run.baseline,
            task=prepared.task,
            scores=scores,
            class_weight=class_weight,
            spec=run.spec,
        )
    except (TypeError, ValueError):  # a history the doctor cannot read
        return []


def _training_section(run: Any, findings: list, figure) -> str:
    from nncore.plots.training import curves_figure, metric_names

    history = {
        name: [math.nan if v is None else v for v in values]
        for name, values in (run.history or {}).items()
    }
    epochs = max((len(v) for v in history.values()), default=0)
    if not epochs:
        return _paragraph("No epoch was recorded for this run.", "empty")
    best = best_epoch(history)
    text = f"{epochs} epoch{'s' if epochs != 1 else ''} trained"
    if best is not None:
        text += f"; the lowest validation loss came at epoch {best}"
    parts = [_paragraph(text + ".")]
    names = metric_names(history)
    curves = [
        figure(curves_figure(history, name, best_epoch=best, findings=findings))
        for name in names[:2]
    ]
    parts.append(f'<div class="pair">{"".join(curves)}</div>')
    return "".join(parts)


def _doctor_section(findings: list) -> str:
    from nncore.plots.training import finding_label

    if not findings:
        return _paragraph(
            "No problem found in the curves: no overfitting, underfitting, "
            "divergence, oscillation or plateau.",
            "empty",
        )
    items = []
    for finding in findings:
        label = finding_label(finding)
        items.append(
            f"<li><strong>{_text(label[:1].upper() + label[1:])}.</strong> "
            f"{_text(finding.message)}</li>"
        )
    return "<ul>" + "".join(items) + "</ul>"


def _metric_names(prepared: PreparedData, metrics: Mapping[str, Any]) -> list[str]:
    from nncore.data.profile import is_imbalanced

    names = set()
    for split in ("val", "test"):
        names.update((metrics.get(split) or {}).keys())
    if not names:
        names = set(baseline_metrics(prepared, "val"))
    return shown_metrics(names, imbalanced=is_imbalanced(prepared))


def _interval(metrics_ci: Mapping[str, Any], split: str, name: str):
    bounds = (metrics_ci.get(split) or {}).get(name)
    if not isinstance(bounds, Sequence) or len(bounds) != 2:
        return None
    low, high = (finite_or_none(b) for b in bounds)
    return None if low is None or high is None else [low, high]


def _split_table(
    split: str,
    names: list[str],
    network: Mapping[str, Any],
    naive: Mapping[str, Any],
    reference: Mapping[str, Mapping[str, Any]],
    metrics_ci: Mapping[str, Any],
) -> str:
    from nncore.train.reference import REFERENCE_TITLES

    header = ["Metric", f"{NETWORK} (95 % interval)", NAIVE]
    header += [REFERENCE_TITLES.get(name, name) for name in reference]
    rows = []
    for name in names:
        row = [
            METRIC_TITLES.get(name, name)
            + (" (lower is better)" if name in LOWER_IS_BETTER else ""),
            format_with_interval(
                network.get(name), _interval(metrics_ci, split, name), name
            ),
            format_metric(naive.get(name), name),
        ]
        row += [format_metric((m or {}).get(name), name) for m in reference.values()]
        rows.append(row)
    return _table(header, rows, numbers=tuple(range(1, len(header))))


def _scores_section(
    run: Any, prepared: PreparedData, names: list[str], *, show_test: bool, figure
) -> tuple[str, list[str]]:
    """The scores tables, the reference sentence and chart; also the advice they
    give for "what to try next"."""
    from nncore.core.intervals import interval_problem
    from nncore.core.metrics import main_metric
    from nncore.data.profile import is_imbalanced
    from nncore.plots.evaluation import reference_figure
    from nncore.train.reference import REFERENCE_TITLES, reference_sentence

    metrics = run.metrics or {}
    reference = getattr(run, "reference", None)
    problems = getattr(run, "reference_problems", None) or {}
    metrics_ci = getattr(run, "metrics_ci", None) or {}
    imbalanced = prepared.task != "regression" and is_imbalanced(prepared)
    main = main_metric(prepared.task, imbalanced=imbalanced)
    parts, advice = [], []
    if not metrics.get("val"):
        parts.append(_paragraph("The network's scores were not computed.", "empty"))
        return "".join(parts), advice
    splits = ["val", "test"] if show_test else ["val"]
    for split in splits:
        rows = len(getattr(prepared, f"y_{split}"))
        network = metrics.get(split) or {}
        naive = baseline_metrics(prepared, split)
        models = (reference or {}).get(split) or {}
        parts.append(f"<h3>On the {rows:,} {SPLIT_WORDS[split]} rows</h3>")
        parts.append(_split_table(split, names, network, naive, models, metrics_ci))
        if not (metrics_ci.get(split)):
            why = interval_problem(getattr(prepared, f"y_{split}"), prepared.task)
            parts.append(
                _paragraph(
                    f"95 % intervals {NOT_COMPUTED}" + (f": {why}" if why else "."),
                    "caption",
                )
            )
    if not show_test:
        parts.append(
            _paragraph(
                f"The {len(prepared.y_test):,} test rows have not been looked at yet: "
                "they stay held back for the final check.",
                "caption",
            )
        )
    if reference is None:
        parts.append(
            _paragraph(
                f"Reference models {NOT_COMPUTED} for this run (it was recorded "
                "before NN Studio trained them, or they are still being trained).",
                "caption",
            )
        )
    else:
        sentence = reference_sentence(
            prepared.task,
            metrics["val"],
            reference.get("val") or {},
            interval=_interval(metrics_ci, "val", main),
            imbalanced=imbalanced,
            pictures=getattr(prepared, "image_shape", None) is not None,
        )
        parts.insert(0, _paragraph(sentence, "sentence"))
        advice.append(f"Against the reference models: {sentence}")
    for name, why in problems.items():
        parts.append(
            _paragraph(f"{REFERENCE_TITLES.get(name, name)}: {why}", "caption")
        )
    entries = [(NETWORK, metrics["val"]), (NAIVE, baseline_metrics(prepared, "val"))]
    entries += [
        (REFERENCE_TITLES.get(name, name), scores or {})
        for name, scores in ((reference or {}).get("val") or {}).items()
    ]
    intervals = {
        name: bounds
        for name in names
        if (bounds := _interval(metrics_ci, "val", name)) is not None
    }
    parts.append(
        figure(
            reference_figure(
                entries,
                names,
                intervals={NETWORK: intervals},
                title="Validation scores: your network, the naive guess and the "
                "reference models",
            )
        )
    )
    parts.append(
        _paragraph(
            "The reference models are scikit-learn models trained on the same "
            "training rows, with the same preparation. The intervals are seeded 95 % "
            "bootstrap intervals of the network's scores: a model whose score falls "
            "inside them does about as well.",
            "caption",
        )
    )
    bounds = _interval(metrics_ci, "val", main)
    if bounds is not None and prepared.task != "regression":
        width = bounds[1] - bounds[0]
        if width > WIDE_INTERVAL:
            advice.append(
                f"The validation accuracy's 95 % interval is {width * 100:.0f} points "
                f"wide ({len(prepared.y_val):,} rows): differences smaller than that "
                "between two settings may be chance. More rows, or cross-validation "
                "on the Train screen, give a surer figure."
            )
    return "".join(parts), advice


def _errors_section(evaluation: Any, figure) -> str:
    from nncore.plots import evaluation as plots
    from nncore.train.evaluation import (
        baseline_sentence,
        classification_summary,
        regression_summary,
    )

    if evaluation is None:
        return _paragraph(
            f"The confusion matrix and the residuals were {NOT_COMPUTED}: the "
            "trained model was not available.",
            "empty",
        )
    rows = f"{evaluation.n_rows:,} {evaluation.split_words} rows"
    if evaluation.task == "regression":
        summary = regression_summary(evaluation)
        charts = [
            figure(plots.predicted_actual_figure(summary, evaluation.target)),
            figure(plots.residuals_figure(summary)),
        ]
        return (
            _paragraph(f"On the {rows}.", "caption")
            + _paragraph(baseline_sentence(evaluation, summary["metrics"]), "sentence")
            + f'<div class="pair">{"".join(charts)}</div>'
            + figure(plots.residual_histogram_figure(summary))
        )
    summary = classification_summary(evaluation)
    return (
        _paragraph(f"On the {rows}, at the decision threshold 0.5.", "caption")
        + _paragraph(baseline_sentence(evaluation, summary["metrics"]), "sentence")
        + figure(
            plots.confusion_figure(
                summary["confusion"],
                evaluation.classes,
                title=f"Confusion matrix ({evaluation.split_words} rows)",
            ),
            narrow=True,
        )
        + _paragraph(
            "Rows: the true class; columns: the class predicted. The colour is each "
            "cell's share of its true class.",
            "caption",
        )
    )


def _next_section(findings: list, pitfalls: list, advice: list[str]) -> str:
    from nncore.plots.training import finding_label

    items = []
    for finding in findings:
        label = finding_label(finding)
        fixes = [fix.get("label") for fix in finding.fixes if fix.get("label")]
        text = f"{label[:1].upper() + label[1:]}: {finding.remedy}"
        if fixes:
            text += " One click on NN Studio's Train screen: " + "; ".join(fixes) + "."
        items.append(text)
    for pitfall in pitfalls:
        what = getattr(pitfall, "what", None)
        fix = getattr(pitfall, "fix", None)
        items.append("In the data: " + (f"{what} {fix}" if what and fix else pitfall))
    items += advice
    if not items:
        return _paragraph(
            "Nothing stands out: the curves look healthy and the data has no known "
            "pitfall. To be surer of the score, test on rows the network and you "
            "have never seen.",
            "empty",
        )
    return _list(items)


def _notes_section(notes: str) -> str:
    if not notes.strip():
        return _paragraph("No notes.", "empty")
    return f'<div class="notes">{_text(notes.strip())}</div>'


# --- the report ------------------------------------------------------------------


def lab_report(
    run: Any,
    prepared: PreparedData,
    *,
    evaluation: Any = None,
    notes: str = "",
    show_test: bool = True,
) -> str:
    """One self-contained HTML file about a training, for people.

    Args:
        run: the training: a ``nncore.runs.store.Run``, a finished
            ``nncore.runs.view.JobView`` or anything with ``spec``, ``task``,
            ``history``, ``metrics`` and ``baseline`` (``run_id``, ``reference``,
            ``reference_problems`` and ``metrics_ci`` are shown when present).
        prepared: the ``PreparedData`` the run was trained on.
        evaluation: the network on one split (``nncore.train.evaluation.evaluate``),
            for the confusion matrix or the residuals; None says they were not
            computed. Default: None.
        notes: what the user wants to add, shown as typed. Default: "".
        show_test: whether to show the test rows' scores; False keeps them held
            back (the user has not looked at them yet). Default: True.

    Returns:
        The HTML document, UTF-8 text: plotly.js inlined once, no link to the
        network, every user-supplied name escaped.

    Raises:
        TypeError: when ``notes`` is not a string.
    """
    from plotly.offline import get_plotlyjs

    if not isinstance(notes, str):
        raise TypeError(
            f"Received: notes of type {type(notes).__name__}. Expected the notes as "
            'text, e.g. notes="Second try, with dropout."'
        )
    spec = run.spec or {}
    figure = _Figures()
    findings = _findings(run, prepared)
    names = _metric_names(prepared, run.metrics or {})
    data_html, pitfalls = _data_section(prepared, spec, figure)
    scores_html, advice = _scores_section(
        run, prepared, names, show_test=show_test, figure=figure
    )
    bodies = {
        "data": data_html,
        "network": _network_section(run, prepared),
        "training": _training_section(run, findings, figure),
        "doctor": _doctor_section(findings),
        "scores": scores_html,
        "errors": _errors_section(evaluation, figure),
        "next": _next_section(findings, pitfalls, advice),
        "notes": _notes_section(notes),
    }
    name = _dataset_name(_source(run))
    run_id = getattr(run, "run_id", None)
    written = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    meta = [f"Target {prepared.target}", prepared.task]
    if run_id:
        meta.insert(0, f"Run {run_id}")
    contents = "".join(
        f'<li><a href="#{anchor}">{_text(title)}</a></li>' for anchor, title in SECTIONS
    )
    sections = "".join(
        f'<section id="{anchor}"><h2>{_text(title)}</h2>{bodies[anchor]}</section>'
        for anchor, title in SECTIONS
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="NN Studio">
<title>Lab report: {_text(name)}</title>
<style>{_STYLE}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head>
<body>
<main>
<header>
<h1>Lab report: {_text(name)}</h1>
<p class="meta">{_text(" · ".join(meta))} · written {_text(written)} with NN Studio</p>
</header>
<nav><ol>{contents}</ol></nav>
{sections}
<footer>Written by NN Studio. The figures are interactive on screen (hover for
values); the file needs no network connection.</footer>
</main>
<script type="text/javascript">{_PRINT_SCRIPT}</script>
</body>
</html>
"""
