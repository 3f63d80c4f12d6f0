"""tests/integration/validate_stack/program/index.ts in Python (scenarios 1 to 7 and 10)."""

import pulumi
from dynamic_resource import Resource, random_resource

config = pulumi.Config()
test_scenario = config.get_int("scenario")

if test_scenario == 2:
    Resource("hello", {"hello": "world"})
elif test_scenario == 3:
    Resource("a", {"state": 1})
elif test_scenario == 4:
    Resource("b", {"state": 2})
elif test_scenario == 5:
    Resource("c", {"state": 3})
elif test_scenario == 6:
    random_resource("randomUuid", "r1")
elif test_scenario == 7:
    random_resource("randomString", "r2", {"length": 10})
elif test_scenario == 10:
    Resource("d", {"foo": "bar"})
