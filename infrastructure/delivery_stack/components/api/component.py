"""The Api component: the REST API and, as its children, the routes, stage, usage plan, WAF and alarms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from delivery_stack.components.api.alarms import api_widgets, build_api_alarms
from delivery_stack.components.api.routes import build_routes
from delivery_stack.components.api.stage import build_stage, build_usage_plan
from delivery_stack.components.api.waf import build_waf
from delivery_stack.config import ApiSettings
from delivery_stack.context import RegionContext


@dataclass(frozen=True)
class ApiArgs:
    context: RegionContext
    key: aws.kms.Key
    function: aws.lambda_.Function
    alert_topic: aws.sns.Topic
    # Throttling, daily quota, WAF rate limit and the p99 latency alarm's threshold.
    settings: ApiSettings
    # Origins admitted by CORS; with exactly one, API Gateway's own error responses carry it too.
    allowed_origins: Sequence[str]
    # The 5XX-rate alarm fires above this percentage of requests.
    error_rate_threshold_percent: float
    log_retention_days: int
    # With provisioned concurrency the routes invoke this alias of the function instead of the function itself.
    function_alias: aws.lambda_.Alias | None = None


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
        self._region = ctx.region
        self._latency_threshold_ms = args.settings.latency_p99_threshold_ms
        child = pulumi.ResourceOptions(parent=self)
        self.api_name = ctx.name("api", "api")
        self.rest_api = aws.apigateway.RestApi(
            f"{name}-rest-api",
            name=self.api_name,
            description=f"Pipeline events API ({ctx.region})",
            endpoint_configuration=aws.apigateway.RestApiEndpointConfigurationArgs(types="REGIONAL"),
            api_key_source="HEADER",
            opts=child,
        )
        routes = build_routes(
            name,
            ctx,
            api=self.rest_api,
            function=args.function,
            function_alias=args.function_alias,
            allowed_origins=args.allowed_origins,
            opts=child,
        )
        self.resources = routes.resources
        self.request_validator = routes.request_validator
        self.methods = routes.methods
        self.integrations = routes.integrations
        self.permissions = routes.permissions
        self.gateway_responses = routes.gateway_responses

        stage = build_stage(
            name,
            api_name=self.api_name,
            rest_api=self.rest_api,
            routes=routes,
            key=args.key,
            settings=args.settings,
            log_retention_days=args.log_retention_days,
            opts=child,
        )
        self.deployment = stage.deployment
        self.access_log_group = stage.access_log_group
        self.execution_log_group = stage.execution_log_group
        self.stage = stage.stage
        self.method_settings = stage.method_settings

        usage = build_usage_plan(
            name,
            ctx,
            api_name=self.api_name,
            rest_api=self.rest_api,
            stage=self.stage,
            settings=args.settings,
            opts=child,
        )
        self.api_key = usage.api_key
        self.usage_plan = usage.usage_plan
        self.usage_plan_key = usage.usage_plan_key

        waf = build_waf(
            name,
            ctx,
            api_name=self.api_name,
            stage=self.stage,
            key=args.key,
            rate_limit_per_5min=args.settings.waf_rate_limit_per_5min,
            log_retention_days=args.log_retention_days,
            opts=child,
        )
        self.web_acl = waf.web_acl
        self.web_acl_association = waf.web_acl_association
        self.waf_log_group = waf.waf_log_group
        self.waf_logging = waf.waf_logging

        self._alarms = build_api_alarms(
            name,
            ctx,
            api_name=self.api_name,
            alarm_actions=[args.alert_topic.arn],
            error_rate_threshold_percent=args.error_rate_threshold_percent,
            latency_p99_threshold_ms=args.settings.latency_p99_threshold_ms,
            opts=child,
        )
        self.error_rate_alarm = self._alarms.error_rate
        self.latency_alarm = self._alarms.latency
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

    def widgets(self) -> pulumi.Output[list[dict[str, Any]]]:
        """The API's dashboard widgets, built once the alarm ARNs and the web ACL name have resolved."""
        return api_widgets(self._region, self.api_name, self._alarms, self.web_acl, self._latency_threshold_ms)
