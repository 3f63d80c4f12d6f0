"""The SDK mocks a program runs under: the offline world, as wide as the installed SDKs.

Every resource type is answered from its SDK class's declared outputs (preflight.world.sdk_types): in preview the
outputs the provider always sets are unknown, in up they carry values of their declared types, with ids, names and
ARNs in AWS's formats (resource_answers for the types the stack uses, arn_formats for every other) and what AWS reads
back for settings left unset (read_back). The provider's Check is applied first (provider_check: auto-names, tagsAll).
Invokes get computed or plausible answers (data_sources), remote components typed outputs (components); what was
answered with a placeholder or left unexpanded is recorded for the reports.

Region: the resource's own `region`, else its provider's, else the stack's `aws:region`, else us-east-1. Account and
partition: `PREFLIGHT_AWS_ACCOUNT` (arn_formats.Identity), default 123456789012/aws.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from pulumi.runtime import mocks

from preflight.world import arn_formats, components, data_sources, provider_check, read_back, sdk_types
from preflight.world.arns import DEFAULT_REGION, Answer, Ctx, stable_uuid
from preflight.world.resource_answers import ANSWERS, RANDOM_TYPES, answer_for


def _in_partition(value: Any, partition: str) -> Any:
    """`value` with every `arn:aws:` ARN moved to `partition` (the per-type answers are written for `aws`)."""
    if isinstance(value, str):
        return f"arn:{partition}:{value[8:]}" if value.startswith("arn:aws:") else value
    if isinstance(value, Mapping):
        return {key: _in_partition(item, partition) for key, item in value.items()}
    if isinstance(value, list):
        return [_in_partition(item, partition) for item in value]
    return value


class AwsLikeMocks(mocks.Mocks):
    """Answers resource registrations and invokes as AWS and the provider would, in the resource's region."""

    def __init__(
        self,
        preview: bool,
        account: str | None = None,
        config_region: str | None = None,
        identity: arn_formats.Identity | None = None,
    ) -> None:
        self.preview = preview
        base = identity or arn_formats.Identity.from_environment()
        self.identity = arn_formats.Identity(account, base.partition) if account else base
        self.account = self.identity.account
        self.config_region = config_region
        self.invoke_sites = data_sources.InvokeSites()
        self.remote_components = components.RemoteComponents(self.identity)
        self._regions: dict[str, str] = {}
        self._provider_tags: dict[str, provider_check.ProviderTags] = {}
        self._lock = threading.Lock()

    @staticmethod
    def provider_key(provider_ref: str) -> str:
        """`<type>::<name>` of a provider reference `urn:pulumi:<stack>::<project>::<qualified type>::<name>::<id>`."""
        parts = provider_ref.split("::")
        if len(parts) < 4:
            return ""
        return f"{parts[2].split('$')[-1]}::{parts[3]}"

    @staticmethod
    def registered_provider_key(args: mocks.MockResourceArgs) -> str:
        """The `provider_key` of the provider `args` registers, for the resources that will reference it."""
        return f"{args.typ}::{args.name}"

    def region_for(self, provider_ref: str, own_region: Any = None) -> str:
        """The region of a resource (or invoke) on `provider_ref` whose own `region` argument is `own_region`."""
        with self._lock:
            provider_region = self._regions.get(self.provider_key(provider_ref))
        return arn_formats.resolve_region(own_region, provider_region, self.config_region)

    def provider_tags(self, provider_ref: str) -> provider_check.ProviderTags:
        with self._lock:
            return self._provider_tags.get(self.provider_key(provider_ref), provider_check.NO_PROVIDER_TAGS)

    def check_additions(self, type_token: str, name: str, inputs: Mapping[str, Any], provider_ref: str) -> dict:
        """What the provider's Check adds to a custom resource's inputs (schema defaults, auto-name, tagsAll)."""
        return provider_check.checked_inputs(type_token, name, inputs, self.provider_tags(provider_ref))

    def answer(self, args: mocks.MockResourceArgs, region: str) -> Answer:
        """The id and the computed outputs the per-type answers (or, for other types, the ARN table) give."""
        if args.typ in ANSWERS or args.typ in RANDOM_TYPES:
            return answer_for(args.typ)(Ctx(args, region, self.account))
        seed = f"{args.typ}::{args.name}"
        spec = provider_check.auto_named_key(args.typ)
        given = args.inputs.get(spec.key) if spec else None
        name = given if isinstance(given, str) and given else provider_check.auto_name(args.typ, args.name, spec)
        rid = arn_formats.ec2_id(args.typ, seed) or (name if spec else f"{args.name}-{arn_formats.digest(seed, 8)}")
        context = arn_formats.ArnContext(self.identity, region, name, rid, seed, args.inputs)
        return rid, {"arn": arn_formats.arn_for(args.typ, context)}

    def _register_provider(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        region = args.inputs.get("region")
        key = self.registered_provider_key(args)
        with self._lock:
            self._regions[key] = region if isinstance(region, str) else (self.config_region or DEFAULT_REGION)
            self._provider_tags[key] = provider_check.ProviderTags.from_provider_inputs(args.inputs)
        return (None if self.preview else stable_uuid(key)), dict(args.inputs)

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ.startswith("pulumi:providers:"):
            return self._register_provider(args)
        region = self.region_for(args.provider or "", args.inputs.get("region"))
        if not args.custom:
            if components.is_remote_component(args.typ, custom=False):
                return None, self.remote_components.answer(args.typ, args.name, args.inputs, region, self.preview)
            return None, dict(args.inputs)
        cls = sdk_types.resource_class(args.typ)
        checked = {**args.inputs, **self.check_additions(args.typ, args.name, args.inputs, args.provider or "")}
        if self.preview:
            return None, sdk_types.preview_outputs(cls, checked, {})
        rid, computed = self.answer(args, region)
        name = str(computed.get("name") or checked.get("name") or args.name)
        strings = sdk_types.PlausibleStrings(
            self.identity, region, arn_formats.service_of(args.typ), name, f"{args.typ}::{args.name}"
        )
        state = sdk_types.up_outputs(cls, checked, sdk_types.Filler(strings)) if cls is not None else checked
        state.update(read_back.read_back(args.typ, args.inputs, self.account, region))
        state.update(computed)
        if self.identity.partition != "aws":
            state = _in_partition(state, self.identity.partition)
        return rid, state

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        region = self.region_for(args.provider or "", args.args.get("region"))
        return data_sources.answer(args.token, args.args, region, self.identity), []
