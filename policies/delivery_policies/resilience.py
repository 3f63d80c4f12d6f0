"""Failed asynchronous invocations are kept: every function invoked asynchronously has a dead-letter queue or an
on-failure destination. A function only ever invoked synchronously (its caller gets the error) is exempt."""

from __future__ import annotations

from typing import Any, Final

from pulumi_policy import Severity

from delivery_policies import aws
from delivery_policies.invocation import invocations
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
    sources = invocations(resources)
    for function in (resource for resource in resources if resource.type == aws.LAMBDA_FUNCTION):
        if _configured(path(function.props, "deadLetterConfig", "targetArn")):
            continue
        attached = attachments.of(function)
        if attached is UNKNOWN:
            evaluation.undecided("functionName")
            continue
        if attached:
            continue
        known = sources.of(function)
        asynchronous = sorted({source.kind for source in known if source.asynchronous})
        if known and not asynchronous:
            if any(source.asynchronous for source in sources.undetermined):
                evaluation.undecided("function")
                continue
            kinds = ", ".join(sorted({source.kind for source in known}))
            evaluation.exempt_by_context(
                function,
                f"invoked only synchronously ({kinds}): the caller receives every error, and a dead-letter queue "
                "would never receive an event",
            )
            continue
        if not known and any(not source.asynchronous for source in sources.undetermined):
            evaluation.undecided("function")
            continue
        why = (
            f"it is invoked asynchronously ({', '.join(asynchronous)})"
            if asynchronous
            else "the program shows no source that invokes it, so it may be invoked asynchronously"
        )
        evaluation.violation(
            "no-dead-letter-target",
            f"the function has neither a dead-letter queue (deadLetterConfig.targetArn) nor a "
            f"FunctionEventInvokeConfig with an on-failure destination, and {why}",
            function,
        )


POLICIES: Final = (
    PolicySpec(
        name="lambda-dead-letter-config",
        description="Every Lambda function invoked asynchronously (an S3, SNS, EventBridge or other async source, or "
        "no source the program shows) has a dead-letter queue or an on-failure destination; functions invoked only "
        "synchronously (API Gateway, Step Functions, function URLs, event source mappings) are exempt, with the "
        "reason.",
        severity=Severity.MEDIUM,
        remediation="Give the function dead_letter_config={'target_arn': <KMS-encrypted SQS queue ARN>} and allow "
        "its role sqs:SendMessage on exactly that queue, or add an aws.lambda_.FunctionEventInvokeConfig with "
        "destination_config.on_failure.",
        checkov=("CKV_AWS_116",),
        cdk_nag=("Serverless-LambdaDLQ", "Serverless-LambdaAsyncFailureDestination"),
        topics=("lambda", "resilience"),
        scope="stack",
        check=check_dead_letter,
        category="resilience",
        example="""dlq = aws.sqs.Queue("dlq", kms_master_key_id=key.arn)
aws.lambda_.Function(
    "worker",
    role=role.arn,
    runtime="python3.12",
    handler="handler.handler",
    code=code,
    dead_letter_config={"target_arn": dlq.arn},
)""",
        peer_notes="Checkov and cdk-nag ask every function for `dead_letter_config`; the pack exempts functions "
        "invoked only synchronously and also accepts an on-failure destination.",
    ),
)
