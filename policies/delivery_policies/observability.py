"""Tracing, log groups and their retention: what an operator needs to see a failure and its cause."""

from __future__ import annotations

from typing import Any, Final

from pulumi_policy import Severity

from delivery_policies import aws
from delivery_policies.policy_spec import Evaluation, PolicySpec, ResourceView
from delivery_policies.props import MISSING, UNKNOWN, field, flag, number, path, text

# The values CloudWatch Logs accepts for retentionInDays.
CLOUDWATCH_RETENTION_DAYS: Final = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
DEFAULT_RETENTION_DAYS: Final = 7


def check_lambda_tracing(subject: ResourceView, evaluation: Evaluation) -> None:
    mode = text(path(subject.props, "tracingConfig", "mode"))
    if mode is UNKNOWN:
        evaluation.undecided("tracingConfig", "mode")
    elif mode != "Active":
        shown = "not configured" if mode is MISSING else f"{mode!r}"
        evaluation.violation("tracing-not-active", f"X-Ray tracing mode is {shown}, not 'Active'")


def check_stage_tracing(subject: ResourceView, evaluation: Evaluation) -> None:
    enabled = flag(field(subject.props, "xrayTracingEnabled"))
    if enabled is UNKNOWN:
        evaluation.undecided("xrayTracingEnabled")
    elif enabled is not True:
        evaluation.violation("tracing-disabled", "X-Ray tracing is off for the stage (xrayTracingEnabled is not true)")


def check_state_machine_tracing(subject: ResourceView, evaluation: Evaluation) -> None:
    enabled = flag(path(subject.props, "tracingConfiguration", "enabled"))
    if enabled is UNKNOWN:
        evaluation.undecided("tracingConfiguration", "enabled")
    elif enabled is not True:
        evaluation.violation(
            "tracing-disabled", "X-Ray tracing is off for the state machine (tracingConfiguration.enabled is not true)"
        )


def lambda_log_group_name(function: ResourceView) -> Any:
    """The log group the function writes to: loggingConfig.logGroup, else Lambda's /aws/lambda/<name>."""
    configured = text(path(function.props, "loggingConfig", "logGroup"))
    # In preview the provider leaves its computed loggingConfig unknown; taken from no other resource, it can only
    # be the default Lambda picks, /aws/lambda/<name>.
    if configured is UNKNOWN and function.depends_through("loggingConfig"):
        return configured
    if isinstance(configured, str) and configured:
        return configured
    name = text(field(function.props, "name"))
    return f"/aws/lambda/{name}" if isinstance(name, str) and name else UNKNOWN


def check_function_log_groups(resources: list[ResourceView], evaluation: Evaluation) -> None:
    """Lambda creates a function's log group on first write when the program does not: never expiring, unencrypted.
    The retention and KMS policies judge the program's log groups, so each function must write to one of them."""
    groups = [resource for resource in resources if resource.type == aws.LOG_GROUP]
    managed_urns = {group.urn for group in groups}
    names = {text(field(group.props, "name")) for group in groups}
    named_after = {urn for group in groups for urn in group.depends_through("name")}
    for function in (resource for resource in resources if resource.type == aws.LAMBDA_FUNCTION):
        if managed_urns.intersection(function.depends_through("loggingConfig")) or function.urn in named_after:
            continue
        wanted = lambda_log_group_name(function)
        if wanted in names:
            continue
        if wanted is UNKNOWN or UNKNOWN in names:
            evaluation.undecided("loggingConfig", "logGroup")
            continue
        evaluation.violation(
            "unmanaged-log-group",
            f"the function writes to the log group {wanted!r}, which the program does not create: Lambda creates it "
            "on first invocation with no retention and no customer-managed key; declare an aws.cloudwatch.LogGroup "
            "with that name (or point logging_config.log_group at one)",
            function,
        )


def standard_retention_days(config: Any) -> int:
    configured = number(field(config, "standardRetentionDays"))
    if isinstance(configured, float) and int(configured) in CLOUDWATCH_RETENTION_DAYS:
        return int(configured)
    return DEFAULT_RETENTION_DAYS


def check_log_retention(subject: ResourceView, evaluation: Evaluation) -> None:
    standard = standard_retention_days(evaluation.config)
    retention = number(field(subject.props, "retentionInDays"))
    if retention is UNKNOWN:
        evaluation.undecided("retentionInDays")
    elif retention is MISSING or retention == 0:
        evaluation.violation(
            "retention:never-expire", f"the log group never expires its logs; set retentionInDays to {standard}"
        )
    elif retention != standard and flag(field(evaluation.config, "requireStandardRetention")) is not False:
        evaluation.violation(
            f"retention:{retention:g}", f"retentionInDays is {retention:g}, not the standard {standard}"
        )


def retention_schema() -> dict[str, Any]:
    return {
        "type": "integer",
        "enum": list(CLOUDWATCH_RETENTION_DAYS),
        "default": DEFAULT_RETENTION_DAYS,
        "description": "The retention every log group must set (a value CloudWatch Logs accepts).",
    }


