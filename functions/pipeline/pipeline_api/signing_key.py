"""The HMAC keys: the versions of the function's Secrets Manager secret a caller may hold, cached for a while.

The secret rotates (pipeline_api/key_rotation.py). A caller that read the key before a rotation still holds what is
now AWSPREVIOUS, and one that read it during the rotation may hold AWSPENDING; both stay valid beside AWSCURRENT,
so callers move to the new key at their own pace, within one rotation period, without a refused request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from pipeline_api.errors import DependencyError, SigningKeyTooShortError
from pipeline_api.signature import CURRENT, PENDING, PREVIOUS

SIGNING_SECRET = "signing_secret"
# Shorter keys make HMAC-SHA256 guessable; a rotation that stored one is a deployment error, not a client error.
MIN_KEY_BYTES = 16
# In the order a signature is tried: most callers hold the current key.
ACCEPTED_STAGES = (CURRENT, PENDING, PREVIOUS)
# A signature no cached key matches may have been made with a key rotated in since the cache was filled; the keys
# are read again then, but at most this often, so forged requests cannot turn into a stream of Secrets Manager calls.
REFRESH_MIN_INTERVAL_SECONDS = 10


@dataclass(frozen=True)
class SigningKey:
    """One version of the signing secret: its staging label and the key bytes."""

    stage: str
    key: bytes


class SigningKeySource:
    """Reads the accepted versions of the signing secret, keeping them for `cache_seconds` of `clock` (seconds)
    before asking Secrets Manager again."""

    def __init__(self, secrets_client: Any, secret_arn: str, cache_seconds: int, clock: Callable[[], float]) -> None:
        self._client = secrets_client
        self._secret_arn = secret_arn
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._keys: tuple[SigningKey, ...] = ()
        # A too-short current key is cached too: a misconfigured secret is not re-read on every request.
        self._problem: SigningKeyTooShortError | None = None
        self._read_at: float | None = None

    def get(self) -> tuple[SigningKey, ...]:
        """AWSCURRENT first, then AWSPENDING and AWSPREVIOUS where they exist and differ from the ones before.

        Raises DependencyError when the secret cannot be read, SigningKeyTooShortError when AWSCURRENT is too short
        (a shorter pending or previous version is simply not accepted).
        """
        if self._read_at is None or self._clock() - self._read_at >= self._cache_seconds:
            self._read()
        if self._problem is not None:
            raise self._problem
        return self._keys

    def refresh(self) -> bool:
        """Read the versions again unless they were read less than REFRESH_MIN_INTERVAL_SECONDS ago; True if read."""
        if self._read_at is not None and self._clock() - self._read_at < REFRESH_MIN_INTERVAL_SECONDS:
            return False
        self._read()
        return True

    def _read(self) -> None:
        keys: list[SigningKey] = []
        problem = None
        for stage in ACCEPTED_STAGES:
            value = self._version(stage)
            if value is None:
                continue
            if len(value) < MIN_KEY_BYTES:
                if stage == CURRENT:
                    problem = SigningKeyTooShortError(
                        f"the signing secret holds {len(value)} bytes; at least {MIN_KEY_BYTES} needed"
                    )
                continue
            if all(known.key != value for known in keys):
                keys.append(SigningKey(stage, value))
        self._keys, self._problem = tuple(keys), problem
        self._read_at = self._clock()

    def _version(self, stage: str) -> bytes | None:
        """The key bytes of the version labelled `stage`; None when no version has that label (outside a rotation)."""
        try:
            response = self._client.get_secret_value(SecretId=self._secret_arn, VersionStage=stage)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", "ClientError"))
            if code == "ResourceNotFoundException" and stage != CURRENT:
                return None
            raise DependencyError(SIGNING_SECRET, code) from error
        except BotoCoreError as error:
            raise DependencyError(SIGNING_SECRET, type(error).__name__) from error
        if "SecretString" in response:
            return str(response["SecretString"]).encode("utf-8")
        return bytes(response.get("SecretBinary") or b"")
