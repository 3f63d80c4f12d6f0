"""The goal the engine builds from a registration, and what a policy pack sees of it."""

from __future__ import annotations

import pytest
from google.protobuf import struct_pb2
from pulumi.runtime.proto import resource_pb2

from preflight.engine import resource_goal
from preflight.engine.resource_goal import (
    OUTPUT_VALUE_SIGNATURE,
    RESOURCE_SIGNATURE,
    SECRET_SIGNATURE,
    SIGNATURE_KEY,
    UNKNOWN,
    CustomTimeouts,
    GoalError,
    analyzer_options,
    goal_from_request,
    wire_properties,
    wire_property_dependencies,
)

PROVIDER = "urn:pulumi:dev::demo::pulumi:providers:aws::east::1234"
PARENT = "urn:pulumi:dev::demo::demo:index:Box::box"


def _request(**fields: object) -> resource_pb2.RegisterResourceRequest:
    return resource_pb2.RegisterResourceRequest(type="aws:sqs/queue:Queue", name="q", custom=True, **fields)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("5m", 300.0), ("1h30m", 5400.0), ("1.5h", 5400.0), ("300ms", 0.3), ("0", 0.0), ("-2s", -2.0)],
)
def test_custom_timeouts_parse_as_go_durations(text: str, seconds: float) -> None:
    assert resource_goal.duration_seconds(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["5", "5 m", "m", "", "5d"])
def test_an_unparsable_timeout_is_the_engines_error(text: str) -> None:
    with pytest.raises(GoalError, match=f"unable to parse customTimeout Value {text}"):
        resource_goal.duration_seconds(text)


def test_every_option_reaches_the_analyzer() -> None:
    request = _request(
        protect=True,
        ignoreChanges=["tags"],
        deleteBeforeReplace=True,
        deleteBeforeReplaceDefined=True,
        additionalSecretOutputs=["arn"],
        customTimeouts=resource_pb2.RegisterResourceRequest.CustomTimeouts(create="5m", delete="1h"),
    )
    options = analyzer_options(goal_from_request(request, PARENT))
    assert options.protect
    assert list(options.ignoreChanges) == ["tags"]
    assert options.deleteBeforeReplace
    assert options.deleteBeforeReplaceDefined
    assert list(options.additionalSecretOutputs) == ["arn"]
    assert (options.customTimeouts.create, options.customTimeouts.delete) == (300.0, 3600.0)
    assert options.customTimeouts.update == 0.0
    assert options.parent == PARENT
    assert list(options.aliases) == []


def test_delete_before_replace_is_defined_when_either_flag_is_set() -> None:
    unset = goal_from_request(_request(), "")
    assert unset.delete_before_replace is None
    assert not analyzer_options(unset).deleteBeforeReplaceDefined
    explicit_false = goal_from_request(_request(deleteBeforeReplaceDefined=True), "")
    assert explicit_false.delete_before_replace is False
    assert analyzer_options(explicit_false).deleteBeforeReplaceDefined
    assert goal_from_request(_request(), "").custom_timeouts == CustomTimeouts()


def test_protect_and_provider_come_from_the_parent_when_unset() -> None:
    parent = goal_from_request(
        resource_pb2.RegisterResourceRequest(type="demo:index:Box", name="box", protect=True, provider=PROVIDER), ""
    )
    same_package = goal_from_request(_request(), PARENT, parent)
    assert same_package.protect is True
    assert same_package.provider == PROVIDER
    other_package = goal_from_request(
        resource_pb2.RegisterResourceRequest(type="random:index/randomPet:RandomPet", name="p", custom=True),
        PARENT,
        parent,
    )
    assert other_package.provider == ""
    component = goal_from_request(
        resource_pb2.RegisterResourceRequest(type="demo:index:Inner", name="i"), PARENT, parent
    )
    assert component.provider == PROVIDER
    unprotected = goal_from_request(_request(protect=False), PARENT, parent)
    assert unprotected.protect is False


def test_resource_references_arrive_as_ids_or_urns() -> None:
    properties = struct_pb2.Struct()
    properties.update(
        {
            "role": {SIGNATURE_KEY: RESOURCE_SIGNATURE, "urn": "urn:role", "id": "role-123"},
            "pending": {SIGNATURE_KEY: RESOURCE_SIGNATURE, "urn": "urn:role2", "id": ""},
            "component": {SIGNATURE_KEY: RESOURCE_SIGNATURE, "urn": "urn:box"},
            "list": [{SIGNATURE_KEY: RESOURCE_SIGNATURE, "urn": "urn:r", "id": "r-1"}],
            "secret": {
                SIGNATURE_KEY: SECRET_SIGNATURE,
                "value": {SIGNATURE_KEY: RESOURCE_SIGNATURE, "urn": "u", "id": "i"},
            },
            "output": {SIGNATURE_KEY: OUTPUT_VALUE_SIGNATURE, "value": "known", "secret": True},
            "unknownOutput": {SIGNATURE_KEY: OUTPUT_VALUE_SIGNATURE},
            "__defaults": ["name"],
            "nested": {"__kept": 1.0},
        }
    )
    goal = goal_from_request(_request(object=properties), "")
    assert wire_properties(goal.properties) == {
        "role": "role-123",
        "pending": UNKNOWN,
        "component": "urn:box",
        "list": ["r-1"],
        "secret": {SIGNATURE_KEY: SECRET_SIGNATURE, "value": "i"},
        "output": {SIGNATURE_KEY: SECRET_SIGNATURE, "value": "known"},
        "unknownOutput": UNKNOWN,
        "nested": {"__kept": 1.0},
    }


def test_properties_without_dependencies_are_left_out() -> None:
    wired = wire_property_dependencies({"bucket": ["urn:b"], "tags": []})
    assert list(wired) == ["bucket"]
    assert list(wired["bucket"].urns) == ["urn:b"]
