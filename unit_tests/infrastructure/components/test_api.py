"""API: routes and integrations, per-route invoke permissions, deployment and stage, usage plan, WAF, alarms."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import pytest

from delivery_stack.components.api.routes import ROUTES, STAGE_NAME, cors_gateway_origin, deployment_fingerprint
from delivery_stack.components.api.waf import WAF_LOG_GROUP_PREFIX
from delivery_stack.config import ConfigError, parse_config
from preflight import Capture, Registration
from unit_tests.infrastructure.support import (
    ONE_REGION,
    REPO_ROOT,
    CaptureFactory,
    delivery_functions,
    resources_of,
    stack_regions,
)

METHOD = "aws:apigateway/method:Method"
INTEGRATION = "aws:apigateway/integration:Integration"
PERMISSION = "aws:lambda/permission:Permission"
STAGE = "aws:apigateway/stage:Stage"
DEPLOYMENT = "aws:apigateway/deployment:Deployment"
FUNCTION = "aws:lambda/function:Function"
ACCOUNT = "123456789012"
# How an administrator enables API Gateway's account-level CloudWatch role is documented in the README.
README = REPO_ROOT / "README.md"
RAW_CONFIG = {
    "regions": ["eu-west-1"],
    "auditBackupRegion": "eu-central-1",
    "owner": "team",
    "costCenter": "cc-1",
    "allowedOrigins": ["https://a.example"],
}


def _regions(capture: Capture) -> list[str]:
    return stack_regions(capture)


def _in_region(capture: Capture, type_token: str, region: str) -> list[Registration]:
    return [r for r in capture.of_type(type_token) if capture.region_of(r) == region]


def _one(capture: Capture, type_token: str, region: str) -> Registration:
    (found,) = _in_region(capture, type_token, region)
    return found


def _route_key(resource: Registration) -> str:
    """`post-pipeline` from `api-euw1-post-pipeline` or `api-euw1-post-pipeline-invoke`."""
    match = re.search(r"-((?:post|get|options)-(?:pipeline|health))(?:-invoke)?$", resource.name)
    assert match, resource.name
    return match.group(1)


def _urns(resources: Sequence[Registration]) -> set[str]:
    return {r.urn for r in resources}


def test_routes_and_which_need_the_api_key(capture: Capture) -> None:
    """POST /pipeline needs the key; GET /health and both CORS preflights do not."""
    expected = {f"{r.method.lower()}-{r.path}": r for r in ROUTES}
    assert {("POST", "pipeline"), ("GET", "health"), ("OPTIONS", "pipeline"), ("OPTIONS", "health")} == {
        (r.method, r.path) for r in ROUTES
    }
    for region in _regions(capture):
        methods = {_route_key(m): m for m in _in_region(capture, METHOD, region)}
        assert set(methods) == set(expected)
        for key, method in methods.items():
            assert method.inputs["httpMethod"] == expected[key].method
            assert method.inputs["apiKeyRequired"] is expected[key].api_key_required
            assert method.inputs["authorization"] == "NONE"
        paths = sorted(r.inputs["pathPart"] for r in _in_region(capture, "aws:apigateway/resource:Resource", region))
        assert paths == ["health", "pipeline"]


def test_every_route_is_a_proxy_integration_with_the_functions_invoke_arn(capture: Capture) -> None:
    """Seed failures: "API Gateway Lambda integration is incorrect/brittle" and "API Gateway CORS not configured":
    all four routes, the OPTIONS preflights included, go to the function, which answers CORS for its origins."""
    for region in _regions(capture):
        (function,) = delivery_functions(capture, region)
        integrations = _in_region(capture, INTEGRATION, region)
        assert {_route_key(i) for i in integrations} == {f"{r.method.lower()}-{r.path}" for r in ROUTES}
        for integration in integrations:
            assert integration.inputs["type"] == "AWS_PROXY"
            assert integration.inputs["integrationHttpMethod"] == "POST"
            assert integration.property_dependencies["uri"] == [function.urn]
            if not capture.preview:
                assert integration.inputs["uri"] == function.outputs["invokeArn"]
                assert integration.inputs["uri"].startswith(f"arn:aws:apigateway:{region}:lambda:path/")


def test_one_permission_per_route_with_a_concrete_source_arn(capture: Capture) -> None:
    """Seed failure: "API Gateway Lambda integration is incorrect/brittle": no `/*/*`; stage, method and path named."""
    for region in _regions(capture):
        (function,) = delivery_functions(capture, region)
        api = _one(capture, "aws:apigateway/restApi:RestApi", region)
        # The API's permissions (the rotation function's own is Secrets Manager's, tested with it).
        permissions = [p for p in _in_region(capture, PERMISSION, region) if p.name.startswith("api-")]
        by_route = {_route_key(p): p for p in permissions}
        assert len(by_route) == len(permissions) == len(ROUTES)
        for route in ROUTES:
            permission = by_route[f"{route.method.lower()}-{route.path}"]
            assert permission.inputs["principal"] == "apigateway.amazonaws.com"
            assert permission.inputs["action"] == "lambda:InvokeFunction"
            assert permission.property_dependencies["function"] == [function.urn]
            assert api.urn in permission.property_dependencies["sourceArn"]
            if not capture.preview:
                expected = f"arn:aws:execute-api:{region}:{ACCOUNT}:{api.id}/{STAGE_NAME}/{route.method}/{route.path}"
                assert permission.inputs["sourceArn"] == expected
                assert "*" not in permission.inputs["sourceArn"]


def test_deployment_depends_on_every_method_and_integration_and_redeploys_on_change(capture: Capture) -> None:
    """Seed failure: "API Gateway deployment depends on method creation incorrectly": the deployment waits for every
    method and integration (a nested `depends_on` list fails the program), and its triggers are computed from all of
    them, so a changed route redeploys."""
    for region in _regions(capture):
        deployment = _one(capture, DEPLOYMENT, region)
        routes = [*_in_region(capture, METHOD, region), *_in_region(capture, INTEGRATION, region)]
        assert len(routes) == 2 * len(ROUTES)
        assert _urns(routes) <= set(deployment.dependencies)
        assert _urns(routes) <= set(deployment.property_dependencies["triggers"])
        assert "stageName" not in deployment.inputs
        if not capture.preview:
            assert re.fullmatch(r"[0-9a-f]{64}", deployment.inputs["triggers"]["redeployment"])


def test_deployment_fingerprint_changes_when_any_part_changes() -> None:
    parts = ["method-id", "True", "integration-id", "arn:aws:apigateway:eu-west-1:lambda:path/f/invocations"]
    baseline = deployment_fingerprint(parts)
    for index in range(len(parts)):
        changed = list(parts)
        changed[index] += "-changed"
        assert deployment_fingerprint(changed) != baseline
    assert deployment_fingerprint(list(parts)) == baseline


def test_a_separate_stage_with_xray_and_json_access_logs(capture: Capture) -> None:
    """Seed failures: "API Gateway stage is created separately from deployment" (one Stage resource, the Deployment
    names no stage) and "X-Ray tracing not enabled on API Gateway"."""
    for region in _regions(capture):
        stage = _one(capture, STAGE, region)
        deployment = _one(capture, DEPLOYMENT, region)
        (key,) = _in_region(capture, "aws:kms/key:Key", region)
        assert stage.inputs["stageName"] == STAGE_NAME
        assert stage.inputs["xrayTracingEnabled"] is True
        assert stage.property_dependencies["deployment"] == [deployment.urn]
        settings = stage.inputs["accessLogSettings"]
        access_format = json.loads(settings["format"])
        assert access_format["requestId"] == "$context.requestId"
        assert "$context.identity.apiKey" not in access_format.values()
        (group_urn,) = stage.property_dependencies["accessLogSettings"]
        group = capture.by_urn()[group_urn]
        assert group.type == "aws:cloudwatch/logGroup:LogGroup"
        assert group.inputs["retentionInDays"] == 7
        assert group.property_dependencies["kmsKeyId"] == [key.urn]


def test_method_settings_turn_on_metrics_and_throttling(capture: Capture) -> None:
    for settings in resources_of(capture, "aws:apigateway/methodSettings:MethodSettings"):
        assert settings.inputs["methodPath"] == "*/*"
        values = settings.inputs["settings"]
        assert values["metricsEnabled"] is True
        assert values["dataTraceEnabled"] is False
        assert values["loggingLevel"] == "ERROR"
        assert (values["throttlingRateLimit"], values["throttlingBurstLimit"]) == (50.0, 100.0)
        # The execution log group API Gateway writes to exists first, encrypted and expiring.
        by_urn = capture.by_urn()
        (group,) = [by_urn[u] for u in settings.dependencies if by_urn[u].type == "aws:cloudwatch/logGroup:LogGroup"]
        assert group.inputs["kmsKeyId"]
        assert group.inputs["retentionInDays"] == 7
        if not capture.preview:
            assert group.inputs["name"].startswith("API-Gateway-Execution-Logs_")


def test_no_api_gateway_account_resource(capture: Capture) -> None:
    """Seed failure: "API Gateway account settings resource may conflict": the account-wide CloudWatch role is set
    once by an administrator (documented), never by a stack."""
    assert not capture.of_type("aws:apigateway/account:Account")
    text = README.read_text(encoding="utf-8")
    assert "aws apigateway update-account" in text
    assert "path=/cloudwatchRoleArn" in text


def test_usage_plan_meters_the_key(capture: Capture) -> None:
    for region in _regions(capture):
        plan = _one(capture, "aws:apigateway/usagePlan:UsagePlan", region)
        key = _one(capture, "aws:apigateway/apiKey:ApiKey", region)
        attachment = _one(capture, "aws:apigateway/usagePlanKey:UsagePlanKey", region)
        stage = _one(capture, STAGE, region)
        assert plan.inputs["throttleSettings"] == {"burstLimit": 100.0, "rateLimit": 50.0}
        assert plan.inputs["quotaSettings"] == {"limit": 100000.0, "period": "DAY"}
        assert stage.urn in plan.property_dependencies["apiStages"]
        assert key.inputs["enabled"] is True
        assert "value" not in key.inputs
        assert attachment.inputs["keyType"] == "API_KEY"
        assert attachment.property_dependencies["keyId"] == [key.urn]
        assert attachment.property_dependencies["usagePlanId"] == [plan.urn]
        if not capture.preview:
            assert plan.inputs["apiStages"][0]["stage"] == STAGE_NAME


def test_gateway_errors_carry_the_cors_origin(capture: Capture) -> None:
    """Seed failure: "API Gateway CORS not configured": even API Gateway's own 4XX/5XX (a missing key, throttling)
    answer with the configured origin, so a browser can read the error."""
    for region in _regions(capture):
        responses = _in_region(capture, "aws:apigateway/response:Response", region)
        assert sorted(r.inputs["responseType"] for r in responses) == ["DEFAULT_4XX", "DEFAULT_5XX"]
        for response in responses:
            parameters = response.inputs["responseParameters"]
            assert parameters["gatewayresponse.header.Access-Control-Allow-Origin"] == "'https://delivery.example.com'"
        assert _urns(responses) <= set(_one(capture, DEPLOYMENT, region).dependencies)


def test_several_origins_leave_the_choice_to_the_function(run_stack: CaptureFactory) -> None:
    capture = run_stack(True, ONE_REGION, allowedOrigins=["https://a.example.com", "https://b.example.com"])
    assert capture.of_type(METHOD)
    assert not capture.of_type("aws:apigateway/response:Response")
    assert cors_gateway_origin(["https://a.example.com"]) == "https://a.example.com"
    assert cors_gateway_origin(["https://a.example.com", "https://b.example.com"]) is None


def test_waf_protects_the_stage(capture: Capture) -> None:
    """Seed failure: "Missing WAF protection for API Gateway"."""
    for region in _regions(capture):
        acl = _one(capture, "aws:wafv2/webAcl:WebAcl", region)
        association = _one(capture, "aws:wafv2/webAclAssociation:WebAclAssociation", region)
        stage = _one(capture, STAGE, region)
        assert acl.inputs["scope"] == "REGIONAL"
        assert acl.inputs["visibilityConfig"]["cloudwatchMetricsEnabled"] is True
        rules = {rule["name"]: rule for rule in acl.inputs["rules"]}
        assert set(rules) == {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "RatePerIp"}
        for group in ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"):
            statement = rules[group]["statement"]["managedRuleGroupStatement"]
            assert (statement["name"], statement["vendorName"]) == (group, "AWS")
        rate = rules["RatePerIp"]
        assert rate["statement"]["rateBasedStatement"]["limit"] == 2000.0
        assert rate["action"] == {"block": {}}
        for rule in rules.values():
            assert rule["visibilityConfig"]["cloudwatchMetricsEnabled"] is True
        assert association.property_dependencies["resourceArn"] == [stage.urn]
        assert association.property_dependencies["webAclArn"] == [acl.urn]
        if not capture.preview:
            assert association.inputs["resourceArn"] == stage.outputs["arn"]
            assert association.inputs["resourceArn"].endswith(f"/stages/{STAGE_NAME}")


def test_each_web_acl_logs_to_an_encrypted_waf_log_group_with_the_standard_retention(capture: Capture) -> None:
    """Checkov CKV2_AWS_31: every web ACL has a logging configuration, to a log group WAF accepts (`aws-waf-logs-`
    prefix), encrypted with the region key, kept for the standard retention, with the API key header redacted."""
    for region in _regions(capture):
        acl = _one(capture, "aws:wafv2/webAcl:WebAcl", region)
        logging = _one(capture, "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", region)
        (key,) = _in_region(capture, "aws:kms/key:Key", region)
        assert logging.property_dependencies["resourceArn"] == [acl.urn]
        (group_urn,) = logging.property_dependencies["logDestinationConfigs"]
        group = capture.by_urn()[group_urn]
        assert group.type == "aws:cloudwatch/logGroup:LogGroup"
        assert capture.region_of(group) == region
        assert group.inputs["name"].startswith(WAF_LOG_GROUP_PREFIX)
        assert group.inputs["retentionInDays"] == 7
        assert group.property_dependencies["kmsKeyId"] == [key.urn]
        redacted = [field["singleHeader"]["name"] for field in logging.inputs["redactedFields"]]
        assert "x-api-key" in redacted
        if not capture.preview:
            assert group.inputs["kmsKeyId"] == key.outputs["arn"]
            assert logging.inputs["resourceArn"] == acl.outputs["arn"]
            # WAF wants the bare log group ARN (no `:*` suffix).
            assert logging.inputs["logDestinationConfigs"] == [group.outputs["arn"]]
            assert not group.outputs["arn"].endswith(":*")


def test_every_method_validates_its_parameters_and_leaves_bodies_to_the_function(capture: Capture) -> None:
    """Checkov CKV2_AWS_53: each method names the API's request validator, which validates parameters only (a body
    model would answer 400 before the function's 401/422 error envelope); the deployment redeploys on it."""
    for region in _regions(capture):
        (validator,) = _in_region(capture, "aws:apigateway/requestValidator:RequestValidator", region)
        api = _one(capture, "aws:apigateway/restApi:RestApi", region)
        deployment = _one(capture, DEPLOYMENT, region)
        assert validator.property_dependencies["restApi"] == [api.urn]
        assert validator.inputs["validateRequestParameters"] is True
        assert validator.inputs["validateRequestBody"] is False
        methods = {_route_key(m): m for m in _in_region(capture, METHOD, region)}
        assert len(methods) == len(ROUTES)
        for method in methods.values():
            assert method.property_dependencies["requestValidatorId"] == [validator.urn]
            assert "requestModels" not in method.inputs
            if not capture.preview:
                assert method.inputs["requestValidatorId"] == validator.id
        assert methods["get-health"].inputs["requestParameters"] == {"method.request.querystring.deep": False}
        assert "requestParameters" not in methods["post-pipeline"].inputs
        assert validator.urn in deployment.property_dependencies["triggers"]
        assert validator.urn in deployment.dependencies


