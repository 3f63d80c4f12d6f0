"""tests/integration/validate_python_resource/program/__main__.py, with pulumi_random's resources by token."""

import pulumi
from dynamic_resource import random_resource

config = pulumi.Config()
test_scenario = config.require_int("scenario")

if test_scenario == 1:
    random_resource("randomUuid", "r1")
elif test_scenario == 2:
    random_resource("randomUuid", "r2", {"keepers": {}})
elif test_scenario == 3:
    random_resource("randomUuid", "r3", {"keepers": {"foo": "bar"}})
