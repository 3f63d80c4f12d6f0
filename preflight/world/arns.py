"""Identifiers the way AWS shapes them, derived from a resource's URN: the mock account, ARNs, ids and auto-names.

Everything is derived from the URN, so two runs of one program give identical ids.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from pulumi.runtime import mocks

MOCK_ACCOUNT_ID = "123456789012"
MOCK_PARTITION = "aws"
DEFAULT_REGION = "us-east-1"


def digest(seed: str, length: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:length]


def alnum(seed: str, length: int) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    raw = hashlib.sha256(seed.encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in raw[:length])


def stable_uuid(seed: str) -> str:
    return str(uuid.UUID(hex=digest(seed, 32)))


class Ctx:
    """What a mock answer is built from."""

    def __init__(self, args: mocks.MockResourceArgs, region: str, account: str) -> None:
        self.args = args
        self.inputs: dict[str, Any] = dict(args.inputs)
        self.region = region
        self.account = account
        self.seed = f"{args.typ}::{args.name}"

    def physical_name(self, key: str = "name", max_len: int = 64, lower: bool = False) -> str:
        """The given name, or an auto-name as the provider makes one (logical name plus 7 random characters)."""
        value = self.inputs.get(key)
        if isinstance(value, str) and value:
            return value
        name = f"{self.args.name}-{digest(self.seed, 7)}"[:max_len]
        return name.lower() if lower else name

    def arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:{MOCK_PARTITION}:{service}:{self.region if region else ''}:"
            f"{self.account if account else ''}:{resource}"
        )


Answer = tuple[str, dict[str, Any]]
