"""The delivery stack's CrossGuard policies, one module per concern; `pack` assembles them.

Importing this package has no side effects: the PolicyPack (which starts the analyzer server and prints its port) is
constructed only in the pack directory's __main__.py.
"""

from delivery_policies.exemptions import Exemption, ExemptionError, Exemptions
from delivery_policies.pack import (
    PACK_DESCRIPTION,
    PACK_DIR,
    PACK_ENFORCEMENT_LEVEL,
    PACK_NAME,
    POLICY_NAMES,
    POLICY_SPECS,
    build_policies,
    load_pack_exemptions,
    resource_types_by_policy,
)

__all__ = [
    "PACK_DESCRIPTION",
    "PACK_DIR",
    "PACK_ENFORCEMENT_LEVEL",
    "PACK_NAME",
    "POLICY_NAMES",
    "POLICY_SPECS",
    "Exemption",
    "ExemptionError",
    "Exemptions",
    "build_policies",
    "load_pack_exemptions",
    "resource_types_by_policy",
]
