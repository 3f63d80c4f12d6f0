"""Tracing, log retention and error-rate alarms."""

from __future__ import annotations

from typing import Any

import pytest

from unit_tests.policies.pack_harness import UNKNOWN, PolicyGate, findings, resource, secret, undecided

FUNCTION = "aws:lambda/function:Function"
STAGE = "aws:apigateway/stage:Stage"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
LAMBDA_TRACING = "lambda-xray-tracing-active"
STAGE_TRACING = "apigateway-stage-xray-tracing"
RETENTION = "log-group-retention-standard"
ALARMS = "alarm-error-rate-metric-math"


def test_active_tracing_passes(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(resource(FUNCTION, "fn", {"tracingConfig": {"mode": "Active"}}))
    assert findings(report, LAMBDA_TRACING) == set()


@pytest.mark.parametrize(
    "inputs", [{}, {"tracingConfig": {"mode": "PassThrough"}}, {"tracingConfig": {}}, {"tracingConfig": "Active"}]
)
def test_function_without_active_tracing_fails(policy_gate: PolicyGate, inputs: dict[str, Any]) -> None:
    assert findings(policy_gate.run(resource(FUNCTION, "fn", inputs)), LAMBDA_TRACING) == {("fn", "tracing-not-active")}


def test_function_tracing_unknown_or_secret(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(
        resource(FUNCTION, "unknown", {"tracingConfig": {"mode": UNKNOWN}}),
        resource(FUNCTION, "secret", {"tracingConfig": secret({"mode": "Active"})}),
    )
    assert findings(report, LAMBDA_TRACING) == set()
    assert [v.resource_name for v in undecided(report, LAMBDA_TRACING)] == ["unknown"]


@pytest.mark.parametrize("enabled", [True, "true"])
def test_traced_stage_passes(policy_gate: PolicyGate, enabled: Any) -> None:
    assert findings(policy_gate.run(resource(STAGE, "stage", {"xrayTracingEnabled": enabled})), STAGE_TRACING) == set()


@pytest.mark.parametrize("inputs", [{}, {"xrayTracingEnabled": False}, {"xrayTracingEnabled": 1}])
def test_untraced_stage_fails(policy_gate: PolicyGate, inputs: dict[str, Any]) -> None:
    assert findings(policy_gate.run(resource(STAGE, "stage", inputs)), STAGE_TRACING) == {("stage", "tracing-disabled")}


def test_stage_tracing_unknown_cannot_decide(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(resource(STAGE, "stage", {"xrayTracingEnabled": UNKNOWN}))
    assert findings(report, STAGE_TRACING) == set()
    assert len(undecided(report, STAGE_TRACING)) == 1


def test_standard_retention_passes(policy_gate: PolicyGate) -> None:
    assert findings(policy_gate.run(resource(LOG_GROUP, "logs", {"retentionInDays": 7})), RETENTION) == set()


@pytest.mark.parametrize(
    ("inputs", "finding"),
    [
        ({"retentionInDays": 30}, "retention:30"),
        ({"retentionInDays": 3653}, "retention:3653"),
        ({"retentionInDays": 1}, "retention:1"),
        ({}, "retention:never-expire"),
        ({"retentionInDays": 0}, "retention:never-expire"),
        ({"retentionInDays": "7"}, "retention:never-expire"),
    ],
)
def test_other_retention_fails(policy_gate: PolicyGate, inputs: dict[str, Any], finding: str) -> None:
    assert findings(policy_gate.run(resource(LOG_GROUP, "logs", inputs)), RETENTION) == {("logs", finding)}


def test_standard_retention_comes_from_config(policy_gate: PolicyGate) -> None:
    fourteen = resource(LOG_GROUP, "fourteen", {"retentionInDays": 14})
    seven = resource(LOG_GROUP, "seven", {"retentionInDays": 7})
    with policy_gate.configured(RETENTION, standardRetentionDays=14):
        assert findings(policy_gate.run(fourteen, seven), RETENTION) == {("seven", "retention:7")}


def test_unknown_retention_cannot_decide(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(resource(LOG_GROUP, "logs", {"retentionInDays": UNKNOWN}))
    assert findings(report, RETENTION) == set()
    assert len(undecided(report, RETENTION)) == 1


def metric_queries(
    expression: str = "errors / invocations * 100",
    error: str = "Errors",
    namespace: str = "AWS/Lambda",
    requests: str = "Invocations",
    error_returns: bool = False,
) -> list[dict[str, Any]]:
    queries: list[dict[str, Any]] = [
        {
            "id": "errors",
            "metric": {"metricName": error, "namespace": namespace, "period": 60, "stat": "Sum"},
            "returnData": error_returns,
        },
        {"id": "invocations", "metric": {"metricName": requests, "namespace": namespace, "period": 60, "stat": "Sum"}},
    ]
    if not error_returns:
        queries.append({"id": "rate", "expression": expression, "returnData": True})
    return queries


@pytest.mark.parametrize(
    "queries",
    [metric_queries(), metric_queries("100*errors/invocations", "5XXError", "AWS/ApiGateway", "Count")],
    ids=["lambda", "api-gateway"],
)
def test_error_rate_with_metric_math_passes(policy_gate: PolicyGate, queries: list[dict[str, Any]]) -> None:
    assert findings(policy_gate.run(resource(ALARM, "rate", {"metricQueries": queries})), ALARMS) == set()


@pytest.mark.parametrize(
    ("metric", "namespace"),
    [("Errors", "AWS/Lambda"), ("5XXError", "AWS/ApiGateway"), ("5xx", "AWS/ApiGateway"), ("Errors", None)],
)
def test_absolute_threshold_on_raw_error_count_fails(
    policy_gate: PolicyGate, metric: str, namespace: str | None
) -> None:
    inputs = {"metricName": metric, "statistic": "Sum", "threshold": 5, "comparisonOperator": "GreaterThanThreshold"}
    if namespace:
        inputs["namespace"] = namespace
    assert findings(policy_gate.run(resource(ALARM, "raw", inputs)), ALARMS) == {
        ("raw", f"absolute-threshold:{metric}")
    }


@pytest.mark.parametrize(
    "inputs",
    [
        {"metricName": "Throttles", "namespace": "AWS/Lambda", "threshold": 1},
        {"metricName": "Errors", "namespace": "Custom/Pipeline", "threshold": 1},
        {"metricName": "ApproximateNumberOfMessagesVisible", "namespace": "AWS/SQS", "threshold": 1},
        {
            "metricQueries": [
                {
                    "id": "latency",
                    "metric": {"metricName": "Latency", "namespace": "AWS/ApiGateway"},
                    "returnData": True,
                }
            ]
        },
    ],
    ids=["throttles", "custom-namespace", "dlq-depth", "latency-query"],
)
def test_alarms_on_other_metrics_are_not_judged(policy_gate: PolicyGate, inputs: dict[str, Any]) -> None:
    assert findings(policy_gate.run(resource(ALARM, "other", inputs)), ALARMS) == set()


def test_metric_query_returning_the_raw_errors_fails(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(resource(ALARM, "raw", {"metricQueries": metric_queries(error_returns=True)}))
    assert findings(report, ALARMS) == {("raw", "absolute-threshold:Errors")}


def test_single_raw_error_query_fails(policy_gate: PolicyGate) -> None:
    query = [{"id": "e", "metric": {"metricName": "Errors", "namespace": "AWS/Lambda", "stat": "Sum"}}]
    assert findings(policy_gate.run(resource(ALARM, "raw", {"metricQueries": query})), ALARMS) == {
        ("raw", "absolute-threshold:Errors")
    }


def test_expression_that_does_not_divide_by_requests_fails(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(resource(ALARM, "fill", {"metricQueries": metric_queries("FILL(errors, 0)")}))
    assert findings(report, ALARMS) == {("fill", "no-request-count:Errors")}


def test_unknown_alarm_parts_cannot_decide(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(
        resource(ALARM, "name", {"metricName": UNKNOWN}),
        resource(ALARM, "queries", {"metricQueries": UNKNOWN}),
        resource(ALARM, "expression", {"metricQueries": metric_queries(UNKNOWN)}),
    )
    assert findings(report, ALARMS) == set()
    assert sorted(v.resource_name for v in undecided(report, ALARMS)) == ["expression", "name", "queries"]
