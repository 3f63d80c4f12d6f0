"""`python -m preflight plan`: what a program registers, written as the Terraform plan JSON Checkov scans.

Checkov has no Pulumi framework, but pulumi-aws is bridged from the Terraform AWS provider, so every AWS resource a
program registers has a Terraform counterpart. The export writes one Terraform plan that Checkov's `terraform_plan`
framework reads, of a preview (as `pulumi preview` sees the inputs) or, from a known-value run, of an update:

- `planned_values.root_module.resources[]`: one managed resource per mapped AWS registration (providers and
  components are not resources), its Terraform type from preflight.plan.tf_types, its address `<type>.<name>` derived
  from the logical name (sanitized, suffixed with a hash of the URN only where two would collide), so addresses are
  unique and do not change between runs or when a second region is added under other names.
- `values`: the registration's inputs, plus the provider schema's defaults of inputs it left unset (a Terraform
  plan's planned values carry the provider's schema defaults: terraform-plugin-sdk helper/schema/grpc_provider.go,
  PlanResourceChange; here the Pulumi schema's, which the provider's Check fills, never what AWS reads back after a
  create), with Terraform's attribute names (snake_case, repeated blocks singular),
  nested blocks as lists of objects (a single block as a one-element list), whole-number floats as integers,
  JSON-valued string fields as JSON strings, secrets unwrapped, unknowns and assets/archives dropped.
- `configuration.root_module.resources[].expressions`: every input that depends on another exported resource (the
  registration's property dependencies) written as a Terraform reference (`aws_s3_bucket.logs.id`), with the
  referenced value removed from `values`, because Checkov only follows a reference where the value is absent. That
  keeps the graph edges Checkov's connection checks need (a bucket and its separate encryption configuration).
- `resource_changes[]` (preview only): each resource's create, with `change.after_unknown` marking, by Terraform
  attribute name, each input only the apply will know; planned_values leaves those out, as Terraform does.

The attribute shapes come from the pulumi-aws SDK's own typed output classes; the handful of fields the bridge
renames (`name` -> `function_name` on a Lambda function, `restApi` -> `rest_api_id`) are listed in attributes.py.
"""

import functools
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from preflight.plan.attributes import convert_inputs, plain_value, resource_schema, unknown_inputs
from preflight.plan.tf_types import snake_case, terraform_type
from preflight.program.capture import Capture, Registration
from preflight.world import read_back
from preflight.world.provider_check import object_input, schema_defaults

TERRAFORM_VERSION = "1.9.8"
PLAN_FORMAT_VERSION = "1.2"
AWS_PROVIDER_SOURCE = "registry.terraform.io/hashicorp/aws"


class PlanError(Exception):
    """The capture cannot be written as a plan (for example an output path that cannot be written)."""


_ADDRESS_NAME = re.compile(r"[^A-Za-z0-9_-]")


def _address_name(logical_name: str) -> str:
    name = _ADDRESS_NAME.sub("_", logical_name) or "unnamed"
    return name if re.match(r"[A-Za-z_]", name) else f"r_{name}"


def _urn_suffix(urn: str) -> str:
    return hashlib.sha256(urn.encode()).hexdigest()[:8]


def resource_names(resources: list[tuple[Registration, str]]) -> dict[str, str]:
    """URN -> Terraform resource name: the sanitized logical name, plus a URN hash where two would collide."""
    base = {r.urn: _address_name(r.name) for r, _ in resources}
    counts = Counter((tf_type, base[r.urn]) for r, tf_type in resources)
    return {
        r.urn: base[r.urn] if counts[(tf_type, base[r.urn])] == 1 else f"{base[r.urn]}_{_urn_suffix(r.urn)}"
        for r, tf_type in resources
    }


@dataclass
class _Exported:
    registration: Registration
    tf_type: str
    name: str
    values: dict[str, Any]
    provider: Registration | None
    expressions: dict[str, Any] = field(default_factory=dict)
    unknown: dict[str, Any] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return f"{self.tf_type}.{self.name}"

    @functools.cached_property
    def reference_targets(self) -> dict[str, str]:
        """Value -> `<address>.<attribute>` for the string attributes a dependent input may have taken from this one.

        Cached: a resource many others depend on (a key, a role) is looked up once per dependent property.
        """
        reg = self.registration
        schema = resource_schema(reg.type, self.tf_type) or {}
        candidates: list[tuple[str, Any]] = [("id", reg.id)]
        # AWS's read-back defaults and regions are shared by many resources: no value comes from them in particular.
        shared = set(read_back.read_back(reg.type, {}, "", ""))
        for wire_name in sorted(reg.outputs, key=lambda k: (k not in _PREFERRED_ATTRIBUTES, k)):
            if wire_name in shared or wire_name.lower().endswith("region"):
                continue
            spec = schema.get(wire_name)
            candidates.append((spec.name if spec else snake_case(wire_name), plain_value(reg.outputs[wire_name])))
        targets: dict[str, str] = {}
        for attribute, value in candidates:
            if isinstance(value, str) and len(value) >= 3 and value not in targets:
                targets[value] = f"{self.address}.{attribute}"
        return targets


