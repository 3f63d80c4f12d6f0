"""A resource's goal as the engine builds it from a RegisterResourceRequest, and how it shows it to a policy pack.

The engine parses the request (pkg/resource/deploy/source_eval.go, resmon.RegisterResource), inherits some options
from the parent's goal (inheritFromParent), and the step generator hands the analyzers the goal's options and its
properties marshalled without resource references (pkg/resource/deploy/step_generator.go, stepGenerator.analyzeAll
and AnalyzeResources; pkg/resource/plugin/analyzer_plugin.go, marshalResourceOptions, Analyze, AnalyzeStack).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from google.protobuf import json_format
from pulumi.runtime.proto import analyzer_pb2

from preflight.engine.urns import UrnError, package_of, split_provider_reference, urn_type

UNKNOWN: Final = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SIGNATURE_KEY: Final = "4dabf18193072939515e22adb298388d"
SECRET_SIGNATURE: Final = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIGNATURE: Final = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_VALUE_SIGNATURE: Final = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
_INTERNAL_KEY_PREFIX: Final = "__"
# Go's time.ParseDuration units, in seconds.
_DURATION_UNITS: Final = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_DURATION_PART: Final = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


class GoalError(ValueError):
    """A registration the engine rejects (an unparsable custom timeout)."""


def duration_seconds(text: str) -> float:
    """Go's time.ParseDuration in seconds, as pkg/resource/deploy/source_eval.go, generateTimeoutInSeconds reads a
    custom timeout (`5m`, `1h30m`, `-1.5h`, `0`)."""
    sign = -1.0 if text.startswith("-") else 1.0
    body = text.lstrip("+-")
    if body == "0":
        return 0.0
    position = 0
    total = 0.0
    for match in _DURATION_PART.finditer(body):
        if match.start() != position:
            break
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        position = match.end()
    if not body or position != len(body):
        raise GoalError(f"unable to parse customTimeout Value {text}")
    return sign * total


@dataclass(frozen=True)
class CustomTimeouts:
    """Seconds per operation; 0 where the program set none (resource.CustomTimeouts)."""

    create: float = 0.0
    update: float = 0.0
    delete: float = 0.0
    read: float = 0.0


@dataclass
class ResourceGoal:
    """What the engine keeps of one registration (pkg/resource/goal.go, Goal), with the parent already an engine URN.

    `properties` are the request's `object` as plain JSON values (the wire's sentinels kept). `aliases` are the old
    URNs an alias matched: none on a fresh stack, since the engine records only the alias that found an old resource
    (step_generator.go, stepGenerator.getOldResource; the state's Aliases is that one URN).
    """

    type: str
    name: str
    custom: bool
    parent: str = ""
    provider: str = ""
    properties: dict[str, Any] = field(default_factory=dict)
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    protect: bool | None = None
    ignore_changes: list[str] = field(default_factory=list)
    delete_before_replace: bool | None = None
    additional_secret_outputs: list[str] = field(default_factory=list)
    custom_timeouts: CustomTimeouts = field(default_factory=CustomTimeouts)
    aliases: list[str] = field(default_factory=list)
    remote: bool = False


def struct_to_json(message: Any) -> dict[str, Any]:
    """A protobuf Struct as plain JSON values, {} when absent."""
    return json_format.MessageToDict(message) if message is not None else {}


def _timeouts(request: Any) -> CustomTimeouts:
    if not request.HasField("customTimeouts"):
        return CustomTimeouts()
    timeouts = request.customTimeouts
    return CustomTimeouts(
        *(
            duration_seconds(value) if value else 0.0
            for value in (timeouts.create, timeouts.update, timeouts.delete, timeouts.read)
        )
    )


def _provider_package(reference: str) -> str:
    try:
        urn, _ = split_provider_reference(reference)
        return urn_type(urn).rsplit(":", 1)[-1]
    except UrnError:
        return ""


def goal_from_request(request: Any, parent_urn: str, parent_goal: ResourceGoal | None = None) -> ResourceGoal:
    """The goal the engine builds from a RegisterResourceRequest whose parent is `parent_urn` (an engine URN).

    source_eval.go, resmon.RegisterResource: deleteBeforeReplace counts as set when either flag is;
    inheritFromParent: protect, and the provider for a component or a resource of the parent provider's package,
    come from the parent's goal when the request leaves them unset.
    """
    protect: bool | None = request.protect if request.HasField("protect") else None
    delete_before_replace = (
        request.deleteBeforeReplace if (request.deleteBeforeReplaceDefined or request.deleteBeforeReplace) else None
    )
    provider = request.provider
    if parent_goal is not None:
        if protect is None:
            protect = parent_goal.protect
        inherits_provider = (not request.remote and not request.custom) or _provider_package(
            parent_goal.provider
        ) == package_of(request.type)
        if not provider and parent_goal.provider and inherits_provider:
            provider = parent_goal.provider
    return ResourceGoal(
        type=request.type,
        name=request.name,
        custom=bool(request.custom),
        parent=parent_urn,
        provider=provider,
        properties=struct_to_json(request.object),
        dependencies=list(request.dependencies),
        property_dependencies={key: list(value.urns) for key, value in request.propertyDependencies.items()},
        protect=protect,
        ignore_changes=list(request.ignoreChanges),
        delete_before_replace=delete_before_replace,
        additional_secret_outputs=list(request.additionalSecretOutputs),
        custom_timeouts=_timeouts(request),
        remote=bool(request.remote),
    )


def analyzer_options(goal: ResourceGoal) -> analyzer_pb2.AnalyzerResourceOptions:
    """analyzer_plugin.go, marshalResourceOptions: every option, custom timeouts always present (zero when unset)."""
    timeouts = goal.custom_timeouts
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=bool(goal.protect),
        ignoreChanges=goal.ignore_changes,
        deleteBeforeReplace=bool(goal.delete_before_replace),
        deleteBeforeReplaceDefined=goal.delete_before_replace is not None,
        additionalSecretOutputs=goal.additional_secret_outputs,
        aliases=goal.aliases,
        customTimeouts=analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(
            create=timeouts.create, update=timeouts.update, delete=timeouts.delete, read=timeouts.read
        ),
        parent=goal.parent,
    )


def _wire_envelope(value: dict[str, Any]) -> Any:
    """A value carrying a signature, or a plain object."""
    signature = value.get(SIGNATURE_KEY)
    if signature == RESOURCE_SIGNATURE:
        if "id" in value:
            return value["id"] if value["id"] != "" else UNKNOWN
        return value.get("urn", "")
    if signature == OUTPUT_VALUE_SIGNATURE:
        inner = _wire_value(value["value"]) if "value" in value else UNKNOWN
        return {SIGNATURE_KEY: SECRET_SIGNATURE, "value": inner} if value.get("secret") else inner
    if signature == SECRET_SIGNATURE:
        return {SIGNATURE_KEY: SECRET_SIGNATURE, "value": _wire_value(value.get("value"))}
    return {key: _wire_value(item) for key, item in value.items()}


def _wire_value(value: Any) -> Any:
    """One value as the analyzer receives it (sdk/go/common/resource/plugin/rpc.go, MarshalPropertyValue with
    KeepResources off, KeepOutputValues off): a resource reference becomes its id (unknown while the id is), or its
    URN when it has none (a component); an output value becomes its value (unknown when unknown), secret if it was."""
    if isinstance(value, list):
        return [_wire_value(item) for item in value]
    if isinstance(value, dict):
        return _wire_envelope(value)
    return value


def wire_properties(properties: Mapping[str, Any]) -> dict[str, Any]:
    """Properties as an AnalyzeRequest / AnalyzerResource carries them (analyzer_plugin.go, Analyze: MarshalProperties
    with KeepUnknowns, KeepSecrets, SkipInternalKeys): top-level `__` keys dropped, references downgraded."""
    return {key: _wire_value(value) for key, value in properties.items() if not key.startswith(_INTERNAL_KEY_PREFIX)}


def wire_property_dependencies(
    property_dependencies: Mapping[str, list[str]],
) -> dict[str, analyzer_pb2.AnalyzerPropertyDependencies]:
    """analyzer_plugin.go, AnalyzeStack: a property with no dependencies is left out."""
    return {
        key: analyzer_pb2.AnalyzerPropertyDependencies(urns=urns) for key, urns in property_dependencies.items() if urns
    }


def world_inputs(properties: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs as the world reads them: references as ids, secrets as their values, unknowns as None."""

    def plain(value: Any) -> Any:
        if isinstance(value, list):
            return [plain(item) for item in value]
        if isinstance(value, dict):
            if value.get(SIGNATURE_KEY) == SECRET_SIGNATURE:
                return plain(value.get("value"))
            return {key: plain(item) for key, item in value.items()}
        return None if value == UNKNOWN else value

    return {key: plain(value) for key, value in wire_properties(properties).items()}
