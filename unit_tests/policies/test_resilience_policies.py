"""lambda-dead-letter-config: a dead-letter queue or an on-failure destination for every function invoked
asynchronously, or with no source the program shows (a stack policy); synchronous-only functions are exempt."""

from __future__ import annotations

import json
from typing import Any

import pytest

from unit_tests.policies.pack_harness import (
    UNKNOWN,
    PolicyGate,
    findings,
    resource,
    secret,
    stack_not_applicable,
    undecided,
    violations,
)

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


# Invocation context (issue 14): a dead-letter target only ever receives events of asynchronous invocations.
PERMISSION = "aws:lambda/permission:Permission"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:fn-physical"


def invoke_permission(fn: Any, principal: str, name: str = "permission") -> Any:
    inputs = {"action": "lambda:InvokeFunction", "function": fn.outputs["name"], "principal": principal}
    return resource(PERMISSION, name, {**inputs, "sourceAccount": "123456789012"}, depends={"function": fn})


def synchronous_sources(fn: Any) -> dict[str, Any]:
    """One synchronous source of each kind the pack knows, each naming `fn` the way programs do."""
    invoke_uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FUNCTION_ARN}/invocations"
    definition = {"StartAt": "Run", "States": {"Run": {"Type": "Task", "Resource": FUNCTION_ARN, "End": True}}}
    return {
        "api-permission": invoke_permission(fn, "apigateway.amazonaws.com"),
        "rest-integration": resource(
            "aws:apigateway/integration:Integration", "integration", {"type": "AWS_PROXY", "uri": invoke_uri}
        ),
        "http-integration": resource(
            "aws:apigatewayv2/integration:Integration",
            "http-integration",
            {"integrationType": "AWS_PROXY", "integrationUri": FUNCTION_ARN},
        ),
        "state-machine": resource(
            "aws:sfn/stateMachine:StateMachine", "workflow", {"definition": json.dumps(definition)}
        ),
        "function-url": resource(
            "aws:lambda/functionUrl:FunctionUrl", "url", {"functionName": "fn-physical", "authorizationType": "AWS_IAM"}
        ),
        "appsync-data-source": resource(
            "aws:appsync/dataSource:DataSource",
            "resolver",
            {"type": "AWS_LAMBDA", "lambdaConfig": {"functionArn": FUNCTION_ARN}},
        ),
        "load-balancer-target": resource(
            "aws:lb/targetGroupAttachment:TargetGroupAttachment",
            "target",
            {"targetId": UNKNOWN},
            depends={"targetId": fn},
        ),
        "event-source-mapping": resource(
            "aws:lambda/eventSourceMapping:EventSourceMapping",
            "queue-mapping",
            {"functionName": UNKNOWN, "eventSourceArn": QUEUE_ARN},
            depends={"functionName": fn},
        ),
    }


def asynchronous_sources(fn: Any) -> dict[str, Any]:
    return {
        "s3-notification": resource(
            "aws:s3/bucketNotification:BucketNotification",
            "uploads",
            {"bucket": "uploads", "lambdaFunctions": [{"lambdaFunctionArn": FUNCTION_ARN, "events": ["s3:*"]}]},
        ),
        "sns-subscription": resource(
            "aws:sns/topicSubscription:TopicSubscription",
            "subscription",
            {"topic": "arn:aws:sns:us-east-1:123456789012:t", "protocol": "lambda", "endpoint": FUNCTION_ARN},
        ),
        "eventbridge-target": resource(
            "aws:cloudwatch/eventTarget:EventTarget", "target", {"rule": "nightly", "arn": UNKNOWN}, depends={"arn": fn}
        ),
        "scheduler": resource(
            "aws:scheduler/schedule:Schedule",
            "schedule",
            {"scheduleExpression": "rate(1 hour)", "target": {"arn": f"{FUNCTION_ARN}:live", "roleArn": "r"}},
        ),
        "invoke-config-without-destination": resource(
            INVOKE_CONFIG, "retries", {"functionName": "fn-physical", "maximumRetryAttempts": 0}
        ),
        "s3-permission": invoke_permission(fn, "s3.amazonaws.com"),
        "sns-permission": invoke_permission(fn, "sns.amazonaws.com"),
        "events-permission": invoke_permission(fn, "events.amazonaws.com"),
    }


@pytest.mark.parametrize("kind", sorted(synchronous_sources(function())))
def test_function_invoked_only_synchronously_is_exempt_with_the_reason(policy_gate: PolicyGate, kind: str) -> None:
    fn = function()
    report = policy_gate.run(fn, synchronous_sources(fn)[kind])
    assert findings(report, POLICY) == set()
    (reason,) = stack_not_applicable(policy_gate, POLICY)
    assert reason.startswith("fn: invoked only synchronously (")
    assert "dead-letter queue would never receive an event" in reason


def test_every_synchronous_source_together_still_exempts(policy_gate: PolicyGate) -> None:
    fn = function()
    assert findings(policy_gate.run(fn, *synchronous_sources(fn).values()), POLICY) == set()


@pytest.mark.parametrize("kind", sorted(asynchronous_sources(function())))
def test_function_with_an_asynchronous_source_needs_a_dead_letter_target(policy_gate: PolicyGate, kind: str) -> None:
    fn = function()
    report = policy_gate.run(fn, asynchronous_sources(fn)[kind])
    assert findings(report, POLICY) == {("fn", "no-dead-letter-target")}
    assert "it is invoked asynchronously" in violations(report, POLICY)[0].message
    assert stack_not_applicable(policy_gate, POLICY) == []


@pytest.mark.parametrize("kind", sorted(asynchronous_sources(function())))
def test_an_asynchronous_source_beside_a_synchronous_one_still_needs_it(policy_gate: PolicyGate, kind: str) -> None:
    fn = function()
    sources = [synchronous_sources(fn)["api-permission"], asynchronous_sources(fn)[kind]]
    assert findings(policy_gate.run(fn, *sources), POLICY) == {("fn", "no-dead-letter-target")}


def test_function_with_no_visible_source_counts_as_asynchronous(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(function())
    assert "shows no source that invokes it" in violations(report, POLICY)[0].message


def test_a_source_of_another_function_does_not_exempt(policy_gate: PolicyGate) -> None:
    fn, other = function("fn"), function("other")
    permission = invoke_permission(other, "apigateway.amazonaws.com")
    report = policy_gate.run(fn, other, permission)
    assert findings(report, POLICY) == {("fn", "no-dead-letter-target")}


def test_a_permission_for_an_unknown_principal_counts_as_asynchronous(policy_gate: PolicyGate) -> None:
    fn = function()
    unknown = resource(
        PERMISSION, "unknown", {"function": "fn-physical", "principal": UNKNOWN}, depends={"function": fn}
    )
    report = policy_gate.run(fn, synchronous_sources(fn)["api-permission"], unknown)
    assert findings(report, POLICY) == {("fn", "no-dead-letter-target")}


def test_an_undetermined_asynchronous_source_leaves_a_synchronous_function_undecided(policy_gate: PolicyGate) -> None:
    fn = function()
    target = resource("aws:cloudwatch/eventTarget:EventTarget", "target", {"rule": "nightly", "arn": UNKNOWN})
    report = policy_gate.run(fn, synchronous_sources(fn)["api-permission"], target)
    assert findings(report, POLICY) == set()
    assert len(undecided(report, POLICY)) == 1