def test_api_alarms_watch_the_5xx_rate_and_p99_latency(capture: Capture) -> None:
    for region in _regions(capture):
        alarms = _in_region(capture, "aws:cloudwatch/metricAlarm:MetricAlarm", region)
        (rate,) = [a for a in alarms if a.name.endswith("-5xx-rate")]
        (latency,) = [a for a in alarms if a.name.endswith("-latency-p99")]
        topic = _one(capture, "aws:sns/topic:Topic", region)
        queries = {q["id"]: q for q in rate.inputs["metricQueries"]}
        assert queries["error_rate"]["expression"] == "100 * errors / invocations"
        assert queries["errors"]["metric"]["metricName"] == "5XXError"
        assert queries["invocations"]["metric"]["metricName"] == "Count"
        assert queries["errors"]["metric"]["dimensions"]["Stage"] == STAGE_NAME
        assert rate.inputs["threshold"] == 1.0
        (p99,) = latency.inputs["metricQueries"]
        assert (p99["metric"]["metricName"], p99["metric"]["stat"]) == ("Latency", "p99")
        assert latency.inputs["threshold"] == 3000.0
        for alarm in (rate, latency):
            assert alarm.property_dependencies["alarmActions"] == [topic.urn]


def test_dashboard_shows_the_api(up_three: Capture) -> None:
    for dashboard in resources_of(up_three, "aws:cloudwatch/dashboard:Dashboard"):
        body = json.loads(dashboard.inputs["dashboardBody"])
        namespaces = {
            m[0] for w in body["widgets"] for m in w["properties"].get("metrics", []) if isinstance(m[0], str)
        }
        assert {"AWS/ApiGateway", "AWS/WAFV2"} <= namespaces