POLICIES: Final = (
    PolicySpec(
        name="lambda-xray-tracing-active",
        description="Every Lambda function traces with X-Ray in Active mode.",
        severity=Severity.MEDIUM,
        remediation="Set tracing_config={'mode': 'Active'} on the aws.lambda_.Function and allow its role the X-Ray "
        "write actions.",
        checkov=("CKV_AWS_50",),
        cdk_nag=("Serverless-LambdaTracing",),
        topics=("lambda", "observability"),
        scope="resource",
        check=check_lambda_tracing,
        resource_types=frozenset({aws.LAMBDA_FUNCTION}),
        category="observability",
        example="""aws.lambda_.Function(
    "api-handler",
    role=role.arn,
    runtime="python3.12",
    handler="handler.handler",
    code=code,
    tracing_config={"mode": "Active"},
)""",
    ),
    PolicySpec(
        name="apigateway-stage-xray-tracing",
        description="Every API Gateway REST API stage has X-Ray tracing enabled.",
        severity=Severity.MEDIUM,
        remediation="Set xray_tracing_enabled=True on the aws.apigateway.Stage.",
        checkov=("CKV_AWS_73",),
        cdk_nag=("Serverless-APIGWXrayEnabled",),
        topics=("apigateway", "observability"),
        scope="resource",
        check=check_stage_tracing,
        resource_types=frozenset({aws.REST_API_STAGE}),
        category="observability",
        example="""stage = aws.apigateway.Stage(
    "prod",
    rest_api=api.id,
    deployment=deployment.id,
    stage_name="prod",
    xray_tracing_enabled=True,
)""",
    ),
    PolicySpec(
        name="sfn-state-machine-xray-tracing",
        description="Every Step Functions state machine traces with X-Ray.",
        severity=Severity.MEDIUM,
        remediation="Set tracing_configuration={'enabled': True} on the aws.sfn.StateMachine and allow its role the "
        "X-Ray write actions.",
        checkov=("CKV_AWS_285",),
        cdk_nag=("AwsSolutions-SF2",),
        topics=("stepfunctions", "observability"),
        scope="resource",
        check=check_state_machine_tracing,
        resource_types=frozenset({aws.STATE_MACHINE}),
        category="observability",
        example="""aws.sfn.StateMachine(
    "workflow",
    role_arn=role.arn,
    definition=definition,
    tracing_configuration={"enabled": True},
)""",
    ),
    PolicySpec(
        name="lambda-log-group-managed",
        description="Every Lambda function writes to a log group the program manages: an aws.cloudwatch.LogGroup "
        "named /aws/lambda/<function name>, or the one its loggingConfig.logGroup names (so the retention and KMS "
        "policies see it).",
        severity=Severity.MEDIUM,
        remediation="Declare aws.cloudwatch.LogGroup(name=f'/aws/lambda/{function name}', retention_in_days=..., "
        "kms_key_id=...) and make the function depend on it, or set logging_config={'log_group': log_group.name}.",
        checkov=(),
        cdk_nag=(),
        topics=("lambda", "logs", "observability"),
        scope="stack",
        check=check_function_log_groups,
        category="observability",
        example="""log_group = aws.cloudwatch.LogGroup(
    "worker-logs",
    name="/aws/lambda/worker",
    retention_in_days=7,
    kms_key_id=key.arn,
)
aws.lambda_.Function(
    "worker",
    name="worker",
    role=role.arn,
    runtime="python3.12",
    handler="handler.handler",
    code=code,
    logging_config={"log_format": "JSON", "log_group": log_group.name},
    opts=pulumi.ResourceOptions(depends_on=[log_group]),
)""",
        peer_notes="Checkov and cdk-nag judge only the log groups a program declares, so the group Lambda creates "
        "itself escapes them.",
    ),
    PolicySpec(
        name="log-group-retention-standard",
        description="Every CloudWatch log group keeps its logs for exactly the standard retention (default 7 days).",
        severity=Severity.LOW,
        remediation="Set retention_in_days to the stack's standard retention (the config's log retention days); "
        "create the Lambda log group explicitly as /aws/lambda/<function name> so it is not created without one.",
        checkov=("CKV_AWS_338", "CKV_AWS_66"),
        cdk_nag=("Serverless-CloudWatchLogGroupRetentionPeriod",),
        topics=("logs", "cost", "observability"),
        scope="resource",
        check=check_log_retention,
        resource_types=frozenset({aws.LOG_GROUP}),
        config_properties={
            "standardRetentionDays": retention_schema(),
            "requireStandardRetention": {
                "type": "boolean",
                "default": True,
                "description": "true: every log group keeps exactly standardRetentionDays; false: any retention but "
                "never-expire passes (the generic profile).",
            },
        },
        category="observability",
        example="""aws.cloudwatch.LogGroup("app-logs", retention_in_days=7, kms_key_id=key.arn)""",
        peer_notes=(
            "Checkov's CKV_AWS_338 wants at least 365 days; this repository's standard is 7 (the generic profile "
            "accepts any finite retention)."
        ),
    ),
)
