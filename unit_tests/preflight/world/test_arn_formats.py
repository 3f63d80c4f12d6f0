"""ARNs in each service's real shape, in the resource's region and the configured account."""

from __future__ import annotations

import re

import pytest

from preflight.world.arn_formats import (
    ArnContext,
    Identity,
    arn_for,
    ec2_id,
    region_facts,
    resolve_region,
    service_of,
)
from preflight.world.sdk_types import PlausibleStrings

ARN = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):[a-z0-9-]+:[a-z0-9-]*:(\d{12}|aws)?:.+$")


def _context(**inputs: object) -> ArnContext:
    return ArnContext(Identity(), "eu-west-1", "orders", "abc123", "seed", inputs)


@pytest.mark.parametrize(
    ("type_token", "expected"),
    [
        ("aws:sfn/stateMachine:StateMachine", "arn:aws:states:eu-west-1:123456789012:stateMachine:orders"),
        ("aws:dynamodb/table:Table", "arn:aws:dynamodb:eu-west-1:123456789012:table/orders"),
        ("aws:s3/bucket:Bucket", "arn:aws:s3:::orders"),
        ("aws:iam/role:Role", "arn:aws:iam::123456789012:role/orders"),
        ("aws:ecs/cluster:Cluster", "arn:aws:ecs:eu-west-1:123456789012:cluster/orders"),
        ("aws:eks/cluster:Cluster", "arn:aws:eks:eu-west-1:123456789012:cluster/orders"),
        ("aws:apigatewayv2/api:Api", "arn:aws:apigateway:eu-west-1::/apis/abc123"),
        ("aws:lambda/function:Function", "arn:aws:lambda:eu-west-1:123456789012:function:orders"),
        ("aws:networkfirewall/firewallPolicy:FirewallPolicy",
         "arn:aws:network-firewall:eu-west-1:123456789012:firewall-policy/orders"),
        ("aws:ec2/vpc:Vpc", "arn:aws:ec2:eu-west-1:123456789012:vpc/abc123"),
    ],
)  # fmt: skip
def test_mapped_types_get_their_services_arn_shape(type_token: str, expected: str) -> None:
    assert arn_for(type_token, _context()) == expected


def test_unmapped_types_use_the_arn_service_namespace_not_the_pulumi_module() -> None:
    assert service_of("aws:sfn/alias:Alias") == "states"
    assert arn_for("aws:lb/trustStore:TrustStore", _context()).startswith("arn:aws:elasticloadbalancing:eu-west-1:")
    assert arn_for("aws:sfn/alias:Alias", _context()) == "arn:aws:states:eu-west-1:123456789012:alias/orders"


def test_arns_built_from_inputs_name_their_parents() -> None:
    assert arn_for("aws:ecs/service:Service", _context(cluster="arn:aws:ecs:eu-west-1:1:cluster/main")).endswith(
        ":service/main/orders"
    )
    stage = arn_for("aws:apigatewayv2/stage:Stage", _context(apiId="api1"))
    assert stage == "arn:aws:apigateway:eu-west-1::/apis/api1/stages/orders"
    assert ARN.match(arn_for("aws:lb/listener:Listener", _context(loadBalancerArn="arn:x/app/web/1")))


def test_the_identity_setting_names_account_and_partition_and_rejects_anything_else() -> None:
    assert Identity.from_environment({}) == Identity("123456789012", "aws")
    assert Identity.from_environment({"PREFLIGHT_AWS_ACCOUNT": "210987654321/aws-cn"}).dns_suffix == "amazonaws.com.cn"
    with pytest.raises(ValueError, match="PREFLIGHT_AWS_ACCOUNT='12': expected a 12-digit account id"):
        Identity.parse("12")
    with pytest.raises(ValueError, match="PARTITION one of"):
        Identity.parse("123456789012/mars")


def test_region_comes_from_the_resource_then_its_provider_then_config() -> None:
    assert resolve_region("ap-south-1", "eu-west-1", "us-west-2") == "ap-south-1"
    assert resolve_region(None, "eu-west-1", "us-west-2") == "eu-west-1"
    assert resolve_region(None, None, "us-west-2") == "us-west-2"
    assert resolve_region(None, "", None) == "us-east-1"


def test_availability_zones_and_zone_ids_are_real_for_the_region() -> None:
    assert region_facts("us-east-1").zone_names[:2] == ["us-east-1a", "us-east-1b"]
    assert region_facts("us-east-1").zone_ids[0] == "use1-az6"
    assert region_facts("ap-northeast-1").zone_names == ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]
    assert region_facts("ap-southeast-4").zone_ids == ["apse4-az1", "apse4-az2", "apse4-az3"]
    with pytest.raises(ValueError, match="not an AWS region name"):
        region_facts("moon-1")


def test_ec2_ids_carry_their_prefix_and_strings_follow_the_property_name() -> None:
    assert re.fullmatch(r"tgw-attach-[0-9a-f]{17}", ec2_id("aws:ec2transitgateway/vpcAttachment:VpcAttachment", "s"))
    assert ec2_id("aws:s3/bucket:Bucket", "s") is None
    strings = PlausibleStrings(Identity(), "eu-west-1", "eks", "web", "seed")
    assert re.fullmatch(r"subnet-[0-9a-f]{17}", strings(("vpcConfig", "subnetIds", "0")))
    assert strings(("roleArn",)) == "arn:aws:iam::123456789012:role/web"
    assert strings(("availabilityZone",)) == "eu-west-1a"
    assert strings(("endpoint",)).startswith("https://")
    assert strings(("name",)) == "web"
    assert strings(("ownerId",)) == "123456789012"
