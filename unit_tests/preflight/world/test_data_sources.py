"""Invokes answered with typed, plausible values; every other invoke a typed placeholder, recorded with its site."""

from __future__ import annotations

import asyncio
import json
import re
import warnings
from typing import Any

import pulumi
import pulumi.runtime
import pytest
from pulumi.runtime import mocks

from preflight.world import data_sources
from preflight.world.arn_formats import Identity

REGION = "eu-west-1"


def _answer(token: str, **args: Any) -> dict[str, Any]:
    return data_sources.answer(token, args, REGION, Identity())


def test_identity_region_partition_and_zones_are_the_configured_worlds() -> None:
    assert _answer("aws:index/getCallerIdentity:getCallerIdentity")["accountId"] == "123456789012"
    assert _answer("aws:index/getRegion:getRegion")["name"] == REGION
    assert _answer("aws:index/getPartition:getPartition")["dnsSuffix"] == "amazonaws.com"
    zones = _answer("aws:index/getAvailabilityZones:getAvailabilityZones", excludeNames=["eu-west-1b"])
    assert zones["names"] == ["eu-west-1a", "eu-west-1c"]
    assert zones["zoneIds"] == ["euw1-az3", "euw1-az2"]


def test_the_default_vpc_and_its_subnets_are_one_network() -> None:
    vpc = _answer("aws:ec2/getVpc:getVpc", default=True)
    assert re.fullmatch(r"vpc-[0-9a-f]{17}", vpc["id"])
    assert vpc["cidrBlock"] == "172.31.0.0/16"
    assert vpc["default"]
    subnets = _answer("aws:ec2/getSubnets:getSubnets", filters=[{"name": "vpc-id", "values": [vpc["id"]]}])
    assert len(subnets["ids"]) == 3
    assert all(s.startswith("subnet-") for s in subnets["ids"])
    assert subnets["ids"] == _answer("aws:ec2/getSubnets:getSubnets")["ids"]
    subnet = _answer("aws:ec2/getSubnet:getSubnet", id=subnets["ids"][0])
    assert subnet["vpcId"] == vpc["id"]
    assert subnet["availabilityZone"].startswith(REGION)


def test_an_ami_lookup_answers_an_image_of_the_asked_owner_and_name() -> None:
    ami = _answer("aws:ec2/getAmi:getAmi", owners=["amazon"], mostRecent=True,
                  filters=[{"name": "name", "values": ["amzn2-ami-hvm-*"]}])  # fmt: skip
    assert re.fullmatch(r"ami-[0-9a-f]{17}", ami["id"])
    assert ami["imageId"] == ami["id"]
    assert ami["name"].startswith("amzn2-ami-hvm-")
    assert ami["ownerId"] == "137112412989"


def test_get_policy_document_is_rendered() -> None:
    result = _answer("aws:iam/getPolicyDocument:getPolicyDocument",
                     statements=[{"actions": ["s3:*"], "resources": ["*"]}])  # fmt: skip
    assert json.loads(result["json"])["Statement"] == [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]


def test_an_unanswered_invoke_gets_a_placeholder_of_its_result_type() -> None:
    result = _answer("aws:ec2/getInstance:getInstance", instanceId="i-0abc")
    assert result["instanceId"] == "i-0abc"
    assert isinstance(result["ami"], str)
    assert isinstance(result["ebsOptimized"], bool)
    assert data_sources.answer("nope:x/getY:getY", {}, REGION, Identity()) == {}
    assert not data_sources.is_answered("aws:ec2/getInstance:getInstance")


class _WorldMocks(mocks.Mocks):
    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return args.name, dict(args.inputs)

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        return data_sources.answer(args.token, args.args, REGION, Identity()), []


def test_the_sdk_reads_a_placeholder_as_its_typed_result_and_the_call_site_is_recorded() -> None:
    warnings.simplefilter("ignore", DeprecationWarning)
    import pulumi_aws as aws

    # The program runner sets its loop in the program's own thread: this test drives the SDK on the main thread.
    asyncio.set_event_loop(asyncio.new_event_loop())
    mocks.set_mocks(_WorldMocks(), preview=False)
    sites = data_sources.InvokeSites()
    original_invoke = pulumi.runtime.invoke
    with sites.watching():
        instance = aws.ec2.get_instance(instance_id="i-0abc")
        line = _line_of("instance = aws.ec2.get_instance")
        vpc = aws.ec2.get_vpc(default=True)
    assert pulumi.runtime.invoke is original_invoke
    assert isinstance(instance.ami, str)
    assert instance.instance_id == "i-0abc"
    assert vpc.cidr_block == "172.31.0.0/16"
    [placeholder] = sites.placeholders
    assert placeholder.token == "aws:ec2/getInstance:getInstance"
    assert placeholder.path == __file__
    assert placeholder.line == line
    assert (
        placeholder.describe() == f"answered with a placeholder: aws:ec2/getInstance:getInstance at {__file__}:{line}"
    )


def _line_of(text: str) -> int:
    with open(__file__, encoding="utf-8") as source:
        return next(number for number, line in enumerate(source, 1) if text in line and "_line_of" not in line)


@pytest.mark.parametrize("token", sorted(data_sources.HANDLERS))
def test_every_answer_is_plain_json(token: str) -> None:
    json.dumps(_answer(token))


def test_a_placeholder_lookup_of_ids_has_one_to_index() -> None:
    [image_id] = _answer("aws:ec2/getAmiIds:getAmiIds", owners=["self"])["ids"]
    assert re.fullmatch(r"[0-9a-f]{17}", image_id)
