"""The pack's entry point, run by `python -m pulumi.policy <engine address> <this directory>`.

It only constructs the PolicyPack: that starts the analyzer's gRPC server, prints its port as the first line of stdout
and serves until the engine stops it. Nothing may print to stdout before that line.
"""

from pulumi_policy import PolicyPack

from delivery_policies import (
    PACK_DESCRIPTION,
    PACK_ENFORCEMENT_LEVEL,
    PACK_NAME,
    build_policies,
    resource_types_by_policy,
)
from delivery_policies.shared_request import install

# Each resource deserialised once per request rather than once per policy, and type-limited policies not called for
# other types (shared_request.py says what stays equal).
install(resource_types_by_policy())

PolicyPack(
    name=PACK_NAME,
    policies=build_policies(),
    enforcement_level=PACK_ENFORCEMENT_LEVEL,
    description=PACK_DESCRIPTION,
)
