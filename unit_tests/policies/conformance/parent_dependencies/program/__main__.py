"""tests/integration/parent_dependencies/program/index.ts in Python: the same resources and dependencies."""

import pulumi
from dynamic_resource import Resource, random_resource

parent = Resource("parent")
Resource("child", opts=pulumi.ResourceOptions(parent=parent))
a = Resource("a")
Resource("b", opts=pulumi.ResourceOptions(depends_on=[a]))
string = random_resource("randomString", "str", {"length": 10})
random_resource("randomPet", "pet", {"prefix": string.result})
