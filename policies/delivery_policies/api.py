"""API Gateway and who may invoke the functions: a permission is scoped to one route (other services name their
source), a deployment follows every change of its REST API, a stage sits behind a web ACL, a usage plan throttles."""

from __future__ import annotations

from typing import Any, Final

from pulumi_policy import Severity

from delivery_policies import aws
from delivery_policies.policy_spec import Evaluation, PolicySpec, ResourceView
from delivery_policies.props import MISSING, UNKNOWN, elements, entries, field, number, text
from delivery_policies.relations import Attachments

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


def _rest_api_keys(resource: ResourceView) -> Any:
    """What names the resource's REST API: the RestApi's URN (dependency) and `id:<value>`; UNKNOWN when neither."""
    keys = set(resource.depends_through("restApi"))
    value = text(field(resource.props, "restApi"))
    if isinstance(value, str) and value:
        keys.add(f"id:{value}")
    return UNKNOWN if not keys and value is UNKNOWN else keys


def _all_dependencies(resource: ResourceView) -> set[str]:
    return {*resource.dependencies, *(urn for urns in resource.property_dependencies.values() for urn in urns)}


def _check_triggers(deployment: ResourceView, evaluation: Evaluation) -> None:
    # pulumi-aws's Deployment docs: "The triggers argument should be preferred over depends_on, since depends_on can
    # only capture dependency ordering and will not cause the resource to recreate (redeploy) the REST API"; an
    # OpenAPI body needs them too (the Stage docs' example hashes the RestApi's body into them).
    triggers = field(deployment.props, "triggers")
    if triggers is UNKNOWN:
        evaluation.undecided("triggers")
    elif not entries(triggers):
        evaluation.violation(
            "no-triggers",
            "the deployment has no triggers: it snapshots the REST API once, so a changed method, integration or "
            "body never reaches the stage; set triggers={'redeployment': <a hash of everything the API serves>}",
            deployment,
        )


def check_deployments(resources: list[ResourceView], evaluation: Evaluation) -> None:
    """Every REST API deployment redeploys when the API changes (triggers) and comes after every method and
    integration of its API (a deployment created first snapshots an API without them)."""
    routes = [resource for resource in resources if resource.type in (aws.REST_API_METHOD, aws.REST_API_INTEGRATION)]
    route_keys = [(route, _rest_api_keys(route)) for route in routes]
    for deployment in (resource for resource in resources if resource.type == aws.REST_API_DEPLOYMENT):
        _check_triggers(deployment, evaluation)
        api_keys = _rest_api_keys(deployment)
        dependencies = _all_dependencies(deployment)
        missing = []
        for route, keys in route_keys:
            if route.urn in dependencies:
                continue
            if api_keys is UNKNOWN or keys is UNKNOWN:
                evaluation.undecided("restApi")
            elif api_keys & keys:
                missing.append(route.name)
        if missing:
            evaluation.violation(
                "missing-route-dependency",
                f"the deployment does not depend on {', '.join(sorted(missing))} of its REST API: it may be created "
                "before them and serve the API without them; add them to depends_on (and to the triggers)",
                deployment,
            )


def check_stage_web_acl(resources: list[ResourceView], evaluation: Evaluation) -> None:
    """Every REST API stage has a web ACL association naming it (by dependency or by its ARN)."""
    # Not the stage's own webAclArn output: the stage is created before its association, so what it reads back then
    # says nothing about the program, and an offline world fills it with a plausible ARN either way.
    associations = Attachments(
        (resource for resource in resources if resource.type in aws.WEB_ACL_ASSOCIATION_TYPES), "resourceArn", ("arn",)
    )
    for stage in (resource for resource in resources if resource.type == aws.REST_API_STAGE):
        attached = associations.of(stage)
        if attached is UNKNOWN:
            evaluation.undecided("resourceArn")
        elif not attached:
            evaluation.violation(
                "no-web-acl",
                "no web ACL is associated with the stage: every request reaches the integration unfiltered; "
                "associate an aws.wafv2.WebAcl with resource_arn=stage.arn",
                stage,
            )


