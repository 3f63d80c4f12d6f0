"""The SDK mocks a program runs under: resource registrations answered like AWS in the provider's region (the
answers are preflight.world.resource_answers), and the few invokes a program may make.
"""

from __future__ import annotations

import threading
from typing import Any

from pulumi.runtime import mocks

from preflight.world.arns import DEFAULT_REGION, MOCK_ACCOUNT_ID, MOCK_PARTITION, Answer, Ctx, stable_uuid
from preflight.world.resource_answers import answer_for


class AwsLikeMocks(mocks.Mocks):
    """Answers resource registrations and the few invokes a program may make, in the provider's region."""

    def __init__(self, preview: bool, account: str = MOCK_ACCOUNT_ID) -> None:
        self.preview = preview
        self.account = account
        self._regions: dict[str, str] = {}
        self._lock = threading.Lock()

    @staticmethod
    def provider_key(provider_ref: str) -> str:
        """`<type>::<name>` of a provider reference `urn:pulumi:<stack>::<project>::<qualified type>::<name>::<id>`."""
        parts = provider_ref.split("::")
        if len(parts) < 4:
            return ""
        return f"{parts[2].split('$')[-1]}::{parts[3]}"

    @staticmethod
    def registered_provider_key(args: mocks.MockResourceArgs) -> str:
        """The `provider_key` of the provider `args` registers, for the resources that will reference it."""
        return f"{args.typ}::{args.name}"

    def region_for(self, provider_ref: str) -> str:
        with self._lock:
            return self._regions.get(self.provider_key(provider_ref), DEFAULT_REGION)

    def answer(self, args: mocks.MockResourceArgs, region: str) -> Answer:
        ctx = Ctx(args, region, self.account)
        return answer_for(args.typ)(ctx)

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ.startswith("pulumi:providers:"):
            region = args.inputs.get("region")
            urn_hint = self.registered_provider_key(args)
            with self._lock:
                self._regions[urn_hint] = region if isinstance(region, str) else DEFAULT_REGION
            return (None if self.preview else stable_uuid(urn_hint)), dict(args.inputs)
        if self.preview:
            # In preview the engine knows only the inputs; every computed output is unknown.
            return None, dict(args.inputs)
        rid, computed = self.answer(args, self.region_for(args.provider or ""))
        return rid, {**args.inputs, **computed}

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        region = self.region_for(args.provider or "")
        token = args.token
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": self.account,
                "arn": f"arn:{MOCK_PARTITION}:iam::{self.account}:user/preflight",
                "userId": "AIDAPREFLIGHT",
                "id": self.account,
            }, []
        if token == "aws:index/getRegion:getRegion":
            return {"name": region, "region": region, "id": region, "endpoint": f"ec2.{region}.amazonaws.com"}, []
        if token == "aws:index/getPartition:getPartition":
            return {"partition": MOCK_PARTITION, "dnsSuffix": "amazonaws.com", "id": MOCK_PARTITION}, []
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            names = [f"{region}{z}" for z in "abc"]
            return {"names": names, "zoneIds": [f"{region[:3]}-az{i}" for i in (1, 2, 3)], "id": region}, []
        if token == "aws:secretsmanager/getRandomPassword:getRandomPassword":
            # Plainly a placeholder, never a realistic secret: offline runs only need a known string.
            return {"randomPassword": "preflight-mock-not-a-secret", "id": region}, []
        return {}, []
