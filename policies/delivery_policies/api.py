"""Who may invoke the functions: API Gateway's permission is scoped to one API, stage, method and path."""

from __future__ import annotations

from typing import Final

from pulumi_policy import Severity

from delivery_policies import aws
from delivery_policies.policy_spec import Evaluation, PolicySpec, ResourceView
from delivery_policies.props import MISSING, UNKNOWN, field, text

API_GATEWAY_PRINCIPAL: Final = "apigateway.amazonaws.com"
HTTP_METHODS: Final = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


def source_arn_problems(source_arn: str) -> tuple[str, list[str]]:
    """(finding, problems) for an execute-api source ARN; no problems means fully scoped.

    The shape is arn:<partition>:execute-api:<region>:<account>:<api id>/<stage>/<METHOD>/<path>.
    """
    arn = aws.parse_arn(source_arn)
    if arn is None or arn.service != "execute-api":
        return "not-execute-api-arn", ["not an execute-api ARN"]
    parts = {
        "partition": arn.partition,
        "region": arn.region,
        "account": arn.account,
    }
    resource = arn.resource.split("/")
    parts["API id"] = resource[0]
    parts["stage"] = resource[1] if len(resource) > 1 else ""
    parts["method"] = resource[2] if len(resource) > 2 else ""
    wildcards = [name for name, value in parts.items() if aws.has_wildcard(value)]
    wildcards += ["path"] if any(aws.has_wildcard(segment) for segment in resource[3:]) else []
    if wildcards:
        return "wildcard-source-arn", [f"a wildcard {name}" for name in wildcards]
    missing = [f"no {name}" for name, value in parts.items() if not value]
    if parts["method"] and parts["method"] not in HTTP_METHODS:
        missing.append(f"method {parts['method']!r} is not an HTTP method")
    return ("incomplete-source-arn", missing) if missing else ("", [])


def check_permission(subject: ResourceView, evaluation: Evaluation) -> None:
    principal = text(field(subject.props, "principal"))
    if principal is UNKNOWN:
        evaluation.undecided("principal")
        return
    if not isinstance(principal, str) or principal.strip().lower() != API_GATEWAY_PRINCIPAL:
        evaluation.not_applicable("the permission is not granted to API Gateway")
        return
    source_arn = text(field(subject.props, "sourceArn"))
    if source_arn is UNKNOWN:
        evaluation.undecided("sourceArn")
    elif source_arn is MISSING or not source_arn.strip():
        evaluation.violation(
            "missing-source-arn", "the permission lets any API Gateway API in any account invoke the function"
        )
    else:
        finding, problems = source_arn_problems(source_arn.strip())
        if problems:
            evaluation.violation(finding, f"source ARN {source_arn!r}: {'; '.join(problems)}")


POLICIES: Final = (
    PolicySpec(
        name="lambda-permission-scoped-source-arn",
        description=(
            "A Lambda permission for apigateway.amazonaws.com has an execute-api source ARN with a concrete region, "
            "account, API id, stage and method."
        ),
        severity=Severity.HIGH,
        remediation="One aws.lambda_.Permission per route, with source_arn built from resolved values: "
        "arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<METHOD>/<path> (never /*/*).",
        checkov=("CKV_AWS_364",),
        cdk_nag=(),
        topics=("lambda", "apigateway", "least-privilege"),
        scope="resource",
        check=check_permission,
        resource_types=frozenset({aws.LAMBDA_PERMISSION}),
    ),
)
