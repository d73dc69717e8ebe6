"""The lab report (``nncore.report.lab``): one HTML file that opens offline, holds
every section, escapes every user-supplied name, and the ``report`` command that
trains and writes it.

Each fixture trains a tiny network for real with the job manager (as the app and
the command line do) and reads the run back from the run store.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re

import numpy as np
import pandas as pd
import pytest

from nncore.report.lab import SECTIONS, lab_report, report_file_name
from tests.support import experiment, prepared_for, trained_run
from tests.unit.test_cli import assert_bad_input, run_cli

HOSTILE_COLUMN = "<script>alert(1)</script>"
HOSTILE_CLASS = "<img src=x onerror=alert(2)>"
HOSTILE_FILE = "<b onmouseover=alert(3)>data.csv"
NOTES = "Tried <i>dropout</i> & a smaller net.\nSecond line: </div><script>x()</script>"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A binary table whose column, class labels and file name are HTML."""
    folder = tmp_path_factory.mktemp("hostile")
    rng = np.random.default_rng(0)
    x = rng.normal(size=160)
    frame = pd.DataFrame(
        {
            HOSTILE_COLUMN: x,
            "noise": rng.normal(size=160),
            "label": np.where(x + rng.normal(0, 0.5, 160) > 0, HOSTILE_CLASS, "ok"),
        }
    )
    path = folder / HOSTILE_FILE
    frame.to_csv(path, index=False)
    spec = experiment(str(path), epochs=4)
    spec["data"]["target"] = "label"
    prepared = prepared_for(spec)
    run, evaluation = trained_run(spec, prepared, folder / "runs")
    return run, prepared, evaluation


@pytest.fixture(scope="module")
def hostile_report(hostile):
    run, prepared, evaluation = hostile
    return lab_report(run, prepared, evaluation=evaluation, notes=NOTES)


@pytest.fixture(scope="module")
def regression(tmp_path_factory):
    spec = experiment("builtin:diabetes", epochs=3)
    prepared = prepared_for(spec)
    run, evaluation = trained_run(
        spec, prepared, tmp_path_factory.mktemp("diabetes") / "runs", "test"
    )
    return run, prepared, evaluation


def plotly_bundle() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()[:2000]


def test_every_section_is_there_in_order(hostile_report):
    positions = [hostile_report.index(f'<section id="{a}">') for a, _ in SECTIONS]
    assert positions == sorted(positions)
    for _, heading in SECTIONS:
        assert f"<h2>{html.escape(heading)}</h2>" in hostile_report
    assert hostile_report.startswith("<!DOCTYPE html>")


def test_plotly_js_is_inlined_once_and_every_figure_uses_it(hostile_report):
    assert hostile_report.count(plotly_bundle()) == 1
    figures = re.findall(r'<div id="(figure-\d+)"', hostile_report)
    # class balance, two curves, the reference chart, the confusion matrix
    assert len(figures) == 5
    drawn = re.findall(r'Plotly\.newPlot\(\s*"(figure-\d+)"', hostile_report)
    assert drawn == figures
    assert "Confusion matrix (validation rows)" in hostile_report


def test_it_opens_without_a_network(hostile_report):
    # No script, style sheet, image or frame is fetched from anywhere.
    tags = re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", hostile_report)
    assert [t for t in tags if re.search(r"\b(?:src|href)\s*=", t)] == []
    assert "<link" not in hostile_report


def test_hostile_names_show_literally(hostile_report):
    for name in (HOSTILE_COLUMN, HOSTILE_CLASS, HOSTILE_FILE):
        assert name not in hostile_report
    assert html.escape(HOSTILE_COLUMN) in hostile_report  # in the data section
    title = f"<title>Lab report: {html.escape(HOSTILE_FILE)}</title>"
    assert title in hostile_report


def test_the_notes_are_shown_as_typed(hostile_report):
    notes = hostile_report.split('<section id="notes">', 1)[1]
    assert html.escape(NOTES.strip()) in notes
    assert "<i>dropout</i>" not in hostile_report


