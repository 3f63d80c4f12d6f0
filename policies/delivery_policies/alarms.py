"""Alarms: an error alarm watches a rate, not a count, and every alarm is wired to something that notifies or acts."""

from __future__ import annotations

import re
from typing import Any, Final

from pulumi_policy import Severity

from delivery_policies import aws
from delivery_policies.policy_spec import Evaluation, PolicySpec, ResourceView
from delivery_policies.props import UNKNOWN, elements, field, flag, path, text

# (namespace, metric) pairs that count errors, and the request counts an error rate divides by.
ERROR_COUNT_METRICS: Final = frozenset(
    {("AWS/Lambda", "Errors"), ("AWS/ApiGateway", "5XXError"), ("AWS/ApiGateway", "5xx")}
)
REQUEST_COUNT_METRICS: Final = frozenset({("AWS/Lambda", "Invocations"), ("AWS/ApiGateway", "Count")})


def _metric_key(namespace: Any, name: Any) -> tuple[Any, Any]:
    return text(namespace), text(name)


def _is_error_count(namespace: Any, name: Any) -> bool:
    if not isinstance(name, str):
        return False
    if isinstance(namespace, str):
        return (namespace, name) in ERROR_COUNT_METRICS
    return any(name == metric for _, metric in ERROR_COUNT_METRICS)


def _references(expression: str, query_id: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(query_id)}(?![A-Za-z0-9_])", expression) is not None


def check_error_alarm(subject: ResourceView, evaluation: Evaluation) -> None:
    namespace, name = _metric_key(field(subject.props, "namespace"), field(subject.props, "metricName"))
    if UNKNOWN in (namespace, name):
        evaluation.undecided("metricName")
        return
    if _is_error_count(namespace, name):
        evaluation.violation(
            f"absolute-threshold:{name}",
            f"the alarm compares the raw {name} count with an absolute threshold; alarm on an error rate with "
            "metric math (errors / requests * 100)",
        )
        return
    queries = elements(field(subject.props, "metricQueries"))
    if UNKNOWN in queries:
        evaluation.undecided("metricQueries")
        return
    error_ids: dict[str, str] = {}
    request_ids: set[str] = set()
    returned: list[Any] = []
    for query in queries:
        query_id = text(field(query, "id"))
        metric_namespace, metric_name = _metric_key(
            path(query, "metric", "namespace"), path(query, "metric", "metricName")
        )
        if UNKNOWN in (query_id, metric_namespace, metric_name):
            evaluation.undecided("metricQueries")
            return
        if isinstance(query_id, str) and _is_error_count(metric_namespace, metric_name):
            error_ids[query_id] = metric_name
        if isinstance(query_id, str) and (metric_namespace, metric_name) in REQUEST_COUNT_METRICS:
            request_ids.add(query_id)
        if flag(field(query, "returnData")) is True:
            returned.append(query)
    if not error_ids:
        return
    if not returned and len(queries) == 1:
        returned = queries
    for query in returned:
        expression = text(field(query, "expression"))
        query_id = text(field(query, "id"))
        if expression is UNKNOWN:
            evaluation.undecided("metricQueries", "expression")
        elif not isinstance(expression, str):
            if isinstance(query_id, str) and query_id in error_ids:
                evaluation.violation(
                    f"absolute-threshold:{error_ids[query_id]}",
                    f"the alarm returns the raw {error_ids[query_id]} metric; return an error-rate expression",
                )
        elif not any(_references(expression, request_id) for request_id in request_ids):
            names = ", ".join(sorted(set(error_ids.values())))
            evaluation.violation(
                f"no-request-count:{names}",
                f"the alarm's expression {expression!r} does not divide {names} by the request count",
            )


def _literal_action_problem(action: str) -> str:
    """Why a literal alarm action names nothing CloudWatch can notify or act through ('' when it does)."""
    arn = aws.parse_arn(action.strip())
    if arn is None:
        return f"{action[:80]!r} is not an ARN"
    if arn.service not in aws.ALARM_ACTION_SERVICES:
        return f"{action[:80]!r} is not a topic or an action CloudWatch can take"
    return ""


def _alarm_wiring(alarm: ResourceView, by_urn: dict[str, ResourceView]) -> tuple[Any, list[str]]:
    """(True/False/UNKNOWN: some action notifies or acts, the problems of the actions that do not)."""
    actions = elements(field(alarm.props, "alarmActions"))
    sources = [by_urn.get(urn) for urn in alarm.depends_through("alarmActions")]
    wired = any(source is not None and source.type in aws.ALARM_ACTION_TARGET_TYPES for source in sources)
    problems = [
        f"it takes its action from a {source.type} ({source.name}), which is neither a topic nor an action target"
        for source in sources
        if source is not None and source.type.startswith("aws:") and source.type not in aws.ALARM_ACTION_TARGET_TYPES
    ]
    # A computed action with no known source (or one outside AWS, such as a component) cannot be judged.
    undecidable = any(source is None or not source.type.startswith("aws:") for source in sources)
    for action in actions:
        if action is UNKNOWN:
            undecidable = undecidable or not sources
        elif isinstance(action, str):
            problem = _literal_action_problem(action)
            wired = wired or not problem
            problems += [problem] if problem else []
        else:
            problems.append("an action that is not a string")
    if wired:
        return True, problems
    return (UNKNOWN if undecidable else False), problems