def test_outputs_name_the_api_per_region(capture: Capture) -> None:
    for region, outputs in capture.outputs["regions"].items():
        assert outputs["stage_name"] == STAGE_NAME
        for key in ("api_url", "api_id", "api_key_id", "web_acl_arn"):
            assert key in outputs
        if not capture.preview:
            api = _one(capture, "aws:apigateway/restApi:RestApi", region)
            assert outputs["api_id"] == api.id
            assert outputs["api_url"] == f"https://{api.id}.execute-api.{region}.amazonaws.com/{STAGE_NAME}"
            assert outputs["web_acl_arn"].startswith(f"arn:aws:wafv2:{region}:{ACCOUNT}:regional/webacl/")


def test_latency_threshold_is_configurable_and_validated() -> None:
    assert parse_config(RAW_CONFIG, "serverless-delivery").api.latency_p99_threshold_ms == 3000
    custom = parse_config({**RAW_CONFIG, "apiLatencyP99Ms": "1500"}, "serverless-delivery")
    assert custom.api.latency_p99_threshold_ms == 1500
    for bad in ("0", "30000", "fast"):
        with pytest.raises(ConfigError, match="apiLatencyP99Ms"):
            parse_config({**RAW_CONFIG, "apiLatencyP99Ms": bad}, "serverless-delivery")


