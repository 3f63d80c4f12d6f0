"""apigateway-deployment-redeploys (triggers, and after every method and integration of its API),
apigateway-stage-web-acl (a web ACL on every REST API stage) and apigateway-usage-plan-throttled."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from preflight import Registration
from unit_tests.policies.pack_harness import UNKNOWN, PolicyGate, findings, resource, secret, undecided

REDEPLOYS = "apigateway-deployment-redeploys"
WEB_ACL = "apigateway-stage-web-acl"
THROTTLED = "apigateway-usage-plan-throttled"
REST_API = "aws:apigateway/restApi:RestApi"
METHOD = "aws:apigateway/method:Method"
INTEGRATION = "aws:apigateway/integration:Integration"
DEPLOYMENT = "aws:apigateway/deployment:Deployment"
STAGE = "aws:apigateway/stage:Stage"
USAGE_PLAN = "aws:apigateway/usagePlan:UsagePlan"
WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
STAGE_ARN = "arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/stages/prod"
WEB_ACL_ARN = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/api/11111111-2222-4333-8444-555555555555"


def api(name: str = "api") -> Registration:
    return resource(REST_API, name, {"name": name}, outputs={"id": f"{name}-id"})


def routes(rest_api: Registration, suffix: str = "") -> tuple[Registration, Registration]:
    method = resource(
        METHOD,
        f"post{suffix}",
        {"restApi": f"{rest_api.name}-id", "httpMethod": "POST", "authorization": "NONE"},
        depends={"restApi": rest_api},
    )
    integration = resource(
        INTEGRATION,
        f"post-integration{suffix}",
        {"restApi": f"{rest_api.name}-id", "type": "AWS_PROXY", "httpMethod": "POST"},
        depends={"restApi": rest_api, "httpMethod": method},
    )
    return method, integration


def deployment(
    rest_api: Registration, *after: Registration, triggers: Any = None, rest_api_value: Any = None
) -> Registration:
    inputs: dict[str, Any] = {"restApi": f"{rest_api.name}-id" if rest_api_value is None else rest_api_value}
    inputs["triggers"] = {"redeployment": "3f2a9c"} if triggers is None else triggers
    if triggers is False:
        del inputs["triggers"]
    registration = resource(DEPLOYMENT, "deployment", inputs, depends={"restApi": rest_api})
    # depends_on: the engine records the targets as dependencies with no property.
    return dataclasses.replace(registration, dependencies=sorted({*registration.dependencies, *(r.urn for r in after)}))


def test_deployment_with_triggers_after_every_route_passes(policy_gate: PolicyGate) -> None:
    rest_api = api()
    method, integration = routes(rest_api)
    report = policy_gate.run(rest_api, method, integration, deployment(rest_api, method, integration))
    assert findings(report, REDEPLOYS) == set()
    assert undecided(report, REDEPLOYS) == []


def test_triggers_computed_from_the_routes_count_as_dependencies(policy_gate: PolicyGate) -> None:
    rest_api = api()
    method, integration = routes(rest_api)
    computed = resource(
        DEPLOYMENT,
        "deployment",
        {"restApi": "api-id", "triggers": {"redeployment": UNKNOWN}},
        depends={"restApi": rest_api, "triggers": integration},
    )
    computed = dataclasses.replace(
        computed, property_dependencies={**computed.property_dependencies, "variables": [method.urn]}
    )
    assert findings(policy_gate.run(rest_api, method, integration, computed), REDEPLOYS) == set()


def test_routes_of_another_api_are_not_asked_for(policy_gate: PolicyGate) -> None:
    rest_api, other = api(), api("other")
    method, integration = routes(other, "-other")
    report = policy_gate.run(rest_api, other, method, integration, deployment(rest_api))
    assert findings(report, REDEPLOYS) == set()


@pytest.mark.parametrize(
    "triggers", [False, {}, [], "redeploy", secret({})], ids=["absent", "empty", "list", "str", "secret"]
)
def test_deployment_without_triggers_fails(policy_gate: PolicyGate, triggers: Any) -> None:
    rest_api = api()
    method, integration = routes(rest_api)
    report = policy_gate.run(
        rest_api, method, integration, deployment(rest_api, method, integration, triggers=triggers)
    )
    assert findings(report, REDEPLOYS) == {("deployment", "no-triggers")}


@pytest.mark.parametrize("after", ["method", "integration", "neither"])
def test_deployment_created_before_a_route_fails(policy_gate: PolicyGate, after: str) -> None:
    rest_api = api()
    method, integration = routes(rest_api)
    done = {"method": [method], "integration": [integration], "neither": []}[after]
    report = policy_gate.run(rest_api, method, integration, deployment(rest_api, *done))
    assert findings(report, REDEPLOYS) == {("deployment", "missing-route-dependency")}
    message = next(v.message for v in report.violations if v.policy == REDEPLOYS)
    assert ("post-integration" in message) == (after != "integration")


def test_unknown_api_of_an_undeclared_dependency_cannot_decide(policy_gate: PolicyGate) -> None:
    rest_api = api()
    method, integration = routes(rest_api)
    unlinked = resource(DEPLOYMENT, "deployment", {"restApi": UNKNOWN, "triggers": {"r": "1"}})
    report = policy_gate.run(rest_api, method, integration, unlinked)
    assert findings(report, REDEPLOYS) == set()
    assert len(undecided(report, REDEPLOYS)) == 1


def test_unknown_triggers_cannot_decide(policy_gate: PolicyGate) -> None:
    rest_api = api()
    report = policy_gate.run(rest_api, deployment(rest_api, triggers=UNKNOWN))
    assert findings(report, REDEPLOYS) == set()
    assert len(undecided(report, REDEPLOYS)) == 1


def stage(name: str = "prod", arn: Any = STAGE_ARN) -> Registration:
    outputs = {} if arn is None else {"arn": arn}
    return resource(STAGE, name, {"restApi": "api-id", "stageName": name, "deployment": "d1"}, outputs=outputs)


def association(target: Registration | None, resource_arn: Any = STAGE_ARN, name: str = "waf") -> Registration:
    depends = {"resourceArn": target} if target is not None else None
    return resource(WEB_ACL_ASSOCIATION, name, {"resourceArn": resource_arn, "webAclArn": WEB_ACL_ARN}, depends=depends)


@pytest.mark.parametrize("linked_by", ["dependency", "arn", "both"])
def test_stage_behind_a_web_acl_passes(policy_gate: PolicyGate, linked_by: str) -> None:
    prod = stage(arn=None if linked_by == "dependency" else STAGE_ARN)
    link = association(None if linked_by == "arn" else prod, UNKNOWN if linked_by == "dependency" else STAGE_ARN)
    report = policy_gate.run(prod, link)
    assert findings(report, WEB_ACL) == set()
    assert undecided(report, WEB_ACL) == []


@pytest.mark.parametrize(
    "others",
    [
        [],
        [association(None, "arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/stages/dev")],
        [association(None, 42)],
    ],
    ids=["none", "another stage", "malformed"],
)
def test_stage_without_a_web_acl_fails(policy_gate: PolicyGate, others: list[Registration]) -> None:
    assert findings(policy_gate.run(stage(), *others), WEB_ACL) == {("prod", "no-web-acl")}


def test_every_stage_needs_its_own_web_acl(policy_gate: PolicyGate) -> None:
    prod, dev = stage(), stage("dev", STAGE_ARN.replace("prod", "dev"))
    assert findings(policy_gate.run(prod, dev, association(prod)), WEB_ACL) == {("dev", "no-web-acl")}


def test_association_to_an_unknown_target_cannot_decide(policy_gate: PolicyGate) -> None:
    report = policy_gate.run(stage(), association(None, UNKNOWN))
    assert findings(report, WEB_ACL) == set()
    assert len(undecided(report, WEB_ACL)) == 1


def usage_plan(**inputs: Any) -> Registration:
    return resource(USAGE_PLAN, "usage", {"name": "usage", **inputs})


@pytest.mark.parametrize(
    "throttle",
    [
        {"rateLimit": 50, "burstLimit": 100},
        [{"rateLimit": 0.5, "burstLimit": 1}],
        secret({"rateLimit": 5, "burstLimit": 5}),
    ],
    ids=["object", "list", "secret"],
)
def test_throttled_usage_plan_passes(policy_gate: PolicyGate, throttle: Any) -> None:
    assert findings(policy_gate.run(usage_plan(throttleSettings=throttle)), THROTTLED) == set()


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        ({}, {"no-throttle-settings"}),
        ({"throttleSettings": []}, {"no-throttle-settings"}),
        ({"throttleSettings": {"burstLimit": 100}}, {"no-rate-limit"}),
        ({"throttleSettings": {"rateLimit": 50}}, {"no-burst-limit"}),
        ({"throttleSettings": {"rateLimit": 0, "burstLimit": "100"}}, {"no-rate-limit", "no-burst-limit"}),
    ],
    ids=["absent", "empty", "no rate", "no burst", "zero and text"],
)
def test_unthrottled_usage_plan_fails(policy_gate: PolicyGate, inputs: dict[str, Any], expected: set[str]) -> None:
    assert findings(policy_gate.run(usage_plan(**inputs)), THROTTLED) == {("usage", f) for f in expected}


@pytest.mark.parametrize("throttle", [UNKNOWN, {"rateLimit": UNKNOWN, "burstLimit": 10}])
def test_unknown_throttle_cannot_decide(policy_gate: PolicyGate, throttle: Any) -> None:
    report = policy_gate.run(usage_plan(throttleSettings=throttle))
    assert findings(report, THROTTLED) == set()
    assert len(undecided(report, THROTTLED)) == 1
