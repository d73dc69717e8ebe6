"""Running code in a fresh interpreter to see which heavy libraries it loads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("keras", "streamlit", "tensorflow")


def fresh_output(code: str, *, timeout: float = 180) -> list[str]:
    """Run ``code`` in a new Python process; return the lines it printed.

    The process starts from the repository root with nothing imported, so the
    answer does not depend on what other tests loaded.
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()


def heavy_modules_after(code: str, modules: tuple[str, ...] = HEAVY) -> list[str]:
    """Run ``code`` in a new Python process (``fresh_output``); return which of
    ``modules`` (by default the heavy ones) it imported."""
    report = f"\nimport sys\nprint(sorted(m for m in {modules!r} if m in sys.modules))"
    return eval(fresh_output(code + report)[-1])  # a list literal we printed


def run_exported_script(path: Path) -> tuple[dict, list[str]]:
    """Run an exported script as a user would, where nncore cannot be imported.

    Returns the JSON object of its last line and all the lines it printed.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "PYTHONSTARTUP")
    }
    env.update(TF_CPP_MIN_LOG_LEVEL="2", TF_ENABLE_ONEDNN_OPTS="0")
    result = subprocess.run(
        [sys.executable, str(path)],
        cwd=path.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    return json.loads(lines[-1]), lines
