"""The API's routes: one AWS_PROXY integration and one scoped invoke permission per method, the parameter validator,
and the gateway responses that carry the CORS origin; the fingerprint that redeploys the stage when any of them
changes."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from delivery_stack.context import RegionContext

# The function behind the API (functions/pipeline/): its routes are the ones below.
API_FUNCTION = "pipeline"
STAGE_NAME = "v1"


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


@dataclass
class RouteResources:
    """What the routes register: a resource per path; a method, integration and invoke permission per route."""

    resources: dict[str, aws.apigateway.Resource]
    request_validator: aws.apigateway.RequestValidator
    methods: dict[str, aws.apigateway.Method]
    integrations: dict[str, aws.apigateway.Integration]
    permissions: dict[str, aws.lambda_.Permission]
    gateway_responses: list[aws.apigateway.Response]


def build_routes(
    base: str,
    ctx: RegionContext,
    *,
    api: aws.apigateway.RestApi,
    function: aws.lambda_.Function,
    allowed_origins: Sequence[str],
    opts: pulumi.ResourceOptions,
    function_alias: aws.lambda_.Alias | None = None,
) -> RouteResources:
    """Every route of ROUTES on `api`, proxied to `function`, then the CORS gateway responses (named `{base}-...`)."""
    resources = {
        path: aws.apigateway.Resource(
            f"{base}-{path}",
            rest_api=api.id,
            parent_id=api.root_resource_id,
            path_part=path,
            opts=opts,
        )
        for path in dict.fromkeys(route.path for route in ROUTES)
    }
    request_validator = aws.apigateway.RequestValidator(
        f"{base}-request-validator",
        rest_api=api.id,
        name="parameters",
        validate_request_parameters=True,
        validate_request_body=VALIDATE_REQUEST_BODY,
        opts=opts,
    )
    methods: dict[str, aws.apigateway.Method] = {}
    integrations: dict[str, aws.apigateway.Integration] = {}
    permissions: dict[str, aws.lambda_.Permission] = {}
    for route in ROUTES:
        resource = resources[route.path]
        method = aws.apigateway.Method(
            f"{base}-{route.key}",
            rest_api=api.id,
            resource_id=resource.id,
            http_method=route.method,
            # The function authenticates POST bodies by HMAC signature; the key meters and throttles callers.
            authorization="NONE",
            api_key_required=route.api_key_required,
            request_parameters=dict.fromkeys(route.parameters, False) or None,
            request_validator_id=request_validator.id,
            opts=opts,
        )
        methods[route.key] = method
        integrations[route.key] = aws.apigateway.Integration(
            f"{base}-{route.key}",
            rest_api=api.id,
            resource_id=resource.id,
            http_method=method.http_method,
            # Lambda proxy integrations are always invoked with POST, whatever the client's method.
            integration_http_method="POST",
            type="AWS_PROXY",
            uri=function_alias.invoke_arn if function_alias is not None else function.invoke_arn,
            opts=opts,
        )
        source_arn = pulumi.Output.all(ctx.partition, ctx.account_id, api.id).apply(
            functools.partial(_source_arn_of, region=ctx.region, route=route)
        )
        permissions[route.key] = aws.lambda_.Permission(
            f"{base}-{route.key}-invoke",
            statement_id=f"ApiGateway{route.method.title()}{route.path.title()}",
            action="lambda:InvokeFunction",
            function=function.name,
            qualifier=function_alias.name if function_alias is not None else None,
            principal="apigateway.amazonaws.com",
            source_arn=source_arn,
            opts=opts,
        )
    return RouteResources(
        resources=resources,
        request_validator=request_validator,
        methods=methods,
        integrations=integrations,
        permissions=permissions,
        gateway_responses=_gateway_responses(base, api, allowed_origins, opts),
    )


def _gateway_responses(
    base: str, api: aws.apigateway.RestApi, allowed_origins: Sequence[str], opts: pulumi.ResourceOptions
) -> list[aws.apigateway.Response]:
    origin = cors_gateway_origin(allowed_origins)
    if origin is None:
        return []
    return [
        aws.apigateway.Response(
            f"{base}-{response_type.lower().replace('_', '-')}",
            rest_api_id=api.id,
            response_type=response_type,
            response_parameters={
                "gatewayresponse.header.Access-Control-Allow-Origin": f"'{origin}'",
                "gatewayresponse.header.Vary": "'Origin'",
            },
            opts=opts,
        )
        for response_type in ("DEFAULT_4XX", "DEFAULT_5XX")
    ]


def redeployment_trigger(routes: RouteResources) -> pulumi.Output[str]:
    """The fingerprint of every route, method, integration, validator and gateway response, once resolved."""
    route_spec = [json.dumps(route.__dict__, sort_keys=True) for route in ROUTES]
    identities: list[pulumi.Output[Any]] = []
    for key in (route.key for route in ROUTES):
        method = routes.methods[key]
        integration = routes.integrations[key]
        identities += [method.id, method.api_key_required.apply(str), integration.id, integration.uri]
        identities.append(method.request_validator_id.apply(str))
    identities.append(routes.request_validator.id)
    identities += [response.id for response in routes.gateway_responses]
    return pulumi.Output.all(*identities).apply(lambda values: deployment_fingerprint([*route_spec, *values]))
