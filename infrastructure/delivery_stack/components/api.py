"""API: the region's REST API in front of the function, its stage, usage plan, WAF and alarms.

Every route, the CORS preflight (`OPTIONS`) included, is an AWS_PROXY integration with the function: the function's
REST resolver answers preflight with the CORS headers of the configured origins, so browsers see one CORS policy
whatever route they call. API Gateway's own error responses (a missing API key, throttling) get the same header
through gateway responses when a single origin is configured.

The API does not manage `apigateway.Account` (the CloudWatch role is one setting per account and region, and a second
stack would fight over it): an account administrator sets it once, see docs/infrastructure-network-api-cicd.md.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from delivery_stack.components.loggroup import encrypted_log_group
from delivery_stack.components.monitoring import PERIOD_SECONDS, RateAlarmSpec, rate_alarm
from delivery_stack.context import RegionContext

# The function behind the API (functions/pipeline/): its routes are the ones below.
API_FUNCTION = "pipeline"
STAGE_NAME = "v1"
API_KEY_HEADER = "x-api-key"
# Evaluation window of the WAF rate-based rule; the configured limit counts requests per IP in this window.
WAF_RATE_WINDOW_SECONDS = 300
LATENCY_EVALUATION_PERIODS = 3

# One JSON object per request. Never `$context.identity.apiKey` (the key itself): the key's id is enough to trace.
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "requestTime": "$context.requestTime",
    "sourceIp": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "apiKeyId": "$context.identity.apiKeyId",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationStatus": "$context.integration.status",
    "integrationLatency": "$context.integration.latency",
    "integrationError": "$context.integration.error",
    "wafStatus": "$context.waf.status",
    "xrayTraceId": "$context.xrayTraceId",
}

MANAGED_RULE_GROUPS = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet")
# WAF delivers logs only to CloudWatch log groups whose name starts with this prefix.
WAF_LOG_GROUP_PREFIX = "aws-waf-logs-"
# Headers WAF must not write to its logs: the caller's API key, and the body signature (useless without the body,
# but it has no place in logs either). WAF compares header names case-insensitively.
WAF_REDACTED_HEADERS = ("x-api-key", "x-signature-sha256")


@dataclass(frozen=True)
class Route:
    """One method on one top-level path; the key requirement is part of the route (POST /pipeline needs a key)."""

    path: str
    method: str
    api_key_required: bool
    # Request parameters the method declares (`method.request.querystring.deep`). All optional: a required one missing
    # would get API Gateway's 400 where the function answers with its envelope (see VALIDATE_REQUEST_BODY).
    parameters: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.method.lower()}-{self.path}"


ROUTES = (
    Route("pipeline", "POST", api_key_required=True),
    # Browsers send preflight without custom headers, so OPTIONS never needs the key.
    Route("pipeline", "OPTIONS", api_key_required=False),
    Route("health", "GET", api_key_required=False, parameters=("method.request.querystring.deep",)),
    Route("health", "OPTIONS", api_key_required=False),
)


# Every method validates its request parameters at API Gateway. Bodies are validated by the function, not by a request
# model: API Gateway's own 400 "Invalid request body" would pre-empt the function's contract (401 for a bad signature
# before any body check, 422 naming each invalid field in the error envelope), see docs/functions.md.
VALIDATE_REQUEST_BODY = False


def execute_api_source_arn(partition: str, region: str, account: str, api_id: str, route: Route) -> str:
    """The one caller a route's invoke permission admits: this API, this stage, this method, this path."""
    return f"arn:{partition}:execute-api:{region}:{account}:{api_id}/{STAGE_NAME}/{route.method}/{route.path}"


def _source_arn_of(values: list[str], region: str, route: Route) -> str:
    partition, account, api_id = values
    return execute_api_source_arn(partition, region, account, api_id, route)


def deployment_fingerprint(parts: Sequence[str]) -> str:
    """A digest of the routes and of every method's and integration's identity: any change redeploys the stage."""
    return hashlib.sha256(json.dumps(list(parts)).encode()).hexdigest()


def cors_gateway_origin(allowed_origins: Sequence[str]) -> str | None:
    """The Access-Control-Allow-Origin value API Gateway's own error responses can carry (static: one origin only).

    With several origins the right value depends on the request's Origin, which only the function can choose.
    """
    return allowed_origins[0] if len(allowed_origins) == 1 else None


