"""The pack as the engine sees it: names, descriptions, severities, remediation, matching rules, config schemas."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from google.protobuf import json_format
from pulumi.runtime.proto import analyzer_pb2

from delivery_policies import POLICY_NAMES, POLICY_SPECS, build_policies
from delivery_policies.iam import DEFAULT_WILDCARD_RESOURCE_ACTIONS
from unit_tests.policies.pack_harness import PACK_DIR, PolicyGate

# The issue's list: other tools and tests key on exactly these names.
EXPECTED_NAMES = {
    "s3-bucket-kms-encryption",
    "sns-topic-kms-encryption",
    "sqs-queue-kms-encryption",
    "log-group-kms-encryption",
    "secretsmanager-secret-kms-encryption",
    "cicd-artifacts-kms-encryption",
    "kms-key-rotation-enabled",
    "lambda-xray-tracing-active",
    "apigateway-stage-xray-tracing",
    "log-group-retention-standard",
    "iam-no-wildcard-actions",
    "iam-no-wildcard-resources",
    "lambda-permission-scoped-source-arn",
    "s3-bucket-public-access-block",
    "alarm-error-rate-metric-math",
    "resource-explicit-provider",
    "required-tags",
    "s3-bucket-no-legacy-inline-config",
    "lambda-dead-letter-config",
    # Issue 14: the holes inside the pack's scope.
    "iam-no-wildcard-policy-attachment",
    "lambda-log-group-managed",
    "sfn-state-machine-xray-tracing",
    # Issue 16 point 6: seed rows a general rule can guard.
    "apigateway-deployment-redeploys",
    "apigateway-stage-web-acl",
    "apigateway-usage-plan-throttled",
    "alarm-actions-wired",
}
STACK_POLICIES = {
    "s3-bucket-kms-encryption",
    "s3-bucket-public-access-block",
    "lambda-dead-letter-config",
    "iam-no-wildcard-policy-attachment",
    "lambda-log-group-managed",
    "apigateway-deployment-redeploys",
    "apigateway-stage-web-acl",
    "alarm-actions-wired",
}


def policies_by_name(policy_gate: PolicyGate) -> dict[str, analyzer_pb2.PolicyInfo]:
    return {policy.name: policy for policy in policy_gate.analyzer_info().policies}


def test_the_pack_has_exactly_the_issues_policies(policy_gate: PolicyGate) -> None:
    assert set(policies_by_name(policy_gate)) == EXPECTED_NAMES
    assert len(policy_gate.analyzer_info().policies) == len(EXPECTED_NAMES) == len(set(POLICY_NAMES))
    assert policy_gate.analyzer_info().name == "delivery-policies"


@pytest.mark.parametrize("name", sorted(EXPECTED_NAMES))
def test_every_policy_is_documented_and_mandatory(policy_gate: PolicyGate, name: str) -> None:
    policy = policies_by_name(policy_gate)[name]
    assert policy.enforcementLevel == analyzer_pb2.MANDATORY
    assert len(policy.description) > 30
    assert policy.severity != analyzer_pb2.POLICY_SEVERITY_UNSPECIFIED
    assert len(policy.remediation_steps) > 30
    rule_tags = [tag for tag in policy.tags if tag.startswith(("checkov:", "cdk-nag:"))]
    assert any(tag.startswith("checkov:") for tag in rule_tags), "note the matching Checkov rule, or checkov:none"
    assert any(tag.startswith("cdk-nag:") for tag in rule_tags), "note the matching cdk-nag rule, or cdk-nag:none"
    expected_type = analyzer_pb2.POLICY_TYPE_STACK if name in STACK_POLICIES else analyzer_pb2.POLICY_TYPE_RESOURCE
    assert policy.policy_type == expected_type


def test_matching_rules_are_the_known_ones(policy_gate: PolicyGate) -> None:
    policies = policies_by_name(policy_gate)
    assert "checkov:CKV_AWS_145" in policies["s3-bucket-kms-encryption"].tags
    assert "checkov:CKV2_AWS_6" in policies["s3-bucket-public-access-block"].tags
    assert "checkov:CKV_AWS_50" in policies["lambda-xray-tracing-active"].tags
    assert "checkov:CKV_AWS_355" in policies["iam-no-wildcard-resources"].tags
    assert "cdk-nag:AwsSolutions-IAM5" in policies["iam-no-wildcard-actions"].tags
    assert "checkov:CKV_AWS_364" in policies["lambda-permission-scoped-source-arn"].tags
    assert "checkov:none" in policies["alarm-error-rate-metric-math"].tags
    assert "checkov:CKV2_AWS_29" in policies["apigateway-stage-web-acl"].tags
    assert "cdk-nag:AwsSolutions-APIG3" in policies["apigateway-stage-web-acl"].tags
    assert "checkov:CKV_AWS_319" in policies["alarm-actions-wired"].tags


def test_config_schemas_and_defaults(policy_gate: PolicyGate) -> None:
    schemas = {
        name: json_format.MessageToDict(policy.configSchema.properties)
        for name, policy in policies_by_name(policy_gate).items()
    }
    retention = schemas["log-group-retention-standard"]["standardRetentionDays"]
    assert retention["default"] == 7
    assert 7 in retention["enum"]
    assert 8 not in retention["enum"]
    assert schemas["required-tags"]["requiredTags"]["default"] == [
        "Project",
        "Environment",
        "Owner",
        "CostCenter",
        "ManagedBy",
        "Stack",
    ]
    star_actions = schemas["iam-no-wildcard-resources"]["wildcardResourceActions"]["default"]
    assert {entry["action"] for entry in star_actions} == {
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
    }
    assert all(len(entry["reason"]) >= 10 for entry in star_actions)
    assert schemas["iam-no-wildcard-actions"]["allowedWildcardActions"]["default"] == []
    assert {name for name, schema in schemas.items() if schema} == {
        "log-group-retention-standard",
        "required-tags",
        "iam-no-wildcard-resources",
        "iam-no-wildcard-actions",
    }


def test_engine_style_configuration_keeps_every_policy_mandatory(policy_gate: PolicyGate) -> None:
    assert {entry.enforcement_level for entry in policy_gate.config.entries.values()} == {"mandatory"}
    assert policy_gate.config.warnings == []


def test_pulumi_policy_yaml_is_what_the_cli_needs() -> None:
    document = yaml.safe_load((PACK_DIR / "PulumiPolicy.yaml").read_text(encoding="utf-8"))
    assert document["runtime"] == {"name": "python", "options": {"virtualenv": "venv"}}
    assert isinstance(document["version"], str)
    assert document["version"].count(".") == 2
    requirements = (PACK_DIR / "requirements.txt").read_text(encoding="utf-8")
    assert "pulumi-policy>=1.21,<2" in requirements


def test_the_pack_prints_its_port_first_and_nothing_before(tmp_path: Path) -> None:
    process = subprocess.Popen(  # noqa: S603 - the CLI's own command line
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", str(PACK_DIR)],
        cwd=PACK_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline().decode()
    finally:
        process.kill()
        process.communicate()
    assert first.strip().isdigit(), first


def test_importing_the_policies_has_no_side_effects(capsys: pytest.CaptureFixture[str]) -> None:
    policies = build_policies()
    assert len(policies) == len(POLICY_SPECS)
    assert capsys.readouterr() == ("", "")


def test_default_wildcard_resource_allow_list_reasons_are_written_down() -> None:
    assert all(len(entry["reason"]) >= 10 for entry in DEFAULT_WILDCARD_RESOURCE_ACTIONS)
