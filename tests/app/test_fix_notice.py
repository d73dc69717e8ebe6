"""Issue 18, item 3: the "Applied …" notice of a one-click fix is said once, beside
the button that caused it, and never outlives the experiment it describes."""

from __future__ import annotations

from tests.support import (
    ended,
    experiment,
    go,
    keras_in_the_main_thread,  # noqa: F401
    plain,
    poll,
    train_screen,
)


def applied(at) -> list[str]:
    return [plain(s.value) for s in at.success if plain(s.value).startswith("Applied")]


def test_a_fix_notice_is_shown_once_beside_the_doctor_and_not_after_a_change():
    # Steps this small leave the loss flat: the doctor reports underfitting.
    spec = experiment("builtin:iris", epochs=8)
    spec["compile"].update(optimizer="sgd", learning_rate=1e-5, momentum=0.0)
    at = train_screen(spec)
    at.button(key="train_start").click().run()
    poll(at, ended, "the training to end")
    fix = next(b for b in at.button if b.label == "Train twice as many epochs")
    fix.click().run()
    assert not at.exception, at.exception
    notices = applied(at)
    assert len(notices) == 1 and "epochs 8 → 16" in notices[0], notices
    assert "Train screen" not in notices[0]  # the user is on it
    # Beside the doctor's findings, not at the top of the page.
    subheaders = [h.value for h in at.subheader]
    assert subheaders.index("Training doctor") < subheaders.index("Validation results")
    # Said once: the next run of the page (any click) no longer shows it.
    at.number_input(key="train_more_epochs").set_value(5).run()
    assert applied(at) == []

    # A second fix, then a preset change on the Model screen: not said later.
    fix = next(b for b in at.button if b.label == "Train twice as many epochs")
    fix.click().run()
    assert len(applied(at)) == 1
    go(at, "model")
    go(at, "train")
    assert applied(at) == []
    at.button(key="train_reset").click().run()


def _background_page():
    """A page with a one-click fix and a background job whose end reruns the page,
    as the Tune screen's speed measurement and the Train screen's job do."""
    import streamlit as st

    from ui import state

    state.init_state()
    if st.button("Fix", key="fix"):
        state.set_fix_notice("Applied the fix.", "here")
    text = state.take_fix_notice("here")
    if text:
        st.success(text)
    if st.session_state.get("job_ended"):  # the job ended since this page was drawn
        st.session_state["job_ended"] = False
        state.redraw()


def test_a_background_job_ending_right_after_a_fix_keeps_its_notice():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_background_page, default_timeout=30).run()
    # The fix, and in the same moment a background job ends and redraws the page:
    # the notice the user has not had time to read is still there.
    at.session_state["job_ended"] = True
    at.button(key="fix").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == ["Applied the fix."]
    assert at.session_state["job_ended"] is False  # the redraw happened
    # The user's next action: said once, so gone, and a later redraw keeps it gone.
    at.run()
    assert [s.value for s in at.success] == []
    at.session_state["job_ended"] = True
    at.run()
    assert [s.value for s in at.success] == []
