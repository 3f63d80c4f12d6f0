"""tests/integration/config/program/index.ts in Python."""

from dynamic_resource import random_resource

random_resource("randomString", "str", {"length": 10})