def test_scores_have_intervals_against_the_naive_guess_and_the_references(hostile):
    run, prepared, evaluation = hostile
    report = lab_report(run, prepared, evaluation=evaluation)
    scores = report.split('<section id="scores">', 1)[1].split("</section>", 1)[0]
    assert "On the 24 validation rows" in scores and "On the 24 test rows" in scores
    for title in ("Your network (95 % interval)", "Naive guess", "Gradient boosting"):
        assert title in scores
    assert "Logistic regression" in scores
    low, high = run.metrics_ci["val"]["accuracy"]
    shown = f"{run.metrics['val']['accuracy']:.3f} ({low:.3f}-{high:.3f})"
    assert shown in scores


def test_what_is_missing_says_not_computed(hostile):
    run, prepared, _ = hostile
    old = dataclasses.replace(run, reference=None, metrics_ci=None)
    report = lab_report(old, prepared, show_test=False)
    assert "Reference models not computed for this run" in report
    assert "95 % intervals not computed" in report
    assert "residuals were not computed" in report
    assert "On the 24 test rows" not in report
    assert "have not been looked at yet" in report
    assert "No notes." in report


def test_regression_shows_the_residuals(regression):
    run, prepared, evaluation = regression
    report = lab_report(run, prepared, evaluation=evaluation)
    assert "Residuals against the prediction" in report
    assert "Predicted against actual" in report
    assert "Confusion matrix" not in report
    assert "Linear regression" in report
    assert "Root mean squared error (lower is better)" in report


def test_notes_must_be_text(hostile):
    run, prepared, _ = hostile
    with pytest.raises(TypeError, match="Expected the notes as text"):
        lab_report(run, prepared, notes=["a list"])


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("builtin:iris", "lab-report-iris-flowers.html"),
        ("/data/My Houses 2024.csv", "lab-report-my-houses-2024.html"),
        ("<script>.csv", "lab-report-script.html"),
        ("<>.csv", "lab-report.html"),
        (None, "lab-report-unknown-data.html"),
    ],
    ids=["builtin", "file", "hostile", "no-letters", "none"],
)
def test_report_file_name(source, name):
    assert report_file_name(source) == name


# --- python -m nncore report ------------------------------------------------------


def test_report_command_trains_and_writes_the_file(tmp_path, monkeypatch):
    runs = tmp_path / "runs"
    monkeypatch.setenv("NNSTUDIO_RUNS_DIR", str(runs))
    spec = {
        "data": {"source": "builtin:breast_cancer"},
        "model": {"layers": [{"type": "dense", "units": 8}]},
        "train": {"epochs": 2},
    }
    path = tmp_path / "experiment.json"
    path.write_text(json.dumps(spec))
    output = tmp_path / "report.html"
    result = run_cli("report", path, "-o", output, "--notes", "<u>first</u> try")
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["output"] == str(output)
    assert summary["bytes"] == output.stat().st_size
    assert summary["task"] == "binary"
    text = output.read_text(encoding="utf-8")
    assert "<title>Lab report: Breast cancer (binary)</title>" in text
    assert "&lt;u&gt;first&lt;/u&gt; try" in text
    assert "Confusion matrix (test rows)" in text
    assert "epoch 2/2" in result.stderr
    from nncore.runs.store import RunStore

    assert RunStore(runs).get(summary["run_id"]).status == "finished"


def test_report_command_bad_input_exits_2(tmp_path):
    path = tmp_path / "experiment.json"
    path.write_text(json.dumps({"data": {"source": "builtin:iris"}}))
    assert_bad_input(
        run_cli("report", path), "the following arguments are required: -o/--output"
    )
    assert_bad_input(
        run_cli("report", path, "-o", tmp_path / "no" / "such" / "r.html"),
        "is in a folder that does not exist",
    )
    assert_bad_input(run_cli("report", path, "-o", tmp_path), "is a folder")
    assert_bad_input(
        run_cli("report", path, "-o", tmp_path / "r.html", "--target", "nope"),
        "is not in the data",
    )
    assert not (tmp_path / "r.html").exists()
