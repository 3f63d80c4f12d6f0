"""The resources pulumi-policy's scenario programs create, registered from Python exactly as their Node.js programs
register them: a dynamic resource is `pulumi-nodejs:dynamic:Resource` with its serialized provider in `__provider`,
and `random` resources are registered by token with the package version the scenario pins.

Each program imports this file by path from the scenario folder (it is copied beside the program).
"""

from __future__ import annotations

from typing import Any

import pulumi

# Stands in for the Node.js SDK's serialized provider closure; the engine drops `__` keys before a pack sees them.
SERIALIZED_PROVIDER = "exports.handler = __provider;"
RANDOM_VERSION = "4.0.0"


class Resource(pulumi.CustomResource):
    """tests/integration/*/program/resource.ts: a dynamic resource with the given inputs."""

    def __init__(self, name: str, props: dict[str, Any] | None = None, opts: pulumi.ResourceOptions | None = None):
        super().__init__(
            "pulumi-nodejs:dynamic:Resource", name, {"__provider": SERIALIZED_PROVIDER, **(props or {})}, opts
        )


def random_resource(
    kind: str, name: str, props: dict[str, Any] | None = None, opts: pulumi.ResourceOptions | None = None
) -> pulumi.CustomResource:
    """A `random:index/<kind>:<Kind>` resource as @pulumi/random registers it, with its computed `result`."""
    options = pulumi.ResourceOptions.merge(pulumi.ResourceOptions(version=RANDOM_VERSION), opts)
    type_token = f"random:index/{kind}:{kind[0].upper()}{kind[1:]}"
    resource = pulumi.CustomResource(type_token, name, {"result": None, **(props or {})}, options)
    return resource
