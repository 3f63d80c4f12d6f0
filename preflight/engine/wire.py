"""What a resource looks like on the wire: a captured registration as the engine holds it and sends it to a pack.

Engine URNs throughout (the mocks qualify top-level types with the stack's type, the engine does not), each
resource's provider resolved (a synthesized default provider where the program used none), inputs and outputs as
protobuf Structs, and the Analyze/AnalyzeStack messages built from them.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2

from preflight.program.capture import PROVIDER_PREFIX, Capture, Registration, SourcePosition

_MOCK_STACK_QUALIFIER: Final = "pulumi:pulumi:Stack$"


def engine_urn(urn: str) -> str:
    """The URN the engine gives a resource: mocks qualify top-level types with the root stack's type, it does not."""
    head, separator, rest = urn.partition("::")
    if not separator:
        return urn
    project, separator, qualified = rest.partition("::")
    return f"{head}::{project}::{qualified.removeprefix(_MOCK_STACK_QUALIFIER)}" if separator else urn


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


@dataclass
class EngineResource:
    """One resource as the engine holds it: engine URNs throughout, and its provider resolved."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    source_position: SourcePosition | None
    provider: EngineResource | None = None
    synthesized: bool = False
    stack_trace: tuple[SourcePosition, ...] = ()
    _input_struct: struct_pb2.Struct | None = field(default=None, repr=False)

    @property
    def is_provider(self) -> bool:
        return self.type.startswith(PROVIDER_PREFIX)

    def input_struct(self) -> struct_pb2.Struct:
        if self._input_struct is None:
            self._input_struct = _struct(self.inputs)
        return self._input_struct

    def provider_message(self) -> analyzer_pb2.AnalyzerProviderResource | None:
        if self.provider is None:
            return None
        return analyzer_pb2.AnalyzerProviderResource(
            type=self.provider.type,
            urn=self.provider.urn,
            name=self.provider.name,
            properties=self.provider.input_struct(),
        )

    def options(self) -> analyzer_pb2.AnalyzerResourceOptions:
        return analyzer_pb2.AnalyzerResourceOptions(parent=self.parent)

    def analyze_request(self, properties: struct_pb2.Struct | None = None) -> analyzer_pb2.AnalyzeRequest:
        return analyzer_pb2.AnalyzeRequest(
            type=self.type,
            urn=self.urn,
            name=self.name,
            properties=properties if properties is not None else self.input_struct(),
            options=self.options(),
            provider=self.provider_message(),
        )

    def stack_message(self, properties: struct_pb2.Struct | None = None) -> analyzer_pb2.AnalyzerResource:
        return analyzer_pb2.AnalyzerResource(
            type=self.type,
            urn=self.urn,
            name=self.name,
            properties=properties if properties is not None else _struct(self.outputs),
            options=self.options(),
            provider=self.provider_message(),
            parent=self.parent,
            dependencies=self.dependencies,
            propertyDependencies={
                key: analyzer_pb2.AnalyzerPropertyDependencies(urns=urns)
                for key, urns in self.property_dependencies.items()
            },
        )


def _engine_resource(registration: Registration) -> EngineResource:
    return EngineResource(
        urn=engine_urn(registration.urn),
        type=registration.type,
        name=registration.name,
        custom=registration.custom,
        parent=engine_urn(registration.parent) if registration.parent else "",
        inputs=registration.checked_inputs,
        outputs=registration.outputs if registration.custom else registration.inputs,
        dependencies=[engine_urn(urn) for urn in registration.dependencies],
        property_dependencies={
            key: [engine_urn(urn) for urn in urns] for key, urns in registration.property_dependencies.items()
        },
        source_position=registration.source_position,
        stack_trace=registration.stack_trace,
    )


def _package_version(package: str) -> str:
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        return importlib.metadata.version(f"pulumi_{package}")
    return ""


def _config_value(raw: str) -> Any:
    """Stack config arrives as strings; structured values (JSON objects and lists) as the objects they encode."""
    if raw[:1] in ("{", "["):
        with contextlib.suppress(ValueError):
            return json.loads(raw)
    return raw


def default_provider(package: str, capture: Capture, config: Mapping[str, str]) -> EngineResource:
    """The provider the engine creates for resources that name none: `default_<version>`, from the stack config."""
    version = _package_version(package)
    name = f"default_{version.replace('.', '_')}" if version else "default"
    inputs: dict[str, Any] = {
        key.split(":", 1)[1]: _config_value(value) for key, value in config.items() if key.startswith(f"{package}:")
    }
    if version:
        inputs["version"] = version
    stack_urn = engine_urn(capture.stack_urn) if capture.stack_urn else ""
    return EngineResource(
        urn=f"urn:pulumi:{capture.stack}::{capture.project}::{PROVIDER_PREFIX}{package}::{name}",
        type=f"{PROVIDER_PREFIX}{package}",
        name=name,
        custom=True,
        parent=stack_urn,
        inputs=inputs,
        outputs=inputs,
        dependencies=[],
        property_dependencies={},
        source_position=None,
        synthesized=True,
    )


def engine_resources(capture: Capture, config: Mapping[str, str]) -> list[EngineResource]:
    """The captured registrations as the engine would hold them, default providers added before their first user."""
    by_mock_urn = {registration.urn: _engine_resource(registration) for registration in capture.resources}
    defaults: dict[str, EngineResource] = {}
    ordered: list[EngineResource] = []
    for registration in capture.resources:
        resource = by_mock_urn[registration.urn]
        if registration.provider:
            resource.provider = by_mock_urn.get(registration.provider_urn)
        elif registration.custom and not registration.is_provider:
            package = registration.package
            if package not in defaults:
                defaults[package] = default_provider(package, capture, config)
                ordered.append(defaults[package])
            resource.provider = defaults[package]
        ordered.append(resource)
    return ordered