def check_usage_plan_throttle(subject: ResourceView, evaluation: Evaluation) -> None:
    settings = elements(field(subject.props, "throttleSettings"))
    if UNKNOWN in settings:
        evaluation.undecided("throttleSettings")
        return
    if not settings:
        evaluation.violation(
            "no-throttle-settings",
            "the usage plan sets no throttle: its API keys may use the account's whole request rate",
        )
        return
    for limit, finding in (("rateLimit", "no-rate-limit"), ("burstLimit", "no-burst-limit")):
        value = number(field(settings[0], limit))
        if value is UNKNOWN:
            evaluation.undecided("throttleSettings", limit)
        elif value is MISSING or value <= 0:
            evaluation.violation(finding, f"the usage plan's throttle sets no positive {limit}")


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
    PolicySpec(
        name="apigateway-deployment-redeploys",
        description=(
            "Every API Gateway REST API deployment has triggers (so a changed API is deployed again) and depends on "
            "every method and integration of its REST API the program declares."
        ),
        severity=Severity.MEDIUM,
        remediation="Set triggers={'redeployment': <a hash of the methods, integrations and body>} on the "
        "aws.apigateway.Deployment and depends_on=[every method and integration of the API].",
        checkov=(),
        cdk_nag=(),
        topics=("apigateway", "deployment"),
        scope="stack",
        check=check_deployments,
        category="resilience",
        example="""method = aws.apigateway.Method(
    "post",
    rest_api=api.id,
    resource_id=api.root_resource_id,
    http_method="POST",
    authorization="NONE",
)
integration = aws.apigateway.Integration(
    "post",
    rest_api=api.id,
    resource_id=api.root_resource_id,
    http_method=method.http_method,
    type="AWS_PROXY",
    integration_http_method="POST",
    uri=function.invoke_arn,
)
aws.apigateway.Deployment(
    "api-deployment",
    rest_api=api.id,
    # Anything that changes what the API serves changes the trigger, and so replaces the deployment.
    triggers={"redeployment": pulumi.Output.json_dumps([method.id, integration.id, integration.uri])},
    opts=pulumi.ResourceOptions(depends_on=[method, integration]),
)""",
        peer_notes="Neither checks it: a deployment without triggers passes until the first change of the API.",
    ),
    PolicySpec(
        name="apigateway-stage-web-acl",
        description="Every API Gateway REST API stage is associated with a WAF web ACL.",
        severity=Severity.MEDIUM,
        remediation="Create an aws.wafv2.WebAcl (scope REGIONAL, AWS managed rules and a rate-based rule) and an "
        "aws.wafv2.WebAclAssociation with resource_arn=stage.arn.",
        checkov=("CKV2_AWS_29",),
        cdk_nag=("AwsSolutions-APIG3",),
        topics=("apigateway", "waf"),
        scope="stack",
        check=check_stage_web_acl,
        category="security",
        example="""web_acl = aws.wafv2.WebAcl(
    "api-waf",
    scope="REGIONAL",
    default_action={"allow": {}},
    rules=[
        {
            "name": "common",
            "priority": 0,
            "override_action": {"none": {}},
            "statement": {
                "managed_rule_group_statement": {"vendor_name": "AWS", "name": "AWSManagedRulesCommonRuleSet"}
            },
            "visibility_config": {
                "cloudwatch_metrics_enabled": True,
                "metric_name": "common",
                "sampled_requests_enabled": True,
            },
        }
    ],
    visibility_config={"cloudwatch_metrics_enabled": True, "metric_name": "api-waf", "sampled_requests_enabled": True},
)
stage = aws.apigateway.Stage(
    "prod", rest_api=api.id, deployment=deployment.id, stage_name="prod", xray_tracing_enabled=True
)
aws.wafv2.WebAclAssociation("api-waf", resource_arn=stage.arn, web_acl_arn=web_acl.arn)""",
    ),
    PolicySpec(
        name="apigateway-usage-plan-throttled",
        description="Every API Gateway usage plan sets a throttle with a positive rate limit and burst limit.",
        severity=Severity.MEDIUM,
        remediation="Set throttle_settings={'rate_limit': <requests per second>, 'burst_limit': <requests>} on the "
        "aws.apigateway.UsagePlan.",
        checkov=(),
        cdk_nag=(),
        topics=("apigateway", "throttling"),
        scope="resource",
        check=check_usage_plan_throttle,
        resource_types=frozenset({aws.USAGE_PLAN}),
        category="resilience",
        example="""stage = aws.apigateway.Stage("v1", rest_api=api.id, deployment=deployment.id, stage_name="v1")
aws.apigateway.UsagePlan(
    "api-usage",
    api_stages=[{"api_id": api.id, "stage": stage.stage_name}],
    throttle_settings={"rate_limit": 50, "burst_limit": 100},
    quota_settings={"limit": 10000, "period": "DAY"},
)""",
    ),
)
