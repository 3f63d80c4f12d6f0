"""Readers of raw stack config values: each returns the typed value or raises ConfigError naming the key, what was
given and what is allowed. Values arrive as the CLI hands them to the program (strings, or JSON for lists and
mappings) or as Python values from tests and environment overrides."""

from __future__ import annotations

import json
import math
import re
from typing import Any

_NAME_PART = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


class ConfigError(ValueError):
    """One bad config value: which key, what was given, what is allowed."""

    def __init__(self, key: str, value: Any, allowed: str, variable: str | None = None) -> None:
        self.key = key
        self.value = value
        self.allowed = allowed
        where = f"environment variable {variable} (overrides `{key}`)" if variable else f"stack config `{key}`"
        super().__init__(f"invalid {where} = {value!r}: {allowed}")


def as_list(key: str, value: Any) -> list[Any]:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ConfigError(key, value, "a list (YAML list or comma-separated string)") from exc
        else:
            value = [part.strip() for part in text.split(",") if part.strip()]
    if not isinstance(value, list):
        raise ConfigError(key, value, "a list (YAML list or comma-separated string)")
    return value


def as_mapping(key: str, value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ConfigError(key, value, "a mapping") from exc
    if not isinstance(value, dict):
        raise ConfigError(key, value, "a mapping")
    return value


def as_number(value: Any) -> float | None:
    """`value` as a float when it is a number or a numeric string (never a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def as_int(key: str, value: Any, minimum: int, maximum: int) -> int:
    number = as_number(value)
    if number is None or not number.is_integer() or not minimum <= number <= maximum:
        raise ConfigError(key, value, f"a whole number from {minimum} to {maximum}")
    return int(number)


def as_float(key: str, value: Any, minimum: float, maximum: float) -> float:
    number = as_number(value)
    if number is None or math.isnan(number) or not minimum <= number <= maximum:
        raise ConfigError(key, value, f"a number from {minimum:g} to {maximum:g}")
    return number


def as_bool(key: str, value: Any) -> bool:
    # The CLI hands booleans to the program as the strings "true" and "false".
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ConfigError(key, value, "true or false")


def name_part(key: str, value: Any, max_len: int) -> str:
    if not isinstance(value, str) or not _NAME_PART.match(value) or len(value) > max_len:
        raise ConfigError(
            key, value, f"lowercase letters, digits and single hyphens, starting with a letter, at most {max_len}"
        )
    return value


def required_text(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(key, value, "a non-empty string (required, there is no default)")
    return value.strip()
