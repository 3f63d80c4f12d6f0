"""Rotation of the signing secret: Secrets Manager's four steps for a secret that only this stack's callers share.

Secrets Manager calls the rotation function four times with the same `ClientRequestToken` (the new version's id):
createSecret stores a new random key under AWSPENDING, setSecret would install it in a downstream service (there is
none: the key is only shared with the callers, who read it from the secret), testSecret checks the pending key is
usable, finishSecret moves AWSCURRENT to it (Secrets Manager then labels the old version AWSPREVIOUS). Every step
may run again after a failure, so each one does nothing when its work is already done.

The API accepts AWSCURRENT, AWSPENDING and AWSPREVIOUS (pipeline_api/signing_key.py), so a caller holding the old key
keeps working until the next rotation, and one that read the key mid-rotation works too.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from pipeline_api.signature import CURRENT, PENDING
from pipeline_api.signing_key import MIN_KEY_BYTES

# 32 random bytes as 64 hex digits: HMAC-SHA256's block-size-safe key length, and text any shell or CI secret store
# carries unchanged (`openssl dgst -hmac "$KEY"` takes it as is).
KEY_BYTES = 32
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")


class RotationError(Exception):
    """The rotation request cannot be carried out; Secrets Manager records the failure and retries later."""


def new_key() -> str:
    """A fresh signing key: KEY_BYTES from the operating system's CSPRNG, as lowercase hex."""
    return secrets.token_hex(KEY_BYTES)


def _is_not_found(error: Exception) -> bool:
    response = getattr(error, "response", None)
    return isinstance(response, dict) and response.get("Error", {}).get("Code") == "ResourceNotFoundException"


class SigningKeyRotation:
    """The four steps against one Secrets Manager client; `generate` makes the new key (replaceable in tests)."""

    def __init__(self, client: Any, generate: Callable[[], str] = new_key) -> None:
        self._client = client
        self._generate = generate

    def run(self, event: dict[str, Any]) -> None:
        """Carry out the step the event names. Raises RotationError for a request that must not be carried out."""
        step, secret_id, token = event.get("Step"), event.get("SecretId"), event.get("ClientRequestToken")
        if step not in STEPS:
            raise RotationError(f"unknown rotation step {step!r}; Secrets Manager sends one of {', '.join(STEPS)}")
        if not isinstance(secret_id, str) or not isinstance(token, str) or not secret_id or not token:
            raise RotationError("the event needs SecretId and ClientRequestToken (non-empty strings)")
        metadata = self._client.describe_secret(SecretId=secret_id)
        if not metadata.get("RotationEnabled"):
            raise RotationError(f"secret {secret_id} does not have rotation enabled")
        stages = metadata.get("VersionIdsToStages", {})
        if token not in stages:
            raise RotationError(f"secret {secret_id} has no version {token} to rotate to")
        if CURRENT in stages[token]:
            # A finished rotation being retried: nothing left to do.
            return
        if PENDING not in stages[token]:
            raise RotationError(f"version {token} of secret {secret_id} is not labelled {PENDING}")
        steps: dict[str, Callable[[str, str, dict[str, list[str]]], None]] = {
            "createSecret": self._create,
            "setSecret": self._set,
            "testSecret": self._test,
            "finishSecret": self._finish,
        }
        steps[step](secret_id, token, stages)

    def _create(self, secret_id: str, token: str, stages: dict[str, list[str]]) -> None:
        # The current version must exist and be readable; the new key is stored only once per token.
        self._client.get_secret_value(SecretId=secret_id, VersionStage=CURRENT)
        try:
            self._client.get_secret_value(SecretId=secret_id, VersionId=token, VersionStage=PENDING)
        except Exception as error:
            if not _is_not_found(error):
                raise
            self._client.put_secret_value(
                SecretId=secret_id, ClientRequestToken=token, SecretString=self._generate(), VersionStages=[PENDING]
            )

    def _set(self, secret_id: str, token: str, stages: dict[str, list[str]]) -> None:
        # No downstream service holds the key: the API reads it from this secret, callers read it themselves.
        return

    def _test(self, secret_id: str, token: str, stages: dict[str, list[str]]) -> None:
        pending = self._client.get_secret_value(SecretId=secret_id, VersionId=token, VersionStage=PENDING)
        current = self._client.get_secret_value(SecretId=secret_id, VersionStage=CURRENT)
        value = str(pending.get("SecretString", ""))
        if len(value.encode("utf-8")) < MIN_KEY_BYTES:
            raise RotationError(f"the pending key of {secret_id} is shorter than {MIN_KEY_BYTES} bytes")
        if value == current.get("SecretString"):
            raise RotationError(f"the pending key of {secret_id} equals the current one; nothing would rotate")

    def _finish(self, secret_id: str, token: str, stages: dict[str, list[str]]) -> None:
        current_version = next((version for version, labels in stages.items() if CURRENT in labels), None)
        self._client.update_secret_version_stage(
            SecretId=secret_id,
            VersionStage=CURRENT,
            MoveToVersionId=token,
            **({"RemoveFromVersionId": current_version} if current_version else {}),
        )
