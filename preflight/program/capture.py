"""What a program registered: the records the engine would have received, plus the stack outputs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# Sentinels of the Pulumi wire format (pulumi.runtime.rpc); repeated here so readers of a Capture need no SDK import.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SECRET_SIG = "4dabf18193072939515e22adb298388d"
SECRET_VALUE_SIG = "1b47061264138c4ac30d75fd1eb44270"

PROVIDER_PREFIX = "pulumi:providers:"


@dataclass(frozen=True)
class SourcePosition:
    uri: str
    line: int
    column: int = 0

    @property
    def path(self) -> str:
        return self.uri.removeprefix("file://")


@dataclass
class Registration:
    """One RegisterResource request, as the engine would receive it.

    `inputs` is the request's `object` converted to plain JSON values: camelCase keys, numbers as floats, unknowns as
    the UNKNOWN sentinel string, secrets as the secret envelope. `outputs` is what the mocks answered (the state the
    engine would hold after create); it is the inputs again in preview mode.
    """

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    provider: str  # provider reference "<urn>::<id>", "" for the default provider (or a component)
    inputs: dict[str, Any]
    property_dependencies: dict[str, list[str]]
    dependencies: list[str]
    source_position: SourcePosition | None
    id: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)
    # The request's stackTrace: every frame from the constructor call outwards (SDK and runner frames included).
    stack_trace: tuple[SourcePosition, ...] = ()
    # The resource option `ignore_changes`, as property paths in the engine's (camelCase) form.
    ignore_changes: list[str] = field(default_factory=list)
    # What the provider's Check adds to `inputs` before any policy sees them (schema defaults, auto-name, tagsAll).
    check_added: dict[str, Any] = field(default_factory=dict)

    @property
    def checked_inputs(self) -> dict[str, Any]:
        """The inputs after the provider's Check: what the engine hands the policy pack's Analyze."""
        return {**self.inputs, **self.check_added}

    @property
    def is_provider(self) -> bool:
        return self.type.startswith(PROVIDER_PREFIX)

    @property
    def package(self) -> str:
        """The resource's package: `aws` for `aws:s3/bucket:Bucket`, `aws` for `pulumi:providers:aws`."""
        if self.is_provider:
            return self.type.removeprefix(PROVIDER_PREFIX)
        return self.type.split(":", 1)[0]

    @property
    def provider_urn(self) -> str:
        return self.provider.rsplit("::", 1)[0] if self.provider else ""


@dataclass
class Capture:
    """Everything one program run registered: providers first, parents before children, siblings by URN."""

    project: str
    stack: str
    preview: bool
    resources: list[Registration]
    outputs: dict[str, Any]
    stack_urn: str = ""
    # What the run could not analyse, one line each: invokes answered with a placeholder ("answered with a
    # placeholder: TOKEN at FILE:LINE") and remote components whose children were never registered ("not expanded:").
    not_analysed: list[str] = field(default_factory=list)

    def by_urn(self) -> dict[str, Registration]:
        return {r.urn: r for r in self.resources}

    def of_type(self, type_token: str) -> list[Registration]:
        return [r for r in self.resources if r.type == type_token]

    def custom_resources(self) -> list[Registration]:
        """Cloud resources, providers excluded (what a plan or a policy analyses)."""
        return [r for r in self.resources if r.custom and not r.is_provider]

    def providers(self) -> list[Registration]:
        return [r for r in self.resources if r.is_provider]

    def provider_of(self, resource: Registration) -> Registration | None:
        urn = resource.provider_urn
        if not urn:
            return None
        # A capture lists providers first (the runner's order), so the scan stops after a few entries; indexing the
        # whole capture on every call made each loop over its resources quadratic.
        return next((candidate for candidate in self.resources if candidate.urn == urn), None)

    def region_of(self, resource: Registration) -> str | None:
        provider = self.provider_of(resource)
        if provider is None:
            return None
        region = provider.inputs.get("region")
        return region if isinstance(region, str) else None

    def type_counts(self) -> Counter[str]:
        return Counter(r.type for r in self.resources)
