"""Policy-config validation errors worded as the Pulumi CLI words them.

The engine validates each policy's merged config with gojsonschema v1.2.0 (pulumi's
pkg/resource/analyzer/config.go, validatePolicyConfig) and prints one line per error: gojsonschema's
`ResultErrorFields.String()`, `<field>: <description>`, with a leading "(root): " trimmed. `schema_errors` validates
with Python's jsonschema and rewords each error in gojsonschema's DefaultLocale (locales.go), with its field naming
(jsonContext.go: the path joined by ".", the root is "(root)") and its details (validation.go).

Reproduced exactly: type, required, enum, const, minLength/maxLength, pattern, minimum/maximum and their exclusive
forms, multipleOf, minItems/maxItems, uniqueItems, minProperties/maxProperties, additionalProperties false, array
dependencies, not, anyOf, oneOf and contains. Where gojsonschema also adds the errors of the closest failing
branch (anyOf, oneOf, contains), the branch errors are not reproduced; keywords it words through a wrapper line
(allOf, if/then/else, propertyNames) report the branch's own errors without that line. A `false` subschema reads
"False always fails validation" without its field (jsonschema's error for it carries no path). gojsonschema checks
`format` by default; jsonschema here does not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

# locales.go, DefaultLocale: the description template per keyword jsonschema names the error by.
_FIXED: dict[str, str] = {
    "not": "Must not validate the schema (not)",
    "anyOf": "Must validate at least one schema (anyOf)",
    "oneOf": "Must validate one and only one schema (oneOf)",
    "contains": "At least one of the items must match",
}
_COUNTED: dict[str, str] = {
    "minLength": "String length must be greater than or equal to {}",
    "maxLength": "String length must be less than or equal to {}",
    "minItems": "Array must have at least {} items",
    "maxItems": "Array must have at most {} items",
    "minProperties": "Must have at least {} properties",
    "maxProperties": "Must have at most {} properties",
}
_BOUNDS: dict[str, str] = {
    "minimum": "Must be greater than or equal to {}",
    "maximum": "Must be less than or equal to {}",
    "exclusiveMinimum": "Must be greater than {}",
    "exclusiveMaximum": "Must be less than {}",
    "multipleOf": "Must be a multiple of {}",
}
# Go's encoding/json escapes these inside strings (encode.go, htmlSafeSet and the line separators).
_GO_STRING_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def go_type(value: Any) -> str:
    """gojsonschema's name for a value's JSON type; a whole number is an integer (validation.go, checkJSONInteger)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _go_float(value: float, exponent_from: int) -> str:
    """A number's shortest digits, in exponent form when its exponent is below -4 or at least `exponent_from`."""
    number = Decimal(repr(float(value))).normalize()
    exponent = number.adjusted()
    if -4 <= exponent < exponent_from:
        return format(number, "f")
    digits = "".join(map(str, number.as_tuple().digits))
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    sign = "-" if number < 0 else ""
    return f"{sign}{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"


