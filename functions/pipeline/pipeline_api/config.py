"""The function's configuration: environment variables read and checked once per execution environment."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$")
_QUEUE_PATH = re.compile(r"^/\d{12}/[A-Za-z0-9_-]{1,80}(\.fifo)?$")
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_INTEGER = re.compile(r"^\d{1,9}$")

# The DLQ message carries the whole audit record, which is at most a little larger than the body; SQS accepts 256 KiB.
MAX_BODY_BYTES_LIMIT = 196_608


@dataclass(frozen=True)
class IntegerSetting:
    """An optional integer environment variable: its default and the inclusive range it must fall in."""

    name: str
    default: int
    minimum: int
    maximum: int


MAX_BODY_BYTES = IntegerSetting("MAX_BODY_BYTES", 65_536, 256, MAX_BODY_BYTES_LIMIT)
MAX_DETAILS_BYTES = IntegerSetting("MAX_DETAILS_BYTES", 8_192, 2, MAX_BODY_BYTES_LIMIT)
SECRET_CACHE_SECONDS = IntegerSetting("SECRET_CACHE_SECONDS", 300, 0, 3_600)
AWS_CALL_MAX_ATTEMPTS = IntegerSetting("AWS_CALL_MAX_ATTEMPTS", 3, 1, 10)
AWS_CALL_TIMEOUT_SECONDS = IntegerSetting("AWS_CALL_TIMEOUT_SECONDS", 2, 1, 30)
CIRCUIT_FAILURE_THRESHOLD = IntegerSetting("CIRCUIT_FAILURE_THRESHOLD", 5, 1, 100)
CIRCUIT_COOLDOWN_SECONDS = IntegerSetting("CIRCUIT_COOLDOWN_SECONDS", 30, 1, 3_600)


@dataclass(frozen=True)
class Settings:
    """Everything the handler needs to know about its environment, already checked."""

    audit_bucket: str
    dlq_url: str
    secret_arn: str
    allowed_origins: tuple[str, ...]
    region: str
    max_body_bytes: int
    max_details_bytes: int
    secret_cache_seconds: int
    aws_call_max_attempts: int
    aws_call_timeout_seconds: int
    circuit_failure_threshold: int
    circuit_cooldown_seconds: int


class ConfigError(Exception):
    """The environment does not describe a usable configuration; `problems` names each bad variable."""

    def __init__(self, problems: list[str], allowed_origins: tuple[str, ...] = ()) -> None:
        super().__init__("; ".join(problems))
        self.problems = tuple(problems)
        # The origins, when ALLOWED_ORIGINS itself was valid: error answers still carry CORS headers for them.
        self.allowed_origins = allowed_origins


def _shown(value: str) -> str:
    """A value quoted for an error message, cut short so a huge variable cannot flood the log."""
    return repr(value if len(value) <= 120 else value[:117] + "...")


def _required(environ: Mapping[str, str], name: str, what: str, problems: list[str]) -> str | None:
    value = environ.get(name, "").strip()
    if not value:
        problems.append(f"{name} is required: {what}")
        return None
    return value


def _audit_bucket(environ: Mapping[str, str], problems: list[str]) -> str:
    value = _required(environ, "AUDIT_BUCKET", "the name of the audit bucket", problems)
    if value is not None and not _BUCKET_NAME.match(value):
        problems.append(
            f"AUDIT_BUCKET={_shown(value)} is not an S3 bucket name "
            "(3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit)"
        )
    return value or ""


def _dlq_url(environ: Mapping[str, str], problems: list[str]) -> str:
    value = _required(environ, "DLQ_URL", "the URL of the function's dead-letter queue", problems)
    if value is None:
        return ""
    parts = urlsplit(value)
    host = parts.hostname or ""
    # Plain http only makes sense for a local emulator on this machine.
    scheme_ok = parts.scheme == "https" or (parts.scheme == "http" and host in _LOOPBACK_HOSTS)
    if not (scheme_ok and host and _QUEUE_PATH.match(parts.path) and not parts.query):
        problems.append(
            f"DLQ_URL={_shown(value)} is not an SQS queue URL "
            "(https://sqs.<region>.amazonaws.com/<12-digit account>/<queue name>)"
        )
    elif parts.path.endswith(".fifo"):
        problems.append(f"DLQ_URL={_shown(value)} names a FIFO queue; a Lambda dead-letter queue is a standard queue")
    return value


def _secret_arn(environ: Mapping[str, str], problems: list[str]) -> str:
    value = _required(environ, "SECRET_ARN", "the ARN of the function's signing secret", problems)
    if value is not None and not _SECRET_ARN.match(value):
        problems.append(
            f"SECRET_ARN={_shown(value)} is not a Secrets Manager secret ARN "
            "(arn:aws:secretsmanager:<region>:<account>:secret:<name>)"
        )
    return value or ""


def _allowed_origins(environ: Mapping[str, str], problems: list[str]) -> tuple[str, ...]:
    value = _required(
        environ, "ALLOWED_ORIGINS", "a comma-separated list of origins (https://host[:port]), or '*'", problems
    )
    if value is None:
        return ()
    origins = tuple(origin.strip() for origin in value.split(",") if origin.strip())
    if not origins:
        problems.append(f"ALLOWED_ORIGINS={_shown(value)} names no origin; at least one is required")
        return ()
    if "*" in origins and len(origins) > 1:
        problems.append(f"ALLOWED_ORIGINS={_shown(value)} mixes '*' with named origins; use '*' alone or only origins")
        return origins
    for origin in origins:
        if origin != "*" and not _ORIGIN.match(origin):
            problems.append(
                f"ALLOWED_ORIGINS has {_shown(origin)}, which is not an origin "
                "(scheme://host[:port] with http or https, no path, no trailing slash)"
            )
    return origins


def _region(environ: Mapping[str, str], problems: list[str]) -> str:
    value = (environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "").strip()
    if not value:
        problems.append("AWS_REGION is required: the Lambda runtime sets it; set it yourself when running elsewhere")
    elif not _REGION.match(value):
        problems.append(f"AWS_REGION={_shown(value)} is not an AWS region name (for example eu-west-1)")
    return value


def _integer(environ: Mapping[str, str], setting: IntegerSetting, problems: list[str]) -> int:
    raw = environ.get(setting.name, "").strip()
    if not raw:
        return setting.default
    if not _INTEGER.match(raw) or not setting.minimum <= int(raw) <= setting.maximum:
        problems.append(
            f"{setting.name}={_shown(raw)} must be a whole number from {setting.minimum} to {setting.maximum} "
            f"(default {setting.default})"
        )
        return setting.default
    return int(raw)


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Read and check every variable, reporting all problems at once.

    Raises ConfigError naming each missing or malformed variable and what it allows.
    """
    problems: list[str] = []
    allowed_origins = _allowed_origins(environ, problems)
    origins_valid = not problems
    settings = Settings(
        audit_bucket=_audit_bucket(environ, problems),
        dlq_url=_dlq_url(environ, problems),
        secret_arn=_secret_arn(environ, problems),
        allowed_origins=allowed_origins,
        region=_region(environ, problems),
        max_body_bytes=_integer(environ, MAX_BODY_BYTES, problems),
        max_details_bytes=_integer(environ, MAX_DETAILS_BYTES, problems),
        secret_cache_seconds=_integer(environ, SECRET_CACHE_SECONDS, problems),
        aws_call_max_attempts=_integer(environ, AWS_CALL_MAX_ATTEMPTS, problems),
        aws_call_timeout_seconds=_integer(environ, AWS_CALL_TIMEOUT_SECONDS, problems),
        circuit_failure_threshold=_integer(environ, CIRCUIT_FAILURE_THRESHOLD, problems),
        circuit_cooldown_seconds=_integer(environ, CIRCUIT_COOLDOWN_SECONDS, problems),
    )
    if settings.max_details_bytes > settings.max_body_bytes:
        problems.append(
            f"MAX_DETAILS_BYTES={settings.max_details_bytes} exceeds MAX_BODY_BYTES={settings.max_body_bytes}; "
            "the details object is part of the body"
        )
    if problems:
        raise ConfigError(problems, allowed_origins if origins_valid else ())
    return settings
