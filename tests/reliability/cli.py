"""Running ``python -m nncore`` on many inputs without one slow start per input.

Each start imports pandas and scikit-learn (2-4 s on a busy 2-core machine), so a
catalogue of 50 files would spend minutes starting Python. ``run_batch`` starts one
process that calls ``nncore.cli.main`` (what ``python -m nncore`` runs) once per
argument list, with stdout and stderr captured for each; ``run`` starts the real
``python -m nncore`` for the checks that need a process of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_BATCH = """
import contextlib, io, json, sys
from nncore.cli import main

results = []
for args in json.load(sys.stdin):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as stop:  # what `python -m nncore` would exit with
            code = stop.code
    results.append([code, out.getvalue(), err.getvalue()])
print(json.dumps(results))
"""


@dataclass
class Result:
    """What one command printed and its exit status."""

    returncode: int
    stdout: str
    stderr: str


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    env.pop("NNSTUDIO_DEBUG", None)  # tracebacks stay hidden, as for a user
    return env


def run(
    args: list[str],
    cwd: Path | str = ROOT,
    *,
    env: dict[str, str] | None = None,
    cpus: set[int] | None = None,
    timeout: float = 300,
) -> Result:
    """``python -m nncore ARGS`` in a process of its own, with ``env`` added to its
    environment and, given ``cpus``, allowed to run on those CPUs only (Linux)."""
    done = subprocess.run(
        [sys.executable, "-m", "nncore", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**_env(), **(env or {})},
        preexec_fn=None if cpus is None else lambda: os.sched_setaffinity(0, cpus),
        timeout=timeout,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def run_batch(commands: list[list[str]], cwd: Path | str = ROOT) -> list[Result]:
    """Each argument list through ``nncore.cli.main`` in one new process.

    Raises:
        AssertionError: the process itself failed (a crash escaped ``main``).
    """
    done = subprocess.run(
        [sys.executable, "-c", _BATCH],
        input=json.dumps([[str(a) for a in args] for args in commands]),
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_env(),
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [Result(*item) for item in json.loads(done.stdout.strip().splitlines()[-1])]


def assert_one_error_line(result: Result, message: str) -> str:
    """Exit status 2, nothing on stdout, and one last stderr line ``error: ...``
    containing ``message`` (no traceback). Returns that line."""
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("error")]
    assert errors == [lines[-1]] and errors[0].startswith("error: "), lines
    assert message in errors[0], errors[0]
    return errors[0]
