"""A loopback stand-in for API Gateway's execute-api endpoint, serving the REST APIs deployed in moto.

moto stores REST APIs but cannot call them. LocalRestApi reads, on every request, what moto holds for one API (its
stage, resources, methods, API-key requirements, integrations, usage plans and keys, the function's resource policy),
answers as API Gateway answers what it rejects itself (403 Missing Authentication Token, 403 Forbidden, 500 for a
Lambda permission that does not admit the route, 502 for a malformed proxy response), builds the REST proxy event
(v1) for the rest, and runs the integrated function in-process in a FunctionSandbox.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from integration_tests.local_target.routing import (
    FORBIDDEN,
    INTERNAL_SERVER_ERROR,
    MISSING_AUTH_TOKEN,
    GatewayRejection,
    IncomingRequest,
    Route,
    decode_body,
    match_route,
    permission_admits,
)
from integration_tests.local_target.sandbox import FunctionSandbox

Answer = tuple[int, list[tuple[str, str]], bytes]


class LocalRestApi:
    """Serves one REST API deployed in moto at http://127.0.0.1:<port>/<stage>/..., until `close`.

    `moto` is a boto3 session with credentials moto accepts; `sandbox_for` gives the sandbox of a function ARN.
    """

    def __init__(
        self,
        *,
        api_id: str,
        region: str,
        moto: Any,
        endpoint: str,
        sandbox_for: Callable[[str], FunctionSandbox],
        account_id: str,
    ) -> None:
        self.api_id = api_id
        self.region = region
        self.account_id = account_id
        self._apigateway = moto.client("apigateway", region_name=region, endpoint_url=endpoint)
        self._lambda = moto.client("lambda", region_name=region, endpoint_url=endpoint)
        self._sandbox_for = sandbox_for
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"local-api-{api_id}", daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stage_url(self, stage: str) -> str:
        return f"{self.base_url}/{stage}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, payload = api.handle(self.command, self.path, list(self.headers.items()), body)
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler

    def handle(self, method: str, raw_path: str, headers: list[tuple[str, str]], body: bytes) -> Answer:
        """One HTTP request in, the HTTP response API Gateway would send out."""
        request = IncomingRequest.parse(method, raw_path, headers, body)
        try:
            return self._serve(request)
        except GatewayRejection as rejection:
            return self._gateway_error(rejection.response_type, rejection.status, rejection.payload, request.request_id)

    def _serve(self, request: IncomingRequest) -> Answer:
        """API Gateway's order: stage, route, API key, integration (permission, invoke, response mapping)."""
        try:
            stage = self._apigateway.get_stage(restApiId=self.api_id, stageName=request.stage)
        except self._apigateway.exceptions.NotFoundException:
            raise GatewayRejection("DEFAULT_4XX", 403, FORBIDDEN) from None
        resources = self._apigateway.get_resources(restApiId=self.api_id, embed=["methods"], limit=500)["items"]
        route = match_route(resources, request.path, request.method)
        if route is None:
            raise GatewayRejection("MISSING_AUTHENTICATION_TOKEN", 403, MISSING_AUTH_TOKEN)
        api_key = request.header("x-api-key")
        key_id = self._authorised_key(api_key, request.stage) if api_key else None
        if route.method.get("apiKeyRequired") and key_id is None:
            raise GatewayRejection("INVALID_API_KEY", 403, FORBIDDEN)
        integration = route.method.get("methodIntegration") or {}
        if integration.get("type") == "MOCK":
            return self._mock_response(integration, request.request_id)
        if integration.get("type") != "AWS_PROXY":
            message = {"message": f"integration type {integration.get('type')} is not served locally"}
            raise GatewayRejection("DEFAULT_5XX", 500, message)
        function_arn = integration.get("uri", "").split("/functions/", 1)[-1].removesuffix("/invocations")
        source_arn = (
            f"arn:aws:execute-api:{self.region}:{self.account_id}:{self.api_id}/"
            f"{request.stage}/{request.method}{route.resource_path}"
        )
        if not self._invocation_permitted(function_arn, source_arn):
            # API Gateway: "Execution failed due to configuration error: Invalid permissions on Lambda function".
            raise GatewayRejection("API_CONFIGURATION_ERROR", 500, INTERNAL_SERVER_ERROR)
        binary_types = self._apigateway.get_rest_api(restApiId=self.api_id).get("binaryMediaTypes") or []
        event = self._event(request, route, stage.get("variables") or {}, binary_types, (api_key, key_id))
        try:
            result, context = self._sandbox_for(function_arn).invoke(event)
        except Exception:
            raise GatewayRejection("INTEGRATION_FAILURE", 502, INTERNAL_SERVER_ERROR) from None
        if context.get_remaining_time_in_millis() <= 0:
            raise GatewayRejection("INTEGRATION_FAILURE", 502, INTERNAL_SERVER_ERROR)
        return self._proxy_response(result, request.request_id)

    def _authorised_key(self, value: str, stage: str) -> str | None:
        """The id of an enabled key with this value in a usage plan that covers this API and stage, else None."""
        keys = self._apigateway.get_api_keys(includeValues=True, limit=500)["items"]
        matching = [k["id"] for k in keys if k.get("value") == value and k.get("enabled")]
        if not matching:
            return None
        for plan in self._apigateway.get_usage_plans(limit=500)["items"]:
            if not any(s.get("apiId") == self.api_id and s.get("stage") == stage for s in plan.get("apiStages", [])):
                continue
            plan_keys = {k["id"] for k in self._apigateway.get_usage_plan_keys(usagePlanId=plan["id"])["items"]}
            for key_id in matching:
                if key_id in plan_keys:
                    return key_id
        return None

    def _invocation_permitted(self, function_arn: str, source_arn: str) -> bool:
        try:
            policy = json.loads(self._lambda.get_policy(FunctionName=function_arn)["Policy"])
        except self._lambda.exceptions.ResourceNotFoundException:
            return False
        return permission_admits(policy, function_arn, source_arn)

    def _event(
        self,
        request: IncomingRequest,
        route: Route,
        stage_variables: dict[str, str],
        binary_media_types: list[str],
        key: tuple[str | None, str | None],
    ) -> dict[str, Any]:
        """The REST API proxy event (payload format 1.0) API Gateway sends the function for this request."""
        multi_headers: dict[str, list[str]] = {}
        for name, value in request.headers:
            multi_headers.setdefault(name, []).append(value)
        query = parse_qs(request.query, keep_blank_values=True)
        body, is_base64 = decode_body(request.body, request.header("content-type") or "", binary_media_types)
        now = datetime.now(UTC)
        api_key, key_id = key
        return {
            "resource": route.resource_path,
            "path": request.path,
            "httpMethod": request.method,
            "headers": {name: values[-1] for name, values in multi_headers.items()} or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
            "multiValueQueryStringParameters": query or None,
            "pathParameters": route.path_parameters or None,
            "stageVariables": stage_variables or None,
            "requestContext": {
                "accountId": self.account_id,
                "apiId": self.api_id,
                "resourceId": route.resource_id,
                "resourcePath": route.resource_path,
                "httpMethod": request.method,
                "extendedRequestId": request.request_id,
                "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
                "requestTimeEpoch": int(now.timestamp() * 1000),
                "path": f"/{request.stage}{request.path}",
                "protocol": "HTTP/1.1",
                "stage": request.stage,
                "domainPrefix": self.api_id,
                "domainName": f"{self.api_id}.execute-api.{self.region}.amazonaws.com",
                "requestId": request.request_id,
                "identity": {
                    "sourceIp": "127.0.0.1",
                    "userAgent": request.header("user-agent"),
                    "apiKey": api_key if key_id else None,
                    "apiKeyId": key_id,
                    "accessKey": None,
                    "accountId": None,
                    "caller": None,
                    "user": None,
                    "userArn": None,
                    "cognitoIdentityPoolId": None,
                    "cognitoIdentityId": None,
                    "cognitoAuthenticationType": None,
                    "cognitoAuthenticationProvider": None,
                },
            },
            "body": body,
            "isBase64Encoded": is_base64,
        }

    def _gateway_error(self, response_type: str, status: int, payload: dict[str, str], request_id: str) -> Answer:
        """An answer API Gateway makes itself, shaped by the API's gateway response of that type, else its default
        (DEFAULT_4XX or DEFAULT_5XX): status, static headers and a JSON body template."""
        fallback = "DEFAULT_4XX" if status < 500 else "DEFAULT_5XX"
        custom: dict[str, Any] = {}
        for candidate in dict.fromkeys((response_type, fallback)):
            try:
                custom = self._apigateway.get_gateway_response(restApiId=self.api_id, responseType=candidate)
                break
            except self._apigateway.exceptions.NotFoundException:
                continue
        headers = [("Content-Type", "application/json"), ("x-amzn-RequestId", request_id)]
        for name, value in (custom.get("responseParameters") or {}).items():
            if name.startswith("gatewayresponse.header.") and value.startswith("'") and value.endswith("'"):
                headers.append((name.removeprefix("gatewayresponse.header."), value[1:-1]))
        body = json.dumps(payload)
        template = (custom.get("responseTemplates") or {}).get("application/json")
        if template:
            body = template.replace("$context.error.messageString", json.dumps(payload.get("message", "")))
        return int(custom.get("statusCode") or status), headers, body.encode()

    def _proxy_response(self, result: Any, request_id: str) -> Answer:
        """API Gateway's mapping of a proxy integration's answer; anything malformed is its 502."""

        def malformed() -> Answer:
            return self._gateway_error("INTEGRATION_FAILURE", 502, INTERNAL_SERVER_ERROR, request_id)

        if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
            return malformed()
        status = result["statusCode"]
        if status not in HTTPStatus._value2member_map_:
            return malformed()
        headers: list[tuple[str, str]] = [("x-amzn-RequestId", request_id)]
        single = result.get("headers") or {}
        multi = result.get("multiValueHeaders") or {}
        if not isinstance(single, dict) or not isinstance(multi, dict):
            return malformed()
        for name, values in multi.items():
            headers.extend((name, str(v)) for v in values)
        headers.extend((name, str(value)) for name, value in single.items() if name not in multi)
        body = result.get("body") or ""
        if not isinstance(body, str):
            return malformed()
        payload = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
        return status, headers, payload

    def _mock_response(self, integration: dict[str, Any], request_id: str) -> Answer:
        """A MOCK integration: the status its request template selects, with that integration response's headers."""
        template = (integration.get("requestTemplates") or {}).get("application/json", '{"statusCode": 200}')
        try:
            status = int(json.loads(template).get("statusCode", 200))
        except (ValueError, AttributeError):
            status = 200
        responses = integration.get("integrationResponses") or {}
        selected = responses.get(str(status)) or next(
            (r for r in responses.values() if not r.get("selectionPattern")), None
        )
        if selected is None:
            return self._gateway_error("DEFAULT_5XX", 500, INTERNAL_SERVER_ERROR, request_id)
        headers = [("x-amzn-RequestId", request_id)]
        for name, value in (selected.get("responseParameters") or {}).items():
            if name.startswith("method.response.header.") and value.startswith("'") and value.endswith("'"):
                headers.append((name.removeprefix("method.response.header."), value[1:-1]))
        body = (selected.get("responseTemplates") or {}).get("application/json", "")
        return int(selected.get("statusCode", status)), headers, body.encode()
