"""Policy-config schema errors in gojsonschema v1.2.0's words (locales.go), as the CLI prints them."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from preflight.gate.schema_messages import go_json, schema_errors


def errors(properties: dict[str, Any], document: dict[str, Any], **schema: Any) -> list[str]:
    return schema_errors(jsonschema.Draft7Validator, {"type": "object", "properties": properties, **schema}, document)


@pytest.mark.parametrize(
    ("spec", "value", "line"),
    [
        ({"type": "string"}, 1.0, "foo: Invalid type. Expected: string, given: integer"),
        ({"type": "integer"}, 3.14, "foo: Invalid type. Expected: integer, given: number"),
        ({"type": ["string", "null"]}, True, "foo: Invalid type. Expected: [string,null], given: boolean"),
        ({"type": "object"}, [], "foo: Invalid type. Expected: object, given: array"),
        ({"type": "string"}, None, "foo: Invalid type. Expected: string, given: null"),
        ({"enum": ["bar", 0]}, 1, 'foo: foo must be one of the following: "bar", 0'),
        ({"enum": ["bar", 1.0, None]}, "x", 'foo: foo must be one of the following: "bar", 1, null'),
        ({"const": {"b": 2, "a": "<"}}, "x", 'foo: foo does not match: {"a":"\\u003c","b":2}'),
        ({"minLength": 50.0}, "short", "foo: String length must be greater than or equal to 50"),
        ({"maxLength": 3}, "long", "foo: String length must be less than or equal to 3"),
        ({"pattern": "^a+$"}, "b", "foo: Does not match pattern '^a+$'"),
        ({"minimum": 1000000.0}, 3, "foo: Must be greater than or equal to 1e+06"),
        ({"maximum": 2.5}, 3, "foo: Must be less than or equal to 2.5"),
        ({"exclusiveMinimum": 3}, 3, "foo: Must be greater than 3"),
        ({"exclusiveMaximum": 123456}, 123456, "foo: Must be less than 123456"),
        ({"multipleOf": 0.5}, 0.3, "foo: Must be a multiple of 0.5"),
        ({"minItems": 2}, [1], "foo: Array must have at least 2 items"),
        ({"maxItems": 0}, [1], "foo: Array must have at most 0 items"),
        ({"minProperties": 1}, {}, "foo: Must have at least 1 properties"),
        ({"maxProperties": 0}, {"a": 1}, "foo: Must have at most 0 properties"),
        ({"not": {"type": "string"}}, "x", "foo: Must not validate the schema (not)"),
        ({"anyOf": [{"type": "integer"}]}, "x", "foo: Must validate at least one schema (anyOf)"),
        ({"oneOf": [{"type": "integer"}]}, "x", "foo: Must validate one and only one schema (oneOf)"),
        ({"contains": {"type": "integer"}}, ["x"], "foo: At least one of the items must match"),
    ],
)
def test_each_keyword_reads_as_gojsonschema_words_it(spec: Any, value: Any, line: str) -> None:
    assert errors({"foo": spec}, {"foo": value}) == [line]


def test_a_false_schema_reads_as_gojsonschema_words_it_without_its_field() -> None:
    # jsonschema's error for a false subschema carries no path (documented in schema_messages).
    assert errors({"foo": False}, {"foo": 1}) == ["False always fails validation"]


def test_a_type_mismatch_stops_there_as_gojsonschema_does() -> None:
    # validation.go, validateRecursive returns after the type error: no enum or length error for that value.
    assert errors({"foo": {"type": "string", "enum": ["bar"], "maxLength": 1}}, {"foo": 12}) == [
        "foo: Invalid type. Expected: string, given: integer"
    ]


def test_root_errors_lose_the_root_prefix_and_nested_fields_are_dotted() -> None:
    items = {
        "type": "object",
        "properties": {"reason": {}, "action": {}},
        "required": ["reason", "action"],
        "additionalProperties": False,
    }
    found = errors(
        {"list": {"type": "array", "items": items, "uniqueItems": True}},
        {"list": [{"x": 1}, {"x": 1}, {"reason": "r", "action": "a"}]},
        required=["other"],
        dependencies={"list": ["also"]},
    )
    assert sorted(found) == [
        "Has a dependency on also",
        "list.0: Additional property x is not allowed",
        "list.0: action is required",
        "list.0: reason is required",
        "list.1: Additional property x is not allowed",
        "list.1: action is required",
        "list.1: reason is required",
        "list: array items[0,1] must be unique",
        "other is required",
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (3.14, "3.14"),
        (1e20, "100000000000000000000"),
        (1e21, "1e+21"),
        (1e-7, "1e-7"),
        (-0.5, "-0.5"),
        ("a&b\u2028", '"a\\u0026b\\u2028"'),
        ([True, None, {"z": 1, "a": [2.0]}], '[true,null,{"a":[2],"z":1}]'),
    ],
)
def test_values_are_written_as_go_marshals_them(value: Any, text: str) -> None:
    assert go_json(value) == text
