"""A stack's config as the CLI resolves it before a preview or update: Pulumi.yaml's declarations (types, defaults,
values, secrets) merged with Pulumi.<stack>.yaml, then validated.

The spec is pulumi/pulumi pkg/workspace/config.go (mergeConfig, validateStackConfigValues, validateStackConfigValue)
and sdk/go/common/workspace/project.go (ValidateConfigValue, InferFullTypeName); how a YAML value becomes the string
the program reads is sdk/go/common/resource/config/object.go (MarshalString, MarshalJSON).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

# What an encrypted (`secure:`) stack value runs with offline when no key can decrypt it: a plain marker, passed as
# a secret, so the program runs and a pack sees a secret where the CLI would pass the decrypted value.
SECURE_PLACEHOLDER: Final = "preflight-secure-placeholder"

# strconv.Atoi: an optional sign and decimal digits.
_GO_INTEGER: Final = re.compile(r"[+-]?[0-9]+")
_GO_HTML_ESCAPES: Final = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


class StackConfigError(Exception):
    """A config declaration or value the CLI refuses; the message names the file and the key."""


def engine_value(value: Any) -> str:
    """The string the program and the pack receive for a config value (object.go, MarshalString): strings as they
    are, every other value as Go's json.Marshal writes it (compact, sorted keys, HTML characters escaped)."""
    if isinstance(value, str):
        return value
    text = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    for character, escape in _GO_HTML_ESCAPES.items():
        text = text.replace(character, escape)
    return text


def qualify(key: str, project: str) -> str:
    """config.go, parseConfigKey: a key without a namespace is the project's."""
    return key if ":" in key else f"{project}:{key}"


@dataclass(frozen=True)
class Declaration:
    """One key of Pulumi.yaml's `config:` block."""

    key: str  # as written in Pulumi.yaml
    type: str | None = None
    items: Mapping[str, Any] | None = None
    secret: bool = False
    value: Any = None  # the declared `value:` or `default:` (default wins, as in mergeConfig), None when neither
    has_value: bool = False


def read_declarations(project_file: Path, block: Any) -> list[Declaration]:
    """Pulumi.yaml's `config:`: a mapping of keys to a plain value or {type, items, default, value, secret}."""
    if block is None:
        return []
    if not isinstance(block, dict):
        raise StackConfigError(f"{project_file}: `config` must be a mapping")
    declarations = []
    for key, spec in block.items():
        if not isinstance(spec, dict):
            declarations.append(Declaration(str(key), value=spec, has_value=True))
            continue
        has_default, has_value = "default" in spec, "value" in spec
        declaration = Declaration(
            str(key),
            type=spec.get("type") if isinstance(spec.get("type"), str) else None,
            items=spec.get("items") if isinstance(spec.get("items"), dict) else None,
            secret=spec.get("secret") is True,
            value=spec["default"] if has_default else spec.get("value"),
            has_value=has_default or has_value,
        )
        # project.go, ValidateProject: a typed key's default (the YAML value itself) must match its type.
        if declaration.type and has_default and not value_matches(declaration.type, declaration.items, spec["default"]):
            raise StackConfigError(
                f"{project_file}: The default value specified for configuration key '{key}' is not of the expected "
                f"type '{full_type_name(declaration.type, declaration.items)}'"
            )
        declarations.append(declaration)
    return declarations


def full_type_name(type_name: str, items: Mapping[str, Any] | None) -> str:
    """project.go, InferFullTypeName: `array<integer>` and the like."""
    if items is not None:
        return f"array<{full_type_name(str(items.get('type')), items.get('items'))}>"
    return type_name


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value) and value == int(value)):
        return True
    return isinstance(value, str) and _GO_INTEGER.fullmatch(value) is not None


_SCALAR_CHECKS: Final[dict[str, Callable[[Any], bool]]] = {
    "string": lambda value: isinstance(value, str),
    "integer": _is_integer,
    "boolean": lambda value: isinstance(value, bool) or value in ("true", "false"),
    "object": lambda value: isinstance(value, dict),
}


def value_matches(type_name: str, items: Mapping[str, Any] | None, value: Any) -> bool:
    """project.go, ValidateConfigValue. `value` is what the CLI checks: the string of a scalar stack value, or the
    JSON-decoded structure of a list or mapping (whose numbers are float64 there: a whole float is an integer)."""
    check = _SCALAR_CHECKS.get(type_name)
    if check is not None:
        return check(value)
    if not isinstance(value, list) or items is None:
        return False
    return all(value_matches(str(items.get("type")), items.get("items"), item) for item in value)


def _checked_form(value: Any) -> Any:
    """What validateStackConfigValue type-checks: scalars as their strings, lists and mappings as structures."""
    return value if isinstance(value, (list, dict)) else engine_value(value)


@dataclass(frozen=True)
class ResolvedConfig:
    values: dict[str, str]
    secret_keys: tuple[str, ...]


def resolve(
    *,
    project: str,
    project_file: Path,
    declarations: list[Declaration],
    stack: str,
    stack_file: Path,
    stack_values: Mapping[str, Any],
) -> ResolvedConfig:
    """Merge and validate as `pulumi preview/up` do (mergeConfig with validate=true), raising StackConfigError with
    the CLI's message, prefixed by the file that has to change."""
    values: dict[str, str] = {}
    secret_keys: set[str] = set()
    stack_keys = {qualify(key, project): key for key in stack_values}
    for key, raw in stack_values.items():
        qualified = qualify(key, project)
        if isinstance(raw, dict) and set(raw) == {"secure"}:
            values[qualified] = SECURE_PLACEHOLDER
            secret_keys.add(qualified)
        else:
            values[qualified] = engine_value(raw)
    missing = []
    for declaration in sorted(declarations, key=lambda declaration: declaration.key):
        qualified = qualify(declaration.key, project)
        if declaration.secret:
            secret_keys.add(qualified)
        if qualified in stack_keys:
            _validate_stack_value(stack, stack_file, declaration, stack_values[stack_keys[qualified]])
        elif declaration.has_value:
            values[qualified] = engine_value(declaration.value)
        elif qualified.split(":", 1)[0] == project:
            missing.append(declaration.key)
    if missing:
        noun = "value" if len(missing) == 1 else "values"
        raise StackConfigError(
            f"{stack_file}: Stack '{stack}' is missing configuration {noun} {_and_list(missing)} "
            "(declared without a default in Pulumi.yaml: set it in the stack file)"
        )
    return ResolvedConfig(values, tuple(sorted(secret_keys)))


def _validate_stack_value(stack: str, stack_file: Path, declaration: Declaration, raw: Any) -> None:
    secure = isinstance(raw, dict) and set(raw) == {"secure"}
    if declaration.secret and not secure:
        raise StackConfigError(
            f"{stack_file}: Stack '{stack}' with configuration key '{declaration.key}' must be encrypted as it's "
            "secret (pulumi config set --secret)"
        )
    # An encrypted value cannot be decrypted offline, so its type cannot be checked.
    if declaration.type is None or secure:
        return
    if not value_matches(declaration.type, declaration.items, _checked_form(raw)):
        raise StackConfigError(
            f"{stack_file}: Stack '{stack}' with configuration key '{declaration.key}' must be of type "
            f"'{full_type_name(declaration.type, declaration.items)}'"
        )


def _and_list(keys: list[str]) -> str:
    """config.go, formatMissingKeys: 'a', 'b' and 'c'."""
    quoted = [f"'{key}'" for key in sorted(keys)]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]
