"""tests/integration/validate_resource/program/index.ts in Python (the steps scenarios.py keeps)."""

import pulumi
from dynamic_resource import Resource, random_resource

config = pulumi.Config()
test_scenario = config.require_int("scenario")

if test_scenario == 2:
    Resource("hello", {"hello": "world"})
elif test_scenario == 3:
    Resource("a", {"state": 1})
elif test_scenario == 5:
    Resource("c", {"state": 3})
elif test_scenario == 6:
    Resource("d", {"state": 4})
elif test_scenario == 7:
    random_resource("randomUuid", "r1")
elif test_scenario == 8:
    random_resource("randomUuid", "r2", {"keepers": {"foo": "bar"}})
elif test_scenario == 9:
    Resource("e", {"state": 5})
elif test_scenario == 11:
    # A property of 5 MiB: larger than gRPC's default message limit.
    Resource("large-resource", {"state": 6, "longString": "a" * 5 * 1024 * 1024})