def test_the_api_alone_takes_throttling_waf_cors_thresholds_and_retention_from_its_args(
    build_alone: CaptureFactory,
) -> None:
    """Every API setting differs from the dev stack's defaults here; each must reach its resource from ApiArgs."""
    capture = build_alone(
        """
        from delivery_stack.components.api import Api, ApiArgs

        function = types.SimpleNamespace(
            name=pulumi.Output.from_input("fn-alone"),
            invoke_arn=pulumi.Output.from_input("arn:aws:apigateway:us-east-1:lambda:path/fn-alone/invocations"),
        )
        Api(
            "api-alone",
            ApiArgs(
                context=ctx,
                key=key,
                function=function,
                alert_topic=topic,
                settings=ApiSettings(
                    throttle_rate_limit=7.0,
                    throttle_burst_limit=11,
                    quota_per_day=1234,
                    waf_rate_limit_per_5min=321,
                    latency_p99_threshold_ms=777,
                ),
                allowed_origins=("https://only.example",),
                error_rate_threshold_percent=3.5,
                log_retention_days=90,
            ),
        )
        """
    )
    (method_settings,) = capture.of_type("aws:apigateway/methodSettings:MethodSettings")
    settings = method_settings.inputs["settings"]
    assert (settings["throttlingRateLimit"], settings["throttlingBurstLimit"]) == (7.0, 11)
    (usage_plan,) = capture.of_type("aws:apigateway/usagePlan:UsagePlan")
    assert usage_plan.inputs["throttleSettings"] == {"rateLimit": 7.0, "burstLimit": 11}
    assert usage_plan.inputs["quotaSettings"] == {"limit": 1234, "period": "DAY"}
    (web_acl,) = capture.of_type("aws:wafv2/webAcl:WebAcl")
    (rate_rule,) = [rule for rule in web_acl.inputs["rules"] if rule["name"] == "RatePerIp"]
    assert rate_rule["statement"]["rateBasedStatement"]["limit"] == 321
    responses = capture.of_type("aws:apigateway/response:Response")
    assert len(responses) == 2
    for response in responses:
        origin = response.inputs["responseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"]
        assert origin == "'https://only.example'"
    alarms = {alarm.name: alarm for alarm in capture.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert alarms["api-alone-5xx-rate"].inputs["threshold"] == 3.5
    assert alarms["api-alone-latency-p99"].inputs["threshold"] == 777
    log_groups = capture.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert len(log_groups) == 3
    assert {group.inputs["retentionInDays"] for group in log_groups} == {90}