def go_json(value: Any) -> str:
    """`json.Marshal` of the value as Go decodes it (utils.go, marshalWithoutNumber): sorted keys, no spaces, HTML
    characters escaped, numbers as float64 in encode.go's floatEncoder form."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        if value == 0:
            return "0"
        text = _go_float(value, 21) if 1e-6 <= abs(value) < 1e21 else _go_float(value, 0)
        # encode.go, floatEncoder: "1e-07" is written "1e-7".
        return re.sub(r"e-0(\d)$", r"e-\1", text)
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return "".join(_GO_STRING_ESCAPES.get(character, character) for character in text)
    if isinstance(value, list):
        return "[" + ",".join(go_json(item) for item in value) + "]"
    return "{" + ",".join(f"{go_json(str(key))}:{go_json(value[key])}" for key in sorted(value)) + "}"


def _go_big_float(value: float) -> str:
    """`%v` of a *big.Float (big/ftoa.go, 'g' with the shortest digits): exponent form from 1e+06."""
    return _go_float(value, 6)


def _field(path: Iterable[Any]) -> str:
    """jsonContext.go and result.go, Field(): the path joined by ".", "(root)" for the document itself."""
    parts = [str(part) for part in path]
    return ".".join(parts) if parts else "(root)"


def _unique_pairs(items: list[Any]) -> list[tuple[int, int]]:
    """validation.go, uniqueItems: each item equal to an earlier one, paired with the last such earlier index."""
    seen: dict[str, int] = {}
    pairs = []
    for index, item in enumerate(items):
        key = go_json(item)
        if key in seen:
            pairs.append((seen[key], index))
        seen[key] = index
    return pairs


def _additional(instance: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """validation.go, validateObject: the properties neither `properties` nor `patternProperties` describes."""
    patterns = schema.get("patternProperties", {})
    return [
        name
        for name in sorted(instance)
        if name not in schema.get("properties", {}) and not any(re.search(pattern, name) for pattern in patterns)
    ]


def _dependencies(error: Any) -> list[str]:
    """validation.go, validateSchema: one error per missing property a present property depends on."""
    return [
        f"Has a dependency on {needed}"
        for name, needs in error.validator_value.items()
        if name in error.instance and isinstance(needs, list)
        for needed in needs
        if needed not in error.instance
    ]


def _type(error: Any) -> str:
    expected = error.validator_value
    types = expected if isinstance(expected, str) else "[" + ",".join(expected) + "]"
    return f"Invalid type. Expected: {types}, given: {go_type(error.instance)}"


# validation.go: the details each keyword's description is filled with; `field` is the error's Field().
_DESCRIBE: dict[str, Callable[[Any, str], list[str]]] = {
    "type": lambda error, field: [_type(error)],
    "required": lambda error, field: [
        f"{name} is required" for name in error.validator_value if name not in error.instance
    ],
    "enum": lambda error, field: [
        f"{field} must be one of the following: {', '.join(go_json(item) for item in error.validator_value)}"
    ],
    "const": lambda error, field: [f"{field} does not match: {go_json(error.validator_value)}"],
    "pattern": lambda error, field: [f"Does not match pattern '{error.validator_value}'"],
    "uniqueItems": lambda error, field: [
        f"array items[{first},{second}] must be unique" for first, second in _unique_pairs(error.instance)
    ],
    "additionalProperties": lambda error, field: [
        f"Additional property {name} is not allowed" for name in _additional(error.instance, error.schema)
    ],
    "dependencies": lambda error, field: _dependencies(error),
}


def _descriptions(error: Any, field: str) -> list[str]:
    """gojsonschema's descriptions for one jsonschema error (some keywords report one error per item)."""
    keyword = error.validator
    if keyword in _DESCRIBE:
        return _DESCRIBE[keyword](error, field)
    if keyword in _COUNTED:
        return [_COUNTED[keyword].format(int(error.validator_value))]
    if keyword in _BOUNDS:
        return [_BOUNDS[keyword].format(_go_big_float(error.validator_value))]
    if keyword is None:
        return ["False always fails validation"]
    return [_FIXED.get(keyword, error.message)]


def _same_node(error: Any, type_error: Any) -> bool:
    """gojsonschema stops at a type mismatch (validation.go, validateRecursive): no other error of that subschema
    at that node or below it."""
    node, subschema = list(type_error.absolute_path), list(type_error.absolute_schema_path)[:-1]
    return (
        error is not type_error
        and list(error.absolute_path)[: len(node)] == node
        and list(error.absolute_schema_path)[: len(subschema)] == subschema
    )


def schema_errors(validator_class: Callable[[Any], Any], schema: dict[str, Any], document: Any) -> list[str]:
    """Every error of `document` against `schema`, as the lines validatePolicyConfig returns (unsorted)."""
    errors = list(validator_class(schema).iter_errors(document))
    type_errors = [error for error in errors if error.validator == "type"]
    lines = []
    seen_required = set()
    for error in errors:
        if any(_same_node(error, type_error) for type_error in type_errors):
            continue
        if error.validator == "required":
            # jsonschema reports each missing property apart; gojsonschema's lines come from one pass over them.
            where = (tuple(error.absolute_path), tuple(error.absolute_schema_path))
            if where in seen_required:
                continue
            seen_required.add(where)
        field = _field(error.absolute_path)
        for description in _descriptions(error, field):
            line = f"{field}: {description}"
            # config.go, validatePolicyConfig: `strings.TrimPrefix(err.String(), "(root): ")`.
            lines.append(line.removeprefix("(root): "))
    return lines
