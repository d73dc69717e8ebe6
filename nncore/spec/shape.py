"""How deep and how big an experiment may be, and naming the field where it is not.

A hand-edited or hostile file must not exhaust the server: the default spec is 4
levels deep and a few kB. These checks run before anything walks a spec
recursively, and the scanners find the field in JSON text that ``json`` cannot load.
"""

from __future__ import annotations

from typing import Any

from nncore.core.errors import SpecError

MAX_DEPTH = 20
MAX_TEXT = 100_000  # characters in one text field (a long column name fits)


def check_shape(value: Any, *, path: str = "") -> None:
    """Refuse values nested too deeply or holding too much text, naming the field.

    Runs before anything walks the spec recursively (merging, copying, showing), so
    a hostile document gets a message instead of a ``RecursionError`` or a 10 MB
    string shown on a screen.

    Args:
        value: the spec, or a part of it.
        path: where ``value`` sits in the spec. Defaults to ``""`` (the whole spec).

    Raises:
        SpecError: naming the field, what it holds and what is allowed.
    """
    stack = [(value, path, 0)]
    while stack:
        item, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _too_deep(where)
        if isinstance(item, str) and len(item) > MAX_TEXT:
            raise SpecError(
                f"The '{field_name(where)}' field is a text of {len(item):,} "
                f"characters; at most {MAX_TEXT:,} are allowed. Got {item[:20]!r}…."
            )
        if isinstance(item, dict):
            for key, inner in item.items():
                name = f"{where}.{key}" if where else str(key)
                stack.append((inner, name, depth + 1))
        elif isinstance(item, list | tuple):
            stack.extend(
                (inner, f"{where}[{i}]", depth + 1) for i, inner in enumerate(item)
            )


def field_name(path: str) -> str:
    """The named field of a path: ``"data.target[0][0]"`` -> ``"data.target"``."""
    cut = len(path)
    while cut and path[cut - 1] == "]":
        cut = path.rfind("[", 0, cut)
    return path[:cut] or path or "experiment"


def nesting_error(text: str) -> SpecError:
    """The message for JSON nested too deeply for ``json`` to load, naming the field
    (found by scanning the text)."""
    return _too_deep(_path_where_too_deep(text))


def _too_deep(path: str) -> SpecError:
    return SpecError(
        f"The '{field_name(path)}' field is nested more than {MAX_DEPTH} levels deep "
        "(lists or objects inside each other); no experiment field is. Expected a "
        "plain value there, such as a number, a text or a short list."
    )


def _path_where_too_deep(text: str) -> str:
    """The JSON path at which brackets first nest deeper than ``MAX_DEPTH``."""
    depth, in_string, escape = 0, False, False
    for index, char in enumerate(text):
        if in_string:
            if escape:
                escape = False
            elif char == "\\":
                escape = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return path_at(text, index)
        elif char in "]}":
            depth -= 1
    return ""


def path_at(text: str, end: int) -> str:
    """The JSON path (``model.layers[0].units``) of the value at ``text[end]``.

    A small scanner for documents ``json`` cannot load; keys are shown as written.
    """
    stack: list[list] = []  # [kind, key or index]
    in_string = escape = expecting_key = False
    start = 0
    for index in range(min(end, len(text))):
        char = text[index]
        if in_string:
            if escape:
                escape = False
            elif char == "\\":
                escape = True
            elif char == '"':
                in_string = False
                if stack and stack[-1][0] == "object" and expecting_key:
                    stack[-1][1] = text[start:index]
            continue
        if char == '"':
            in_string, start = True, index + 1
        elif char == "{":
            stack.append(["object", None])
            expecting_key = True
        elif char == "[":
            stack.append(["list", 0])
            expecting_key = False
        elif char in "]}":
            if stack:
                stack.pop()
            expecting_key = False
        elif char == ":":
            expecting_key = False
        elif char == "," and stack:
            if stack[-1][0] == "list":
                stack[-1][1] += 1
            else:
                expecting_key = True
    path = ""
    for kind, key in stack:
        if kind == "list":
            path += f"[{key}]"
        elif key is not None:
            path = f"{path}.{key}" if path else key
    return path
