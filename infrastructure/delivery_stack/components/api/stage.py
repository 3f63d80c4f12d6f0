"""The API's stage: the deployment that snapshots the routes, the stage with X-Ray and JSON access logs, its method
settings (throttling, error logging), and the usage plan and key that meter callers."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from delivery_stack.components.api.routes import ROUTES, STAGE_NAME, RouteResources, redeployment_trigger
from delivery_stack.components.loggroup import encrypted_log_group
from delivery_stack.config import ApiSettings
from delivery_stack.context import RegionContext

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


@dataclass(frozen=True)
class StageResources:
    deployment: aws.apigateway.Deployment
    access_log_group: aws.cloudwatch.LogGroup
    execution_log_group: aws.cloudwatch.LogGroup
    stage: aws.apigateway.Stage
    method_settings: aws.apigateway.MethodSettings


@dataclass(frozen=True)
class UsagePlanResources:
    api_key: aws.apigateway.ApiKey
    usage_plan: aws.apigateway.UsagePlan
    usage_plan_key: aws.apigateway.UsagePlanKey


def build_stage(
    base: str,
    *,
    api_name: str,
    rest_api: aws.apigateway.RestApi,
    routes: RouteResources,
    key: aws.kms.Key,
    settings: ApiSettings,
    log_retention_days: int,
    opts: pulumi.ResourceOptions,
) -> StageResources:
    """A deployment of `routes`, the STAGE_NAME stage on it, its log groups and its method settings."""
    depends_on = [
        routes.request_validator,
        *routes.methods.values(),
        *routes.integrations.values(),
        *routes.gateway_responses,
    ]
    deployment = aws.apigateway.Deployment(
        f"{base}-deployment",
        rest_api=rest_api.id,
        description=f"{api_name}: routes {', '.join(f'{r.method} /{r.path}' for r in ROUTES)}",
        # A deployment snapshots the API when it is created: a changed method or integration needs a new one.
        triggers={"redeployment": redeployment_trigger(routes)},
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=depends_on)),
    )
    access_log_group = encrypted_log_group(
        f"{base}-access-logs", f"/aws/apigateway/{api_name}/{STAGE_NAME}/access", key, log_retention_days, opts
    )
    # API Gateway writes execution logs to this exact name; created here so it is encrypted and expires.
    execution_log_group = encrypted_log_group(
        f"{base}-execution-logs",
        rest_api.id.apply(lambda api_id: f"API-Gateway-Execution-Logs_{api_id}/{STAGE_NAME}"),
        key,
        log_retention_days,
        opts,
    )
    stage = aws.apigateway.Stage(
        f"{base}-stage",
        rest_api=rest_api.id,
        deployment=deployment.id,
        stage_name=STAGE_NAME,
        xray_tracing_enabled=True,
        access_log_settings=aws.apigateway.StageAccessLogSettingsArgs(
            destination_arn=access_log_group.arn, format=json.dumps(ACCESS_LOG_FORMAT)
        ),
        opts=opts,
    )
    method_settings = aws.apigateway.MethodSettings(
        f"{base}-method-settings",
        rest_api=rest_api.id,
        stage_name=stage.stage_name,
        method_path="*/*",
        settings=aws.apigateway.MethodSettingsSettingsArgs(
            metrics_enabled=True,
            # Errors only, and never request or response bodies (they carry signed payloads).
            logging_level="ERROR",
            data_trace_enabled=False,
            throttling_rate_limit=settings.throttle_rate_limit,
            throttling_burst_limit=settings.throttle_burst_limit,
        ),
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[execution_log_group])),
    )
    return StageResources(deployment, access_log_group, execution_log_group, stage, method_settings)


def build_usage_plan(
    base: str,
    ctx: RegionContext,
    *,
    api_name: str,
    rest_api: aws.apigateway.RestApi,
    stage: aws.apigateway.Stage,
    settings: ApiSettings,
    opts: pulumi.ResourceOptions,
) -> UsagePlanResources:
    """An API key for callers of POST /pipeline, and the usage plan (rate, burst, daily quota) it belongs to."""
    api_key = aws.apigateway.ApiKey(
        f"{base}-key",
        name=ctx.name("api-key"),
        description=f"Callers of POST /pipeline on {api_name} (value generated by API Gateway)",
        enabled=True,
        opts=opts,
    )
    usage_plan = aws.apigateway.UsagePlan(
        f"{base}-usage-plan",
        name=ctx.name("api-usage"),
        description=f"Rate, burst and daily quota for {api_name}",
        api_stages=[aws.apigateway.UsagePlanApiStageArgs(api_id=rest_api.id, stage=stage.stage_name)],
        throttle_settings=aws.apigateway.UsagePlanThrottleSettingsArgs(
            rate_limit=settings.throttle_rate_limit, burst_limit=settings.throttle_burst_limit
        ),
        quota_settings=aws.apigateway.UsagePlanQuotaSettingsArgs(limit=settings.quota_per_day, period="DAY"),
        opts=opts,
    )
    usage_plan_key = aws.apigateway.UsagePlanKey(
        f"{base}-usage-plan-key", key_id=api_key.id, key_type="API_KEY", usage_plan_id=usage_plan.id, opts=opts
    )
    return UsagePlanResources(api_key, usage_plan, usage_plan_key)
