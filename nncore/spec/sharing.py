"""Experiments as files and as share links.

A share link carries the experiment in the URL query: only the fields that differ
from the defaults, as compact JSON, compressed with zlib and encoded as URL-safe
base64. A typical experiment fits in a hundred characters or so.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import zlib
from typing import Any

from nncore.core.errors import SpecError
from nncore.spec.parse import decode_json_bytes, spec_from_text
from nncore.spec.schema import DEFAULT_SPEC
from nncore.spec.shape import check_shape, nesting_error
from nncore.spec.validation import validate_spec

QUERY_KEY = "experiment"
# A link decodes to at most this much JSON: a tiny link cannot expand into a huge
# document (a "zip bomb") in the server's memory.
MAX_JSON_BYTES = 100_000
# Longer codes are not links this app made (browsers cut URLs near 32-64 k anyway).
MAX_CODE_CHARS = 60_000


def spec_to_json(spec: dict[str, Any]) -> str:
    """The whole experiment as indented JSON, for "Export experiment"."""
    return json.dumps(validate_spec(spec), indent=2) + "\n"


def spec_from_json(text: str | bytes, *, name: str = "the experiment file") -> dict:
    """Read an exported experiment and validate it.

    Args:
        text: the file's JSON, as text or bytes.
        name: how messages call the file. Defaults to ``"the experiment file"``.

    Raises:
        SpecError: when the text is not JSON or a field is wrong.
    """
    if isinstance(text, bytes):
        try:
            text = decode_json_bytes(text)
        except UnicodeDecodeError as error:
            raise SpecError(
                f"{name} is not a text file. Choose the .json file that "
                "'Export experiment' downloaded."
            ) from error
    return spec_from_text(
        text, name, "Choose the .json file that 'Export experiment' downloaded."
    )


def _changes(value: Any, default: Any) -> Any:
    """The parts of ``value`` that differ from ``default`` (None when none do)."""
    if isinstance(value, dict) and isinstance(default, dict):
        changed = {}
        for key, item in value.items():
            if key not in default:
                changed[key] = item
                continue
            difference = _changes(item, default[key])
            if difference is not None:
                changed[key] = difference
        return changed or None
    return None if value == default else value


def _merge(default: Any, changes: Any) -> Any:
    if isinstance(default, dict) and isinstance(changes, dict):
        merged = copy.deepcopy(default)
        for key, item in changes.items():
            merged[key] = _merge(default.get(key), item) if key in default else item
        return merged
    return copy.deepcopy(changes)


def encode_spec(spec: dict[str, Any]) -> str:
    """The experiment as a short, URL-safe code for a share link."""
    changes = _changes(validate_spec(spec), validate_spec(DEFAULT_SPEC)) or {}
    text = json.dumps(changes, separators=(",", ":"), sort_keys=True)
    packed = zlib.compress(text.encode("utf-8"), level=9)
    return base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def decode_spec(code: str) -> dict[str, Any]:
    """The experiment a share-link code carries, validated.

    Raises:
        SpecError: when the link is damaged or a field in it is wrong.
    """
    damaged = (
        "The share link is damaged ({}). Copy the whole link again from the "
        "'Share' box of the app that made it."
    )
    code = (code or "").strip()
    if not code:
        raise SpecError(damaged.format("it is empty"))
    if len(code) > MAX_CODE_CHARS:
        raise SpecError(
            damaged.format(f"it is longer than {MAX_CODE_CHARS:,} characters")
        )
    try:
        packed = base64.urlsafe_b64decode(code + "=" * (-len(code) % 4))
        inflater = zlib.decompressobj()
        text = inflater.decompress(packed, MAX_JSON_BYTES)
    except (binascii.Error, ValueError, zlib.error) as error:
        raise SpecError(damaged.format("it is not an NN Studio experiment")) from error
    if inflater.unconsumed_tail:
        raise SpecError(damaged.format("it expands to more than 100 kB"))
    if not inflater.eof:
        raise SpecError(damaged.format("it is cut short: its end is missing"))
    try:
        changes = json.loads(text.decode("utf-8"))
    except RecursionError as error:  # valid but absurd: name the field
        raise nesting_error(text.decode("utf-8", errors="replace")) from error
    except (ValueError, UnicodeDecodeError) as error:
        raise SpecError(damaged.format("it is not an NN Studio experiment")) from error
    if not isinstance(changes, dict):
        raise SpecError(damaged.format("it does not hold an experiment"))
    check_shape(changes)  # before merging walks it
    return validate_spec(_merge(validate_spec(DEFAULT_SPEC), changes))
