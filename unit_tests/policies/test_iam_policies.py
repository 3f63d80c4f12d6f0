"""Least-privilege policies over every identity-policy carrier, with the near misses that must not fire."""

from __future__ import annotations

import json
from typing import Any

import pytest

from unit_tests.policies.pack_harness import UNKNOWN, PolicyGate, findings, resource, secret, undecided

ACTIONS = "iam-no-wildcard-actions"
RESOURCES = "iam-no-wildcard-resources"
LOG_GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/pipeline-fn"
CARRIERS = {
    "aws:iam/policy:Policy": "policy",
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
    "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy": "inlinePolicy",
}


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: Any, resource_: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource_}


def role_policy(policy: Any, name: str = "fn-policy") -> Any:
    return resource("aws:iam/rolePolicy:RolePolicy", name, {"role": "fn-role", "policy": policy})


def carriers(policy: str) -> list[Any]:
    made = [resource(type_, type_.rsplit(":", 1)[1].lower(), {prop: policy}) for type_, prop in CARRIERS.items()]
    made.append(resource("aws:iam/role:Role", "role", {"inlinePolicies": [{"name": "inline", "policy": policy}]}))
    return made


def test_every_identity_policy_carrier_is_checked(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(*carriers(document(allow("s3:*", "*"))))
    names = {"policy", "rolepolicy", "userpolicy", "grouppolicy", "permissionsetinlinepolicy"}
    assert findings(report, ACTIONS) == {(name, "#0/s3:*") for name in names} | {("role", "inline/#0/s3:*")}
    assert findings(report, RESOURCES) == {(name, "#0/*") for name in names} | {("role", "inline/#0/*")}


def test_scoped_policy_passes_both(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(*carriers(document(allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::bucket/*"))))
    assert findings(report, ACTIONS) == set()
    assert findings(report, RESOURCES) == set()


@pytest.mark.parametrize("action", ["*", "s3:*", "s3:Get*", "s3:?etObject", "S3:get*"])
def test_wildcard_actions_fail(policy_gate: PolicyGate, action: str) -> None:
    report = policy_gate.run(role_policy(document(allow(["s3:GetObject", action], "arn:aws:s3:::bucket/*"))))
    assert findings(report, ACTIONS) == {("fn-policy", f"#0/{action}")}


def test_not_action_in_an_allow_statement_fails(policy_gate: PolicyGate) -> None:
    statement = {"Sid": "AllButIam", "Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::bucket"}
    assert findings(policy_gate.run(role_policy(document(statement))), ACTIONS) == {
        ("fn-policy", "AllButIam/NotAction")
    }


def test_deny_statements_may_use_wildcards(policy_gate: PolicyGate) -> None:
    deny = {
        "Effect": "Deny",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    report = policy_gate.run(role_policy(document(deny, allow("s3:GetObject", "arn:aws:s3:::bucket/key"))))
    assert findings(report, ACTIONS) == set()
    assert findings(report, RESOURCES) == set()


def test_allow_listed_wildcard_action_is_accepted_by_config(policy_gate: PolicyGate) -> None:
    policy = role_policy(document(allow("s3:Get*", "arn:aws:s3:::bucket/*")))
    entry = {"action": "s3:Get*", "reason": "reads any object of the artifacts bucket"}
    with policy_gate.configured(ACTIONS, allowedWildcardActions=[entry]):
        assert findings(policy_gate.run(policy), ACTIONS) == set()
    assert findings(policy_gate.run(policy), ACTIONS) == {("fn-policy", "#0/s3:Get*")}


NEAR_MISSES = [
    "arn:aws:s3:::artifacts-bucket/*",
    "arn:aws:s3:::artifacts-bucket/builds/*.zip",
    f"{LOG_GROUP}:*",
    f"{LOG_GROUP}:log-stream:*",
    "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/POST/pipeline",
    "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*",
    "arn:aws:dynamodb:us-east-1:123456789012:table/orders/index/*",
    "arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/*",
    "arn:aws:iam::123456789012:role/service-role/*",
    "arn:aws:lambda:us-east-1:123456789012:function:pipeline-fn:*",
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf",
]


@pytest.mark.parametrize("arn", NEAR_MISSES)
def test_wildcards_below_a_named_resource_pass(policy_gate: PolicyGate, arn: str) -> None:
    assert findings(policy_gate.run(role_policy(document(allow("s3:GetObject", arn)))), RESOURCES) == set()


@pytest.mark.parametrize(
    "action",
    [
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
    ],
)
def test_default_allow_list_actions_on_star_pass_without_config(policy_gate: PolicyGate, action: str) -> None:
    assert findings(policy_gate.run(role_policy(document(allow(action, "*")))), RESOURCES) == set()


def test_vpc_lambda_network_interface_statement_passes_and_a_neighbouring_ec2_action_fires(
    policy_gate: PolicyGate,
) -> None:
    eni = [
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
    ]
    assert findings(policy_gate.run(role_policy(document(allow(eni, "*")))), RESOURCES) == set()
    widened = {"Sid": "ManageVpcNetworkInterfaces", **allow([*eni, "ec2:AttachNetworkInterface"], "*")}
    report = policy_gate.run(role_policy(document(widened)))
    [violation] = [v for v in report.violations if v.policy == RESOURCES]
    assert violation.finding == "ManageVpcNetworkInterfaces/*"
    assert "ec2:AttachNetworkInterface" in violation.message
    assert "ec2:CreateNetworkInterface" not in violation.message


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:s3:::*",
        "arn:aws:s3:::artifacts-*",
        "arn:*:s3:::artifacts-bucket",
        "arn:aws:*:us-east-1:123456789012:thing/x",
        "arn:aws:logs:*:*:log-group:/aws/lambda/pipeline-*",
        "arn:aws:logs:us-east-1:*:log-group:/aws/lambda/pipeline-fn",
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/pipeline-*",
        "arn:aws:lambda:us-east-1:123456789012:function:*",
        "arn:aws:kms:us-east-1:123456789012:key/*",
        "arn:aws:sqs:us-east-1:123456789012:*",
        "arn:aws:iam::123456789012:role/*",
        "s3:::bucket*",
    ],
)
def test_resources_not_naming_a_resource_fail(policy_gate: PolicyGate, arn: str) -> None:
    report = policy_gate.run(role_policy(document(allow("s3:GetObject", arn))))
    assert findings(report, RESOURCES) == {("fn-policy", f"#0/{arn}")}


def test_star_resource_fails_for_actions_outside_the_allow_list(policy_gate: PolicyGate) -> None:
    mixed = {"Sid": "Mixed", **allow(["xray:PutTraceSegments", "sqs:SendMessage"], "*")}
    report = policy_gate.run(role_policy(document(allow("xray:PutTraceSegments", "*"), mixed)))
    [violation] = [v for v in report.violations if v.policy == RESOURCES]
    assert violation.finding == "Mixed/*"
    assert "sqs:SendMessage" in violation.message
    assert "xray:PutTraceSegments" not in violation.message
    assert findings(policy_gate.run(role_policy(document(allow("xray:*", "*")))), RESOURCES) == {("fn-policy", "#0/*")}


def test_not_resource_in_an_allow_statement_fails(policy_gate: PolicyGate) -> None:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"}
    assert findings(policy_gate.run(role_policy(document(statement))), RESOURCES) == {("fn-policy", "#0/NotResource")}


def test_allow_list_of_star_actions_comes_from_config(policy_gate: PolicyGate) -> None:
    policy = role_policy(document(allow("xray:PutTraceSegments", "*")))
    with policy_gate.configured(RESOURCES, wildcardResourceActions=[]):
        assert findings(policy_gate.run(policy), RESOURCES) == {("fn-policy", "#0/*")}
    eni_policy = role_policy(document(allow("ec2:CreateNetworkInterface", "*")))
    xray_only = [{"action": "xray:PutTraceSegments", "reason": "X-Ray writes support no resource-level permissions"}]
    with policy_gate.configured(RESOURCES, wildcardResourceActions=xray_only):
        assert findings(policy_gate.run(eni_policy), RESOURCES) == {("fn-policy", "#0/*")}
        assert findings(policy_gate.run(policy), RESOURCES) == set()


def test_resource_policies_and_trust_policies_are_out_of_scope(policy_gate: PolicyGate) -> None:
    key_policy = document(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}
    )
    trust = document({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})
    report = policy_gate.run(
        resource("aws:kms/key:Key", "key", {"policy": key_policy, "enableKeyRotation": True}),
        resource("aws:s3/bucketPolicy:BucketPolicy", "bucket-policy", {"bucket": "b", "policy": key_policy}),
        resource("aws:iam/role:Role", "role", {"assumeRolePolicy": trust}),
    )
    assert findings(report, ACTIONS) == set()
    assert findings(report, RESOURCES) == set()


@pytest.mark.parametrize(
    "policy",
    [
        json.dumps({"Statement": allow("s3:*", "*")}),
        json.dumps({"Statement": [allow("s3:*", ["*"])]}),
        {"Version": "2012-10-17", "Statement": [allow("s3:*", "*")]},
    ],
    ids=["single-statement-object", "list-values", "document-as-object"],
)
def test_document_shapes_iam_accepts_are_all_read(policy_gate: PolicyGate, policy: Any) -> None:
    report = policy_gate.run(role_policy(policy))
    assert findings(report, ACTIONS) == {("fn-policy", "#0/s3:*")}
    assert findings(report, RESOURCES) == {("fn-policy", "#0/*")}


@pytest.mark.parametrize(
    "policy",
    [
        "not json",
        "[]",
        "42",
        json.dumps({"Statement": "nope"}),
        json.dumps({"Statement": [None, 3, {"Effect": 1}]}),
        json.dumps({"Statement": [{"Effect": "Allow", "Action": 7, "Resource": {"a": "*"}}]}),
    ],
)
def test_malformed_documents_raise_nothing_and_report_nothing(policy_gate: PolicyGate, policy: str) -> None:
    report = policy_gate.run(role_policy(policy))
    assert {v.policy for v in report.violations} & {ACTIONS, RESOURCES} == set()


def test_unknown_document_cannot_decide(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(role_policy(UNKNOWN))
    assert findings(report, ACTIONS) == findings(report, RESOURCES) == set()
    assert len(undecided(report, ACTIONS)) == len(undecided(report, RESOURCES)) == 1


def test_unknown_part_of_a_document_still_reports_the_known_violation(policy_gate: PolicyGate) -> None:
    policy = {"Statement": [allow("sqs:SendMessage", UNKNOWN), allow("sqs:SendMessage", "*")]}
    report = policy_gate.run(role_policy(policy))
    assert findings(report, RESOURCES) == {("fn-policy", "#1/*")}
    assert len(undecided(report, RESOURCES)) == 1


def test_unknown_inline_policy_of_a_role_cannot_decide(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(
        resource("aws:iam/role:Role", "role", {"inlinePolicies": [{"name": "x", "policy": UNKNOWN}]})
    )
    assert len(undecided(report, ACTIONS)) == 1


def test_secret_documents_are_judged(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(role_policy(secret(document(allow("s3:*", "arn:aws:s3:::bucket")))))
    assert findings(report, ACTIONS) == {("fn-policy", "#0/s3:*")}