# Output attributes tried first when a dependent value is matched to the resource it came from.
_PREFERRED_ATTRIBUTES = ("id", "arn", "name")


def _link(value: Any, targets: dict[str, str]) -> tuple[Any, Any]:
    """Replace each value taken verbatim from a dependency by None; return (new value, expression or None).

    The expression mirrors the value's shape: a reference for an attribute, a list of per-block expressions for
    repeated blocks (Checkov pairs them with the blocks by position), one reference list for a list of strings.
    """
    if isinstance(value, str):
        target = targets.get(value)
        return (None, _reference([target])) if target else (value, None)
    if isinstance(value, list):
        return _link_list(value, targets)
    if isinstance(value, dict):
        new_obj: dict[str, Any] = {}
        expressions: dict[str, Any] = {}
        for key, item in value.items():
            new_item, expression = _link(item, targets)
            if new_item is not None:
                new_obj[key] = new_item
            if expression is not None:
                expressions[key] = expression
        return new_obj, (expressions or None)
    return value, None


def _link_list(value: list[Any], targets: dict[str, str]) -> tuple[Any, Any]:
    if value and all(isinstance(item, dict) for item in value):
        linked = [_link(item, targets) for item in value]
        if all(expression is None for _, expression in linked):
            return value, None
        return [item for item, _ in linked], [expression or {} for _, expression in linked]
    hits = [targets[item] for item in value if isinstance(item, str) and item in targets]
    if not hits:
        return value, None
    return [None if isinstance(item, str) and item in targets else item for item in value], _reference(hits)


def _reference(targets: list[str]) -> dict[str, list[str]]:
    """Terraform's form: each attribute reference, followed by the resource it belongs to."""
    refs: list[str] = []
    for target in targets:
        for ref in (target, target.rsplit(".", 1)[0]):
            if ref not in refs:
                refs.append(ref)
    return {"references": refs}


def _add_references(item: _Exported, by_urn: dict[str, _Exported]) -> None:
    reg = item.registration
    schema = resource_schema(reg.type, item.tf_type) or {}
    for wire_name, urns in sorted(reg.property_dependencies.items()):
        # The SDK hands over each property's dependencies as a set (their order changes with the hash seed, run to
        # run); Terraform's references carry no order either, so they are listed by address.
        deps = sorted(
            {by_urn[urn].address: by_urn[urn] for urn in urns if urn in by_urn and urn != reg.urn}.values(),
            key=lambda dep: dep.address,
        )
        spec = schema.get(wire_name)
        attribute = spec.name if spec else snake_case(wire_name)
        if not deps or attribute not in item.values:
            continue
        targets: dict[str, str] = {}
        for dep in deps:
            for value, target in dep.reference_targets.items():
                targets.setdefault(value, target)
        new_value, expression = _link(item.values[attribute], targets)
        if new_value is None:
            del item.values[attribute]
        else:
            item.values[attribute] = new_value
        # When nothing in the value came verbatim from a dependency (an ARN inside a policy document), the value
        # stays and the edge is still recorded.
        item.expressions[attribute] = expression or {"references": [dep.address for dep in deps]}


def _provider_key(provider: Registration | None) -> str:
    return f"aws.{_address_name(provider.name)}" if provider is not None else "aws"


def _default_tags(provider: Registration | None) -> dict[str, Any]:
    """The provider's `defaultTags.tags`."""
    if provider is None:
        return {}
    tags = plain_value(object_input(provider.inputs.get("defaultTags"))).get("tags")
    return tags if isinstance(tags, dict) else {}


@dataclass
class PlanExport:
    """The plan document and what could not be put in it."""

    plan: dict[str, Any]
    unmapped: Counter[str]  # Pulumi type token -> how many registrations of it were left out
    addresses: dict[str, str]  # URN -> Terraform address

    @property
    def resource_count(self) -> int:
        return len(self.addresses)


