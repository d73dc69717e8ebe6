"""Presenter mode: larger text, advanced controls hidden, guided captions on.

Turned on by the sidebar toggle or the URL parameter ``?presenter=1`` (a share link
can carry it) and off by the toggle or ``?presenter=0``. While it is on the URL keeps
``?presenter=1`` (page changes clear the query), so a reload stays in presenter mode.
Screens ask ``advanced()`` before drawing expert-only controls and call
``step_caption(step)`` under their title; the captions are ``nncore.report.guide``'s.
"""

from __future__ import annotations

import streamlit as st

from nncore.report import guide
from ui import state

QUERY_KEY = "presenter"
TOGGLE = "presenter_toggle"
ON_VALUES = ("1", "true", "on", "yes")
OFF_VALUES = ("0", "false", "off", "no")
# Streamlit sizes its text in rem, so a larger root font scales the text, headings
# and widget labels together (Streamlit's root is 16 px). Its page margins are in rem
# too: they are narrowed, so the larger text keeps the width of the screen.
ROOT_FONT_PX = 20
# Plotly writes its font sizes into the chart itself: figures ask for it.
CHART_FONT_PX = 17
STYLE = f"""<style>
html {{ font-size: {ROOT_FONT_PX}px; }}
[data-testid="stMainBlockContainer"].block-container {{
  padding-left: 2rem; padding-right: 2rem; padding-top: 3rem; max-width: none;
}}
</style>"""


def is_on() -> bool:
    """Whether this session is in presenter mode."""
    return bool(st.session_state.get(state.PRESENTER))


def advanced() -> bool:
    """Whether to draw expert-only controls (hidden in presenter mode)."""
    return not is_on()


def set_mode(on: bool) -> None:
    """Turn presenter mode on or off, in the session and in the URL."""
    st.session_state[state.PRESENTER] = bool(on)
    _write_url(bool(on))


def sync_with_url() -> None:
    """Follow ``?presenter=`` when the URL has it; put it back while the mode is on.

    app.py calls it before the page runs, so the page already draws in the mode the
    link asks for.
    """
    wanted = st.query_params.get(QUERY_KEY)
    if wanted is not None:
        value = wanted.strip().lower()
        if value in ON_VALUES:
            st.session_state[state.PRESENTER] = True
        elif value in OFF_VALUES:
            st.session_state[state.PRESENTER] = False
    _write_url(is_on())


def _write_url(on: bool) -> None:
    if on:
        if st.query_params.get(QUERY_KEY) != "1":
            st.query_params[QUERY_KEY] = "1"
    elif QUERY_KEY in st.query_params:
        del st.query_params[QUERY_KEY]


def apply_style() -> None:
    """Enlarge the text of the whole page while presenter mode is on."""
    if is_on():
        st.html(STYLE)


def toggle() -> None:
    """The sidebar's presenter-mode switch (ui.frame draws it on every screen)."""
    # The switch shows the mode even when a link or the URL changed it.
    st.session_state[TOGGLE] = is_on()
    st.toggle(
        "Presenter mode",
        key=TOGGLE,
        on_change=_toggled,
        help="For a talk or a class: larger text, expert settings hidden, and a "
        "short explanation of each step under every screen's title. Links with "
        "?presenter=1 open in this mode.",
    )


def _toggled() -> None:
    set_mode(bool(st.session_state.get(TOGGLE)))


def visited(step: str) -> bool:
    """Whether this session has opened the screen of ``step``."""
    return step in (st.session_state.get(state.VISITED) or set())


def mark_visited(*steps: str) -> None:
    """Note that the screens of ``steps`` were opened (or done by a demo)."""
    seen = st.session_state.get(state.VISITED)
    if seen is None:
        seen = st.session_state[state.VISITED] = set()
    seen.update(steps)


def step_caption(step: str) -> None:
    """The guided caption of ``step`` ("data", "model", ...), in presenter mode.

    Every screen calls it under its title, so it also notes the visit for the
    Home screen's step tracker.
    """
    mark_visited(step)
    text = guide.CAPTIONS.get(step)
    if is_on() and text:
        st.info(text, icon=":material/co_present:")


def chart(figure):
    """``figure`` with every text large enough for a projector, in presenter mode.

    Changes ``figure`` itself (``enlarge``) and returns it; outside presenter mode
    it is returned as it is.
    """
    if is_on():
        enlarge(figure)
    return figure


def enlarge(figure, *, size: int = CHART_FONT_PX):
    """Raise every text of a Plotly ``figure`` to at least ``size`` pixels.

    The global font, the title (a little larger), axis ticks and titles, legends,
    annotations (subplot titles, marks on curves), the texts of traces (numbers in
    heatmap cells, labels on bars) and colour bars: every ``…font`` the figure sets
    is raised, and the global font covers the texts that set none. Sizes already
    larger are kept. Changes ``figure`` in place.

    Args:
        figure: a ``plotly.graph_objects.Figure``.
        size: the smallest font size, in pixels. Defaults to ``CHART_FONT_PX``.

    Returns:
        The same figure.
    """
    layout = figure.layout.to_plotly_json()
    layout.pop("template", None)  # the template's fonts are overridden below
    _raise_fonts(layout, size)
    title_size = layout.get("title", {}).get("font", {}).get("size") or 0
    figure.update_layout(
        layout,
        font_size=size,
        title_font_size=max(title_size, size + 3),
        legend_font_size=max(
            layout.get("legend", {}).get("font", {}).get("size") or 0, size
        ),
        hoverlabel_font_size=size,
        legend_title_font_size=_at_least(figure.layout.legend.title.font.size, size),
    )
    # Streamlit's chart theme sizes the texts a figure leaves unset in rem, which
    # presenter mode's larger root font does not make large enough: set them all.
    figure.for_each_xaxis(lambda axis: _axis_fonts(axis, size))
    figure.for_each_yaxis(lambda axis: _axis_fonts(axis, size))
    figure.for_each_annotation(
        lambda note: note.update(font_size=_at_least(note.font.size, size))
    )
    for trace in figure.data:
        props = trace.to_plotly_json()
        props.pop("type", None)
        _raise_fonts(props, size)
        if "textfont" in trace and (
            props.get("text") is not None or props.get("texttemplate")
        ):
            font = props.setdefault("textfont", {})
            font["size"] = _at_least(font.get("size"), size)
        if "colorbar" in trace:
            font = props.setdefault("colorbar", {}).setdefault("tickfont", {})
            font["size"] = _at_least(font.get("size"), size)
        trace.update(props)
    return figure


def _axis_fonts(axis, size: int) -> None:
    axis.update(
        tickfont_size=_at_least(axis.tickfont.size, size),
        title_font_size=_at_least(axis.title.font.size, size),
    )


def _at_least(current, size: int):
    """``current`` (a number, a list of numbers or None) raised to ``size``."""
    if isinstance(current, (list, tuple)):
        return [_at_least(value, size) for value in current]
    if isinstance(current, (int, float)) and current > size:
        return current
    return size


def _raise_fonts(node, size: int) -> None:
    """Raise the ``size`` of every ``…font`` dict inside ``node`` (in place)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("font") and isinstance(value, dict):
                value["size"] = _at_least(value.get("size"), size)
            else:
                _raise_fonts(value, size)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _raise_fonts(value, size)


def plotly_chart(figure, **kwargs):
    """``st.plotly_chart`` for every chart of the app: projector-sized in presenter
    mode (``chart``). Screens call this, never ``st.plotly_chart`` directly."""
    return st.plotly_chart(chart(figure), **kwargs)
