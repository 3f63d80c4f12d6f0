"""Property-based robustness: random and hostile property trees never make a policy raise.

The trees go through pulumi_policy's own path, in-process for speed: a protobuf Struct, its servicer's Analyze and
AnalyzeStack (MessageToDict, deserialize_properties, the unknown-checking proxy). The servicer turns an unknown read
into an advisory note and "not applicable" into a result; anything else a policy raised would fail the gRPC call,
so it fails the test here. (The servicer class is private to pulumi_policy; pyproject pins pulumi-policy to 1.x.)
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from google.protobuf import struct_pb2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulumi.runtime.proto import analyzer_pb2

from delivery_policies import PACK_ENFORCEMENT_LEVEL, PACK_NAME, POLICY_SPECS, build_policies
from delivery_policies.aws import (
    ALARM_ACTION_TARGET_TYPES,
    BUCKET_ACL_TYPES,
    BUCKET_POLICY,
    BUCKET_TYPES,
    BUCKET_WEBSITE_TYPES,
    COMPOSITE_ALARM,
    INVOCATION_SOURCE_TYPES,
    LOG_GROUP,
    MANAGED_POLICY,
    POLICY_ATTACHMENTS,
    REST_API,
    REST_API_DEPLOYMENT,
    REST_API_METHOD,
    WEB_ACL_ASSOCIATION_TYPES,
    taggable_types,
)
from preflight import SECRET_SIG, SECRET_VALUE_SIG
from preflight._sdk import policy_analyzer_servicer
from preflight.gate.policy_config import PolicyConfigEntry, reconcile

UNKNOWN_SENTINELS = [
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
# Property names the policies read, so random trees reach their code paths, not only their early exits.
KEYS = [
    "policy",
    "inlinePolicies",
    "inlinePolicy",
    "name",
    "Statement",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Sid",
    "kmsMasterKeyId",
    "kmsKeyId",
    "sqsManagedSseEnabled",
    "encryptionKey",
    "artifacts",
    "encryptionDisabled",
    "secondaryArtifacts",
    "artifactIdentifier",
    "logsConfig",
    "s3Logs",
    "artifactStores",
    "artifactStore",
    "region",
    "id",
    "type",
    "keySpec",
    "customerMasterKeySpec",
    "keyUsage",
    "customKeyStoreId",
    "enableKeyRotation",
    "tracingConfig",
    "mode",
    "xrayTracingEnabled",
    "retentionInDays",
    "metricName",
    "namespace",
    "metricQueries",
    "metric",
    "expression",
    "returnData",
    "principal",
    "sourceArn",
    "bucket",
    "rules",
    "rule",
    "applyServerSideEncryptionByDefault",
    "sseAlgorithm",
    "serverSideEncryptionConfiguration",
    "serverSideEncryptionConfigurations",
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
    "acl",
    "lifecycleRules",
    "versioning",
    "logging",
    "replicationConfiguration",
    "tags",
    "tagsAll",
    "defaultTags",
    "deadLetterConfig",
    "targetArn",
    "functionName",
    "destinationConfig",
    "onFailure",
    "destination",
    "Project",
    "Owner",
    # Issue 14: invocation sources, log groups, attachments, websites, state machines.
    "principal",
    "function",
    "sourceArn",
    "sourceAccount",
    "lambdaFunctions",
    "lambdaFunctionArn",
    "endpoint",
    "protocol",
    "arn",
    "target",
    "uri",
    "integrationUri",
    "definition",
    "loggingConfig",
    "logGroup",
    "name",
    "policyArn",
    "policyArns",
    "managedPolicyArns",
    "policy",
    "website",
    "tracingConfiguration",
    "enabled",
    # Issue 16: deployments, stages and their web ACLs, usage plans, alarm actions.
    "restApi",
    "triggers",
    "resourceArn",
    "webAclArn",
    "throttleSettings",
    "rateLimit",
    "burstLimit",
    "alarmActions",
    "actionsEnabled",
]
TEXTS = [
    "*",
    "s3:*",
    "Allow",
    "Deny",
    "Active",
    "aws:kms",
    "AES256",
    "alias/aws/s3",
    "SYMMETRIC_DEFAULT",
    "RSA_2048",
    "Errors",
    "AWS/Lambda",
    "5XXError",
    "apigateway.amazonaws.com",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::*",
    "arn:aws:execute-api:us-east-1:123456789012:a/*/*",
    "arn:aws:execute-api:us-east-1:123456789012:a/dev/GET/x",
    "arn:aws:logs:*:*:log-group:x:*",
    "arn:aws:execute-api:us-east-1:123456789012:a/dev/*/{proxy+}",
    "arn:aws:lambda:us-east-1:123456789012:function:fn",
    "arn:aws:sns:us-east-1:123456789012:alerts",
    "arn:aws:automate:us-east-1:ec2:stop",
    "arn:aws:apigateway:us-east-1::/restapis/a/stages/dev",
    "arn:aws:iam::aws:policy/AdministratorAccess",
    "s3.amazonaws.com",
    "lambda",
    "public-read",
    "/aws/lambda/fn",
    "fn",
    json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]}),
    "arn:",
    "arn:::::",
    "true",
    "false",
    "",
    "errors / invocations * 100",
    json.dumps({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
    json.dumps({"tags": {"Project": "p"}}),
    "{",
    "[[[[",
    "\x00",
    "é" * 3,
]

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.sampled_from(TEXTS + UNKNOWN_SENTINELS),
    st.text(max_size=40),
    st.just("x" * 200_000),
)


def _wrap(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=12))
    return st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(keys, children, max_size=6),
        children.map(lambda value: {SECRET_SIG: SECRET_VALUE_SIG, "value": value}),
        st.just({SECRET_SIG: ASSET_SIG, "text": "print('hi')"}),
    )


trees = st.recursive(leaves, _wrap, max_leaves=40)
property_maps = st.dictionaries(st.sampled_from(KEYS), trees, max_size=8)

RESOURCE_TYPES = sorted(
    {
        type_
        for spec in POLICY_SPECS
        if spec.resource_types is not None and spec.resource_types is not taggable_types()
        for type_ in spec.resource_types
    }
    | set(BUCKET_TYPES)
    | {
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
        *INVOCATION_SOURCE_TYPES,
        *POLICY_ATTACHMENTS,
        *BUCKET_WEBSITE_TYPES,
        BUCKET_POLICY,
        *BUCKET_ACL_TYPES,
        MANAGED_POLICY,
        LOG_GROUP,
        REST_API,
        REST_API_DEPLOYMENT,
        REST_API_METHOD,
        COMPOSITE_ALARM,
        *WEB_ACL_ASSOCIATION_TYPES,
        *ALARM_ACTION_TARGET_TYPES,
        "aws:ec2/vpc:Vpc",
        "pulumi:providers:aws",
        "delivery:stack:Region",
    }
)


def struct(values: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


@pytest.fixture(scope="module")
def servicer() -> Any:
    analyzer = policy_analyzer_servicer(PACK_NAME, "0.0.1", build_policies(), PACK_ENFORCEMENT_LEVEL)
    analyzer.Configure(reconcile(analyzer.GetAnalyzerInfo(None, None), {}).request(), None)
    return analyzer


def provider_message(props: dict[str, Any]) -> analyzer_pb2.AnalyzerProviderResource:
    return analyzer_pb2.AnalyzerProviderResource(
        type="pulumi:providers:aws",
        urn="urn:pulumi:test::p::pulumi:providers:aws::default_7_51_1",
        name="default_7_51_1",
        properties=struct(props),
    )


ROBUSTNESS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@ROBUSTNESS
@given(type_=st.sampled_from(RESOURCE_TYPES), props=property_maps, provider_props=property_maps)
def test_resource_policies_never_raise(
    servicer: Any, type_: str, props: dict[str, Any], provider_props: dict[str, Any]
) -> None:
    request = analyzer_pb2.AnalyzeRequest(
        type=type_,
        urn=f"urn:pulumi:test::p::{type_}::r",
        name="r",
        properties=struct(props),
        provider=provider_message(provider_props),
    )
    response = servicer.Analyze(request, None)
    servicer.Remediate(request, None)
    assert all(diagnostic.policyName for diagnostic in response.diagnostics)


def analyze_stack(
    servicer: Any, members: list[tuple[str, dict[str, Any], list[str]]], links: list[tuple[int, int]]
) -> None:
    urns = [f"urn:pulumi:test::p::{type_}::r{index}" for index, (type_, _, _) in enumerate(members)]
    resources = []
    for index, (type_, props, dependency_keys) in enumerate(members):
        targets = [urns[target] for source, target in links if source == index and target < len(urns)]
        resources.append(
            analyzer_pb2.AnalyzerResource(
                type=type_,
                urn=urns[index],
                name=f"r{index}",
                properties=struct(props),
                provider=provider_message({}),
                parent=urns[0] if urns and index else "",
                dependencies=targets,
                propertyDependencies={
                    key: analyzer_pb2.AnalyzerPropertyDependencies(urns=targets) for key in dependency_keys
                },
            )
        )
    response = servicer.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=resources), None)
    assert all(diagnostic.policyName for diagnostic in response.diagnostics)


LINKS = st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=8)


@ROBUSTNESS
@given(
    members=st.lists(
        st.tuples(st.sampled_from(RESOURCE_TYPES), property_maps, st.lists(st.sampled_from(KEYS), max_size=3)),
        max_size=8,
    ),
    links=LINKS,
)
def test_stack_policies_never_raise(
    servicer: Any,
    members: list[tuple[str, dict[str, Any], list[str]]],
    links: list[tuple[int, int]],
) -> None:
    analyze_stack(servicer, members, links)


# The resources the joining stack policies pair up, so that random stacks hold the pairs they join.
JOINED_TYPES = sorted(
    {
        REST_API,
        REST_API_DEPLOYMENT,
        REST_API_METHOD,
        "aws:apigateway/integration:Integration",
        "aws:apigateway/stage:Stage",
        *WEB_ACL_ASSOCIATION_TYPES,
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        COMPOSITE_ALARM,
        *ALARM_ACTION_TARGET_TYPES,
        LOG_GROUP,
    }
)
JOIN_KEYS = ["restApi", "triggers", "resourceArn", "alarmActions", "loggingConfig", "name", "logGroup"]


@ROBUSTNESS
@given(
    members=st.lists(
        st.tuples(
            st.sampled_from(JOINED_TYPES),
            st.dictionaries(st.sampled_from(JOIN_KEYS + KEYS), trees, max_size=6),
            st.lists(st.sampled_from(JOIN_KEYS), max_size=3),
        ),
        min_size=2,
        max_size=8,
    ),
    links=LINKS,
)
def test_joining_stack_policies_never_raise(
    servicer: Any,
    members: list[tuple[str, dict[str, Any], list[str]]],
    links: list[tuple[int, int]],
) -> None:
    analyze_stack(servicer, members, links)


@settings(max_examples=60, deadline=None)
@given(
    config=st.dictionaries(
        st.sampled_from(["standardRetentionDays", "requiredTags", "wildcardResourceActions", "allowedWildcardActions"]),
        trees,
        max_size=4,
    )
)
def test_hostile_configuration_never_makes_a_policy_raise(config: dict[str, Any]) -> None:
    analyzer = policy_analyzer_servicer(PACK_NAME, "0.0.1", build_policies(), PACK_ENFORCEMENT_LEVEL)
    analyzer.Configure(
        analyzer_pb2.ConfigureAnalyzerRequest(
            policyConfig={
                spec.name: analyzer_pb2.PolicyConfig(enforcementLevel=analyzer_pb2.MANDATORY, properties=struct(config))
                for spec in POLICY_SPECS
            }
        ),
        None,
    )
    for type_ in ("aws:cloudwatch/logGroup:LogGroup", "aws:sqs/queue:Queue", "aws:iam/rolePolicy:RolePolicy"):
        props = {
            "retentionInDays": 7,
            "policy": json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}),
        }
        analyzer.Analyze(
            analyzer_pb2.AnalyzeRequest(type=type_, urn="urn:x::y", name="y", properties=struct(props)), None
        )


def test_the_valid_configuration_path_is_the_engines(servicer: Any) -> None:
    reconciled = reconcile(
        servicer.GetAnalyzerInfo(None, None), {"required-tags": PolicyConfigEntry("", {"requiredTags": ["A"]})}
    )
    assert reconciled.entries["required-tags"].properties == {"requiredTags": ["A"]}
