"""Defensive readers for the property trees policies receive.

What a policy gets is not a dict: `args.props` is pulumi_policy's read-only proxy, whose item access raises
`UnknownValueError` for a value that is unknown during preview, and whose values may be anything a program (or a
broken program) registered: wrong types, nulls, secrets unwrapped to plaintext or still wrapped as `Secret`, deep
nesting, huge strings. The readers here never raise on any of that. They answer with the value, or with one of two
markers a policy must handle explicitly:

- `MISSING`: the value is absent, null, or not of the shape the path expects;
- `UNKNOWN`: the value (or a container on the way to it) is not known yet, so the policy cannot decide from it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from pulumi_policy import Secret
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

# The engine's unknown sentinels (pulumi_policy.proxy), one per value kind.
UNKNOWN_SENTINELS: Final = frozenset(
    {
        UNKNOWN_STRING_VALUE,
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
        "030794c1-ac77-496b-92df-f27374a8bd58",
        "e48ece36-62e2-4504-bad9-02848725956a",
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
    }
)
# Deeper trees than this are treated as malformed rather than walked (property trees of real resources are shallow).
MAX_DEPTH: Final = 64


class Marker:
    """A value that is not a value: compare with `is`, never by truthiness."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name

    def __bool__(self) -> bool:
        raise TypeError(f"{self._name} has no truth value; compare it with `is`")


MISSING: Final = Marker("MISSING")
UNKNOWN: Final = Marker("UNKNOWN")


def is_unknown_sentinel(value: Any) -> bool:
    return isinstance(value, str) and value in UNKNOWN_SENTINELS


def _settle(value: Any) -> Any:
    """Unwrap secrets, map sentinels to UNKNOWN and nulls to MISSING."""
    while isinstance(value, Secret):
        value = value.value
    if value is None:
        return MISSING
    if is_unknown_sentinel(value):
        return UNKNOWN
    return value


def is_mapping(value: Any) -> bool:
    return isinstance(value, Mapping)


def is_sequence(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes | bytearray)


def field(container: Any, key: str | int) -> Any:  # noqa: PLR0911 - one answer per shape of container
    """One step into a mapping (str key) or a sequence (int index); never raises."""
    if container is MISSING or container is UNKNOWN:
        return container
    container = _settle(container)
    try:
        if isinstance(key, str) and is_mapping(container):
            if key not in container:
                return MISSING
            return _settle(container[key])
        if isinstance(key, int) and is_sequence(container):
            if not -len(container) <= key < len(container):
                return MISSING
            return _settle(container[key])
    except UnknownValueError:
        return UNKNOWN
    except (KeyError, IndexError, TypeError):
        return MISSING
    return container if container is UNKNOWN else MISSING


def path(container: Any, *keys: str | int) -> Any:
    """`field` applied along `keys`; stops at the first MISSING or UNKNOWN."""
    value = container
    for key in keys:
        value = field(value, key)
        if value is MISSING or value is UNKNOWN:
            return value
    return _settle(value)


def elements(value: Any) -> list[Any]:
    """The items of a repeated block: a sequence's items, a single object as one item, nothing for MISSING.

    pulumi-aws gives some nested blocks as lists in one version and single objects in another, so both count.
    An unknown item (or an unknown block) comes back as UNKNOWN in its place.
    """
    value = _settle(value)
    if value is MISSING:
        return []
    if value is UNKNOWN:
        return [UNKNOWN]
    if is_sequence(value):
        return [field(value, index) for index in range(len(value))]
    return [value]


def entries(value: Any) -> list[tuple[str, Any]]:
    """(key, value) pairs of a mapping, each value settled; an empty list for anything else."""
    value = _settle(value)
    if not is_mapping(value):
        return []
    return [(key, field(value, key)) for key in list(value) if isinstance(key, str)]


def text(value: Any) -> Any:
    """A string, UNKNOWN, or MISSING (for anything that is not a string)."""
    value = _settle(value)
    if value is UNKNOWN or isinstance(value, str):
        return value
    return MISSING


def flag(value: Any) -> Any:
    """True/False (booleans, or the strings "true"/"false" that provider inputs use), UNKNOWN, or MISSING."""
    value = _settle(value)
    if value is UNKNOWN or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return MISSING


def number(value: Any) -> Any:
    """A float (numbers arrive as floats on the wire), UNKNOWN, or MISSING; booleans are not numbers."""
    value = _settle(value)
    if value is UNKNOWN:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and value == value:  # noqa: PLR0124 - NaN
        return float(value)
    return MISSING


def plain(value: Any, depth: int = 0) -> Any:
    """A plain Python copy of a property tree (dicts, lists, scalars), with UNKNOWN where values are unknown.

    Trees deeper than MAX_DEPTH give MISSING: nothing a policy reads is that deep, and walking it would only cost.
    """
    value = _settle(value)
    if depth > MAX_DEPTH:
        return MISSING
    if is_mapping(value):
        return {key: plain(item, depth + 1) for key, item in entries(value)}
    if is_sequence(value):
        return [plain(item, depth + 1) for item in elements(value)]
    return value


def json_document(value: Any) -> Any:
    """A JSON document (an IAM policy, provider default tags) given as a JSON string or as an object.

    Returns the parsed document as plain Python (UNKNOWN inside where parts are unknown), UNKNOWN when the whole
    value is unknown, or MISSING when it is absent or not valid JSON.
    """
    value = _settle(value)
    if value is UNKNOWN or value is MISSING:
        return value
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except (ValueError, RecursionError):
            return MISSING
        return plain(parsed)
    if is_mapping(value) or is_sequence(value):
        return plain(value)
    return MISSING


def string_list(value: Any) -> list[Any]:
    """A policy field that may be one string or a list of strings (IAM `Action`, `Resource`).

    Strings and UNKNOWN items are kept; other items are dropped (they cannot grant anything IAM would accept).
    """
    return [item for item in elements(value) if item is UNKNOWN or isinstance(item, str)]
