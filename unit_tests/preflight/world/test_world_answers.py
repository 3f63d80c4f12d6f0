"""The world as wide as pulumi-aws (issue 13): every type and invoke answered from the SDK's own types."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs

from preflight import AwsLikeMocks
from preflight.world.sdk_types import UNKNOWN

PROVIDER = "pulumi:providers:aws"


def _register(mocks: AwsLikeMocks, typ: str, logical: str, provider: str = "", **inputs: Any) -> tuple[Any, dict]:
    return mocks.new_resource(
        MockResourceArgs(typ=typ, name=logical, inputs=inputs, provider=provider, resource_id="", custom=True)
    )


def _provider(mocks: AwsLikeMocks, name: str, **inputs: Any) -> str:
    mocks.new_resource(
        MockResourceArgs(typ=PROVIDER, name=name, inputs=inputs, provider="", resource_id="", custom=True)
    )
    return f"urn:pulumi:dev::demo::pulumi:pulumi:Stack${PROVIDER}::{name}::id"


def test_resources_on_the_default_provider_live_in_the_stacks_aws_region() -> None:
    mocks = AwsLikeMocks(preview=False, config_region="eu-central-1")
    _, state = _register(mocks, "aws:sqs/queue:Queue", "jobs")
    assert state["arn"].startswith("arn:aws:sqs:eu-central-1:123456789012:jobs-")


def test_unmapped_types_get_their_services_arn_with_their_given_name() -> None:
    _, state = _register(AwsLikeMocks(preview=False), "aws:sfn/stateMachine:StateMachine", "flow", name="orders")
    assert state["arn"] == "arn:aws:states:us-east-1:123456789012:stateMachine:orders"


def test_up_answers_every_output_the_sdk_declares_with_its_type() -> None:
    mocks = AwsLikeMocks(preview=False)
    _, cluster = _register(mocks, "aws:eks/cluster:Cluster", "eks", roleArn="arn:aws:iam::1:role/r")
    assert cluster["certificateAuthority"]["data"]
    assert cluster["endpoint"].startswith("https://")
    _, api = _register(mocks, "aws:apigatewayv2/api:Api", "http", protocolType="HTTP")
    assert re.fullmatch(r"arn:aws:execute-api:us-east-1:123456789012:[0-9a-z-]+", api["executionArn"])


def test_up_outputs_carry_what_aws_reads_back_and_inputs_stay_the_programs() -> None:
    _, bucket = _register(AwsLikeMocks(preview=False), "aws:s3/bucket:Bucket", "audit")
    default = bucket["serverSideEncryptionConfiguration"]["rule"]["applyServerSideEncryptionByDefault"]
    assert default["sseAlgorithm"] == "AES256"
    _, queue = _register(AwsLikeMocks(preview=False), "aws:sqs/queue:Queue", "q")
    assert queue["sqsManagedSseEnabled"] is True
    _, function = _register(AwsLikeMocks(preview=False), "aws:lambda/function:Function", "f", role="r")
    assert function["tracingConfig"] == {"mode": "PassThrough"}


def test_tags_all_merges_the_providers_default_tags_at_preview() -> None:
    mocks = AwsLikeMocks(preview=True)
    tagged = _provider(mocks, "tagged", region="eu-west-1", defaultTags=json.dumps({"tags": {"Owner": "platform"}}))
    _, state = _register(mocks, "aws:sfn/stateMachine:StateMachine", "flow", tagged, tags={"Team": "data"})
    assert state["tagsAll"] == {"Owner": "platform", "Team": "data"}
    assert state["arn"] == UNKNOWN
    assert mocks.check_additions("aws:sfn/stateMachine:StateMachine", "flow", {}, tagged)["tagsAll"] == {
        "Owner": "platform"
    }


def test_the_account_setting_moves_every_arn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFLIGHT_AWS_ACCOUNT", "210987654321/aws-us-gov")
    mocks = AwsLikeMocks(preview=False, config_region="us-gov-west-1")
    _, state = _register(mocks, "aws:sqs/queue:Queue", "jobs", name="jobs")
    assert state["arn"] == "arn:aws-us-gov:sqs:us-gov-west-1:210987654321:jobs"
    identity, _ = mocks.call(MockCallArgs("aws:index/getCallerIdentity:getCallerIdentity", {}, ""))
    assert identity["accountId"] == "210987654321"


def test_get_policy_document_is_answered_as_the_provider_renders_it() -> None:
    result, _ = AwsLikeMocks(preview=False).call(
        MockCallArgs(
            "aws:iam/getPolicyDocument:getPolicyDocument",
            {"statements": [{"actions": ["s3:*"], "resources": ["*"]}]},
            "",
        )
    )
    assert json.loads(result["json"]) == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
