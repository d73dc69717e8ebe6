"""Checkpoints are written in a thread of their own: the file holds the model as it
was at the checkpoint, whatever training did meanwhile, the epochs it covers are
recorded after it, and a checkpoint that fails leaves them to the end."""

import numpy as np
import pytest

from nncore.runs.checkpoint import ResumePoint, load_checkpoint
from nncore.runs.progress import CheckpointWriter
from nncore.spec import validate_spec
from nncore.train.fastfit import StopFlag
from nncore.train.trainer import Trainer
from tests.support import prepared_for
from tests.unit.test_jobs import make_spec


class Recorded:
    """What a job manager would be told (the writer's reporter)."""

    def __init__(self):
        self.epochs: dict[int, dict] = {}
        self.problems: list[str] = []

    def record_epochs(self, job_id, epochs):
        self.epochs.update(epochs)

    def report_save_problem(self, job_id, error, *, what="model"):
        self.problems.append(f"{what}: {error}")


@pytest.fixture(scope="module")
def trained():
    spec = make_spec("builtin:wine", epochs=3, units=12)
    spec["model"]["layers"].append({"type": "dropout", "rate": 0.2})
    spec = validate_spec(spec)
    trainer = Trainer(spec, prepared_for(spec))
    trainer.fit(3, [], StopFlag())
    return trainer


def values(variables) -> list:
    return [np.array(v.numpy()) for v in variables]


def test_the_checkpoint_holds_the_model_as_it_was_then(trained, tmp_path):
    model = trained.model
    at_checkpoint = values(model.variables), values(model.optimizer.variables)
    reporter = Recorded()
    writer = CheckpointWriter(reporter, "job")
    writer.write(model, tmp_path / "checkpoint.keras", 3, {2: {"loss": 0.5}})
    trained.fit(5, [], StopFlag())  # training goes on while it is written
    writer.wait()
    assert reporter.epochs == {2: {"loss": 0.5}} and reporter.problems == []
    resumed = load_checkpoint(ResumePoint.read(tmp_path / "checkpoint.keras", 3))
    assert ResumePoint.read(tmp_path / "checkpoint.keras", 5).epoch == 3
    for saved, expected in zip(
        (values(resumed.variables), values(resumed.optimizer.variables)),
        at_checkpoint,
        strict=True,
    ):
        assert all(np.array_equal(a, b) for a, b in zip(saved, expected, strict=True))
    assert resumed.get_compile_config() == model.get_compile_config()
    # And not as it is now.
    assert not np.array_equal(values(resumed.variables)[0], values(model.variables)[0])


def test_a_checkpoint_that_fails_leaves_its_epochs_to_record_at_the_end(
    trained, tmp_path
):
    reporter = Recorded()
    writer = CheckpointWriter(reporter, "job")
    missing = tmp_path / "no such folder" / "checkpoint.keras"
    writer.write(trained.model, missing, 3, {2: {"loss": 0.5}})
    writer.wait()
    assert reporter.epochs == {}
    assert len(reporter.problems) == 1 and reporter.problems[0].startswith(
        "checkpoint: "
    )
    assert writer.take_back() == {2: {"loss": 0.5}}
    assert writer.take_back() == {}
