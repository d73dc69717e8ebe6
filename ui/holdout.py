"""The held-back test rows on the Evaluate screen: shown only when the user asks,
and every look at them counted (in the run store, or in the session without one).
"""

from __future__ import annotations

import streamlit as st

from nncore.core import glossary
from nncore.core.errors import DataError
from ui import models, safe, training


def fingerprint(version: str, prepared) -> str:
    from nncore.train.evaluation import holdout_fingerprint

    kept = models.results("fingerprints")
    key = (version, models.token(prepared))
    if key not in kept:
        kept[key] = holdout_fingerprint(prepared)
    return kept[key]


def record_look(version: str, prepared, run_id: str | None) -> None:
    """The "Evaluate on the test set" button: count the look, show the test rows."""
    identity = fingerprint(version, prepared)
    count = None
    try:
        store = training.manager().store
        if store is not None:
            count = store.record_test_look(identity, run_id)
    except DataError:
        store = None
    if count is None:  # no run store: count in this session
        looks = models.cache().setdefault("session_looks", {})
        looks[identity] = looks.get(identity, 0) + 1
        count = looks[identity]
    models.results("test_shown")[(version, models.token(prepared))] = count


def looks_so_far(version: str, prepared) -> int:
    identity = fingerprint(version, prepared)
    try:
        store = training.manager().store
        if store is not None:
            return store.test_looks(identity)
    except DataError:
        pass
    return models.cache().get("session_looks", {}).get(identity, 0)


def hold_back_test(version: str, prepared, run_id: str | None) -> bool:
    """True when the test rows may be shown; else explain and offer the button."""
    if (version, models.token(prepared)) in models.results("test_shown"):
        return True
    n_test = len(prepared.y_test)
    before = looks_so_far(version, prepared)
    text = (
        f"The {n_test:,} test rows have been kept apart: no training and no choice "
        "has used them. They give an honest figure for new data only while nothing "
        "is chosen by looking at them, so look once you have finished choosing "
        "(use the validation rows for that)."
    )
    if before:
        times = "once" if before == 1 else f"{before} times"
        text += f" This test set has been looked at {times} already."
    safe.info(text)
    st.button(
        "Evaluate on the test set",
        key="evaluate_test",
        type="primary",
        icon=":material/lock_open:",
        on_click=record_look,
        args=(version, prepared, run_id),
        help=f"Score the network on the {glossary.link('test set', 'test rows')}, "
        "once you have finished choosing. Every look is counted, because choosing "
        "by them makes their score too optimistic.",
    )
    return False


def show_look_count(version: str, prepared) -> None:
    total = looks_so_far(version, prepared)
    if total <= 1:
        st.caption(
            "First look at this test set. Keep its figure as the final word: if "
            "you now change the experiment because of it, the test set has become "
            "part of the choosing."
        )
        return
    st.warning(
        safe.escape(
            f"This test set has now been looked at {total} times. Each look that "
            "helps you choose (a setting, a run, a threshold) fits that choice to "
            "these particular rows, so the test figure ends up better than what new "
            "data would give: it is optimistic. Choose with the validation rows, "
            "keep the test rows for one last check, and for a fresh, honest figure "
            "test on data the network and you have never seen."
        ),
        icon=":material/visibility:",
    )
