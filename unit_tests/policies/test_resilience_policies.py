"""lambda-dead-letter-config: a dead-letter queue or an on-failure destination for every function (a stack policy)."""

from __future__ import annotations

from typing import Any

from unit_tests.policies.pack_harness import UNKNOWN, PolicyGate, findings, resource, secret, undecided

POLICY = "lambda-dead-letter-config"
FUNCTION = "aws:lambda/function:Function"
INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:pipeline-dlq"


def function(name: str = "fn", **inputs: Any) -> Any:
    return resource(
        FUNCTION,
        name,
        {"runtime": "python3.12", **inputs},
        outputs={"name": f"{name}-physical", "arn": f"arn:aws:lambda:us-east-1:123456789012:function:{name}-physical"},
    )


def on_failure(target: Any, name: str = "invoke-config", **inputs: Any) -> Any:
    return resource(
        INVOKE_CONFIG, name, {"destinationConfig": {"onFailure": {"destination": QUEUE_ARN}}, **inputs}, depends=target
    )


def test_function_with_a_dead_letter_queue_passes(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(function(deadLetterConfig={"targetArn": QUEUE_ARN}))
    assert findings(report, POLICY) == set()


def test_function_with_an_on_failure_destination_passes(policy_gate: PolicyGate) -> None:
    fn = function()
    assert findings(policy_gate.run(fn, on_failure({"functionName": fn}, functionName="fn-physical")), POLICY) == set()


def test_on_failure_destination_attached_by_name_passes(policy_gate: PolicyGate) -> None:
    fn = function()
    config = resource(
        INVOKE_CONFIG,
        "by-name",
        {"functionName": "fn-physical", "destinationConfig": {"onFailure": {"destination": QUEUE_ARN}}},
    )
    assert findings(policy_gate.run(fn, config), POLICY) == set()


def test_function_without_either_fails(policy_gate: PolicyGate) -> None:
    covered, bare = function("covered", deadLetterConfig={"targetArn": QUEUE_ARN}), function("bare")
    report = policy_gate.run(covered, bare, function("empty", deadLetterConfig={"targetArn": ""}))
    assert findings(report, POLICY) == {("bare", "no-dead-letter-target"), ("empty", "no-dead-letter-target")}


def test_invoke_config_without_on_failure_destination_does_not_count(policy_gate: PolicyGate) -> None:
    fn = function()
    config = resource(
        INVOKE_CONFIG,
        "retries-only",
        {"functionName": "fn-physical", "maximumRetryAttempts": 2},
        depends={"functionName": fn},
    )
    assert findings(policy_gate.run(fn, config), POLICY) == {("fn", "no-dead-letter-target")}


def test_invoke_config_of_another_function_does_not_count(policy_gate: PolicyGate) -> None:
    fn, other = function("fn"), function("other", deadLetterConfig={"targetArn": QUEUE_ARN})
    report = policy_gate.run(fn, other, on_failure({"functionName": other}, functionName="other-physical"))
    assert findings(report, POLICY) == {("fn", "no-dead-letter-target")}


def test_computed_queue_arn_counts_as_configured(policy_gate: PolicyGate) -> None:
    assert findings(policy_gate.run(function(deadLetterConfig={"targetArn": UNKNOWN})), POLICY) == set()


def test_unknown_function_name_without_dependencies_cannot_decide(policy_gate: PolicyGate) -> None:
    fn = function()
    config = resource(
        INVOKE_CONFIG,
        "unknown",
        {"functionName": UNKNOWN, "destinationConfig": {"onFailure": {"destination": QUEUE_ARN}}},
    )
    report = policy_gate.run(fn, config)
    assert findings(report, POLICY) == set()
    assert len(undecided(report, POLICY)) == 1


def test_secret_dead_letter_config_is_read(policy_gate: PolicyGate) -> None:
    assert findings(policy_gate.run(function(deadLetterConfig=secret({"targetArn": QUEUE_ARN}))), POLICY) == set()
