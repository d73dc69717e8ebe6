"""What the screens share around their own content: a link to another screen, the
"choose data first" notice, the data caption, and settings that cannot be used
offered back as the defaults.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from nncore.core.catalog import dataset_title
from nncore.core.errors import DataError, SpecError
from ui import safe
from ui.reports import current_report


def link(page: str, label: str, icon: str, *, fallback: str | None = None) -> None:
    """A link to the screen ``screens/{page}.py``.

    A page that runs on its own (AppTest runs page files directly) has no other
    pages to link to: it then says to open the screen from the menu.

    Args:
        page: the screen's file name without ``.py``, e.g. ``"data"``.
        label: the link's text.
        icon: the link's icon, e.g. ``":material/table:"``.
        fallback: Markdown shown instead of the link when there is no page to link
            to. Defaults to None: a caption "Open the Data screen from the menu."
    """
    try:
        st.page_link(f"screens/{page}.py", label=label, icon=icon)
    except StreamlitPageNotFoundError:  # the page runs on its own (tests)
        if fallback is None:
            st.caption(f"Open the {page.title()} screen from the menu.")
        else:
            st.markdown(fallback)


def link_to_data() -> None:
    link("data", "Go to the Data screen", ":material/table:")


def prepared_data():
    """The active data, prepared; or None after saying what is missing (with a link
    to the Data screen)."""
    try:
        report = current_report()
    except (DataError, SpecError) as problem:
        safe.error(problem)
        link_to_data()
        return None
    if report is None:
        safe.info("Choose data on the Data screen first.")
        link_to_data()
        return None
    return report.prepared


def data_caption(spec: dict, *facts: str) -> None:
    """The caption "Data: <the dataset> · <fact> · <fact>", shown as plain text."""
    title = dataset_title(spec["data"]["source"])
    st.caption(safe.escape(" · ".join([f"Data: {title}", *facts])))


def valid_settings(
    spec: dict,
    section: str,
    validate: Callable[[dict], dict],
    *,
    reset: Callable[[], None],
    label: str,
    key: str,
    help: str,
) -> bool:
    """Validate ``spec[section]`` in place; True when it can be used.

    When it cannot, the screen says why and offers a button (``label``, ``key``,
    ``help``) whose ``reset`` callback replaces the section with the defaults.
    """
    try:
        spec[section] = validate(spec[section])
    except SpecError as problem:
        safe.error(problem)
        st.button(label, key=key, on_click=reset, help=help)
        return False
    return True