@dataclass(frozen=True)
class ApiArgs:
    context: RegionContext
    key: aws.kms.Key
    function: aws.lambda_.Function
    alert_topic: aws.sns.Topic


class Api(pulumi.ComponentResource):
    """REST API -> function, one stage with X-Ray and JSON access logs, usage plan and key, WAF, and API alarms."""

    rest_api: aws.apigateway.RestApi
    resources: dict[str, aws.apigateway.Resource]
    methods: dict[str, aws.apigateway.Method]
    integrations: dict[str, aws.apigateway.Integration]
    permissions: dict[str, aws.lambda_.Permission]
    gateway_responses: list[aws.apigateway.Response]
    request_validator: aws.apigateway.RequestValidator
    deployment: aws.apigateway.Deployment
    access_log_group: aws.cloudwatch.LogGroup
    execution_log_group: aws.cloudwatch.LogGroup
    stage: aws.apigateway.Stage
    method_settings: aws.apigateway.MethodSettings
    api_key: aws.apigateway.ApiKey
    usage_plan: aws.apigateway.UsagePlan
    usage_plan_key: aws.apigateway.UsagePlanKey
    web_acl: aws.wafv2.WebAcl
    web_acl_association: aws.wafv2.WebAclAssociation
    waf_log_group: aws.cloudwatch.LogGroup
    waf_logging: aws.wafv2.WebAclLoggingConfiguration
    error_rate_alarm: aws.cloudwatch.MetricAlarm
    latency_alarm: aws.cloudwatch.MetricAlarm

    def __init__(self, name: str, args: ApiArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("delivery:api:Api", name, None, args.context.component_options(opts))
        ctx = args.context
        self._ctx = ctx
        self._base = name
        self._child = pulumi.ResourceOptions(parent=self)
        self.api_name = ctx.name("api", "api")
        self.rest_api = aws.apigateway.RestApi(
            f"{name}-rest-api",
            name=self.api_name,
            description=f"Pipeline events API ({ctx.region})",
            endpoint_configuration=aws.apigateway.RestApiEndpointConfigurationArgs(types="REGIONAL"),
            api_key_source="HEADER",
            opts=self._child,
        )
        self._routes(args.function)
        self._gateway_responses()
        self._stage(args.key)
        self._usage_plan()
        self._waf(args.key)
        self._alarms(args.alert_topic)
        self.register_outputs(
            {
                "api_id": self.rest_api.id,
                "api_url": self.api_url,
                "stage_name": self.stage.stage_name,
                "api_key_id": self.api_key.id,
                "web_acl_arn": self.web_acl.arn,
                "waf_log_group_name": self.waf_log_group.name,
            }
        )

    @property
    def api_url(self) -> pulumi.Output[str]:
        return self.stage.invoke_url

    def _routes(self, function: aws.lambda_.Function) -> None:
        ctx = self._ctx
        api = self.rest_api
        self.resources = {
            path: aws.apigateway.Resource(
                f"{self._base}-{path}",
                rest_api=api.id,
                parent_id=api.root_resource_id,
                path_part=path,
                opts=self._child,
            )
            for path in dict.fromkeys(route.path for route in ROUTES)
        }
        self.request_validator = aws.apigateway.RequestValidator(
            f"{self._base}-request-validator",
            rest_api=api.id,
            name="parameters",
            validate_request_parameters=True,
            validate_request_body=VALIDATE_REQUEST_BODY,
            opts=self._child,
        )
        self.methods = {}
        self.integrations = {}
        self.permissions = {}
        for route in ROUTES:
            resource = self.resources[route.path]
            method = aws.apigateway.Method(
                f"{self._base}-{route.key}",
                rest_api=api.id,
                resource_id=resource.id,
                http_method=route.method,
                # The function authenticates POST bodies by HMAC signature; the key meters and throttles callers.
                authorization="NONE",
                api_key_required=route.api_key_required,
                request_parameters=dict.fromkeys(route.parameters, False) or None,
                request_validator_id=self.request_validator.id,
                opts=self._child,
            )
            self.methods[route.key] = method
            self.integrations[route.key] = aws.apigateway.Integration(
                f"{self._base}-{route.key}",
                rest_api=api.id,
                resource_id=resource.id,
                http_method=method.http_method,
                # Lambda proxy integrations are always invoked with POST, whatever the client's method.
                integration_http_method="POST",
                type="AWS_PROXY",
                uri=function.invoke_arn,
                opts=self._child,
            )
            source_arn = pulumi.Output.all(ctx.partition, ctx.account_id, api.id).apply(
                functools.partial(_source_arn_of, region=ctx.region, route=route)
            )
            self.permissions[route.key] = aws.lambda_.Permission(
                f"{self._base}-{route.key}-invoke",
                statement_id=f"ApiGateway{route.method.title()}{route.path.title()}",
                action="lambda:InvokeFunction",
                function=function.name,
                principal="apigateway.amazonaws.com",
                source_arn=source_arn,
                opts=self._child,
            )

    def _gateway_responses(self) -> None:
        self.gateway_responses = []
        origin = cors_gateway_origin(self._ctx.config.allowed_origins)
        if origin is None:
            return
        for response_type in ("DEFAULT_4XX", "DEFAULT_5XX"):
            self.gateway_responses.append(
                aws.apigateway.Response(
                    f"{self._base}-{response_type.lower().replace('_', '-')}",
                    rest_api_id=self.rest_api.id,
                    response_type=response_type,
                    response_parameters={
                        "gatewayresponse.header.Access-Control-Allow-Origin": f"'{origin}'",
                        "gatewayresponse.header.Vary": "'Origin'",
                    },
                    opts=self._child,
                )
            )

    def _redeployment_trigger(self) -> pulumi.Output[str]:
        route_spec = [json.dumps(route.__dict__, sort_keys=True) for route in ROUTES]
        identities: list[pulumi.Output[Any]] = []
        for key in (route.key for route in ROUTES):
            method = self.methods[key]
            integration = self.integrations[key]
            identities += [method.id, method.api_key_required.apply(str), integration.id, integration.uri]
            identities.append(method.request_validator_id.apply(str))
        identities.append(self.request_validator.id)
        identities += [response.id for response in self.gateway_responses]
        return pulumi.Output.all(*identities).apply(lambda values: deployment_fingerprint([*route_spec, *values]))

    def _stage(self, key: aws.kms.Key) -> None:
        ctx = self._ctx
        routes = [self.request_validator, *self.methods.values(), *self.integrations.values()]
        self.deployment = aws.apigateway.Deployment(
            f"{self._base}-deployment",
            rest_api=self.rest_api.id,
            description=f"{self.api_name}: routes {', '.join(f'{r.method} /{r.path}' for r in ROUTES)}",
            # A deployment snapshots the API when it is created: a changed method or integration needs a new one.
            triggers={"redeployment": self._redeployment_trigger()},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*routes, *self.gateway_responses]),
        )
        self.access_log_group = encrypted_log_group(
            f"{self._base}-access-logs", ctx, f"/aws/apigateway/{self.api_name}/{STAGE_NAME}/access", key, self._child
        )
        # API Gateway writes execution logs to this exact name; created here so it is encrypted and expires.
        self.execution_log_group = encrypted_log_group(
            f"{self._base}-execution-logs",
            ctx,
            self.rest_api.id.apply(lambda api_id: f"API-Gateway-Execution-Logs_{api_id}/{STAGE_NAME}"),
            key,
            self._child,
        )
        self.stage = aws.apigateway.Stage(
            f"{self._base}-stage",
            rest_api=self.rest_api.id,
            deployment=self.deployment.id,
            stage_name=STAGE_NAME,
            xray_tracing_enabled=True,
            access_log_settings=aws.apigateway.StageAccessLogSettingsArgs(
                destination_arn=self.access_log_group.arn, format=json.dumps(ACCESS_LOG_FORMAT)
            ),
            opts=self._child,
        )
        api = ctx.config.api
        self.method_settings = aws.apigateway.MethodSettings(
            f"{self._base}-method-settings",
            rest_api=self.rest_api.id,
            stage_name=self.stage.stage_name,
            method_path="*/*",
            settings=aws.apigateway.MethodSettingsSettingsArgs(
                metrics_enabled=True,
                # Errors only, and never request or response bodies (they carry signed payloads).
                logging_level="ERROR",
                data_trace_enabled=False,
                throttling_rate_limit=api.throttle_rate_limit,
                throttling_burst_limit=api.throttle_burst_limit,
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.execution_log_group]),
        )

    def _usage_plan(self) -> None:
        ctx = self._ctx
        api = ctx.config.api
        self.api_key = aws.apigateway.ApiKey(
            f"{self._base}-key",
            name=ctx.name("api-key"),
            description=f"Callers of POST /pipeline on {self.api_name} (value generated by API Gateway)",
            enabled=True,
            opts=self._child,
        )
        self.usage_plan = aws.apigateway.UsagePlan(
            f"{self._base}-usage-plan",
            name=ctx.name("api-usage"),
            description=f"Rate, burst and daily quota for {self.api_name}",
            api_stages=[aws.apigateway.UsagePlanApiStageArgs(api_id=self.rest_api.id, stage=self.stage.stage_name)],
            throttle_settings=aws.apigateway.UsagePlanThrottleSettingsArgs(
                rate_limit=api.throttle_rate_limit, burst_limit=api.throttle_burst_limit
            ),
            quota_settings=aws.apigateway.UsagePlanQuotaSettingsArgs(limit=api.quota_per_day, period="DAY"),
            opts=self._child,
        )
        self.usage_plan_key = aws.apigateway.UsagePlanKey(
            f"{self._base}-usage-plan-key",
            key_id=self.api_key.id,
            key_type="API_KEY",
            usage_plan_id=self.usage_plan.id,
            opts=self._child,
        )

    def _waf(self, key: aws.kms.Key) -> None:
        ctx = self._ctx
        acl_name = ctx.name("api-waf", "waf")

        def visibility(metric: str) -> aws.wafv2.WebAclVisibilityConfigArgs:
            return aws.wafv2.WebAclVisibilityConfigArgs(
                cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
            )

        def rule_visibility(metric: str) -> aws.wafv2.WebAclRuleVisibilityConfigArgs:
            return aws.wafv2.WebAclRuleVisibilityConfigArgs(
                cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
            )

        rules = [
            aws.wafv2.WebAclRuleArgs(
                name=group,
                priority=priority,
                # Managed groups keep their own block actions ("none" = do not override them).
                override_action=aws.wafv2.WebAclRuleOverrideActionArgs(
                    none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()
                ),
                statement=aws.wafv2.WebAclRuleStatementArgs(
                    managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                        name=group, vendor_name="AWS"
                    )
                ),
                visibility_config=rule_visibility(group),
            )
            for priority, group in enumerate(MANAGED_RULE_GROUPS, start=1)
        ]
        rules.append(
            aws.wafv2.WebAclRuleArgs(
                name="RatePerIp",
                priority=len(MANAGED_RULE_GROUPS) + 1,
                action=aws.wafv2.WebAclRuleActionArgs(block=aws.wafv2.WebAclRuleActionBlockArgs()),
                statement=aws.wafv2.WebAclRuleStatementArgs(
                    rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
                        limit=ctx.config.api.waf_rate_limit_per_5min,
                        aggregate_key_type="IP",
                        evaluation_window_sec=WAF_RATE_WINDOW_SECONDS,
                    )
                ),
                visibility_config=rule_visibility("RatePerIp"),
            )
        )
        self.web_acl = aws.wafv2.WebAcl(
            f"{self._base}-waf",
            name=acl_name,
            description=f"Protects {self.api_name}: AWS managed rules and a per-IP rate limit",
            scope="REGIONAL",
            default_action=aws.wafv2.WebAclDefaultActionArgs(allow=aws.wafv2.WebAclDefaultActionAllowArgs()),
            rules=rules,
            visibility_config=visibility(acl_name),
            opts=self._child,
        )
        self.web_acl_association = aws.wafv2.WebAclAssociation(
            f"{self._base}-waf-association",
            resource_arn=self.stage.arn,
            web_acl_arn=self.web_acl.arn,
            opts=self._child,
        )
        # CloudWatch Logs encrypts the group with the region key (the key policy admits the logs service for this
        # account's log groups); WAF adds the log delivery resource policy for `aws-waf-logs-*` groups itself.
        self.waf_log_group = encrypted_log_group(
            f"{self._base}-waf-logs", ctx, f"{WAF_LOG_GROUP_PREFIX}{acl_name}", key, self._child
        )
        self.waf_logging = aws.wafv2.WebAclLoggingConfiguration(
            f"{self._base}-waf-logging",
            resource_arn=self.web_acl.arn,
            log_destination_configs=[self.waf_log_group.arn],
            redacted_fields=[
                aws.wafv2.WebAclLoggingConfigurationRedactedFieldArgs(
                    single_header=aws.wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs(name=header)
                )
                for header in WAF_REDACTED_HEADERS
            ],
            opts=self._child,
        )

    def _alarms(self, alert_topic: aws.sns.Topic) -> None:
        ctx = self._ctx
        dimensions = {"ApiName": self.api_name, "Stage": STAGE_NAME}
        actions = [alert_topic.arn]
        self.error_rate_alarm = rate_alarm(
            f"{self._base}-5xx-rate",
            RateAlarmSpec(
                alarm_name=ctx.name("api-5xx-rate", "alarm"),
                description=(
                    f"{self.api_name}: more than {ctx.config.error_rate_threshold_percent:g}% of requests "
                    "answered 5XX (100 * 5XXError / Count)"
                ),
                namespace="AWS/ApiGateway",
                numerator_metric="5XXError",
                denominator_metric="Count",
                dimensions=dimensions,
                threshold_percent=ctx.config.error_rate_threshold_percent,
            ),
            actions,
            self._child,
        )
        threshold = ctx.config.api.latency_p99_threshold_ms
        self.latency_alarm = aws.cloudwatch.MetricAlarm(
            f"{self._base}-latency-p99",
            name=ctx.name("api-latency-p99", "alarm"),
            alarm_description=f"{self.api_name}: p99 latency above {threshold} ms",
            comparison_operator="GreaterThanThreshold",
            threshold=threshold,
            evaluation_periods=LATENCY_EVALUATION_PERIODS,
            datapoints_to_alarm=LATENCY_EVALUATION_PERIODS,
            treat_missing_data="notBreaching",
            metric_queries=[
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id="latency_p99",
                    label="Latency p99 (ms)",
                    return_data=True,
                    metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                        namespace="AWS/ApiGateway",
                        metric_name="Latency",
                        dimensions=dimensions,
                        period=PERIOD_SECONDS,
                        stat="p99",
                    ),
                )
            ],
            alarm_actions=actions,
            ok_actions=actions,
            opts=self._child,
        )

    def widgets(self) -> pulumi.Output[list[dict[str, Any]]]:
        """The API's dashboard widgets, built once the alarm ARNs and the web ACL name have resolved."""
        region = self._ctx.region
        api_dims = ["ApiName", self.api_name, "Stage", STAGE_NAME]

        def build(resolved: list[str]) -> list[dict[str, Any]]:
            error_alarm_arn, latency_alarm_arn, acl_name = resolved
            waf_dims = ["WebACL", acl_name, "Region", region, "Rule", "ALL"]
            return [
                {
                    "type": "metric",
                    "properties": {
                        "title": f"{self.api_name}: requests and errors",
                        "region": region,
                        "view": "timeSeries",
                        "period": PERIOD_SECONDS,
                        "stat": "Sum",
                        "metrics": [
                            ["AWS/ApiGateway", "Count", *api_dims],
                            ["AWS/ApiGateway", "4XXError", *api_dims],
                            ["AWS/ApiGateway", "5XXError", *api_dims],
                        ],
                    },
                },
                {
                    "type": "metric",
                    "properties": {
                        "title": f"{self.api_name}: latency (ms)",
                        "region": region,
                        "view": "timeSeries",
                        "period": PERIOD_SECONDS,
                        "metrics": [
                            ["AWS/ApiGateway", "Latency", *api_dims, {"stat": "p50"}],
                            ["AWS/ApiGateway", "Latency", *api_dims, {"stat": "p90"}],
                            ["AWS/ApiGateway", "Latency", *api_dims, {"stat": "p99"}],
                            ["AWS/ApiGateway", "IntegrationLatency", *api_dims, {"stat": "p99"}],
                        ],
                        "annotations": {
                            "horizontal": [{"label": "alarm", "value": self._ctx.config.api.latency_p99_threshold_ms}]
                        },
                    },
                },
                {
                    "type": "metric",
                    "properties": {
                        "title": f"{acl_name}: allowed and blocked requests",
                        "region": region,
                        "view": "timeSeries",
                        "period": PERIOD_SECONDS,
                        "stat": "Sum",
                        "metrics": [
                            ["AWS/WAFV2", "AllowedRequests", *waf_dims],
                            ["AWS/WAFV2", "BlockedRequests", *waf_dims],
                        ],
                    },
                },
                {
                    "type": "alarm",
                    "properties": {"title": f"{self.api_name}: alarms", "alarms": [error_alarm_arn, latency_alarm_arn]},
                },
            ]

        return pulumi.Output.all(self.error_rate_alarm.arn, self.latency_alarm.arn, self.web_acl.name).apply(build)
