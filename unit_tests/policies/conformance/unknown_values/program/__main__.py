"""tests/integration/unknown_values/program/index.ts in Python: a pet whose prefix is another resource's output."""

from dynamic_resource import random_resource

string = random_resource("randomString", "str", {"length": 10})
random_resource("randomPet", "pet", {"prefix": string.result})
