"""Running code in a fresh interpreter to see which heavy libraries it loads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("keras", "streamlit", "tensorflow")


def heavy_modules_after(code: str) -> list[str]:
    """Run ``code`` in a new Python process; return the heavy modules it imported.

    The process starts from the repository root with nothing imported, so the
    answer does not depend on what other tests loaded.
    """
    report = f"\nimport sys\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run(
        [sys.executable, "-c", code + report],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return eval(result.stdout.strip().splitlines()[-1])  # a list literal we printed