def check_alarm_actions(resources: list[ResourceView], evaluation: Evaluation) -> None:
    """Every alarm has its actions enabled and at least one alarm action that is a topic (or a scaling policy, a
    function, an EC2 or incident action): an alarm that notifies nobody is only seen by whoever opens the console."""
    by_urn = {resource.urn: resource for resource in resources}
    for alarm in (resource for resource in resources if resource.type in (aws.METRIC_ALARM, aws.COMPOSITE_ALARM)):
        enabled = flag(field(alarm.props, "actionsEnabled"))
        if enabled is UNKNOWN:
            evaluation.undecided("actionsEnabled")
        elif enabled is False:
            evaluation.violation(
                "actions-disabled", "the alarm's actions are disabled (actionsEnabled is false)", alarm
            )
        wired, problems = _alarm_wiring(alarm, by_urn)
        if wired is UNKNOWN and not problems:
            evaluation.undecided("alarmActions")
        elif wired is not True:
            detail = "; ".join(problems) if problems else "it has no alarm action"
            evaluation.violation(
                "no-alarm-target",
                f"the alarm notifies nobody: {detail}; set alarm_actions=[topic.arn] (an aws.sns.Topic someone "
                "subscribes to)",
                alarm,
            )


POLICIES: Final = (
    PolicySpec(
        name="alarm-error-rate-metric-math",
        description=(
            "Alarms on an error count (Lambda Errors, API Gateway 5XXError) use metric math against the request "
            "count (an error rate), not an absolute threshold on the raw metric."
        ),
        severity=Severity.MEDIUM,
        remediation="Build the alarm from metric_queries: the error metric, the request metric (Invocations or "
        "Count), and an expression 'errors / requests * 100' with return_data=True; compare it with the threshold "
        "percentage and treat missing data as not breaching.",
        checkov=(),
        cdk_nag=(),
        topics=("cloudwatch", "observability"),
        scope="resource",
        check=check_error_alarm,
        resource_types=frozenset({aws.METRIC_ALARM}),
        category="observability",
        example="""aws.cloudwatch.MetricAlarm(
    "error-rate",
    comparison_operator="GreaterThanThreshold",
    evaluation_periods=1,
    threshold=1,
    metric_queries=[
        {"id": "errors", "metric": {"namespace": "AWS/Lambda", "metric_name": "Errors", "period": 60, "stat": "Sum"}},
        {
            "id": "calls",
            "metric": {"namespace": "AWS/Lambda", "metric_name": "Invocations", "period": 60, "stat": "Sum"},
        },
        {"id": "rate", "expression": "errors / calls * 100", "return_data": True},
    ],
)""",
        peer_notes="cdk-nag's CloudWatchAlarmAction checks actions only.",
    ),
    PolicySpec(
        name="alarm-actions-wired",
        description=(
            "Every CloudWatch metric or composite alarm has its actions enabled and at least one alarm action that "
            "is an SNS topic (or a scaling policy, a Lambda function, an EC2 or Systems Manager incident action)."
        ),
        severity=Severity.MEDIUM,
        remediation="Set alarm_actions=[topic.arn] (and ok_actions) on the alarm, with an aws.sns.Topic its "
        "operators subscribe to; leave actions_enabled unset or true.",
        checkov=("CKV_AWS_319",),
        cdk_nag=("NIST.800.53.R5-CloudWatchAlarmAction",),
        topics=("cloudwatch", "observability"),
        scope="stack",
        check=check_alarm_actions,
        category="observability",
        example="""alerts = aws.sns.Topic("alerts", kms_master_key_id=key.arn)
aws.cloudwatch.MetricAlarm(
    "throttles",
    namespace="AWS/Lambda",
    metric_name="Throttles",
    dimensions={"FunctionName": function.name},
    statistic="Sum",
    period=60,
    evaluation_periods=1,
    threshold=0,
    comparison_operator="GreaterThanThreshold",
    alarm_actions=[alerts.arn],
    ok_actions=[alerts.arn],
)""",
        peer_notes="Checkov's CKV_AWS_319 checks only that actions are enabled; cdk-nag's CloudWatchAlarmAction "
        "accepts any action, an OK or INSUFFICIENT_DATA action alone included.",
    ),
)
