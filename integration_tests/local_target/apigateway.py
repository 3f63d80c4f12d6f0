"""API Gateway REST APIs in moto: the API, its routes (as data: one `put_*` call each), deployment, stage, keys and
usage plans."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from integration_tests.local_target.creation import (
    Creation,
    Creator,
    Result,
    as_int,
    json_text,
    optional_float,
    optional_int,
    present,
)
from preflight import MOCK_PARTITION


def _rest_api(c: Creation) -> Result:
    types = c.get("endpointConfiguration", {}).get("types")
    # pulumi-aws 7 takes one endpoint type as a string; the API takes a list.
    endpoint_types = [types] if isinstance(types, str) else types
    name = c.physical_name()
    params = c.parameters(
        {
            "description": "description",
            "apiKeySource": "apiKeySource",
            "binaryMediaTypes": "binaryMediaTypes",
            "minimumCompressionSize": "minimumCompressionSize",
            "policy": "policy",
            "disableExecuteApiEndpoint": "disableExecuteApiEndpoint",
        },
        {"minimumCompressionSize": as_int, "policy": json_text},
    )
    endpoint = {"endpointConfiguration": {"types": endpoint_types}} if endpoint_types else {}
    apigateway = c.client("apigateway")
    api = apigateway.create_rest_api(name=name, **params, **endpoint, **present({"tags": c.tags}))
    if c.get("body"):
        apigateway.put_rest_api(restApiId=api["id"], mode="overwrite", body=json_text(c.get("body")).encode())
    api_id = api["id"]
    return api_id, {
        "name": name,
        "arn": f"arn:{MOCK_PARTITION}:apigateway:{c.region}::/restapis/{api_id}",
        "executionArn": c.arn("execute-api", api_id),
        "rootResourceId": api["rootResourceId"],
    }


def _resource(c: Creation) -> Result:
    created = c.client("apigateway").create_resource(
        restApiId=c.get("restApi"), parentId=c.get("parentId"), pathPart=c.get("pathPart")
    )
    return created["id"], {"path": created["path"]}


@dataclass(frozen=True)
class RouteSetting:
    """A resource that is one `put_*` call on the API: which call, its parameters (API parameter -> program input),
    and the id the provider gives it (a prefix and the parameters it is made of)."""

    method: str
    id_prefix: str
    identity: tuple[str, ...]
    fields: Mapping[str, str]
    defaults: Mapping[str, Any] = field(default_factory=dict)
    convert: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)

    def __call__(self, c: Creation) -> Result:
        params = {**self.defaults, **c.parameters(self.fields, self.convert)}
        getattr(c.client("apigateway"), self.method)(**params)
        return "-".join([self.id_prefix, *(str(params.get(p)) for p in self.identity)]), {}


_METHOD = {"restApiId": "restApi", "resourceId": "resourceId", "httpMethod": "httpMethod"}
_METHOD_ID = ("restApiId", "resourceId", "httpMethod")
_RESPONSE_ID = (*_METHOD_ID, "statusCode")

ROUTE_SETTINGS = {
    "aws:apigateway/method:Method": RouteSetting(
        "put_method",
        "agm",
        _METHOD_ID,
        {
            **_METHOD,
            "authorizationType": "authorization",
            "authorizerId": "authorizerId",
            "apiKeyRequired": "apiKeyRequired",
            "operationName": "operationName",
            "requestParameters": "requestParameters",
            "requestModels": "requestModels",
            "requestValidatorId": "requestValidatorId",
            "authorizationScopes": "authorizationScopes",
        },
        defaults={"authorizationType": "NONE", "apiKeyRequired": False},
        convert={"apiKeyRequired": bool},
    ),
    "aws:apigateway/integration:Integration": RouteSetting(
        "put_integration",
        "agi",
        _METHOD_ID,
        {
            **_METHOD,
            "type": "type",
            "integrationHttpMethod": "integrationHttpMethod",
            "uri": "uri",
            "credentials": "credentials",
            "requestParameters": "requestParameters",
            "requestTemplates": "requestTemplates",
            "passthroughBehavior": "passthroughBehavior",
            "contentHandling": "contentHandling",
            "timeoutInMillis": "timeoutMilliseconds",
            "cacheKeyParameters": "cacheKeyParameters",
        },
        convert={"timeoutInMillis": as_int},
    ),
    "aws:apigateway/methodResponse:MethodResponse": RouteSetting(
        "put_method_response",
        "agmr",
        _RESPONSE_ID,
        {
            **_METHOD,
            "statusCode": "statusCode",
            "responseParameters": "responseParameters",
            "responseModels": "responseModels",
        },
    ),
    "aws:apigateway/integrationResponse:IntegrationResponse": RouteSetting(
        "put_integration_response",
        "agir",
        _RESPONSE_ID,
        {
            **_METHOD,
            "statusCode": "statusCode",
            "selectionPattern": "selectionPattern",
            "responseParameters": "responseParameters",
            "responseTemplates": "responseTemplates",
            "contentHandling": "contentHandling",
        },
    ),
    "aws:apigateway/response:Response": RouteSetting(
        "put_gateway_response",
        "aggr",
        ("restApiId", "responseType"),
        {
            "restApiId": "restApiId",
            "responseType": "responseType",
            "statusCode": "statusCode",
            "responseParameters": "responseParameters",
            "responseTemplates": "responseTemplates",
        },
    ),
}


def _deployment(c: Creation) -> Result:
    params = c.parameters({"restApiId": "restApi", "description": "description", "variables": "variables"})
    created = c.client("apigateway").create_deployment(**params)
    api = c.get("restApi")
    return created["id"], {"executionArn": c.arn("execute-api", f"{api}/"), "createdDate": str(created["createdDate"])}


def _stage(c: Creation) -> Result:
    api, stage = c.get("restApi"), c.get("stageName")
    params = c.parameters(
        {
            "restApiId": "restApi",
            "stageName": "stageName",
            "description": "description",
            "variables": "variables",
            "tracingEnabled": "xrayTracingEnabled",
            "cacheClusterEnabled": "cacheClusterEnabled",
            "cacheClusterSize": "cacheClusterSize",
        }
    )
    deployment = c.get("deployment") or c.get("deploymentId")
    apigateway = c.client("apigateway")
    apigateway.create_stage(**params, **present({"deploymentId": deployment, "tags": c.tags}))
    access_log = c.get("accessLogSettings", {})
    if access_log:
        apigateway.update_stage(
            restApiId=api,
            stageName=stage,
            patchOperations=[
                {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": access_log["destinationArn"]},
                {"op": "replace", "path": "/accessLogSettings/format", "value": access_log.get("format", "")},
            ],
        )
    return f"ags-{api}-{stage}", {
        "arn": f"arn:{MOCK_PARTITION}:apigateway:{c.region}::/restapis/{api}/stages/{stage}",
        "executionArn": c.arn("execute-api", f"{api}/{stage}"),
        "invokeUrl": f"https://{api}.execute-api.{c.region}.amazonaws.com/{stage}",
    }


def _api_key(c: Creation) -> Result:
    params = c.parameters({"description": "description", "value": "value", "customerId": "customerId"})
    created = c.client("apigateway").create_api_key(
        name=c.physical_name(), enabled=bool(c.get("enabled", True)), **params, **present({"tags": c.tags})
    )
    return created["id"], {
        "name": created["name"],
        "value": created["value"],
        "arn": f"arn:{MOCK_PARTITION}:apigateway:{c.region}::/apikeys/{created['id']}",
    }


def _throttle(settings: dict[str, Any], default: Any = None) -> dict[str, Any]:
    return present(
        {
            "burstLimit": optional_int(settings.get("burstLimit", default)),
            "rateLimit": optional_float(settings.get("rateLimit", default)),
        }
    )


def _usage_plan(c: Creation) -> Result:
    stages = []
    for stage in c.get("apiStages", []):
        entry: dict[str, Any] = {"apiId": stage.get("apiId"), "stage": stage.get("stage")}
        throttles = {t["path"]: _throttle(t, 0) for t in stage.get("throttles", []) if t.get("path")}
        if throttles:
            entry["throttle"] = throttles
        stages.append(entry)
    quota = c.get("quotaSettings", {})
    params = present(
        {
            "description": c.get("description"),
            "apiStages": stages,
            "quota": present(
                {
                    "limit": optional_int(quota.get("limit")),
                    "offset": optional_int(quota.get("offset")),
                    "period": quota.get("period"),
                }
            ),
            "throttle": _throttle(c.get("throttleSettings", {})),
            "tags": c.tags,
        }
    )
    created = c.client("apigateway").create_usage_plan(name=c.physical_name(), **params)
    return created["id"], {"arn": f"arn:{MOCK_PARTITION}:apigateway:{c.region}::/usageplans/{created['id']}"}


def _usage_plan_key(c: Creation) -> Result:
    created = c.client("apigateway").create_usage_plan_key(
        usagePlanId=c.get("usagePlanId"), keyId=c.get("keyId"), keyType=c.get("keyType", "API_KEY")
    )
    return created["id"], {"name": created.get("name"), "value": created.get("value")}


CREATORS: dict[str, Creator] = {
    "aws:apigateway/restApi:RestApi": _rest_api,
    "aws:apigateway/resource:Resource": _resource,
    **ROUTE_SETTINGS,
    "aws:apigateway/deployment:Deployment": _deployment,
    "aws:apigateway/stage:Stage": _stage,
    "aws:apigateway/apiKey:ApiKey": _api_key,
    "aws:apigateway/usagePlan:UsagePlan": _usage_plan,
    "aws:apigateway/usagePlanKey:UsagePlanKey": _usage_plan_key,
}
