"""lambda-permission-scoped-source-arn: API Gateway may invoke a function only from one API, stage and route (method
`*` only on a concrete path: an ANY route); other AWS services only with a source ARN or source account."""

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
        # ANY routes: the method is `*`, the stage and the path are concrete.
        "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/*/pipeline",
        "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/*/{proxy+}",
        "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/*/",
        # An HTTP API's $default route of one stage.
        "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/$default",
    ],
)
def test_fully_scoped_source_arn_passes(policy_gate: PolicyGate, source_arn: str) -> None:
    assert findings(policy_gate.run(permission(source_arn)), POLICY) == set()


@pytest.mark.parametrize(
    ("source_arn", "finding"),
    [
        ("arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/*", "wildcard-source-arn"),
        ("arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/POST/pipeline", "wildcard-source-arn"),
        # Near misses of an ANY route: no path, a wildcard path, or a wildcard stage stay violations.
        ("arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/*", "wildcard-source-arn"),
        ("arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/*/*", "wildcard-source-arn"),
        ("arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/*/users/*", "wildcard-source-arn"),
        ("arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/*/{proxy+}", "wildcard-source-arn"),
        ("arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/$default", "wildcard-source-arn"),
        ("arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/$default/x", "incomplete-source-arn"),
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


@pytest.mark.parametrize("principal", ["123456789012", "arn:aws:iam::123456789012:root", 7])
def test_permissions_for_accounts_are_not_this_policys_concern(policy_gate: PolicyGate, principal: Any) -> None:
    assert findings(policy_gate.run(permission(principal=principal)), POLICY) == set()


@pytest.mark.parametrize(
    "principal", ["s3.amazonaws.com", "sns.amazonaws.com", "events.amazonaws.com", "logs.us-east-1.amazonaws.com"]
)
def test_other_service_principals_need_a_source(policy_gate: PolicyGate, principal: str) -> None:
    assert findings(policy_gate.run(permission(principal=principal)), POLICY) == {("invoke", "missing-source")}


@pytest.mark.parametrize(
    "source",
    [
        {"sourceArn": "arn:aws:s3:::uploads-bucket"},
        {"sourceAccount": "123456789012"},
        {"sourceArn": UNKNOWN, "sourceAccount": "123456789012"},
    ],
)
def test_other_service_principals_with_a_source_pass(policy_gate: PolicyGate, source: dict[str, Any]) -> None:
    inputs = {"action": "lambda:InvokeFunction", "function": "fn", "principal": "s3.amazonaws.com", **source}
    assert findings(policy_gate.run(resource(PERMISSION, "invoke", inputs)), POLICY) == set()


def test_other_service_principal_with_an_unknown_source_cannot_decide(policy_gate: PolicyGate) -> None:
    inputs = {
        "action": "lambda:InvokeFunction",
        "function": "fn",
        "principal": "sns.amazonaws.com",
        "sourceArn": UNKNOWN,
    }
    report = policy_gate.run(resource(PERMISSION, "invoke", inputs))
    assert findings(report, POLICY) == set()
    assert len(undecided(report, POLICY)) == 1


def test_unknown_values_cannot_decide(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(
        permission(UNKNOWN, name="unknown-arn"), permission(SCOPED, UNKNOWN, name="unknown-principal")
    )
    assert findings(report, POLICY) == set()
    assert sorted(v.resource_name for v in undecided(report, POLICY)) == ["unknown-arn", "unknown-principal"]


def test_secret_source_arn_is_judged(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(permission(secret("arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/*")))
    assert findings(report, POLICY) == {("invoke", "wildcard-source-arn")}
