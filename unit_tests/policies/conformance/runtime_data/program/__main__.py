"""tests/integration/runtime_data/program/index.ts in Python: the runtime's view handed to a resource."""

import json

import pulumi
from dynamic_resource import Resource

Resource(
    "Hello",
    {
        "allConfig": json.dumps(pulumi.runtime.get_config_env()),
        "getProject": pulumi.get_project(),
        "getStack": pulumi.get_stack(),
        "isDryRun": pulumi.runtime.is_dry_run(),
    },
)
