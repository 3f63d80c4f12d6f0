"""Failed asynchronous invocations are kept: every function has a dead-letter queue or an on-failure destination."""

from __future__ import annotations

from typing import Any, Final

from pulumi_policy import Severity

from delivery_policies import aws
from delivery_policies.policy_spec import Evaluation, PolicySpec, ResourceView
from delivery_policies.props import MISSING, UNKNOWN, path, text
from delivery_policies.relations import function_attachments


def _configured(value: Any) -> bool:
    """A target that is set: a non-empty string, or a value computed from another resource (unknown in preview)."""
    value = text(value)
    return value is UNKNOWN or (value is not MISSING and bool(value.strip()))


def check_dead_letter(resources: list[ResourceView], evaluation: Evaluation) -> None:
    invoke_configs = [
        resource
        for resource in resources
        if resource.type == aws.LAMBDA_EVENT_INVOKE_CONFIG
        and _configured(path(resource.props, "destinationConfig", "onFailure", "destination"))
    ]
    attachments = function_attachments(invoke_configs)
    for function in (resource for resource in resources if resource.type == aws.LAMBDA_FUNCTION):
        if _configured(path(function.props, "deadLetterConfig", "targetArn")):
            continue
        attached = attachments.of(function)
        if attached is UNKNOWN:
            evaluation.undecided("functionName")
            continue
        if attached:
            continue
        evaluation.violation(
            "no-dead-letter-target",
            "the function has neither a dead-letter queue (deadLetterConfig.targetArn) nor a "
            "FunctionEventInvokeConfig with an on-failure destination",
            function,
        )


POLICIES: Final = (
    PolicySpec(
        name="lambda-dead-letter-config",
        description="Every Lambda function has a dead-letter queue or an on-failure destination.",
        severity=Severity.MEDIUM,
        remediation="Give the function dead_letter_config={'target_arn': <KMS-encrypted SQS queue ARN>} and allow "
        "its role sqs:SendMessage on exactly that queue, or add an aws.lambda_.FunctionEventInvokeConfig with "
        "destination_config.on_failure.",
        checkov=("CKV_AWS_116",),
        cdk_nag=("Serverless-LambdaDLQ", "Serverless-LambdaAsyncFailureDestination"),
        topics=("lambda", "resilience"),
        scope="stack",
        check=check_dead_letter,
    ),
)
