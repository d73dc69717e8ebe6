"""Reading an experiment: from a JSON file or JSON text, validated.

Every way in (the CLI's file, the Experiment screen's upload, a share link) ends
here, so a file that is missing, too big, not text or not JSON gets one message that
names it and says how to fix it.
"""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path
from typing import Any

from nncore.core.errors import SpecError
from nncore.core.text import short
from nncore.spec.shape import field_name, nesting_error, path_at
from nncore.spec.validation import validate_spec

MAX_SPEC_BYTES = 20_000_000


def load_spec(path: str | Path) -> dict[str, Any]:
    """Read an experiment spec from a JSON file and validate it.

    Raises:
        SpecError: when the file is missing, is not JSON, or has a bad field.
    """
    path = Path(path)
    try:
        if path.stat().st_size > MAX_SPEC_BYTES:
            raise SpecError(
                f"The experiment file '{path}' is {path.stat().st_size:,} bytes; an "
                f"experiment is at most {MAX_SPEC_BYTES:,} (an exported one is about "
                "2,000). Check that this is the experiment's JSON file."
            )
        text = decode_json_bytes(path.read_bytes())
    except FileNotFoundError as error:
        raise SpecError(
            f"The experiment file '{path}' does not exist. Check the path."
        ) from error
    except (OSError, UnicodeDecodeError) as error:
        raise SpecError(
            f"Could not read the experiment file '{path}' ({short(error, 100)}). "
            "It must be a UTF-8 JSON file."
        ) from error
    return spec_from_text(
        text, f"The experiment file '{path}'", "Fix the JSON syntax there."
    )


def decode_json_bytes(data: bytes) -> str:
    """JSON text from a file's bytes: UTF-8 (with or without BOM) or UTF-16 with BOM.

    Raises:
        UnicodeDecodeError: the bytes are not such text.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16")
        if not text.lstrip().startswith(("{", "[")):  # binary that starts like it
            raise UnicodeDecodeError("utf-16", data, 0, len(data), "not JSON text")
        return text
    return data.decode("utf-8-sig")


def spec_from_text(text: str, name: str, advice: str) -> dict[str, Any]:
    """Parse an experiment from JSON text and validate it.

    Args:
        text: the JSON.
        name: how messages call its source, e.g. "The experiment file 'x.json'".
        advice: what to do when it is not JSON.

    Raises:
        SpecError: when the text is not JSON or a field is wrong.
    """
    if len(text) > MAX_SPEC_BYTES:
        raise SpecError(
            f"{name} is {len(text):,} characters long; an experiment is at most "
            f"{MAX_SPEC_BYTES:,} (an exported one is about 2,000). {advice}"
        )
    if not text.strip():
        raise SpecError(f"{name} is empty. {advice}")
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as error:
        raise SpecError(
            f"{name} is not valid JSON: {error.msg} at line {error.lineno}, column "
            f"{error.colno}. {advice}"
        ) from error
    except RecursionError as error:  # brackets nested thousands deep
        raise nesting_error(text) from error
    except ValueError as error:  # e.g. an integer of more than 4300 digits
        found = re.search(r"\d{4000,}", text)
        where = field_name(path_at(text, found.start())) if found else "experiment"
        raise SpecError(
            f"The '{where}' field holds a number with more than 4,000 digits, which "
            f"Python cannot read. Expected an ordinary number there, e.g. 20."
        ) from error
    return validate_spec(spec)
