"""Policy configuration merged as the engine merges it: defaults, the pack's initial config, the user's file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2

from preflight.gate.policy_config import (
    PolicyConfigEntry,
    PolicyConfigError,
    load_policy_config,
    parse_policy_config,
    reconcile,
)


def info(
    initial: dict[str, analyzer_pb2.PolicyConfig] | None = None, default: bool = True
) -> analyzer_pb2.AnalyzerInfo:
    schema = struct_pb2.Struct()
    days: dict[str, Any] = {"type": "integer", "default": 7} if default else {"type": "integer"}
    schema.update({"days": days, "names": {"type": "array"}})
    return analyzer_pb2.AnalyzerInfo(
        name="pack",
        version="0.0.1",
        policies=[
            analyzer_pb2.PolicyInfo(
                name="retention",
                enforcementLevel=analyzer_pb2.MANDATORY,
                configSchema=analyzer_pb2.PolicyConfigSchema(properties=schema, required=["days"]),
            ),
            analyzer_pb2.PolicyInfo(name="tracing", enforcementLevel=analyzer_pb2.ADVISORY),
        ],
        initialConfig=initial or {},
    )


def test_defaults_come_from_each_policy_and_its_schema() -> None:
    reconciled = reconcile(info(), {})
    assert reconciled.entries["retention"] == PolicyConfigEntry("mandatory", {"days": 7})
    assert reconciled.entries["tracing"] == PolicyConfigEntry("advisory", {})
    assert reconciled.warnings == []
    request = reconciled.request()
    assert request.policyConfig["retention"].enforcementLevel == analyzer_pb2.MANDATORY
    assert request.policyConfig["retention"].properties["days"] == 7


def test_user_entries_merge_over_the_defaults() -> None:
    user = parse_policy_config({"all": "advisory", "retention": {"days": 14}, "tracing": "mandatory"}, "cfg.json")
    reconciled = reconcile(info(), user)
    assert reconciled.entries["retention"] == PolicyConfigEntry("advisory", {"days": 14})
    assert reconciled.entries["tracing"].enforcement_level == "mandatory"


def test_an_entry_without_a_level_keeps_the_level() -> None:
    reconciled = reconcile(info(), parse_policy_config({"retention": {"days": 30}}, "cfg.json"))
    assert reconciled.entries["retention"] == PolicyConfigEntry("mandatory", {"days": 30})


def test_initial_config_without_a_level_downgrades_as_the_engine_does_and_says_so() -> None:
    properties = struct_pb2.Struct()
    properties.update({"days": 3})
    reconciled = reconcile(info({"retention": analyzer_pb2.PolicyConfig(properties=properties)}), {})
    assert reconciled.entries["retention"] == PolicyConfigEntry("advisory", {"days": 3})
    [warning] = reconciled.warnings
    assert "initial config for retention arrives as advisory" in warning
    restored = reconcile(
        info({"retention": analyzer_pb2.PolicyConfig(properties=properties)}),
        {"retention": PolicyConfigEntry("mandatory")},
    )
    assert restored.entries["retention"].enforcement_level == "mandatory"


def test_initial_config_with_a_level_is_applied_quietly() -> None:
    reconciled = reconcile(info({"tracing": analyzer_pb2.PolicyConfig(enforcementLevel=analyzer_pb2.DISABLED)}), {})
    assert reconciled.entries["tracing"].enforcement_level == "disabled"
    assert reconciled.warnings == []


@pytest.mark.parametrize(
    ("user", "message"),
    [
        ({"retention": {"days": "many"}}, "retention: days: Invalid type. Expected: integer, given: string"),
        ({"retention": {"names": 3}}, "retention: names: Invalid type. Expected: array, given: integer"),
        ({"unknown": "advisory"}, "names policies the pack does not have"),
    ],
)
def test_invalid_configuration_is_an_error_naming_the_policy(user: dict[str, Any], message: str) -> None:
    with pytest.raises(PolicyConfigError, match=message):
        reconcile(info(), parse_policy_config(user, "cfg.json"))


def test_a_required_property_cannot_be_dropped() -> None:
    with pytest.raises(PolicyConfigError) as raised:
        reconcile(info(default=False), {})
    assert str(raised.value) == "validating policy config: pack 0.0.1  retention: days is required"


def test_schema_errors_are_the_cli_lines_sorted_each_an_error() -> None:
    user = parse_policy_config({"retention": {"days": "many", "names": 3}}, "cfg.json")
    with pytest.raises(PolicyConfigError) as raised:
        reconcile(info(), user, pack_version="1.2.3")
    assert str(raised.value).split("\n") == [
        "validating policy config: pack 1.2.3  retention: days: Invalid type. Expected: integer, given: string",
        "error: validating policy config: pack 1.2.3  retention: names: Invalid type. Expected: array, given: integer",
    ]


def test_without_jsonschema_the_gate_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes `import jsonschema` raise ImportError, as on the base install.
    monkeypatch.setitem(sys.modules, "jsonschema", None)
    with pytest.raises(PolicyConfigError, match=r"needs jsonschema: install the project's `policy` extra"):
        reconcile(info(), {})


@pytest.mark.parametrize("content", ["", "  \n"])
def test_an_empty_config_file_is_no_config(tmp_path: Path, content: str) -> None:
    file = tmp_path / "policy-config.json"
    file.write_text(content)
    assert load_policy_config(file) == {}


def test_the_environments_key_names_esc_environments_not_a_policy(tmp_path: Path) -> None:
    file = tmp_path / "policy-config.json"
    file.write_text('{"environments": ["org/env"], "some-policy": "advisory"}')
    assert load_policy_config(file) == {"some-policy": PolicyConfigEntry("advisory")}
    file.write_text('{"environments": "org/env"}')
    with pytest.raises(PolicyConfigError, match='"environments" must be an array of strings'):
        load_policy_config(file)
    file.write_text('{"environments": [1]}')
    with pytest.raises(PolicyConfigError, match=r'"environments\[0\]" must be a string'):
        load_policy_config(file)


@pytest.mark.parametrize(
    ("user", "message"),
    [
        ({"retention": PolicyConfigEntry("", {"dyas": 3})}, "retention: unknown property 'dyas'; did you mean 'days'?"),
        ({"tracing": PolicyConfigEntry("", {"sample": 1})}, r"tracing: unknown property 'sample'; .*\(none, only"),
        ({"all": PolicyConfigEntry("advisory", {"days": 3})}, "all: unknown property 'days'"),
    ],
)
def test_a_property_the_schema_does_not_declare_is_named(user: dict[str, PolicyConfigEntry], message: str) -> None:
    with pytest.raises(PolicyConfigError, match=message):
        reconcile(info(), user)


def test_all_disabled_is_accepted_with_a_warning_that_nothing_is_checked() -> None:
    reconciled = reconcile(info(), {"all": PolicyConfigEntry("disabled")})
    assert {entry.enforcement_level for entry in reconciled.entries.values()} == {"disabled"}
    assert any("disables all 2 policies" in warning for warning in reconciled.warnings)
    partly = reconcile(info(), {"all": PolicyConfigEntry("disabled"), "tracing": PolicyConfigEntry("advisory")})
    assert not any("disables all" in warning for warning in partly.warnings)
