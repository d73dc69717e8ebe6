"""Does the app deploy on Streamlit Community Cloud as the repository stands?

Checks, without installing anything:

- ``requirements.txt`` resolves to wheels on Python 3.12 (the Cloud default) and 3.11
  for Linux x86-64 (``pip install --dry-run`` with the target interpreter's tags, so
  a package without a wheel for that Python fails here instead of on the Cloud);
- ``.streamlit/config.toml`` parses and sets the theme and the upload limit;
- the resource-guard environment variables are documented there.

Run: ``python bench/deploy_check.py``. Needs the package index (PyPI), nothing else.
Prints one line per check and PASS/FAIL; exits 1 when a check fails.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHONS = ("3.12", "3.11")
PLATFORMS = (
    "manylinux2014_x86_64",
    "manylinux_2_17_x86_64",
    "manylinux_2_27_x86_64",
    "manylinux_2_28_x86_64",
    "linux_x86_64",
)
KEY_PACKAGES = ("streamlit", "tensorflow-cpu", "keras", "numpy", "optuna", "plotly")


def resolve(python: str) -> tuple[bool, str]:
    """Resolve requirements.txt for ``python`` on Linux; (ok, summary)."""
    with tempfile.TemporaryDirectory() as work:
        report = Path(work) / "report.json"
        command = [
            sys.executable, "-m", "pip", "install", "--dry-run", "--quiet",
            "--ignore-installed", "--only-binary=:all:", "--implementation", "cp",
            "--python-version", python, "--target", str(Path(work) / "target"),
            "--report", str(report), "-r", str(ROOT / "requirements.txt"),
        ]  # fmt: skip
        for platform in PLATFORMS:
            command += ["--platform", platform]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
            return False, last
        installed = json.loads(report.read_text())["install"]
    versions = {
        item["metadata"]["name"].lower().replace("_", "-"): item["metadata"]["version"]
        for item in installed
    }
    shown = ", ".join(
        f"{name} {versions[name]}" for name in KEY_PACKAGES if name in versions
    )
    return True, f"{len(installed)} packages ({shown})"


def config() -> list[tuple[bool, str]]:
    path = ROOT / ".streamlit" / "config.toml"
    text = path.read_text()
    settings = tomllib.loads(text)
    upload = settings.get("server", {}).get("maxUploadSize")
    theme = settings.get("theme", {})
    return [
        (bool(theme), f"theme: {theme or 'not set'}"),
        (upload is not None, f"upload limit: {upload} MB"),
        ("NNSTUDIO_MAX_PARAMS" in text, "resource guards documented in config.toml"),
    ]


def main() -> int:
    checks = []
    for python in PYTHONS:
        ok, summary = resolve(python)
        checks.append((ok, f"requirements.txt on Python {python}: {summary}"))
    checks += config()
    for ok, line in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {line}")
    return 0 if all(ok for ok, _ in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
