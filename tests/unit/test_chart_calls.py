"""Every chart the app draws goes through presenter mode (issue 18, item 12)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_chart_is_drawn_through_presenter_mode():
    unsized = []
    for path in sorted([*ROOT.glob("screens/*.py"), *ROOT.glob("ui/*.py")]):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"\b(\w+)\.plotly_chart\(\s*(\w+(?:\.\w+)?)", text):
            owner, argument = match.groups()
            if owner == "presenter" or argument == "presenter.chart":
                continue
            if path.name == "presenter.py" and argument == "chart":
                continue
            line = text.count("\n", 0, match.start()) + 1
            unsized.append(f"{path.relative_to(ROOT)}:{line}")
    assert not unsized, (
        "charts drawn without presenter mode's fonts (use presenter.plotly_chart): "
        + ", ".join(unsized)
    )
