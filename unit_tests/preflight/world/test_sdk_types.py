"""Outputs read from the SDK's own classes: typed values in up, unknowns in preview."""

from __future__ import annotations

import pytest

from preflight.world import sdk_types
from preflight.world.arn_formats import Identity

FILLER = sdk_types.Filler(sdk_types.PlausibleStrings(Identity(), "us-east-2", "eks", "web", "seed"))


def test_a_type_token_finds_its_class_through_the_sdks_registry_and_naming_rule() -> None:
    assert sdk_types.resource_class("aws:sfn/stateMachine:StateMachine").__name__ == "StateMachine"
    assert sdk_types.resource_class("aws:lambda/function:Function").__module__ == "pulumi_aws.lambda_.function"
    assert sdk_types.resource_class("aws:nothing/here:Here") is None
    assert sdk_types.resource_class("notapackage:x:Y") is None
    assert sdk_types.resource_class("malformed") is None
    assert sdk_types.result_class("aws:ec2/getAmi:getAmi").__name__ == "GetAmiResult"
    assert sdk_types.result_class("aws:index/getRegion:getRegion").__name__ == "GetRegionResult"
    assert sdk_types.result_class("aws:ec2/getNothing:getNothing") is None


def test_output_properties_know_names_types_and_which_the_provider_always_sets() -> None:
    props = {p.name: p for p in sdk_types.output_properties(sdk_types.resource_class("aws:s3/bucket:Bucket"))}
    assert props["bucketDomainName"].hint is str
    assert not props["bucketDomainName"].optional
    assert props["forceDestroy"].hint is bool
    assert props["forceDestroy"].optional
    assert props["serverSideEncryptionConfiguration"].hint.__name__ == "BucketServerSideEncryptionConfiguration"
    assert "id" not in props
    assert "urn" not in props


def test_up_fills_every_always_set_output_with_its_type_and_nested_objects() -> None:
    cluster = sdk_types.resource_class("aws:eks/cluster:Cluster")
    outputs = sdk_types.up_outputs(cluster, {"name": "web", "roleArn": "arn:aws:iam::1:role/given"}, FILLER)
    assert outputs["certificateAuthority"]["data"]
    assert outputs["identities"][0]["oidcs"][0]["issuer"].startswith("https://")
    assert outputs["endpoint"].startswith("https://")
    assert outputs["roleArn"] == "arn:aws:iam::1:role/given"
    assert outputs["tagsAll"] == {}
    assert "tags" not in outputs


def test_preview_leaves_always_set_outputs_unknown_and_optional_ones_absent() -> None:
    api = sdk_types.resource_class("aws:apigatewayv2/api:Api")
    outputs = sdk_types.preview_outputs(api, {"name": "http", "protocolType": "HTTP"}, {"tagsAll": {}})
    assert outputs["executionArn"] == sdk_types.UNKNOWN
    assert outputs["apiEndpoint"] == sdk_types.UNKNOWN
    assert outputs["name"] == "http"
    assert outputs["tagsAll"] == {}
    assert "body" not in outputs  # Optional: missing is not unknown
    assert sdk_types.preview_outputs(None, {"a": 1}, {}) == {"a": 1}


@pytest.mark.parametrize(
    "type_token",
    ["aws:wafv2/webAcl:WebAcl", "aws:ec2/instance:Instance", "aws:ecs/service:Service", "aws:lb/listener:Listener"],
)
def test_self_referencing_and_large_types_fill_in_bounded_size(type_token: str) -> None:
    outputs = sdk_types.up_outputs(sdk_types.resource_class(type_token), {}, FILLER)
    assert len(repr(outputs)) < 200_000


def test_component_outputs_fill_lists_of_ids_and_leave_resource_references_unset() -> None:
    filler = sdk_types.Filler(FILLER.namer, scalar_list_length=3)
    assert len(filler.value(list[str], ("publicSubnetIds",))) == 3
    assert filler.value(list[sdk_types.pulumi.CustomResource], ("subnets",)) == []
    assert filler.value(sdk_types.pulumi.CustomResource, ("vpc",)) is None
    assert filler.value(dict[str, str], ("tags",)) == {}


def test_key_ids_and_strings_of_no_known_shape_read_back_empty_never_made_up() -> None:
    volume = sdk_types.up_outputs(sdk_types.resource_class("aws:ebs/volume:Volume"), {}, FILLER)
    assert volume["kmsKeyId"] == ""
    assert volume["encrypted"] is False
    assert FILLER.namer(("platformVersion",)) == ""
    assert FILLER.namer(("bucketRegion",)) == "us-east-2"
