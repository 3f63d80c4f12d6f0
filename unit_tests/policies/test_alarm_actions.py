"""alarm-actions-wired: every alarm has its actions enabled and an alarm action that is a topic (or a scaling policy,
a function, an EC2 or incident action), whether the action is a literal ARN or an output of a resource."""

from __future__ import annotations

from typing import Any

import pytest

from preflight import Registration
from unit_tests.policies.pack_harness import CMK_ARN, UNKNOWN, PolicyGate, findings, resource, secret, undecided

POLICY = "alarm-actions-wired"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE_ALARM = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:alerts"


def topic() -> Registration:
    return resource("aws:sns/topic:Topic", "alerts", {"kmsMasterKeyId": CMK_ARN}, outputs={"arn": TOPIC_ARN})


def alarm(actions: Any = None, *, type_: str = METRIC_ALARM, depends: Registration | None = None, **inputs: Any) -> Any:
    given: dict[str, Any] = {"namespace": "AWS/Lambda", "metricName": "Throttles", "threshold": 0, **inputs}
    if actions is not None:
        given["alarmActions"] = actions
    return resource(type_, "throttles", given, depends={"alarmActions": depends} if depends else None)


@pytest.mark.parametrize(
    "actions",
    [
        [TOPIC_ARN],
        TOPIC_ARN,
        [secret(TOPIC_ARN)],
        ["arn:aws:automate:us-east-1:ec2:stop"],
        ["arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:1:autoScalingGroupName/asg:policyName/up"],
        ["not an arn", TOPIC_ARN],
    ],
    ids=["topic", "one string", "secret", "ec2 action", "scaling policy", "one of two"],
)
def test_alarm_with_a_literal_target_passes(policy_gate: PolicyGate, actions: Any) -> None:
    assert findings(policy_gate.run(alarm(actions)), POLICY) == set()


def test_alarm_wired_to_a_topic_of_the_program_passes_in_preview(policy_gate: PolicyGate) -> None:
    alerts = topic()
    report = policy_gate.run(
        alerts, alarm([UNKNOWN], depends=alerts), alarm(UNKNOWN, depends=alerts, type_=COMPOSITE_ALARM)
    )
    assert findings(report, POLICY) == set()
    assert undecided(report, POLICY) == []


@pytest.mark.parametrize(
    ("actions", "inputs", "expected"),
    [
        (None, {}, {"no-alarm-target"}),
        ([], {}, {"no-alarm-target"}),
        (["Calling __str__ on an Output[T] is not supported."], {}, {"no-alarm-target"}),
        (["arn:aws:s3:::bucket"], {}, {"no-alarm-target"}),
        ([42], {}, {"no-alarm-target"}),
        ([TOPIC_ARN], {"actionsEnabled": False}, {"actions-disabled"}),
        ([], {"actionsEnabled": "false", "okActions": [TOPIC_ARN]}, {"actions-disabled", "no-alarm-target"}),
    ],
    ids=["absent", "empty", "stringified output", "not a target", "number", "disabled", "ok action only"],
)
def test_alarm_that_notifies_nobody_fails(
    policy_gate: PolicyGate, actions: Any, inputs: dict[str, Any], expected: set[str]
) -> None:
    assert findings(policy_gate.run(alarm(actions, **inputs)), POLICY) == {("throttles", f) for f in expected}


def test_alarm_wired_to_a_resource_that_is_no_target_fails(policy_gate: PolicyGate) -> None:
    queue = resource("aws:sqs/queue:Queue", "dlq", {"kmsMasterKeyId": CMK_ARN})
    report = policy_gate.run(queue, alarm([UNKNOWN], depends=queue))
    assert findings(report, POLICY) == {("throttles", "no-alarm-target")}
    assert "aws:sqs/queue:Queue (dlq)" in next(v.message for v in report.violations if v.policy == POLICY)


@pytest.mark.parametrize(
    ("actions", "inputs"), [([UNKNOWN], {}), (UNKNOWN, {}), ([TOPIC_ARN], {"actionsEnabled": UNKNOWN})]
)
def test_unknown_actions_cannot_decide(policy_gate: PolicyGate, actions: Any, inputs: dict[str, Any]) -> None:
    report = policy_gate.run(alarm(actions, **inputs))
    assert findings(report, POLICY) == set()
    assert len(undecided(report, POLICY)) == 1
