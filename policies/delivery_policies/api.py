"""Who may invoke the functions: API Gateway's permission is scoped to one route; other services name their source."""

from __future__ import annotations

from typing import Final

from pulumi_policy import Severity

from delivery_policies import aws
from delivery_policies.policy_spec import Evaluation, PolicySpec, ResourceView
from delivery_policies.props import MISSING, UNKNOWN, field, text

API_GATEWAY_PRINCIPAL: Final = "apigateway.amazonaws.com"
HTTP_METHODS: Final = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
HTTP_API_DEFAULT_ROUTE: Final = "$default"


def source_arn_problems(source_arn: str) -> tuple[str, list[str]]:
    """(finding, problems) for an execute-api source ARN; no problems means fully scoped.

    The shape is arn:<partition>:execute-api:<region>:<account>:<api id>/<stage>/<METHOD>/<path>. The method may be
    `*` (an ANY route, which API Gateway invokes with whatever method the client used) only when the stage is concrete
    and the path is written out with no wildcard: `.../prod/*/{proxy+}` names one route of one stage, while
    `.../prod/*/*` or `.../prod/*` lets every route invoke the function. An HTTP API's `$default` route
    (`.../prod/$default`) is one route too.
    """
    arn = aws.parse_arn(source_arn)
    if arn is None or arn.service != "execute-api":
        return "not-execute-api-arn", ["not an execute-api ARN"]
    resource = arn.resource.split("/")
    parts = {
        "partition": arn.partition,
        "region": arn.region,
        "account": arn.account,
        "API id": resource[0],
        "stage": resource[1] if len(resource) > 1 else "",
        "method": resource[2] if len(resource) > 2 else "",
    }
    route_path = resource[3:]
    # An HTTP API's $default route takes the method and path segments' place: it is one route.
    default_route = parts["method"] == HTTP_API_DEFAULT_ROUTE and not route_path
    concrete_path = bool(route_path) and not any(aws.has_wildcard(segment) for segment in route_path)
    any_method = parts["method"] == "*" and concrete_path
    wildcards = [
        name for name, value in parts.items() if aws.has_wildcard(value) and not (name == "method" and any_method)
    ]
    wildcards += ["path"] if any(aws.has_wildcard(segment) for segment in route_path) else []
    if wildcards:
        return "wildcard-source-arn", [f"a wildcard {name}" for name in wildcards]
    missing = [f"no {name}" for name, value in parts.items() if not value]
    if parts["method"] and not (any_method or default_route) and parts["method"] not in HTTP_METHODS:
        missing.append(f"method {parts['method']!r} is not an HTTP method")
    return ("incomplete-source-arn", missing) if missing else ("", [])


def is_service_principal(principal: str) -> bool:
    """An AWS service principal (s3.amazonaws.com, events.amazonaws.com, logs.<region>.amazonaws.com, ...)."""
    return principal.endswith((".amazonaws.com", ".amazonaws.com.cn"))


def _has_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def check_service_permission(subject: ResourceView, evaluation: Evaluation, principal: str) -> None:
    """Another service's permission names the resource (sourceArn) or the account (sourceAccount) it comes from."""
    source_arn = text(field(subject.props, "sourceArn"))
    source_account = text(field(subject.props, "sourceAccount"))
    if _has_text(source_arn) or _has_text(source_account):
        return
    if UNKNOWN in (source_arn, source_account):
        evaluation.undecided("sourceArn")
        return
    evaluation.violation(
        "missing-source",
        f"the permission lets {principal} invoke the function on behalf of any account's resource (confused deputy); "
        "set source_arn (or at least source_account)",
    )


def check_permission(subject: ResourceView, evaluation: Evaluation) -> None:
    principal = text(field(subject.props, "principal"))
    if principal is UNKNOWN:
        evaluation.undecided("principal")
        return
    principal = principal.strip().lower() if isinstance(principal, str) else ""
    if principal != API_GATEWAY_PRINCIPAL:
        if is_service_principal(principal):
            check_service_permission(subject, evaluation, principal)
        else:
            evaluation.not_applicable("the permission is not granted to an AWS service principal")
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
            "account, API id, stage, method and path (method * only on a concrete path: an ANY route); a permission "
            "for any other AWS service principal (s3, sns, events, ...) has a source ARN or a source account."
        ),
        severity=Severity.HIGH,
        remediation="For API Gateway, one aws.lambda_.Permission per route, with source_arn built from resolved "
        "values: arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<METHOD or * for ANY>/<path> (never /*/*). "
        "For other services, source_arn=<the bucket, topic or rule ARN> (or source_account).",
        checkov=("CKV_AWS_364", "CKV_AWS_301"),
        cdk_nag=("NIST.800.53.R5-LambdaFunctionPublicAccessProhibited",),
        topics=("lambda", "apigateway", "least-privilege"),
        scope="resource",
        check=check_permission,
        resource_types=frozenset({aws.LAMBDA_PERMISSION}),
        category="security",
        example="""aws.lambda_.Permission(
    "api-invoke",
    action="lambda:InvokeFunction",
    function=function.name,
    principal="apigateway.amazonaws.com",
    source_arn=api.execution_arn.apply(lambda arn: f"{arn}/prod/*/{{proxy+}}"),
)""",
        peer_notes=(
            "Checkov accepts any source ARN, even `/*/*`; the pack wants one stage and one route (method `*` only"
            " on a concrete path)."
        ),
    ),
)
