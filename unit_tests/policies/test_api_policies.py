"""lambda-permission-scoped-source-arn: API Gateway may invoke a function only from one API, stage, method and path."""

from __future__ import annotations

from typing import Any

import pytest

from unit_tests.policies.pack_harness import UNKNOWN, PolicyGate, findings, resource, secret, undecided

POLICY = "lambda-permission-scoped-source-arn"
PERMISSION = "aws:lambda/permission:Permission"
SCOPED = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/POST/pipeline"


def permission(source_arn: Any = None, principal: Any = "apigateway.amazonaws.com", name: str = "invoke") -> Any:
    inputs = {"action": "lambda:InvokeFunction", "function": "pipeline-fn", "principal": principal}
    if source_arn is not None:
        inputs["sourceArn"] = source_arn
    return resource(PERMISSION, name, inputs)


@pytest.mark.parametrize(
    "source_arn",
    [
        SCOPED,
        "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/health",
        f"{SCOPED}/child",
        "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/OPTIONS/",
    ],
)
def test_fully_scoped_source_arn_passes(policy_gate: PolicyGate, source_arn: str) -> None:
    assert findings(policy_gate.run(permission(source_arn)), POLICY) == set()


@pytest.mark.parametrize(
    ("source_arn", "finding"),
    [
        ("arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/*", "wildcard-source-arn"),
        ("arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/POST/pipeline", "wildcard-source-arn"),
        ("arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/*/pipeline", "wildcard-source-arn"),
        ("arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/POST/*", "wildcard-source-arn"),
        ("arn:aws:execute-api:*:123456789012:a1b2c3d4e5/dev/POST/pipeline", "wildcard-source-arn"),
        ("arn:aws:execute-api:us-east-1:*:a1b2c3d4e5/dev/POST/pipeline", "wildcard-source-arn"),
        ("arn:aws:execute-api:us-east-1:123456789012:*", "wildcard-source-arn"),
        ("arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev", "incomplete-source-arn"),
        ("arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5", "incomplete-source-arn"),
        ("arn:aws:execute-api::123456789012:a1b2c3d4e5/dev/POST/pipeline", "incomplete-source-arn"),
        ("arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/ANY/pipeline", "incomplete-source-arn"),
        ("arn:aws:sns:us-east-1:123456789012:topic", "not-execute-api-arn"),
        ("a1b2c3d4e5/dev/POST/pipeline", "not-execute-api-arn"),
        ("", "missing-source-arn"),
    ],
)
def test_unscoped_source_arns_fail(policy_gate: PolicyGate, source_arn: str, finding: str) -> None:
    assert findings(policy_gate.run(permission(source_arn)), POLICY) == {("invoke", finding)}


def test_missing_source_arn_fails(policy_gate: PolicyGate) -> None:
    assert findings(policy_gate.run(permission()), POLICY) == {("invoke", "missing-source-arn")}


def test_principal_is_matched_without_regard_to_case(policy_gate: PolicyGate) -> None:
    assert findings(policy_gate.run(permission(principal="APIGateway.amazonaws.com")), POLICY) == {
        ("invoke", "missing-source-arn")
    }


@pytest.mark.parametrize("principal", ["events.amazonaws.com", "s3.amazonaws.com", "123456789012", 7])
def test_permissions_for_other_principals_are_not_this_policys_concern(policy_gate: PolicyGate, principal: Any) -> None:
    assert findings(policy_gate.run(permission(principal=principal)), POLICY) == set()


def test_unknown_values_cannot_decide(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(
        permission(UNKNOWN, name="unknown-arn"), permission(SCOPED, UNKNOWN, name="unknown-principal")
    )
    assert findings(report, POLICY) == set()
    assert sorted(v.resource_name for v in undecided(report, POLICY)) == ["unknown-arn", "unknown-principal"]


def test_secret_source_arn_is_judged(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(permission(secret("arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/*")))
    assert findings(report, POLICY) == {("invoke", "wildcard-source-arn")}
