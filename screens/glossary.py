"""Glossary: the technical words the app uses, in plain language.

Every term has its own anchor (``/glossary#epoch``), which the help texts on the
other screens link to; ``nncore.core.glossary`` holds the words and their meanings.
"""

from __future__ import annotations

import streamlit as st

from nncore.core.glossary import GROUPS, TERMS, search
from ui import safe, state


def show_term(slug: str) -> None:
    term = TERMS[slug]
    st.subheader(term.title, anchor=slug)
    st.write(term.text)
    if term.also:
        st.caption("Also called: " + safe.escape(", ".join(term.also)))


def main() -> None:
    state.init_state()
    st.title("Glossary")
    st.write(
        f"The {len(TERMS)} technical words NN Studio uses, each in a few plain "
        "sentences. The help texts on every screen link here."
    )
    query = st.text_input(
        "Search the glossary",
        key="glossary_search",
        placeholder="e.g. learning rate, overfitting, recall",
        help="Shows only the terms whose name or explanation contains every word "
        "you type. Clear it to see them all.",
    )
    found = search(query)
    if not found:
        safe.info(
            f"No term matches '{query.strip()}'. Try a shorter or more common word."
        )
        return
    if query.strip():
        st.caption(f"{len(found)} of {len(TERMS)} terms match.")
    for group in GROUPS:
        slugs = [slug for slug in found if TERMS[slug].group == group]
        if not slugs:
            continue
        st.header(group, divider="gray", anchor=False)
        for slug in slugs:
            show_term(slug)


main()
