"""The pack: every policy of every concern, built with the reviewed exemptions."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from pulumi_policy import EnforcementLevel, Policy

from delivery_policies import (
    alarms,
    api,
    encryption,
    iam,
    iam_attachments,
    observability,
    resilience,
    s3_posture,
    tagging,
)
from delivery_policies.exemptions import EXEMPTIONS_FILE, Exemptions, load_exemptions
from delivery_policies.policy_spec import PolicySpec, build_policy

PACK_NAME: Final = "delivery-policies"
PACK_DESCRIPTION: Final = "Security, observability and hygiene policies for the serverless delivery stack on AWS."
PACK_ENFORCEMENT_LEVEL: Final = EnforcementLevel.MANDATORY
# The pack directory (PulumiPolicy.yaml, exemptions.yaml) is this package's parent, wherever the pack runs from.
PACK_DIR: Final = Path(__file__).resolve().parent.parent

POLICY_SPECS: Final[tuple[PolicySpec, ...]] = (
    *encryption.POLICIES,
    *iam.POLICIES,
    *iam_attachments.POLICIES,
    *api.POLICIES,
    *observability.POLICIES,
    *alarms.POLICIES,
    *resilience.POLICIES,
    *s3_posture.POLICIES,
    *tagging.POLICIES,
)
POLICY_NAMES: Final = tuple(spec.name for spec in POLICY_SPECS)


def resource_types_by_policy() -> dict[str, frozenset[str]]:
    """The resource types each type-limited resource policy checks, by policy name (absent: every type)."""
    return {spec.name: spec.resource_types for spec in POLICY_SPECS if spec.resource_types is not None}


def load_pack_exemptions(pack_dir: Path = PACK_DIR) -> Exemptions:
    """The reviewed exemptions beside PulumiPolicy.yaml; raises ExemptionError naming any bad entry."""
    return load_exemptions(pack_dir / EXEMPTIONS_FILE, POLICY_NAMES)


def build_policies(exemptions: Exemptions | None = None) -> list[Policy]:
    """Every policy, mandatory, honouring `exemptions` (default: the pack's reviewed exemptions file)."""
    chosen = load_pack_exemptions() if exemptions is None else exemptions
    return [build_policy(spec, chosen) for spec in POLICY_SPECS]
