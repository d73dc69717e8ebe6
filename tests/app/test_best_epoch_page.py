"""Issue 18, item 6: the Train screen says which epoch's weights its figures come
from, what the last epoch's scored, and offers both networks to download."""

from __future__ import annotations

from tests.support import ended, plain, poll, train_screen
from tests.unit.test_best_epoch import EPOCHS, overfitting_spec


def test_the_results_say_they_come_from_the_best_epoch():
    at = train_screen(overfitting_spec())
    at.button(key="train_start").click().run()
    poll(at, ended, "the training to end")
    assert not at.exception
    captions = [plain(c.value) for c in at.caption]
    said = next(c for c in captions if c.startswith("Figures from epoch"))
    best = int(said.split()[3].rstrip(","))
    assert best < EPOCHS
    assert f"Figures from epoch {best}, the best (lowest validation loss)." in said
    assert f"With the weights of the end (epoch {EPOCHS}): R² " in said
    assert "Turn off 'Keep the best model' to score the final weights." in said
    assert next(m.value for m in at.metric if m.label == "Best epoch") == str(best)
    labels = [b.label for b in at.get("download_button")]
    assert {"Model (.keras)", "Last epoch model (.keras)"} <= set(labels)
