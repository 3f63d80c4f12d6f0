"""Policy pack configuration, merged the way the Pulumi engine merges it before calling Configure.

Order (pulumi's ReconcilePolicyPackConfig): each policy's own enforcement level and its config schema's defaults,
then the pack's `initial_config` (from GetAnalyzerInfo), then the user's file (`--policy-pack-config`, here
`--config`). The result holds an entry for every policy with an explicit enforcement level, and is validated against
each policy's config schema.

Enforcement levels, exactly as the engine does it:
- a user entry without `enforcementLevel` keeps the level it had (it only sets properties); a plain string entry
  (`"policy": "advisory"`) sets only the level; `"all": "<level>"` sets every policy's level first;
- an `initial_config` entry arrives over gRPC as a proto3 enum, where "not set" and ADVISORY are the same value, so the
  engine applies ADVISORY and a mandatory policy is downgraded. The gate does the same, but says so in a warning
  rather than letting it pass silently.

Unlike the engine, a user entry for a policy the pack does not have is an error, and so is a property the policy's
config schema does not declare (the engine's schema has no `additionalProperties: false`, pulumi's
pkg/resource/analyzer/config.go convertSchema): a typo would otherwise change nothing and say nothing. A config that
leaves every policy disabled (`"all": "disabled"`) is accepted, as the engine accepts it, with a warning that the
gate checks nothing.

Schema errors read as the CLI's lines: gojsonschema's wording (schema_messages), the engine's prefix and order.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2

from preflight.gate.schema_messages import schema_errors

LEVELS: Final = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "remediate": analyzer_pb2.REMEDIATE,
    "disabled": analyzer_pb2.DISABLED,
}
LEVEL_NAMES: Final[dict[int, str]] = {int(value): name for name, value in LEVELS.items()}
ALL_POLICIES: Final = "all"


class PolicyConfigError(Exception):
    """The policy configuration is malformed or invalid; the message names the file or policy and what is allowed."""


@dataclass
class PolicyConfigEntry:
    """One policy's configuration: a level name ("" when not given) and properties."""

    enforcement_level: str = ""
    properties: dict[str, Any] = field(default_factory=dict)


def level_name(level: int) -> str:
    return LEVEL_NAMES.get(level, "advisory")


def _parse_level(value: Any, where: str) -> str:
    if not isinstance(value, str) or value not in LEVELS:
        raise PolicyConfigError(f"{where}: enforcementLevel {value!r} is not one of {sorted(LEVELS)}")
    return value


def parse_policy_config(document: Any, where: str) -> dict[str, PolicyConfigEntry]:
    """The `--policy-pack-config` JSON shape: {policy: "<level>" | {"enforcementLevel"?: ..., <property>: ...}}."""
    if not isinstance(document, Mapping):
        raise PolicyConfigError(f"{where}: expected a JSON object mapping policy names to a level or an object")
    entries: dict[str, PolicyConfigEntry] = {}
    for policy, value in document.items():
        if isinstance(value, str):
            entries[policy] = PolicyConfigEntry(_parse_level(value, f"{where}: {policy}"))
        elif isinstance(value, Mapping):
            properties = {key: item for key, item in value.items() if key != "enforcementLevel"}
            level = value.get("enforcementLevel")
            entries[policy] = PolicyConfigEntry(
                _parse_level(level, f"{where}: {policy}") if level is not None else "", properties
            )
        else:
            raise PolicyConfigError(f"{where}: {policy}: {value!r} is not a level or an object")
    return entries


def _without_environments(document: Any, where: str) -> Any:
    """pkg/resource/analyzer/config.go, parsePolicyPackConfig: `environments` names ESC environments (a list of
    strings), not a policy; it is checked and set aside."""
    if not isinstance(document, Mapping) or "environments" not in document:
        return document
    environments = document["environments"]
    if not isinstance(environments, list):
        raise PolicyConfigError(f'{where}: "environments" must be an array of strings')
    for index, name in enumerate(environments):
        if not isinstance(name, str):
            raise PolicyConfigError(f'{where}: "environments[{index}]" must be a string')
    return {key: value for key, value in document.items() if key != "environments"}


