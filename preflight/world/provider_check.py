"""What the AWS provider's Check adds to a resource's inputs before the engine (and every policy) sees them.

- `tagsAll`: the provider's `defaultTags.tags` merged with the resource's `tags` (the resource's win), minus the
  provider's `ignoreTags` keys and key prefixes; on every type whose SDK class declares `tagsAll`.
- Auto-names: a resource whose name input is optional and not given gets `<logical name>-<7 hex>` (Pulumi's
  autonaming, pulumi-aws `resources.go` `SetAutonaming(255, "-")` plus the per-type overrides below), stable per
  resource here so two runs agree. Known in preview, as the engine shows it.
- Schema defaults: an input the program leaves unset that the pulumi-aws schema gives a `default` gets it
  (pulumi-terraform-bridge pkg/tfbridge/schema.go, conversionContext.applyDefaults); the values are in
  schema_defaults.json, made by schema_defaults_gen.py.
"""

from __future__ import annotations

import functools
import inspect
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from preflight.world import sdk_types
from preflight.world.arn_formats import digest

UNKNOWN = sdk_types.UNKNOWN
SCHEMA_DEFAULTS = Path(__file__).with_name("schema_defaults.json")


@dataclass(frozen=True)
class AutoName:
    """Which input a type auto-names, its length limit and whether AWS requires lowercase."""

    key: str = "name"
    max_length: int = 255
    lower: bool = False


# pulumi-aws resources.go: the types whose auto-name is not `name` up to 255 characters.
AUTO_NAMES: dict[str, AutoName] = {
    "aws:s3/bucket:Bucket": AutoName("bucket", 63, lower=True),
    "aws:s3/bucketV2:BucketV2": AutoName("bucket", 63, lower=True),
    "aws:iam/role:Role": AutoName(max_length=64),
    "aws:iam/policy:Policy": AutoName(max_length=128),
    "aws:iam/user:User": AutoName(max_length=64),
    "aws:lambda/function:Function": AutoName(max_length=64),
    "aws:sqs/queue:Queue": AutoName(max_length=80),
    "aws:lb/loadBalancer:LoadBalancer": AutoName(max_length=32),
    "aws:lb/targetGroup:TargetGroup": AutoName(max_length=32),
    "aws:alb/loadBalancer:LoadBalancer": AutoName(max_length=32),
    "aws:alb/targetGroup:TargetGroup": AutoName(max_length=32),
    "aws:cloudwatch/dashboard:Dashboard": AutoName("dashboardName"),
}


def auto_name(type_token: str, logical_name: str, key: AutoName | None = None) -> str:
    """The auto-name of a resource: its logical name, `-`, 7 hex characters stable per type and name."""
    spec = key or AUTO_NAMES.get(type_token, AutoName())
    name = f"{logical_name}-{digest(f'{type_token}::{logical_name}', 7)}"[: spec.max_length]
    return name.lower() if spec.lower else name


def _snake(camel: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in camel)


@functools.cache
def auto_named_key(type_token: str) -> AutoName | None:
    """The auto-name spec of a type, None when the type has no optional name input (nothing to auto-name)."""
    spec = AUTO_NAMES.get(type_token, AutoName())
    cls = sdk_types.resource_class(type_token)
    args_class = getattr(sys.modules.get(cls.__module__), f"{cls.__name__}Args", None) if cls else None
    if args_class is None:
        return None
    parameter = inspect.signature(args_class.__init__).parameters.get(_snake(spec.key))
    if parameter is None or parameter.default is not None:
        return None
    return spec


@functools.cache
def schema_defaults() -> dict[str, dict[str, Any]]:
    """Per resource token, the schema `default` of each input that has one (schema_defaults.json)."""
    resources: dict[str, dict[str, Any]] = json.loads(SCHEMA_DEFAULTS.read_text(encoding="utf-8"))["resources"]
    return resources


def object_input(value: Any) -> dict[str, Any]:
    """An object-typed input as a dict, {} when it is absent or not an object: provider inputs of object type arrive
    JSON-encoded, resource inputs as objects."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return {}
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class ProviderTags:
    """A provider's `defaultTags` and `ignoreTags`."""

    default_tags: Mapping[str, Any]
    ignore_keys: frozenset[str] = frozenset()
    ignore_prefixes: tuple[str, ...] = ()

    @classmethod
    def from_provider_inputs(cls, inputs: Mapping[str, Any]) -> ProviderTags:
        ignore = object_input(inputs.get("ignoreTags"))
        return cls(
            default_tags=object_input(inputs.get("defaultTags")).get("tags") or {},
            ignore_keys=frozenset(ignore.get("keys") or ()),
            ignore_prefixes=tuple(ignore.get("keyPrefixes") or ()),
        )

    def tags_all(self, resource_tags: Any) -> Any:
        """The resource's `tagsAll`; UNKNOWN when its tags or the default tags are not known yet."""
        if resource_tags == UNKNOWN or UNKNOWN in (self.default_tags, *self.default_tags.values()):
            return UNKNOWN
        tags = resource_tags if isinstance(resource_tags, Mapping) else {}
        if any(value == UNKNOWN for value in tags.values()):
            return UNKNOWN
        merged = {**self.default_tags, **tags}
        return {
            key: value
            for key, value in merged.items()
            if key not in self.ignore_keys and not key.startswith(self.ignore_prefixes)
        }


NO_PROVIDER_TAGS = ProviderTags(default_tags={})


def checked_inputs(
    type_token: str, logical_name: str, inputs: Mapping[str, Any], provider: ProviderTags = NO_PROVIDER_TAGS
) -> dict[str, Any]:
    """What Check adds to `inputs`: the schema's defaults of inputs left unset, the auto-name when the name is not
    given, `tagsAll` on taggable types."""
    added: dict[str, Any] = {
        key: value for key, value in schema_defaults().get(type_token, {}).items() if inputs.get(key) is None
    }
    spec = auto_named_key(type_token)
    if spec is not None and inputs.get(spec.key) is None and inputs.get("namePrefix") is None:
        added[spec.key] = auto_name(type_token, logical_name, spec)
    cls = sdk_types.resource_class(type_token)
    if cls is not None and any(prop.name == "tagsAll" for prop in sdk_types.output_properties(cls)):
        added["tagsAll"] = provider.tags_all(inputs.get("tags"))
    return added
