"""How the program invokes each Lambda function: asynchronously (S3, SNS, EventBridge, ...) or only synchronously.

A dead-letter queue or an on-failure destination only ever receives events of asynchronous invocations, so whether a
function needs one depends on what invokes it. The sources the pack can see are resources of the program that name
the function: a permission for a service principal, an S3 notification, an SNS subscription, an EventBridge target
or schedule, an async invoke config (asynchronous); an API Gateway integration, a Step Functions definition, a
function URL, an AppSync data source, a load balancer target, an event source mapping (synchronous: the caller gets
the result, or the poller retries and its queue or stream keeps the failure). A source names the function by
property dependency (preview too) or by value: its name or ARN, alone or inside a longer ARN (an API Gateway
integration URI, a state machine definition).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from delivery_policies import aws
from delivery_policies.policy_spec import ResourceView
from delivery_policies.props import UNKNOWN, elements, path, text

# Service principals that invoke Lambda asynchronously (the "Event" invocation type), and those that wait for the
# result. Any other principal counts as asynchronous: a dead-letter queue is the safe answer when in doubt.
# Source: AWS Lambda Developer Guide, "Invoking Lambda with events from other AWS services" (table of services and
# their invocation method).
SYNCHRONOUS_PRINCIPALS: Final = frozenset(
    {
        "apigateway.amazonaws.com",
        "elasticloadbalancing.amazonaws.com",
        "cognito-idp.amazonaws.com",
        "lex.amazonaws.com",
        "secretsmanager.amazonaws.com",
        "vpc-lattice.amazonaws.com",
        "states.amazonaws.com",
    }
)
_FUNCTION_ARN: Final = re.compile(r"arn:[a-z-]+:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Source:
    """One resource that invokes a function: `kind` is what the report says, `asynchronous` what it implies."""

    kind: str
    asynchronous: bool
    resource: ResourceView


@dataclass
class Invocations:
    """The sources of every function, indexed by the function's URN and by the names and ARNs sources use."""

    by_urn: dict[str, list[Source]] = field(default_factory=lambda: defaultdict(list))
    by_value: dict[str, list[Source]] = field(default_factory=lambda: defaultdict(list))
    undetermined: list[Source] = field(default_factory=list)

    def add(self, source: Source, prop: str, value: Any) -> None:
        urns = source.resource.depends_through(prop)
        for urn in urns:
            self.by_urn[urn].append(source)
        value = text(value)
        if isinstance(value, str):
            for identifier in {value, *_FUNCTION_ARN.findall(value)}:
                self.by_value[identifier].append(source)
        elif value is UNKNOWN and not urns:
            self.undetermined.append(source)

    def of(self, function: ResourceView) -> list[Source]:
        found = list(self.by_urn.get(function.urn, ()))
        for key in ("name", "arn", "qualifiedArn"):
            identifier = text(path(function.props, key))
            if isinstance(identifier, str) and identifier:
                found += self.by_value.get(identifier, ())
                # A qualified ARN (function:name:alias) names the same function.
                found += self.by_value.get(identifier.rsplit(":", 1)[0], ()) if key == "qualifiedArn" else ()
        unique: dict[int, Source] = {id(source): source for source in found}
        return list(unique.values())


def _permission(resource: ResourceView) -> Iterator[tuple[Source, str, Any]]:
    principal = text(path(resource.props, "principal"))
    if principal is UNKNOWN:
        yield Source("a Lambda permission for an unknown principal", True, resource), "function", UNKNOWN
        return
    principal = principal.strip().lower() if isinstance(principal, str) else ""
    if not principal.endswith((".amazonaws.com", ".amazonaws.com.cn")):
        return
    kind = f"a Lambda permission for {principal}"
    yield Source(kind, principal not in SYNCHRONOUS_PRINCIPALS, resource), "function", path(resource.props, "function")


def _sources(resource: ResourceView) -> Iterator[tuple[Source, str, Any]]:
    props = resource.props
    if resource.type == aws.LAMBDA_PERMISSION:
        yield from _permission(resource)
    elif resource.type == aws.BUCKET_NOTIFICATION:
        for entry in elements(path(props, "lambdaFunctions")):
            yield (
                Source("an S3 event notification", True, resource),
                "lambdaFunctions",
                path(entry, "lambdaFunctionArn"),
            )
    elif resource.type == aws.SNS_TOPIC_SUBSCRIPTION:
        protocol = text(path(props, "protocol"))
        if protocol in ("lambda", UNKNOWN):
            yield Source("an SNS subscription", True, resource), "endpoint", path(props, "endpoint")
    elif resource.type == aws.EVENT_TARGET:
        yield Source("an EventBridge target", True, resource), "arn", path(props, "arn")
    elif resource.type == aws.SCHEDULE:
        yield Source("an EventBridge Scheduler schedule", True, resource), "target", path(props, "target", "arn")
    elif resource.type == aws.LAMBDA_EVENT_INVOKE_CONFIG:
        yield Source("an async invoke config", True, resource), "functionName", path(props, "functionName")
    elif resource.type == aws.REST_API_INTEGRATION:
        yield Source("an API Gateway integration", False, resource), "uri", path(props, "uri")
    elif resource.type == aws.HTTP_API_INTEGRATION:
        yield Source("an API Gateway integration", False, resource), "integrationUri", path(props, "integrationUri")
    elif resource.type == aws.STATE_MACHINE:
        yield Source("a Step Functions state machine", False, resource), "definition", path(props, "definition")
    elif resource.type == aws.LAMBDA_FUNCTION_URL:
        yield Source("a function URL", False, resource), "functionName", path(props, "functionName")
    elif resource.type == aws.LAMBDA_EVENT_SOURCE_MAPPING:
        yield Source("an event source mapping", False, resource), "functionName", path(props, "functionName")
    elif resource.type == aws.APPSYNC_DATA_SOURCE:
        yield (
            Source("an AppSync data source", False, resource),
            "lambdaConfig",
            path(props, "lambdaConfig", "functionArn"),
        )
    elif resource.type in aws.TARGET_GROUP_ATTACHMENTS:
        yield Source("a load balancer target group", False, resource), "targetId", path(props, "targetId")


def invocations(resources: Iterable[ResourceView]) -> Invocations:
    """Every invocation source of the program, indexed once (stacks hold thousands of resources)."""
    index = Invocations()
    for resource in resources:
        if resource.type in aws.INVOCATION_SOURCE_TYPES:
            for source, prop, value in _sources(resource):
                index.add(source, prop, value)
    return index
