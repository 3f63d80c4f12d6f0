"""A registration's inputs as Terraform attribute values, shaped by the pulumi-aws SDK's own typed classes.

Terraform's attribute names are the snake_case of the Pulumi names (repeated blocks singular), except the handful the
bridge renames (_FIELD_RENAMES); nested blocks become lists of objects (a single block as a one-element list),
whole-number floats integers, JSON-valued string fields JSON strings; secrets are unwrapped, unknowns and
assets/archives dropped.
"""

from __future__ import annotations

import collections.abc
import functools
import importlib
import json
import re
import typing
from dataclasses import dataclass
from typing import Any

from preflight import _sdk
from preflight.plan.tf_types import snake_case
from preflight.program.capture import SECRET_SIG, SECRET_VALUE_SIG, UNKNOWN

# Signatures of assets and archives in the Pulumi wire format (pulumi.runtime.rpc).
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"

# Fields whose Terraform name is not the snake_case (or, for repeated blocks, the singular) of the Pulumi name,
# from pulumi-aws's bridge-metadata.json `renamedProperties`: Terraform type -> Pulumi property path -> name.
_REST_API_ID = {"restApi": "rest_api_id"}
_FIELD_RENAMES: dict[str, dict[str, str]] = {
    "aws_lambda_function": {
        "name": "function_name",
        "imageConfig.commands": "command",
        "imageConfig.entryPoints": "entry_point",
    },
    "aws_lambda_permission": {"function": "function_name"},
    "aws_cloudwatch_metric_alarm": {"name": "alarm_name"},
    "aws_sns_topic_subscription": {"topic": "topic_arn"},
    "aws_cloudwatch_log_subscription_filter": {"logGroup": "log_group_name"},
    "aws_api_gateway_authorizer": _REST_API_ID,
    "aws_api_gateway_deployment": _REST_API_ID,
    "aws_api_gateway_integration": _REST_API_ID,
    "aws_api_gateway_integration_response": _REST_API_ID,
    "aws_api_gateway_method": _REST_API_ID,
    "aws_api_gateway_method_response": _REST_API_ID,
    "aws_api_gateway_method_settings": _REST_API_ID,
    "aws_api_gateway_model": _REST_API_ID,
    "aws_api_gateway_request_validator": _REST_API_ID,
    "aws_api_gateway_resource": _REST_API_ID,
    "aws_api_gateway_stage": {**_REST_API_ID, "deployment": "deployment_id"},
    "aws_api_gateway_base_path_mapping": {"restApi": "api_id"},
    "aws_api_gateway_usage_plan": {"apiStages": "api_stages"},
    "aws_codebuild_project": {
        "secondaryArtifacts": "secondary_artifacts",
        "secondarySources": "secondary_sources",
        "fileSystemLocations": "file_system_locations",
    },
}


@dataclass(frozen=True)
class Attribute:
    """One property of a resource or nested block: its Terraform name and shape."""

    name: str
    kind: str  # "scalar", "string", "list", "map", "block", "blocks", "asset" or "any"
    nested: type | None = None


AttributeSchema = dict[str, Attribute]


def singular(name: str) -> str:
    """The singular of the last word of a snake_case name: `inline_policies` -> `inline_policy`, `ingress` stays."""
    head, _, last = name.rpartition("_")
    prefix = f"{head}_" if head else ""
    if last == "indices":
        return f"{prefix}index"
    if last.endswith("ies") and len(last) > 3:
        return f"{prefix}{last[:-3]}y"
    if last.endswith(("sses", "xes", "ches", "shes", "uses", "ases")):
        return f"{prefix}{last[:-2]}"
    if last.endswith(("ss", "us", "is")) or not last.endswith("s"):
        return name
    return f"{prefix}{last[:-1]}"


def _strip_optional(typ: Any) -> Any:
    if typing.get_origin(typ) is typing.Union:
        members = [arg for arg in typing.get_args(typ) if arg is not type(None)]
        return members[0] if len(members) == 1 else typ
    return typ


def _classify_sequence(typ: Any) -> tuple[str, type | None]:
    (item,) = typing.get_args(typ) or (Any,)
    item = _strip_optional(item)
    if isinstance(item, type) and _sdk.pulumi_types().is_output_type(item):
        return "blocks", item
    return "list", None


def _classify_class(typ: type) -> tuple[str, type | None]:
    import pulumi  # noqa: PLC0415

    if _sdk.pulumi_types().is_output_type(typ):
        return "block", typ
    if issubclass(typ, (pulumi.Asset, pulumi.Archive)):
        return "asset", None
    if typ is str:
        return "string", None
    return ("scalar" if typ in (int, float, bool) else "any"), None


def _classify(typ: Any) -> tuple[str, type | None]:
    """The shape of a property from its output type: scalar, string, list, map, block(s), asset or any."""
    typ = _strip_optional(typ)
    origin = typing.get_origin(typ)
    if origin in (collections.abc.Sequence, list):
        return _classify_sequence(typ)
    if origin in (collections.abc.Mapping, dict):
        return "map", None
    if isinstance(typ, type):
        return _classify_class(typ)
    return "any", None


