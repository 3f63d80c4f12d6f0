"""The one naming function: physical names `{project}-{component}-{regionshort}-{environment}-{suffix}`.

Explicit physical names carry the region, environment and suffix, so one stack deploys to many regions and many
stacks share an account without collisions. Each AWS service limits name length; a name over its limit keeps its
distinguishing tail (region, environment, suffix) and shortens the head with a stable hash.
"""

from __future__ import annotations

import hashlib
import re

from delivery_stack.config import StackConfig

_DIRECTION = {
    "north": "n", "south": "s", "east": "e", "west": "w", "central": "c",
    "northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw",
}  # fmt: skip

# Name limits of the services the stack names explicitly.
LIMITS = {
    "lambda": 64,
    "s3": 63,
    "iam_role": 64,
    "iam_policy": 128,
    "sqs": 80,
    "sns": 256,
    "log_group": 512,
    "kms_alias": 256,
    "secret": 512,
    "alarm": 255,
    "dashboard": 255,
    "api": 1024,
    "waf": 128,
    "codebuild": 150,
    "codepipeline": 100,
    "firehose": 64,
    "event_rule": 64,
    "budget": 100,
    "default": 64,
}


def region_short(region: str) -> str:
    """`us-east-1` -> `use1`, `ap-southeast-2` -> `apse2`, `eu-central-1` -> `euc1`."""
    parts = region.split("-")
    if len(parts) != 3 or not parts[2].isdigit():
        raise ValueError(f"not an AWS region name: {region!r}")
    area, direction, number = parts
    return f"{area}{_DIRECTION.get(direction, direction[:2])}{number}"


def physical_name(config: StackConfig, component: str, region: str, kind: str = "default") -> str:
    """The AWS-side name of a resource, within `kind`'s length limit; lowercase alphanumerics and hyphens."""
    limit = LIMITS[kind]
    head = f"{config.project}-{component}"
    tail = f"-{region_short(region)}-{config.environment}-{config.environment_suffix}"
    name = head + tail
    if len(name) > limit:
        digest = hashlib.sha256(head.encode()).hexdigest()[:6]
        keep = limit - len(tail) - len(digest) - 1
        if keep < 1:
            raise ValueError(f"name for {component!r} cannot fit {kind} limit {limit}")
        name = f"{head[:keep].rstrip('-')}-{digest}{tail}"
    if kind == "s3" and not re.fullmatch(r"[a-z0-9][a-z0-9-]*[a-z0-9]", name):
        raise ValueError(f"not a valid S3 bucket name: {name!r}")
    return name


def logical_name(component: str, region: str) -> str:
    """Pulumi logical names: short and unique per region (URNs do not include the parent's name)."""
    return f"{component}-{region_short(region)}"
