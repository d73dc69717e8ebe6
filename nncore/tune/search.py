"""Hyper-parameter search: grid, random and smart (TPE) search with pruning, on Optuna.

The ``tune`` section of an experiment says what to search:

    {"method": "tpe", "trials": 20, "minutes": null, "pruner": "median",
     "epochs": null,
     "space": {"hidden_layers": {"low": 1, "high": 3},
               "units": [16, 64, 128],
               "learning_rate": {"low": 0.0001, "high": 0.01},
               "batch_size": [16, 32]}}

Each dimension of ``DIMENSIONS`` is searched when the space names it (a list of
choices, or a ``{"low", "high"}`` range) and otherwise stays as the experiment has
it. An empty space searches ``DEFAULT_SPACE``. Every trial trains the experiment
with its settings on the training split and is scored on the validation split
(validation accuracy for classification, validation RMSE for regression); the test
split is never used: trials get the data without it.

A search is an Optuna study kept in a storage: by default a journal file in the
runs folder (``<runs folder>/studies.log``), which survives a restart and which
several processes on one machine share safely; any Optuna storage URL
(``sqlite:///…``, ``postgresql://…``, ``mysql://…``) works too, which is how several
machines tune one study. ``trials`` is the number of trials the *study* should have
in all, whoever runs them, so N workers started with the same experiment and study
name stop together after ``trials`` trials, and a stopped study resumes with the
trials that are left.

Example:

    search = Search(spec, prepared)      # creates the study
    result = search.run()                # trains the trials; or, in the background:
    manager.submit_task("tune", search.work, spec, prepared, owner="me")
    new_spec = apply_best(spec, result["best_params"])

Optuna and TensorFlow are imported inside functions: importing this module is cheap.
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
import logging
import math
import os
import socket
import time
import uuid
from collections.abc import Callable
from typing import Any

import numpy as np

from nncore.core.errors import DataError, SpecError
from nncore.core.text import plural
from nncore.spec.schema import DIMENSIONS
from nncore.tune.cost import epochs_per_trial, trials_planned
from nncore.tune.parallel import TrialLoop, run_threads
from nncore.tune.sampling import pruner_for, pruning_callback, sampler_for, suggest
from nncore.tune.snapshot import StudySnapshot, snapshot_of, trial_line
from nncore.tune.space import (
    OBJECTIVE_TITLES,
    apply_params,
    grid_size,
    grid_values,
    objective_for,
    resolve_space,
    value_text,
    without_test,
)
from nncore.tune.storage import (
    META_KEY,
    META_VERSION,
    check_joined_study,
    default_storage,
    first_line,
    new_study_name,
    open_storage,
    quiet_optuna,
    shown_storage,
    study_meta,
)

log = logging.getLogger(__name__)

# Seconds between live updates of the running trial.
PUBLISH_SECONDS = 0.25
# A search stops when this many trials in a row failed with an error (not by
# diverging, which is a result).
MAX_FAILURES_IN_A_ROW = 3
# A search stops when its sampler proposed only settings already tried this many
# times in a row (a small space of choices is then nearly exhausted).
MAX_REPEATS_IN_A_ROW = 25

# This process, as it marks the trials it runs (to tell trials left running by a
# process that died from those of a live one).
_HOST = socket.gethostname()
_WORKER = f"{_HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class _TrialFailed(Exception):
    """A trial that could not train (its reason is in the trial's "error")."""


class _Skipped(Exception):
    """A trial over the study's budget: it does not count and is not shown."""


# --- the search -------------------------------------------------------------------


class Search:
    """One hyper-parameter search of an experiment: an Optuna study and its trials.

    Creating it creates the study in the storage, or joins the study of that name
    (another worker's, or one to resume) after checking it tunes the same
    experiment. ``run`` trains trials until the study has ``trials`` of them, the
    minutes are spent, or ``should_stop`` says so (the running trial finishes).
    ``work`` is ``run`` as a job for ``JobManager.submit_task``. The study's state
    is read as one ``StudySnapshot`` (``snapshot``), for the live progress, the
    summary and the Tune screen alike.

    Args:
        spec: a validated experiment spec; its ``tune`` section says what to search.
        prepared: the data prepared with the spec's ``data`` settings; the test split
            is never used.
        storage: an Optuna storage URL or journal file path. Default:
            ``default_storage()``.
        study_name: the study to create or join. Default: a new name.
        trials: the study's number of trials in all. Default: ``tune.trials``.
        minutes: stop starting trials after this many minutes (None: no limit).
            Default: ``tune.minutes``.
        jobs: how many trials train at once, each in a thread of its own
            (``nncore.tune.parallel``). Default: 1.

    Raises:
        SpecError: a bad ``tune`` section, nothing to search, or a study of that
            name that tunes another experiment.
        DataError: the storage cannot be opened.
        LimitError: the search is over one of the server's limits
            (``nncore.core.limits``): more trials than ``NNSTUDIO_MAX_TRIALS``, trials
            of more rows × epochs than ``NNSTUDIO_MAX_ROWS_EPOCHS``, or a largest
            network of more parameters than ``NNSTUDIO_MAX_PARAMS``.
    """

    def __init__(
        self,
        spec: dict,
        prepared,
        *,
        storage: str | None = None,
        study_name: str | None = None,
        trials: int | None = None,
        minutes: float | None = None,
        jobs: int = 1,
    ):
        from nncore.spec.validation import validate_tune_spec

        if isinstance(jobs, bool) or not isinstance(jobs, int) or not 1 <= jobs <= 64:
            raise SpecError(
                f"Received: jobs={jobs!r}. Expected a whole number of trials to "
                "train at once, from 1 to 64, e.g. jobs=2."
            )
        self.jobs = jobs

        quiet_optuna()
        self.spec = copy.deepcopy(spec)
        self.spec["tune"] = validate_tune_spec(self.spec["tune"])
        tune = self.spec["tune"]
        if trials is not None:
            tune["trials"] = trials
        if minutes is not None:
            tune["minutes"] = minutes or None
        self.spec["tune"] = validate_tune_spec(tune)
        tune = self.spec["tune"]
        self.prepared = without_test(prepared)
        self.task = prepared.task
        self.dimensions = resolve_space(self.spec)
        if not any(d.searched for d in self.dimensions.values()):
            raise SpecError(
                "The 'tune.space' field searches nothing: every setting has one "
                'value. Give at least one a list or a range, e.g. "units": '
                "[16, 64, 128]."
            )
        self.method = tune["method"]
        self.pruner = tune["pruner"]
        self.epochs = epochs_per_trial(self.spec)
        self.budget = trials_planned(self.spec)
        self.minutes = tune["minutes"]
        self._check_limits()
        self.objective, self.direction, self.metric = objective_for(self.task)
        self.storage = (storage or default_storage()).strip()
        self.study_name = study_name or new_study_name(self.spec)
        self._storage = open_storage(self.storage)
        self.study = self._open_study()
        self._fail_stale()

    # -- opening --

    def _check_limits(self) -> None:
        """Refuse a search over the server's resource limits before it starts."""
        from nncore.core import limits
        from nncore.spec import validate_model_spec

        limits.check_trials(self.budget)
        limits.check_rows_epochs(
            len(self.prepared.y_train), self.epochs, per_trial=True
        )
        # The network with the most layers and units searched is the largest.
        largest = {
            name: max(self.dimensions[name].grid())
            for name in ("hidden_layers", "units")
            if self.dimensions[name].searched
        }
        model = validate_model_spec(apply_params(self.spec, largest)["model"])
        what = "The largest network of this search" if largest else "This network"
        from nncore.train.model import trainable_parameters

        limits.check_parameters(trainable_parameters(model, self.prepared), what)

    def _meta(self) -> dict:
        return {
            "version": META_VERSION,
            "spec": self.spec,
            "objective": self.objective,
            "direction": self.direction,
            "metric": self.metric,
            "task": self.task,
            "epochs": self.epochs,
            "method": self.method,
        }

    def _open_study(self):
        import optuna

        sampler = sampler_for(
            self.method,
            grid_values(self.dimensions),
            self.spec["train"]["seed"],
            self.budget,
        )
        pruner = pruner_for(self.pruner, self.epochs)
        try:
            study = optuna.create_study(
                storage=self._storage,
                study_name=self.study_name,
                direction=self.direction,
                sampler=sampler,
                pruner=pruner,
            )
            study.set_user_attr(META_KEY, self._meta())
            return study
        except optuna.exceptions.DuplicatedStudyError:
            pass
        except DataError:
            raise
        except Exception as error:
            raise DataError(
                f"Could not create the study '{self.study_name}' in "
                f"'{shown_storage(self.storage)}' ({first_line(error)})."
            ) from error
        study = optuna.load_study(
            study_name=self.study_name,
            storage=self._storage,
            sampler=sampler,
            pruner=pruner,
        )
        check_joined_study(study, self._meta())
        return study

    def _fail_stale(self) -> None:
        """Trials left running by a process of this machine that has ended are
        marked skipped: they do not count, and a later trial tries their settings."""
        from optuna.trial import TrialState

        for trial in self.study.get_trials(
            deepcopy=False, states=(TrialState.RUNNING,)
        ):
            worker = trial.user_attrs.get("worker") or ""
            if worker and _worker_is_gone(worker):
                storage = self.study._storage
                try:
                    storage.set_trial_user_attr(
                        trial._trial_id,
                        "skipped",
                        "interrupted: the process running it ended",
                    )
                    storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
                except Exception as error:  # another worker just ended it
                    log.info("could not mark trial %s: %s", trial.number, error)

    @classmethod
    def resume(
        cls,
        storage: str | None,
        study_name: str,
        prepared,
        *,
        trials: int | None = None,
        minutes: float | None = None,
        jobs: int = 1,
    ) -> Search:
        """Join an existing study with the experiment it was made with.

        Raises:
            DataError: no such study, or it was not made by NN Studio.
        """
        meta = study_meta(storage, study_name)
        return cls(
            meta["spec"],
            prepared,
            storage=storage,
            study_name=study_name,
            trials=trials,
            minutes=minutes,
            jobs=jobs,
        )

    # -- running --

    def snapshot(self) -> StudySnapshot:
        """The study as it is now: its trials, counts and best trial (every
        worker's)."""
        return snapshot_of(self.study, self.storage)

    def _repeat_of(self, params: dict[str, Any], number: int) -> int | None:
        """The earlier trial (1-based) with these settings, if any."""
        for t in self.study.get_trials(deepcopy=False):
            if (
                t.number < number
                and not t.user_attrs.get("skipped")
                and t.user_attrs.get("params") == params
            ):
                return t.number + 1
        return None

    def _discrete(self) -> bool:
        """Whether every searched dimension is a list of choices or whole numbers."""
        return not any(
            d.searched and d.choices is None and DIMENSIONS[d.name].kind == "float"
            for d in self.dimensions.values()
        )

    def _tried(self, *, waiting: bool = False) -> set[str]:
        """The settings of the trials so far (and of queued ones), as JSON."""
        from optuna.trial import TrialState

        tried = set()
        for t in self.study.get_trials(deepcopy=False):
            if t.state == TrialState.WAITING:
                if waiting:
                    fixed = t.system_attrs.get("fixed_params") or {}
                    tried.add(json.dumps(self._complete(fixed), sort_keys=True))
            elif not t.user_attrs.get("skipped") and t.user_attrs.get("params"):
                tried.add(json.dumps(t.user_attrs["params"], sort_keys=True))
        return tried

    def _complete(self, searched: dict[str, Any]) -> dict[str, Any]:
        """Searched values plus the explicitly fixed ones: a trial's settings."""
        params = {}
        for name, dimension in self.dimensions.items():
            if dimension.searched:
                params[name] = searched.get(name)
            elif dimension.explicit:
                params[name] = dimension.value
        return params

    def _exhausted(self) -> bool:
        """Whether every combination of a space of choices has been tried."""
        return self._discrete() and len(self._tried()) >= grid_size(self.dimensions)

    def _enqueue_untried(self, number: int) -> None:
        """Queue untried settings for the next trial (spaces of choices only).

        Smart search proposes a repeat when it believes it knows the best: it then
        tries a neighbour of the best trial (one setting changed); random search
        tries any untried combination.
        """
        if not self._discrete():
            return
        tried = self._tried(waiting=True)
        grid = grid_values(self.dimensions)
        names = list(grid)
        untried = []
        for values in itertools.product(*grid.values()):
            searched = dict(zip(names, values, strict=True))
            if json.dumps(self._complete(searched), sort_keys=True) not in tried:
                untried.append(searched)
        if not untried:
            return
        if self.method == "tpe":
            leaders = [row["params"] for row in self.snapshot().leaders()]
            near = [
                point
                for point in untried
                if any(
                    sum(point[n] != good.get(n) for n in names) == 1 for good in leaders
                )
            ]
            untried = near or untried
        rng = np.random.default_rng(self.spec["train"]["seed"] + number)
        choice = untried[int(rng.integers(len(untried)))]
        self.study.enqueue_trial(choice, skip_if_exists=True)

    def trial_spec(self, params: dict[str, Any]) -> dict:
        """The experiment one trial trains: its settings, ``epochs`` epochs, and the
        objective's metric among the metrics."""
        from nncore.spec.validation import validate_spec

        spec = apply_params(self.spec, params)
        spec["train"]["epochs"] = self.epochs
        spec["train"]["save_best"] = False  # the best epoch's copy is not needed
        metrics = spec["compile"]["metrics"]
        if self.metric not in metrics:
            spec["compile"]["metrics"] = [self.metric, *metrics]
        return validate_spec(spec)

    def _suggest(self, trial) -> dict[str, Any]:
        params = {}
        for name, dimension in self.dimensions.items():
            if dimension.searched:
                params[name] = suggest(trial, dimension)
            elif dimension.explicit:
                params[name] = dimension.value
        return params

    def _objective(
        self,
        trial,
        progress: Callable[..., None],
        claimed: Callable[[], None] = lambda: None,
    ) -> float:
        import optuna

        from nncore.core.metrics import metrics_from_outputs
        from nncore.train.trainer import Trainer

        # Trials before this one that count towards the budget (finished or running).
        rows = self.snapshot().rows
        position = sum(1 for row in rows if row["trial"] <= trial.number)
        if position >= self.budget:
            trial.set_user_attr("skipped", "over the study's number of trials")
            raise _Skipped()
        trial.set_user_attr("worker", _WORKER)
        params = self._suggest(trial)
        repeat = self._repeat_of(params, trial.number)
        if repeat is not None:
            # The same settings train the same way (same seed): not again. In a
            # space of choices the next trial tries untried settings instead.
            trial.set_user_attr("skipped", f"repeats trial {repeat}")
            self._enqueue_untried(trial.number)
            raise _Skipped()
        trial.set_user_attr("params", params)
        claimed()  # the next trial may start: it sees this one's settings
        started = time.monotonic()
        state = {"epochs": 0, "last": 0.0}

        def on_epoch(epoch: int, value: float) -> None:
            state["epochs"] = epoch + 1
            now = time.monotonic()
            if now - state["last"] >= PUBLISH_SECONDS:
                state["last"] = now
                progress(position, trial.number, epoch + 1, value)

        progress(position, trial.number, 0, None)
        pruning = self.pruner != "none"
        try:
            trainer = Trainer(self.trial_spec(params), self.prepared)
            callback = pruning_callback(
                trial, self.objective, prune=pruning, on_epoch=on_epoch
            )
            ending = trainer.fit(self.epochs, [callback])
        except (DataError, SpecError) as error:
            trial.set_user_attr("error", str(error))
            raise _TrialFailed(str(error)) from error
        except Exception as error:  # e.g. out of memory: this trial only
            log.warning("trial %s failed", trial.number, exc_info=True)
            message = f"{type(error).__name__}: {first_line(error)}"
            trial.set_user_attr("error", message)
            raise _TrialFailed(message) from error
        finally:
            trial.set_user_attr("seconds", round(time.monotonic() - started, 3))
            trial.set_user_attr("epochs", state["epochs"])
        trial.set_user_attr("epochs", trainer.epochs_done)
        if callback.pruned_epoch is not None:
            trial.set_user_attr("pruned_at", callback.pruned_epoch)
            raise optuna.TrialPruned(f"pruned after epoch {callback.pruned_epoch}")
        if ending == "nan":
            message = (
                f"The loss became NaN at epoch {trainer.epochs_done}: the learning "
                "rate is too high for these settings."
            )
            trial.set_user_attr("error", message)
            trial.set_user_attr("diverged", True)
            raise _TrialFailed(message)
        outputs = trainer.predict(self.prepared.X_val)
        value = metrics_from_outputs(self.prepared.y_val, outputs, self.task)[
            self.metric
        ]
        if value is None or not math.isfinite(value):
            message = "The network's outputs are not numbers: training diverged."
            trial.set_user_attr("error", message)
            trial.set_user_attr("diverged", True)
            raise _TrialFailed(message)
        return float(value)

    def run(
        self,
        should_stop: Callable[[], bool] | None = None,
        progress: Callable[..., None] | None = None,
    ) -> dict:
        """Train trials until the budget is reached; return the summary.

        Args:
            should_stop: asked before each trial; True ends the search (the running
                trial always finishes). Default: never.
            progress: called with plain keyword fields (``message``, ``running``,
                ``done``, ``budget``, ``best``, ``eta_s``, ``finished``, …) as the
                search goes, e.g. ``TaskContext.publish``. Default: None.

        Returns:
            ``summary()`` plus ``reason``: ``"budget"``, ``"time"``, ``"stopped"``,
            ``"exhausted"`` (every combination was tried) or ``"failures"``.
        """
        should_stop = should_stop or (lambda: False)
        publish = progress or (lambda **fields: None)
        started = time.monotonic()
        deadline = started + self.minutes * 60 if self.minutes else None
        loop = TrialLoop()
        title = OBJECTIVE_TITLES[self.objective]

        def best_text(best: dict | None) -> str:
            if best is None:
                return ""
            value = value_text(self.objective, best["value"])
            return f" · best {title} {value} (trial {best['trial']})"

        def on_progress(position, number, epoch, value):
            snapshot = self.snapshot()
            done = position
            eta = None
            with loop.lock:
                durations = list(loop.durations)
            if durations:
                left = max(self.budget - done, 0)
                eta = sum(durations) / len(durations) * left / self.jobs
            stopping = should_stop()
            text = (
                f"Trial {position + 1} of {self.budget} · epoch {epoch} of "
                f"{self.epochs}"
            )
            if stopping:
                text += " · stopping after this trial"
            elif value is not None:
                text += f" · {title} {value_text(self.objective, value)}"
            text += best_text(snapshot.best)
            publish(
                message=text,
                running={
                    "trial": number + 1,
                    "position": position + 1,
                    "epoch": epoch,
                    "epochs": self.epochs,
                },
                done=snapshot.finished,
                budget=self.budget,
                eta_s=eta,
                stopping=stopping,
            )

        publish(
            **self._fields(self.snapshot()),
            message=f"Starting: {plural(self.budget, 'trial')} planned",
        )
        studies = [self.study] + [self._thread_study() for _ in range(self.jobs - 1)]
        run_threads(
            [
                functools.partial(
                    self._trials,
                    study,
                    loop,
                    should_stop,
                    deadline,
                    on_progress,
                    publish,
                )
                for study in studies
            ],
        )
        # The threads' own publishing ends here: the final fields follow.
        reason = loop.reason or "budget"
        lines = loop.lines
        snapshot = self.snapshot()
        summary = self._summary(snapshot)
        summary["reason"] = reason
        summary["seconds"] = round(time.monotonic() - started, 3)
        publish(
            **self._fields(snapshot),
            finished=list(lines),
            running=None,
            stopping=False,
            message=self._final_message(reason, summary),
        )
        if reason == "failures":
            summary["warnings"] = [
                f"The search stopped: {MAX_FAILURES_IN_A_ROW} trials in a row failed "
                f"({self._last_error()}). Fix the experiment (Train it once to see "
                "why) and resume the study."
            ]
        return summary

    def _trials(self, study, loop, should_stop, deadline, on_progress, publish) -> None:
        """Train trials one after the other until the search ends (one thread's
        share of ``run``)."""
        while True:
            with loop.lock:
                if loop.reason is not None:
                    return
                if should_stop():
                    return loop.end("stopped")
                if deadline is not None and time.monotonic() >= deadline:
                    return loop.end("time")
                if self.snapshot().started >= self.budget:
                    return loop.end("budget")
                if self.method != "grid" and self._exhausted():
                    return loop.end("exhausted")
            before = time.monotonic()
            with loop.claiming() as claimed:
                trial = self._one_trial(study, on_progress, claimed)
            with loop.lock:
                if trial is None:
                    return loop.end("budget")
                skipped = trial.user_attrs.get("skipped", "")
                if skipped.startswith("repeats"):
                    loop.repeats += 1
                    if loop.repeats >= MAX_REPEATS_IN_A_ROW or self._exhausted():
                        return loop.end("exhausted")
                    continue
                if skipped:  # the budget is reached: other workers took the last
                    return loop.end("budget")
                loop.repeats = 0
                loop.durations.append(time.monotonic() - before)
                loop.lines.append(trial_line(trial, self.objective))
                # Diverging settings are a result; errors that repeat are a problem.
                broken = trial.state.name == "FAIL" and not trial.user_attrs.get(
                    "diverged"
                )
                loop.failures = loop.failures + 1 if broken else 0
                publish(
                    **self._fields(self.snapshot()),
                    finished=list(loop.lines),
                    running=None,
                )
                if loop.failures >= MAX_FAILURES_IN_A_ROW:
                    return loop.end("failures")

    def _thread_study(self):
        """Another study object over the same storage, with a sampler and pruner
        of its own, for a trial thread (samplers are not shared by threads)."""
        import optuna

        return optuna.load_study(
            study_name=self.study_name,
            storage=self._storage,
            sampler=sampler_for(
                self.method,
                grid_values(self.dimensions),
                self.spec["train"]["seed"],
                self.budget,
            ),
            pruner=pruner_for(self.pruner, self.epochs),
        )

    def _one_trial(self, study, on_progress, claimed=lambda: None):
        """Run one trial (Optuna records its state); return it, or None.

        ``claimed`` is called once the trial's settings are chosen (or it is
        skipped): then another thread may start a trial.
        """
        ended = []
        study.optimize(
            lambda trial: self._objective(trial, on_progress, claimed),
            n_trials=1,
            catch=(_TrialFailed, _Skipped),
            callbacks=[lambda study, trial: ended.append(trial)],
            gc_after_trial=False,
        )
        return ended[-1] if ended else None

    def work(self, context) -> dict:
        """``run`` as a job of ``JobManager.submit_task``: Stop ends the search
        after the running trial."""
        return self.run(
            should_stop=lambda: context.stop_requested, progress=context.publish
        )

    # -- results --

    def _last_error(self) -> str:
        for trial in reversed(self.study.get_trials(deepcopy=False)):
            if trial.user_attrs.get("error"):
                return trial.user_attrs["error"]
        return "no reason recorded"

    def _fields(self, snapshot: StudySnapshot) -> dict:
        """What the live progress shows of the search and its study."""
        return {
            "study": self.study_name,
            "storage": self.storage,
            "objective": self.objective,
            "direction": self.direction,
            "method": self.method,
            "budget": self.budget,
            "done": snapshot.finished,
            "best": snapshot.best,
        }

    def _final_message(self, reason: str, summary: dict) -> str:
        done = summary["trials"]
        pruned = summary["pruned"]
        if reason == "exhausted":
            head = "Finished: every combination has been tried"
        elif reason == "time":
            head = f"Finished: the {self.minutes:g}-minute budget is spent"
        else:
            head = {
                "budget": "Finished",
                "stopped": "Stopped by you",
                "failures": "Stopped: trials keep failing",
            }[reason]
        text = f"{head} · {done} trial{'s' * (done != 1)} ({pruned} pruned)"
        if summary["best_value"] is not None:
            text += (
                f" · best {OBJECTIVE_TITLES[self.objective]} "
                f"{value_text(self.objective, summary['best_value'])} "
                f"(trial {summary['best_trial']})"
            )
        return text

    def summary(self) -> dict:
        """The study's result, as the ``tune`` command prints it.

        Returns:
            ``objective``, ``direction``, ``best_value``, ``best_params`` (the best
            trial's settings, for ``apply_best``), ``best_trial`` (1-based),
            ``trials`` (finished trials, pruned and failed included), ``pruned``,
            ``failed``, ``epochs_total`` (epochs trained by the finished trials),
            ``study``, ``storage``, ``method``.
        """
        return self._summary(self.snapshot())

    def _summary(self, snapshot: StudySnapshot) -> dict:
        best = snapshot.best
        return {
            "objective": self.objective,
            "direction": self.direction,
            "best_value": None if best is None else best["value"],
            "best_params": None if best is None else best["params"],
            "best_trial": None if best is None else best["trial"],
            "trials": snapshot.finished,
            "pruned": snapshot.n_pruned,
            "failed": snapshot.n_failed,
            "epochs_total": sum(
                row["epochs"] for row in snapshot.rows if row["state"] != "running"
            ),
            "study": self.study_name,
            "storage": shown_storage(self.storage),
            "method": self.method,
        }


def _worker_is_gone(worker: str) -> bool:
    """Whether the process of this machine that ran a trial has ended (a trial of
    another machine cannot be checked, and is left as it is)."""
    from nncore.runs.store import process_is_gone

    return process_is_gone(worker, _WORKER, elsewhere=False)
