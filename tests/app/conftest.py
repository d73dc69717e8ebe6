import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


@pytest.fixture
def data_page():
    """The Data screen, run on its own as AppTest runs page files."""
    return AppTest.from_file(
        str(ROOT / "screens" / "data.py"), default_timeout=30
    ).run()
