"""The HMAC key: the function's own Secrets Manager secret, fetched through Powertools parameters and cached."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

from pipeline_api.errors import DependencyError, SigningKeyTooShortError

SIGNING_SECRET = "signing_secret"
# Shorter keys make HMAC-SHA256 guessable; a rotation that stored one is a deployment error, not a client error.
MIN_KEY_BYTES = 16


class SigningKeySource:
    """Reads the signing key, keeping it for `cache_seconds` of `clock` (seconds) before asking Secrets Manager again.

    The cache is kept here rather than in Powertools' own (`max_age`), which reads the wall clock directly: with the
    clock passed in, the TTL is measured on whatever clock the caller injects.
    """

    def __init__(self, secrets_client: Any, secret_arn: str, cache_seconds: int, clock: Callable[[], float]) -> None:
        self._provider = SecretsProvider(boto3_client=secrets_client)
        self._secret_arn = secret_arn
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._cached: tuple[float, bytes] | None = None

    def get(self) -> bytes:
        """The key bytes (the secret string as UTF-8, or the secret binary), from the cache while it is younger than
        `cache_seconds`. Raises DependencyError, SigningKeyTooShortError."""
        now = self._clock()
        if self._cached is None or now - self._cached[0] >= self._cache_seconds:
            # A too-short key is cached too: a misconfigured secret is not re-read on every request.
            self._cached = (now, self._fetch())
        key = self._cached[1]
        if len(key) < MIN_KEY_BYTES:
            raise SigningKeyTooShortError(f"the signing secret holds {len(key)} bytes; at least {MIN_KEY_BYTES} needed")
        return key

    def _fetch(self) -> bytes:
        try:
            value = self._provider.get(self._secret_arn, force_fetch=True)
        except GetParameterError as error:
            # Powertools wraps the SDK's exception without chaining it explicitly; it is the implicit context.
            cause = error.__cause__ or error.__context__
            reason = type(cause).__name__ if cause is not None else "GetSecretValueFailed"
            response = getattr(cause, "response", None)
            if isinstance(response, dict):
                reason = str(response.get("Error", {}).get("Code", reason))
            raise DependencyError(SIGNING_SECRET, reason) from error
        return value.encode("utf-8") if isinstance(value, str) else bytes(value or b"")
