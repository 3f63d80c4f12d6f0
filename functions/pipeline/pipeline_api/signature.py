"""Request authentication: an HMAC-SHA256 of the raw body, sent as `X-Signature-SHA256: sha256=<hex>`."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Protocol

from pipeline_api.errors import ApiError

SIGNATURE_HEADER = "X-Signature-SHA256"
SIGNATURE_SCHEME = "sha256="
# The staging labels of the signing secret's versions a signature may be made with (Secrets Manager's names).
CURRENT = "AWSCURRENT"
PENDING = "AWSPENDING"
PREVIOUS = "AWSPREVIOUS"


class StagedKey(Protocol):
    """A key and the label that says which version of the secret it is."""

    @property
    def stage(self) -> str: ...

    @property
    def key(self) -> bytes: ...


def compute_signature(key: bytes, body: bytes) -> str:
    """The header value a sender puts on `body`: 'sha256=' followed by the lowercase hex HMAC-SHA256."""
    return SIGNATURE_SCHEME + hmac.new(key, body, hashlib.sha256).hexdigest()


def presented_signature(header_value: str | None) -> bytes:
    """The header's value, normalised for comparison; ApiError 401 when the header is missing or blank."""
    if header_value is None or not header_value.strip():
        raise ApiError(
            401,
            "missing_signature",
            f"the {SIGNATURE_HEADER} header is required: {SIGNATURE_SCHEME}<hex HMAC-SHA256 of the raw body>",
        )
    # Hex digits are case-insensitive; anything that is not ASCII can never match, so replacing it is harmless.
    return header_value.strip().lower().encode("ascii", "replace")


def signing_stage(keys: Sequence[StagedKey], body: bytes, presented: bytes) -> str | None:
    """The stage of the key in `keys` that signed `body` as `presented`, or None when none did.

    Every key is compared, in constant time over the whole value, whichever matches: a caller learns nothing from
    timing about how much of a forged signature was right, nor which version it was tried against.
    """
    matches = [
        candidate.stage
        for candidate in keys
        if hmac.compare_digest(compute_signature(candidate.key, body).encode("ascii"), presented)
    ]
    return matches[0] if matches else None


def invalid_signature() -> ApiError:
    """The 401 for a signature no accepted key made; nothing about the expected value is revealed."""
    return ApiError(401, "invalid_signature", f"the {SIGNATURE_HEADER} header does not match the body")