def _exportable(capture: Capture) -> tuple[list[tuple[Registration, str]], Counter[str]]:
    mapped: list[tuple[Registration, str]] = []
    unmapped: Counter[str] = Counter()
    for reg in capture.custom_resources():
        tf_type = terraform_type(reg.type)
        if tf_type is None or resource_schema(reg.type, tf_type) is None:
            unmapped[reg.type] += 1
        else:
            mapped.append((reg, tf_type))
    return mapped, unmapped


def export_plan(capture: Capture) -> PlanExport:
    """`capture` as a Terraform plan document; AWS types with no known Terraform type are counted, never guessed."""
    mapped, unmapped = _exportable(capture)
    names = resource_names(mapped)
    providers = {provider.urn: provider for provider in capture.providers()}
    exported: list[_Exported] = []
    for reg, tf_type in mapped:
        inputs = {**schema_defaults().get(reg.type, {}), **{k: v for k, v in reg.inputs.items() if v is not None}}
        values = convert_inputs(reg.type, tf_type, inputs) or {}
        provider = providers.get(reg.provider_urn)
        if "tagsAll" in (resource_schema(reg.type, tf_type) or {}):
            merged = {**_default_tags(provider), **values.get("tags", {})}
            if merged:
                values["tags_all"] = merged
        unknown = unknown_inputs(reg.type, tf_type, reg.inputs)
        exported.append(_Exported(reg, tf_type, names[reg.urn], values, provider, unknown=unknown))
    by_urn = {item.registration.urn: item for item in exported}
    for item in exported:
        _add_references(item, by_urn)
    document = _document(providers, exported)
    if capture.preview:
        document["resource_changes"] = _resource_changes(exported)
    if capture.not_analysed:
        # Not a Terraform plan key (Checkov ignores it): what no check saw, so a clean scan is read for what it is.
        document["preflight_not_analysed"] = list(capture.not_analysed)
    return PlanExport(document, unmapped, {urn: item.address for urn, item in by_urn.items()})


def _document(providers: dict[str, Registration], exported: list[_Exported]) -> dict[str, Any]:
    provider_config: dict[str, Any] = {}
    for provider in providers.values():
        if provider.package != "aws":
            continue
        region = provider.inputs.get("region")
        provider_config[_provider_key(provider)] = {
            "name": "aws",
            "full_name": AWS_PROVIDER_SOURCE,
            "alias": _address_name(provider.name),
            "expressions": {"region": {"constant_value": region}} if isinstance(region, str) else {},
        }
    planned = []
    configured = []
    # Sorted by address: registration order varies between runs, the plan does not.
    for item in sorted(exported, key=lambda entry: entry.address):
        common = {"address": item.address, "mode": "managed", "type": item.tf_type, "name": item.name}
        planned.append(
            {
                **common,
                "provider_name": AWS_PROVIDER_SOURCE,
                "schema_version": 0,
                "values": item.values,
                "sensitive_values": {},
            }
        )
        configured.append(
            {
                **common,
                "provider_config_key": _provider_key(item.provider),
                "expressions": item.expressions,
                "schema_version": 0,
            }
        )
    return {
        "format_version": PLAN_FORMAT_VERSION,
        "terraform_version": TERRAFORM_VERSION,
        "planned_values": {"root_module": {"resources": planned}},
        "configuration": {"provider_config": provider_config, "root_module": {"resources": configured}},
    }


def _resource_changes(exported: list[_Exported]) -> list[dict[str, Any]]:
    """Terraform's `resource_changes` of a fresh stack's preview: every resource created, `after` holding its known
    values and `after_unknown` marking each attribute only the apply will know (what planned_values leaves out)."""
    return [
        {
            "address": item.address,
            "mode": "managed",
            "type": item.tf_type,
            "name": item.name,
            "provider_name": AWS_PROVIDER_SOURCE,
            "change": {
                "actions": ["create"],
                "before": None,
                "after": item.values,
                "after_unknown": item.unknown,
                "before_sensitive": False,
                "after_sensitive": {},
            },
        }
        for item in sorted(exported, key=lambda entry: entry.address)
    ]


def capture_to_plan(capture: Capture) -> dict[str, Any]:
    """The Terraform plan document for `capture` (see export_plan for what is left out)."""
    return export_plan(capture).plan


def unmapped_types(capture: Capture) -> list[str]:
    """The AWS type tokens in `capture` that have no known Terraform type, sorted."""
    return sorted(_exportable(capture)[1])


def write_plan(export: PlanExport, output: Path) -> None:
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(export.plan, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    except OSError as exc:
        raise PlanError(f"--output {output}: cannot be written: {exc}") from exc
