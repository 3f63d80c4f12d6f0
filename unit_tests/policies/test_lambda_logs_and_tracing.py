"""lambda-log-group-managed (no implicit /aws/lambda/<name> group), sfn-state-machine-xray-tracing, and the generic
profile's retention rule (any finite retention)."""

from __future__ import annotations

from typing import Any

import pytest

from unit_tests.policies.pack_harness import CMK_ARN, UNKNOWN, PolicyGate, findings, resource, secret, undecided

FUNCTION = "aws:lambda/function:Function"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"
MANAGED = "lambda-log-group-managed"
SFN_TRACING = "sfn-state-machine-xray-tracing"
RETENTION = "log-group-retention-standard"


def function(name: str = "fn", physical: Any = "orders", **inputs: Any) -> Any:
    outputs = {} if physical is None else {"name": physical}
    return resource(FUNCTION, name, {"runtime": "python3.12", **inputs}, outputs=outputs)


def log_group(group_name: Any, name: str = "fn-logs", **kwargs: Any) -> Any:
    return resource(LOG_GROUP, name, {"name": group_name, "retentionInDays": 7, "kmsKeyId": CMK_ARN}, **kwargs)


def test_function_with_its_log_group_declared_passes(policy_gate: PolicyGate) -> None:
    assert findings(policy_gate.run(function(), log_group("/aws/lambda/orders")), MANAGED) == set()


def test_function_whose_logging_config_names_a_managed_group_passes(policy_gate: PolicyGate) -> None:
    fn = function(loggingConfig={"logFormat": "JSON", "logGroup": "/shared/app"})
    assert findings(policy_gate.run(fn, log_group("/shared/app")), MANAGED) == set()


def test_logging_config_computed_from_a_managed_group_passes(policy_gate: PolicyGate) -> None:
    group = log_group(UNKNOWN)
    fn = resource(
        FUNCTION, "fn", {"loggingConfig": {"logFormat": "JSON", "logGroup": UNKNOWN}}, depends={"loggingConfig": group}
    )
    assert findings(policy_gate.run(fn, group), MANAGED) == set()


def test_group_named_after_the_function_output_passes_in_preview(policy_gate: PolicyGate) -> None:
    fn = function(physical=None)
    group = log_group(UNKNOWN, depends={"name": fn})
    report = policy_gate.run(fn, group)
    assert findings(report, MANAGED) == set()
    assert undecided(report, MANAGED) == []


@pytest.mark.parametrize(
    ("registrations", "expected"),
    [
        ([], "'/aws/lambda/orders'"),
        ([log_group("/aws/lambda/order")], "'/aws/lambda/orders'"),
        ([log_group("orders")], "'/aws/lambda/orders'"),
        ([log_group("/aws/lambda/orders", name="other", depends=None)], None),
    ],
    ids=["no group", "near name", "bare name", "matching"],
)
def test_function_without_its_managed_group_fails(
    policy_gate: PolicyGate, registrations: list[Any], expected: str | None
) -> None:
    report = policy_gate.run(function(), *registrations)
    if expected is None:
        assert findings(report, MANAGED) == set()
    else:
        assert findings(report, MANAGED) == {("fn", "unmanaged-log-group")}
        assert expected in next(v.message for v in report.violations if v.policy == MANAGED)


def test_logging_config_naming_an_unmanaged_group_fails(policy_gate: PolicyGate) -> None:
    # The default group exists, but the function writes elsewhere.
    fn = function(loggingConfig={"logFormat": "JSON", "logGroup": "/shared/app"})
    assert findings(policy_gate.run(fn, log_group("/aws/lambda/orders")), MANAGED) == {("fn", "unmanaged-log-group")}


def test_unknown_function_name_cannot_decide(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(resource(FUNCTION, "fn", {"name": UNKNOWN}), log_group("/aws/lambda/orders"))
    assert findings(report, MANAGED) == set()
    assert len(undecided(report, MANAGED)) == 1


@pytest.mark.parametrize("enabled", [True, "true", secret(True)])
def test_traced_state_machine_passes(policy_gate: PolicyGate, enabled: Any) -> None:
    machine = resource(STATE_MACHINE, "workflow", {"definition": "{}", "tracingConfiguration": {"enabled": enabled}})
    assert findings(policy_gate.run(machine), SFN_TRACING) == set()


@pytest.mark.parametrize("inputs", [{}, {"tracingConfiguration": {}}, {"tracingConfiguration": {"enabled": False}}])
def test_untraced_state_machine_fails(policy_gate: PolicyGate, inputs: dict[str, Any]) -> None:
    machine = resource(STATE_MACHINE, "workflow", {"definition": "{}", **inputs})
    assert findings(policy_gate.run(machine), SFN_TRACING) == {("workflow", "tracing-disabled")}


def test_state_machine_tracing_unknown_cannot_decide(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(resource(STATE_MACHINE, "workflow", {"tracingConfiguration": {"enabled": UNKNOWN}}))
    assert findings(report, SFN_TRACING) == set()
    assert len(undecided(report, SFN_TRACING)) == 1


def test_generic_retention_rule_accepts_any_finite_retention(policy_gate: PolicyGate) -> None:
    groups = [
        resource(LOG_GROUP, "thirty", {"retentionInDays": 30}),
        resource(LOG_GROUP, "year", {"retentionInDays": 365}),
        resource(LOG_GROUP, "forever", {}),
        resource(LOG_GROUP, "zero", {"retentionInDays": 0}),
    ]
    with policy_gate.configured(RETENTION, requireStandardRetention=False):
        assert findings(policy_gate.run(*groups), RETENTION) == {
            ("forever", "retention:never-expire"),
            ("zero", "retention:never-expire"),
        }
    assert ("thirty", "retention:30") in findings(policy_gate.run(*groups), RETENTION)
