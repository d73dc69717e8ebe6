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