def _schema_from_types(types_by_name: dict[str, Any], tf_type: str, path: str) -> AttributeSchema:
    renames = _FIELD_RENAMES.get(tf_type, {})
    schema: AttributeSchema = {}
    for wire_name, typ in types_by_name.items():
        kind, nested = _classify(typ)
        key = f"{path}{wire_name}"
        default = singular(snake_case(wire_name)) if kind == "blocks" else snake_case(wire_name)
        schema[wire_name] = Attribute(renames.get(key, default), kind, nested)
    return schema


@functools.cache
def _resource_class(token: str) -> type | None:
    """The pulumi-aws SDK class for `token`: `aws:lambda/function:Function` -> pulumi_aws.lambda_.Function."""
    match = re.match(r"^aws:([a-z0-9]+)/[^:]+:([A-Za-z0-9_]+)$", token)
    if match is None:
        return None
    module_name, class_name = match.groups()
    for candidate in (f"pulumi_aws.{module_name}", f"pulumi_aws.{module_name}_"):
        try:
            module = importlib.import_module(candidate)
        except ImportError:
            continue
        cls = getattr(module, class_name, None)
        if isinstance(cls, type):
            return cls
    return None


@functools.cache
def resource_schema(token: str, tf_type: str) -> AttributeSchema | None:
    """Terraform names and shapes of a resource's properties, keyed by Pulumi wire name; None if the SDK lacks it."""
    cls = _resource_class(token)
    if cls is None:
        return None
    return _schema_from_types(_sdk.pulumi_types().resource_types(cls), tf_type, "")


@functools.cache
def _block_schema(cls: type, tf_type: str, path: str) -> AttributeSchema:
    return _schema_from_types(_sdk.pulumi_types().output_type_types(cls), tf_type, path)


def _is_envelope(value: Any, *signatures: str) -> bool:
    return isinstance(value, dict) and value.get(SECRET_SIG) in signatures


def plain_value(value: Any) -> Any:
    """A wire value as plain JSON: secrets unwrapped, unknowns as None, whole-number floats as integers."""
    if _is_envelope(value, SECRET_VALUE_SIG):
        return plain_value(value.get("value"))
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value == UNKNOWN:
        return None
    if isinstance(value, list):
        return [plain_value(item) for item in value]
    if isinstance(value, dict):
        return {key: plain_value(item) for key, item in value.items()}
    return value


def _convert_object(obj: dict[str, Any], schema: AttributeSchema, tf_type: str, path: str) -> dict[str, Any]:
    converted: dict[str, Any] = {}
    for wire_name, raw in obj.items():
        spec = schema.get(wire_name) or Attribute(snake_case(wire_name), "any")
        value = _convert_value(raw, spec, tf_type, f"{path}{wire_name}.")
        if value is not None:
            converted[spec.name] = value
    return converted


def _convert_value(raw: Any, spec: Attribute, tf_type: str, path: str) -> Any:
    if _is_envelope(raw, ASSET_SIG, ARCHIVE_SIG) or spec.kind == "asset":
        return None
    value = plain_value(raw)
    if value is None:
        return None
    if spec.kind in ("block", "blocks") and spec.nested is not None:
        nested = _block_schema(spec.nested, tf_type, path)
        items = value if isinstance(value, list) else [value]
        return [_convert_object(item, nested, tf_type, path) for item in items if isinstance(item, dict)]
    if spec.kind == "string" and isinstance(value, (dict, list)):
        # A JSON-valued field (policy document, dashboard body) given as an object: Terraform holds it as a string.
        return json.dumps(value)
    return value


def convert_inputs(token: str, tf_type: str, inputs: dict[str, Any]) -> dict[str, Any] | None:
    """A registration's inputs as Terraform `values`; None when the SDK has no class for `token`."""
    schema = resource_schema(token, tf_type)
    if schema is None:
        return None
    return _convert_object(inputs, schema, tf_type, "")


def _unknown_value(raw: Any, spec: Attribute, tf_type: str, path: str) -> Any:
    if isinstance(raw, str) and raw == UNKNOWN:
        return True
    if spec.kind in ("block", "blocks") and spec.nested is not None and isinstance(raw, (dict, list)):
        nested = _block_schema(spec.nested, tf_type, path)
        items = raw if isinstance(raw, list) else [raw]
        blocks = [_unknown_object(item, nested, tf_type, path) if isinstance(item, dict) else {} for item in items]
        return blocks if any(blocks) else None
    return None


def _unknown_object(obj: dict[str, Any], schema: AttributeSchema, tf_type: str, path: str) -> dict[str, Any]:
    unknown: dict[str, Any] = {}
    for wire_name, raw in obj.items():
        spec = schema.get(wire_name) or Attribute(snake_case(wire_name), "any")
        marked = _unknown_value(raw, spec, tf_type, f"{path}{wire_name}.")
        if marked is not None:
            unknown[spec.name] = marked
    return unknown


def unknown_inputs(token: str, tf_type: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Terraform's `after_unknown` for a registration's inputs: `true` at each attribute (and inside each block)
    whose value is unknown in preview, with Terraform's attribute names; {} when nothing is unknown."""
    schema = resource_schema(token, tf_type)
    if schema is None:
        return {}
    return _unknown_object(inputs, schema, tf_type, "")
