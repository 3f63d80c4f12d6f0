"""Helpers for reading program captures (imported by the infrastructure tests and their conftest)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from preflight import UNKNOWN, Capture, Registration

REPO_ROOT = Path(__file__).resolve().parents[2]
PROJECT = "serverless-delivery"
ONE_REGION = ("eu-west-1",)
ONE_REGION_BACKUP = "eu-central-1"
THREE_REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
REQUIRED_TAGS = ("Project", "Environment", "Owner", "CostCenter", "ManagedBy", "Stack")
__all__ = ["UNKNOWN"]

CaptureFactory = Callable[..., Capture]


def regions_config(regions: Sequence[str], **overrides: Any) -> dict[str, str]:
    """extra_config for `run_program`: the given regions (default CIDRs) plus any `key=value` stack config."""
    config = {f"{PROJECT}:regions": json.dumps(list(regions)), f"{PROJECT}:vpcCidrs": json.dumps({})}
    if len(regions) == 1 and "auditBackupRegion" not in overrides:
        # A one-region stack names where its audit copy lives; this one stays in the EU with ONE_REGION.
        config[f"{PROJECT}:auditBackupRegion"] = ONE_REGION_BACKUP
    for key, value in overrides.items():
        config[f"{PROJECT}:{key}"] = value if isinstance(value, str) else json.dumps(value)
    return config


def resources_of(capture: Capture, type_token: str) -> list[Registration]:
    found = capture.of_type(type_token)
    assert found, f"no {type_token} registered"
    return found


def parent_component(capture: Capture, resource: Registration, type_token: str) -> Registration:
    """The nearest ancestor of `resource` with the given component type."""
    by_urn = capture.by_urn()
    current = by_urn.get(resource.parent)
    while current is not None:
        if current.type == type_token:
            return current
        current = by_urn.get(current.parent)
    raise AssertionError(f"{resource.urn} has no {type_token} ancestor")


def children_of(capture: Capture, parent: Registration, type_token: str) -> list[Registration]:
    return [r for r in capture.resources if r.parent == parent.urn and r.type == type_token]


def policy_json(value: Any) -> dict[str, Any]:
    """A policy input that must be a JSON string (never a dict that held Outputs, never an envelope)."""
    assert isinstance(value, str), f"policy is not a JSON string: {value!r}"
    document = json.loads(value)
    assert isinstance(document, dict)
    return document


def function_role_policies(capture: Capture) -> list[tuple[Registration, Registration]]:
    """(function, its execution role's inline policy) for every function the program deploys."""
    pairs = []
    for function in delivery_functions(capture):
        component = parent_component(capture, function, DELIVERY_FUNCTION)
        (role_component,) = children_of(capture, component, "delivery:iam:ServiceRole")
        (policy,) = children_of(capture, role_component, "aws:iam/rolePolicy:RolePolicy")
        pairs.append((function, policy))
    assert pairs, "no function registered"
    return pairs


def ancestors(capture: Capture, resource: Registration) -> list[Registration]:
    by_urn = capture.by_urn()
    found = []
    current = by_urn.get(resource.parent)
    while current is not None:
        found.append(current)
        current = by_urn.get(current.parent)
    return found


DELIVERY_FUNCTION = "delivery:function:DeliveryFunction"


def stack_regions(capture: Capture) -> list[str]:
    """The stack's regions in provider order (a one-region stack's audit-copy region has a provider, not a region)."""
    deployed = capture.outputs["regions"]
    return [p.inputs["region"] for p in capture.providers() if p.package == "aws" and p.inputs["region"] in deployed]


def delivery_functions(capture: Capture, region: str | None = None) -> list[Registration]:
    """The functions deployed from functions/<name>/ as themselves (not their secrets' rotation functions)."""
    found = [
        function
        for function in capture.of_type("aws:lambda/function:Function")
        if capture.by_urn()[function.parent].type == DELIVERY_FUNCTION
        and (region is None or capture.region_of(function) == region)
    ]
    assert found, "no delivery function registered"
    return found
