"""Request authentication: an HMAC-SHA256 of the raw body, sent as `X-Signature-SHA256: sha256=<hex>`."""

from __future__ import annotations

import hashlib
import hmac

from pipeline_api.errors import ApiError

SIGNATURE_HEADER = "X-Signature-SHA256"
SIGNATURE_SCHEME = "sha256="


def compute_signature(key: bytes, body: bytes) -> str:
    """The header value a sender puts on `body`: 'sha256=' followed by the lowercase hex HMAC-SHA256."""
    return SIGNATURE_SCHEME + hmac.new(key, body, hashlib.sha256).hexdigest()


def verify_signature(key: bytes, body: bytes, header_value: str | None) -> None:
    """Accept the request only if `header_value` is the signature of `body` under `key`.

    The comparison is constant-time over the whole header value, so a caller learns nothing from timing about how
    much of a forged signature was right. Raises ApiError 401 otherwise; nothing about the expected value is revealed.
    """
    if header_value is None or not header_value.strip():
        raise ApiError(
            401,
            "missing_signature",
            f"the {SIGNATURE_HEADER} header is required: {SIGNATURE_SCHEME}<hex HMAC-SHA256 of the raw body>",
        )
    expected = compute_signature(key, body).encode("ascii")
    # Hex digits are case-insensitive; anything that is not ASCII can never match, so replacing it is harmless.
    presented = header_value.strip().lower().encode("ascii", "replace")
    if not hmac.compare_digest(expected, presented):
        raise ApiError(401, "invalid_signature", f"the {SIGNATURE_HEADER} header does not match the body")
