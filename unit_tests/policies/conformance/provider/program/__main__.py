"""tests/integration/provider/program/index.ts in Python: default providers and an explicit one."""

import pulumi
from dynamic_resource import RANDOM_VERSION, Resource, random_resource

Resource("empty")
random_resource("randomUuid", "uuid")
provider = pulumi.ProviderResource("random", "my-provider", {}, pulumi.ResourceOptions(version=RANDOM_VERSION))
random_resource("randomString", "str", {"length": 10}, pulumi.ResourceOptions(provider=provider))
