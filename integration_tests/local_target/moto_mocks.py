"""The mocks a deploy runs the program under: preflight's AWS-like answers, except that each type on the request
path is really created in moto and answered with moto's ids and ARNs."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any

from pulumi.runtime import MockCallArgs, MockResourceArgs

from integration_tests.local_target.clients import DEPLOY_CREDENTIALS, Credentials, MotoClients
from integration_tests.local_target.creation import MOTO_ACCOUNT_ID, Creation, unwrap_secrets
from integration_tests.local_target.creators import CREATORS
from integration_tests.local_target.records import DeployError, FunctionCode, MaterialisedResource
from integration_tests.local_target.secrets import RANDOM_PASSWORD_TOKEN, random_password
from preflight import AwsLikeMocks, object_input


class MotoDeployMocks(AwsLikeMocks):
    """Mocks that create each resource on the request path in moto and answer with moto's ids and ARNs."""

    def __init__(self, endpoint: str, program_dir: Path, credentials: Credentials | None = None) -> None:
        super().__init__(preview=False, account=MOTO_ACCOUNT_ID)
        self.clients = MotoClients(endpoint, credentials or DEPLOY_CREDENTIALS)
        self.program_dir = program_dir
        self.materialised: list[MaterialisedResource] = []
        self.not_materialised: Counter[str] = Counter()
        self.functions: list[FunctionCode] = []
        self.adjustments: list[str] = []
        self.failures: list[str] = []
        self._default_tags: dict[str, dict[str, str]] = {}
        self._record_lock = threading.Lock()

    def _tags_for(self, args: MockResourceArgs) -> dict[str, str]:
        with self._record_lock:
            tags = dict(self._default_tags.get(self.provider_key(args.provider or ""), {}))
        tags.update(args.inputs.get("tags") or {})
        return {str(k): str(v) for k, v in tags.items()}

    def _record(self, collection: list[Any], item: Any) -> None:
        with self._record_lock:
            collection.append(item)

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ.startswith("pulumi:providers:"):
            default_tags = object_input(args.inputs.get("defaultTags")).get("tags") or {}
            with self._record_lock:
                self._default_tags[self.registered_provider_key(args)] = dict(default_tags)
            return super().new_resource(args)
        creator = CREATORS.get(args.typ)
        if creator is None:
            if args.custom:  # components are the program's own grouping, nothing AWS would hold
                with self._record_lock:
                    self.not_materialised[args.typ] += 1
            return super().new_resource(args)
        region = args.inputs.get("region") or self.region_for(args.provider or "")
        mock_id, answer = self.answer(args, region)
        creation = Creation(
            type=args.typ,
            name=args.name,
            inputs=unwrap_secrets(dict(args.inputs)),
            region=region,
            answer=answer,
            tags=self._tags_for(args),
            clients=self.clients,
            program_dir=self.program_dir,
            record_function=lambda code: self._record(self.functions, code),
            adjust=lambda note: self._record(self.adjustments, note),
        )
        try:
            resource_id, created = creator(creation)
        except Exception as exc:
            message = f"{args.typ} `{args.name}` ({region}) could not be created in moto: {type(exc).__name__}: {exc}"
            self._record(self.failures, message)
            raise DeployError(message) from exc
        self._record(self.materialised, MaterialisedResource(args.typ, args.name, region, resource_id or mock_id))
        return resource_id, {**args.inputs, **answer, **created}

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token == RANDOM_PASSWORD_TOKEN:
            return random_password(self.clients, self.region_for(args.provider or ""), dict(args.args)), []
        return super().call(args)
