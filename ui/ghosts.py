"""Ghost runs on the Train screen: this session's earlier runs on the same data,
drawn faintly under the learning curves (``nncore.report.ghosts``).

Pressing Train replaces the session's job and the job manager forgets the old one
(``ui.training.replace_job``), so the session notes each training it shows
(``remember``) and finds it again later: in the job manager while it has it, else
in the run store, else as it last saw it.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from nncore.core.errors import DataError
from nncore.report.ghosts import PastRun, ghost_runs, past_run
from ui import training

# Session state: this session's trainings, newest first, as {"run": PastRun,
# "final": whether it can no longer change}. No widget owns it; not a "train_"
# key, so importing an experiment keeps it.
SEEN = "ghost_runs_seen"
TOGGLE = "train_ghosts"
# Enough to find the last few runs on this data among runs on other data.
KEEP = 30
ENDED = ("finished", "stopped", "failed", "interrupted")


def remember(view) -> None:
    """Note ``view``'s training as one of this session's (newest first)."""
    if view is None or view.kind != "train":
        return
    seen = [e for e in _seen() if e["run"].job_id != view.job_id]
    st.session_state[SEEN] = [{"run": past_run(view), "final": False}, *seen][:KEEP]


def earlier_runs(view) -> list[PastRun]:
    """This session's trainings other than ``view``'s, newest first.

    The ones the job manager still has (``jobs_for``) come as they are now; the
    forgotten ones from the run store once, then as kept.
    """
    manager = training.manager()
    live = {
        job.job_id: job
        for job in manager.jobs_for(training.owner_id())
        if job.kind == "train"
    }
    for entry in _seen():
        run = entry["run"]
        if run.job_id in live:
            entry["run"] = past_run(live.pop(run.job_id))
        elif not entry["final"]:
            entry["run"], entry["final"] = _from_store(manager, run)
    runs = [past_run(job) for job in live.values()]  # e.g. resumed on Runs
    runs += [entry["run"] for entry in _seen()]
    return [run for run in runs if run.job_id != view.job_id]


def choose(view, metric: str) -> list[dict]:
    """The "Show earlier runs" switch, when there are any; the ghosts to draw.

    Call it where the chart's other controls are; it notes ``view`` first.

    Returns:
        ``ghost_runs`` of the session's earlier runs on the same data for
        ``metric``; empty when there are none or the switch is off.
    """
    remember(view)
    ghosts = ghost_runs(view, earlier_runs(view), metric)
    if not ghosts:
        return []
    shown = st.toggle(
        "Show earlier runs",
        value=True,
        key=TOGGLE,
        help="Draw this session's earlier runs on the same data as faint lines "
        "under the curves, named by what they did differently, to compare "
        "without leaving the screen. Click a name in the legend to hide that run.",
    )
    return ghosts if shown else []


def caption(ghosts: list[dict]) -> None:
    """Say what the faint lines are, under the chart that draws ``ghosts``."""
    if not ghosts:
        return
    many = len(ghosts) > 1
    st.caption(
        f"The faint lines are your {len(ghosts)} earlier "
        f"{'runs' if many else 'run'} on this data (blue: training, orange: "
        f"validation), named by what {'each' if many else 'it'} did differently; "
        "“now” is this run's value."
    )


def _seen() -> list[dict]:
    return st.session_state.get(SEEN) or []


def _from_store(manager, run: PastRun) -> tuple[PastRun, bool]:
    """The run as the run store kept it, and whether it has ended; ``run`` as it
    was last seen when the store has none (not kept, deleted, unreadable)."""
    store = manager.store
    if store is None or run.run_id is None:
        return run, True
    try:
        kept = store.get(run.run_id)
    except (KeyError, DataError):  # deleted on the Runs screen, or unreadable
        return run, True
    # The store knows no job: the run keeps its job id (and its inputs).
    found = replace(past_run(kept), job_id=run.job_id, feature_names=run.feature_names)
    return found, kept.status in ENDED
