"""HTML pieces of the lab report: escaped text, paragraphs, tables, lists, and
Plotly figures as divs (plotly.js goes once into the page's head).

Every user-supplied name goes through ``text`` (``html.escape``).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

__all__ = ["Figures", "bullet_list", "paragraph", "table", "text"]


def text(value: Any) -> str:
    """Any value as HTML text: every user-supplied name goes through here."""
    return html.escape(str(value), quote=True)


def paragraph(words: str, css: str | None = None) -> str:
    """A paragraph of escaped text, with a CSS class (``"caption"``, ``"empty"``)."""
    kind = f' class="{css}"' if css else ""
    return f"<p{kind}>{text(words)}</p>"


def table(
    header: Sequence[str] | None, rows: Sequence[Sequence[Any]], *, numbers=()
) -> str:
    """An HTML table (no header row when ``header`` is None); ``numbers`` are the
    columns to align right."""
    head = ""
    if header is not None:
        cells = "".join(f"<th>{text(cell)}</th>" for cell in header)
        head = f"<thead><tr>{cells}</tr></thead>"
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="number">{text(cell)}</td>'
            if i in numbers
            else f"<td>{text(cell)}</td>"
            for i, cell in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table>{head}<tbody>{''.join(body)}</tbody></table>"


def bullet_list(items: Sequence[str]) -> str:
    """A bulleted list of escaped items."""
    return "<ul>" + "".join(f"<li>{text(item)}</li>" for item in items) + "</ul>"


class Figures:
    """Turns figures into HTML divs; plotly.js itself goes once into the head."""

    def __init__(self):
        self.count = 0

    def __call__(self, figure, *, narrow: bool = False) -> str:
        self.count += 1
        body = figure.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=f"figure-{self.count}",
            default_width="100%",
            config={"displaylogo": False, "responsive": True},
        )
        css = "figure narrow" if narrow else "figure"
        return f'<div class="{css}">{body}</div>'