def load_policy_config(path: str | Path) -> dict[str, PolicyConfigEntry]:
    """The config file the CLI's `--policy-pack-config` reads; empty content is no config (config.go)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
        document = json.loads(text) if text.strip() else {}
    except OSError as exc:
        raise PolicyConfigError(f"{file}: cannot be read: {exc}") from exc
    except ValueError as exc:
        raise PolicyConfigError(f"{file}: not valid JSON: {exc}") from exc
    return parse_policy_config(_without_environments(document, str(file)), str(file))


def _struct_dict(message: struct_pb2.Struct) -> dict[str, Any]:
    return json_format.MessageToDict(message)


@dataclass
class ReconciledConfig:
    entries: dict[str, PolicyConfigEntry]
    warnings: list[str]

    def request(self) -> analyzer_pb2.ConfigureAnalyzerRequest:
        config = {}
        for policy, entry in self.entries.items():
            properties = struct_pb2.Struct()
            properties.update(entry.properties)
            config[policy] = analyzer_pb2.PolicyConfig(
                enforcementLevel=LEVELS[entry.enforcement_level], properties=properties
            )
        return analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=config)


def _apply(result: dict[str, PolicyConfigEntry], given: Mapping[str, PolicyConfigEntry]) -> None:
    everything = given.get(ALL_POLICIES)
    if everything is not None and everything.enforcement_level:
        for entry in result.values():
            entry.enforcement_level = everything.enforcement_level
    for policy, entry in given.items():
        if policy == ALL_POLICIES:
            continue
        current = result.setdefault(policy, PolicyConfigEntry("advisory"))
        if entry.enforcement_level:
            current.enforcement_level = entry.enforcement_level
        current.properties.update(entry.properties)


def _unknown_properties(user: Mapping[str, PolicyConfigEntry], schemas: Mapping[str, dict[str, Any]]) -> list[str]:
    """One line per property the user set that its policy's config schema does not declare."""
    problems = []
    for policy, entry in user.items():
        allowed = sorted(schemas.get(policy, {}).get("properties", {})) if policy != ALL_POLICIES else []
        for name in sorted(set(entry.properties) - set(allowed)):
            close = difflib.get_close_matches(name, allowed, n=1)
            suggestion = f"did you mean {close[0]!r}? " if close else ""
            problems.append(
                f"policy config: {policy}: unknown property {name!r}; {suggestion}"
                f"allowed: {', '.join(allowed) if allowed else '(none, only enforcementLevel)'}"
            )
    return problems


def reconcile(
    info: analyzer_pb2.AnalyzerInfo, user: Mapping[str, PolicyConfigEntry], pack_version: str = ""
) -> ReconciledConfig:
    """Defaults <- pack initial config <- user config, validated; PolicyConfigError on any invalid entry, one line
    per schema error as the CLI prints them (`validating policy config: <pack> <version>  <policy>: <error>`, the
    version PulumiPolicy.yaml gives, `pack_version`, over the pack's own)."""
    schemas: dict[str, dict[str, Any]] = {}
    result: dict[str, PolicyConfigEntry] = {}
    for policy in info.policies:
        schema_properties = _struct_dict(policy.configSchema.properties)
        schemas[policy.name] = {"type": "object", "properties": schema_properties}
        if policy.configSchema.required:
            schemas[policy.name]["required"] = list(policy.configSchema.required)
        defaults = {
            key: spec["default"]
            for key, spec in schema_properties.items()
            if isinstance(spec, dict) and "default" in spec
        }
        result[policy.name] = PolicyConfigEntry(level_name(policy.enforcementLevel), defaults)

    warnings = []
    initial: dict[str, PolicyConfigEntry] = {}
    for policy, config in info.initialConfig.items():
        level = level_name(config.enforcementLevel)
        if policy in result and result[policy].enforcement_level == "mandatory" and level == "advisory":
            warnings.append(
                f"the pack's initial config for {policy} arrives as advisory (gRPC cannot tell a missing level from "
                "advisory): the Pulumi engine downgrades this mandatory policy, and so does the gate; give it a level "
                "in the policy config to keep it mandatory"
            )
        initial[policy] = PolicyConfigEntry(level, _struct_dict(config.properties))
    _apply(result, initial)

    unknown = sorted(set(user) - set(result) - {ALL_POLICIES})
    if unknown:
        raise PolicyConfigError(
            f"policy config names policies the pack does not have: {unknown}; known: {sorted(result)}"
        )
    _apply(result, user)
    unknown_properties = _unknown_properties(user, schemas)
    if unknown_properties:
        raise PolicyConfigError(unknown_properties[0] + "".join(f"\n  {more}" for more in unknown_properties[1:]))
    if result and all(entry.enforcement_level == "disabled" for entry in result.values()):
        warnings.append(
            f"the policy config disables all {len(result)} policies of the pack: the gate checks nothing "
            "(the Pulumi engine accepts this too)"
        )

    try:
        # Imported here: `python -m preflight` registers the gate on the base install, which has no jsonschema.
        import jsonschema  # noqa: PLC0415
    except ImportError as missing:
        raise PolicyConfigError(
            "validating the policy config needs jsonschema: install the project's `policy` extra "
            "(pip install -e '.[policy]')"
        ) from missing
    errors = [
        f"validating policy config: {info.name} {pack_version or info.version}  {policy}: {line}"
        for policy, entry in result.items()
        for line in schema_errors(jsonschema.Draft7Validator, schemas.get(policy, {"type": "object"}), entry.properties)
    ]
    if errors:
        # update.go, loadPolicyPlugins: every line sorted, each printed as an error of its own.
        raise PolicyConfigError("\nerror: ".join(sorted(errors)))
    return ReconciledConfig(result, warnings)
