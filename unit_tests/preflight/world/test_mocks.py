"""The mocks answer like AWS: ARNs, ids and names in the real formats for the provider's region and account."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs

from preflight import AwsLikeMocks
from preflight.world.resource_answers import ANSWERS
from preflight.world.sdk_types import UNKNOWN

PROVIDER_REF = "urn:pulumi:dev::demo::pulumi:pulumi:Stack$pulumi:providers:aws::aws-apse2::2b8e"
ARN = re.compile(r"^arn:aws:[a-z0-9-]+:(ap-southeast-2)?:(123456789012)?:.+$")


def _resource(typ: str, logical_name: str = "thing", **inputs: Any) -> MockResourceArgs:
    return MockResourceArgs(
        typ=typ, name=logical_name, inputs=inputs, provider=PROVIDER_REF, resource_id="", custom=True
    )


@pytest.fixture
def mocks() -> AwsLikeMocks:
    mocks = AwsLikeMocks(preview=False)
    mocks.new_resource(
        MockResourceArgs(
            typ="pulumi:providers:aws", name="aws-apse2", inputs={"region": "ap-southeast-2"}, provider="",
            resource_id="", custom=True,
        )
    )  # fmt: skip
    return mocks


def test_provider_key_and_region_lookup(mocks: AwsLikeMocks) -> None:
    assert AwsLikeMocks.provider_key(PROVIDER_REF) == "pulumi:providers:aws::aws-apse2"
    assert AwsLikeMocks.provider_key("not-a-urn") == ""
    assert mocks.region_for(PROVIDER_REF) == "ap-southeast-2"
    assert mocks.region_for("") == "us-east-1"


@pytest.mark.parametrize("typ", sorted(ANSWERS))
def test_every_known_type_answers_an_arn_in_the_providers_region(mocks: AwsLikeMocks, typ: str) -> None:
    resource_id, state = mocks.new_resource(_resource(typ, restApi="a1b2c3", stageName="v1", topic=None))
    assert resource_id
    arn = str(state.get("arn") or state.get("dashboardArn"))
    assert ARN.match(arn), arn
    if ":s3:::" not in arn and ":iam::" not in arn and ":cloudwatch::" not in arn and ":budgets::" not in arn:
        assert ":ap-southeast-2:" in arn or ":apigateway:ap-southeast-2::" in arn, arn


def test_given_names_are_kept_and_auto_names_follow_the_provider(mocks: AwsLikeMocks) -> None:
    _, named = mocks.new_resource(_resource("aws:sqs/queue:Queue", "q", name="orders"))
    assert named["url"] == "https://sqs.ap-southeast-2.amazonaws.com/123456789012/orders"
    _, auto = mocks.new_resource(_resource("aws:s3/bucket:Bucket", "Audit-Bucket"))
    assert re.fullmatch(r"audit-bucket-[0-9a-f]{7}", auto["bucket"])


def test_subscription_arns_hang_off_their_topic(mocks: AwsLikeMocks) -> None:
    topic = "arn:aws:sns:ap-southeast-2:123456789012:alerts"
    _, state = mocks.new_resource(_resource("aws:sns/topicSubscription:TopicSubscription", topic=topic))
    assert state["arn"].startswith(topic + ":")


def test_unknown_types_get_a_generic_arn(mocks: AwsLikeMocks) -> None:
    resource_id, state = mocks.new_resource(_resource("aws:xray/group:Group", "traces"))
    assert str(resource_id).startswith("traces-")
    assert state["arn"].startswith("arn:aws:xray:ap-southeast-2:123456789012:group/traces-")
    _, odd = mocks.new_resource(_resource("odd", "x"))
    assert odd["arn"].startswith("arn:aws:unknown:")


def test_preview_answers_inputs_check_additions_and_unknown_computed_outputs() -> None:
    mocks = AwsLikeMocks(preview=True)
    resource_id, state = mocks.new_resource(_resource("aws:sqs/queue:Queue", "q", delaySeconds=5))
    assert resource_id is None
    assert state["delaySeconds"] == 5
    assert re.fullmatch(r"q-[0-9a-f]{7}", state["name"])  # the auto-name is known at preview
    assert state["arn"] == UNKNOWN
    assert state["url"] == UNKNOWN
    assert "kmsMasterKeyId" not in state  # Optional and not given: missing, not unknown
    provider_id, _ = mocks.new_resource(
        MockResourceArgs(typ="pulumi:providers:aws", name="p", inputs={}, provider="", resource_id="", custom=True)
    )
    assert provider_id is None


@pytest.mark.parametrize(
    ("token", "key", "expected"),
    [
        ("aws:index/getCallerIdentity:getCallerIdentity", "accountId", "123456789012"),
        ("aws:index/getRegion:getRegion", "name", "ap-southeast-2"),
        ("aws:index/getPartition:getPartition", "partition", "aws"),
        (
            "aws:index/getAvailabilityZones:getAvailabilityZones",
            "names",
            ["ap-southeast-2a", "ap-southeast-2b", "ap-southeast-2c"],
        ),
        ("aws:index/getAvailabilityZones:getAvailabilityZones", "zoneIds", ["apse2-az3", "apse2-az1", "apse2-az2"]),
        ("aws:secretsmanager/getRandomPassword:getRandomPassword", "randomPassword", "preflight-mock-not-a-secret"),
    ],
)
def test_invokes_answer_in_the_providers_region(mocks: AwsLikeMocks, token: str, key: str, expected: Any) -> None:
    result, failures = mocks.call(MockCallArgs(token=token, args={}, provider=PROVIDER_REF))
    assert result[key] == expected
    assert failures == []


def test_invokes_no_sdk_declares_answer_nothing(mocks: AwsLikeMocks) -> None:
    assert mocks.call(MockCallArgs(token="nope:x/getY:getY", args={}, provider=PROVIDER_REF)) == ({}, [])


def test_random_resources_answer_their_generated_result(mocks: AwsLikeMocks) -> None:
    resource_id, state = mocks.new_resource(_resource("random:index/randomString:RandomString", "token", length=10))
    assert state["result"] == resource_id
    assert resource_id.startswith("token-")
    _, pet = mocks.new_resource(_resource("random:index/randomPet:RandomPet", "pet", prefix="dev"))
    assert pet["result"].startswith("dev-")
