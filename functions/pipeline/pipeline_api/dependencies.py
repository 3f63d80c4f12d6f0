"""The AWS side of the handler, built when the first request needs it. Importing this module imports boto3.

Every call goes through the dependency's circuit breaker and, when the invocation is sampled, an X-Ray subsegment.
Callers see one exception for every kind of failure: DependencyUnavailableError, with the seconds to wait.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools.utilities.circuit_breaker import CircuitBreakerOpenError, CircuitState, CircuitTransition

from pipeline_api.audit_store import AUDIT_BUCKET, AuditStore
from pipeline_api.aws_clients import AwsClients
from pipeline_api.circuits import Circuits
from pipeline_api.dead_letter import DEAD_LETTER_QUEUE, DeadLetterQueue
from pipeline_api.errors import DependencyError, DependencyUnavailableError
from pipeline_api.observability import CIRCUIT_OPENED, DEPENDENCY_FAILURE, count_with_dimension, logger
from pipeline_api.signing_key import SIGNING_SECRET, SigningKey, SigningKeySource
from pipeline_api.tracing import subsegment

if TYPE_CHECKING:
    from pipeline_api.config import Settings

ResultT = TypeVar("ResultT")


def _log_transition(transition: CircuitTransition) -> None:
    dependency = transition.circuit_name.split("#", 1)[0]
    logger.warning(
        "circuit changed state",
        extra={
            "dependency": dependency,
            "from_state": str(transition.from_state),
            "to_state": str(transition.to_state),
        },
    )
    if transition.to_state == CircuitState.OPEN:
        count_with_dimension(CIRCUIT_OPENED, "dependency", dependency)


class Dependencies:
    """The signing secret, the audit bucket and the dead-letter queue, each created on first use; the secret's cache
    and the circuits' cool-downs are timed on `clock` (seconds since the epoch)."""

    def __init__(self, settings: Settings, clients: AwsClients, clock: Callable[[], float]) -> None:
        self._settings = settings
        self._clients = clients
        self._clock = clock
        self._circuits = Circuits(
            failure_threshold=settings.circuit_failure_threshold,
            cooldown_seconds=settings.circuit_cooldown_seconds,
            clock=clock,
            on_transition=_log_transition,
        )
        # One circuit for both: they call the same secret, so their failures count together.
        self._guarded_signing_keys = self._circuits.protect(SIGNING_SECRET, self._fetch_signing_keys)
        self._guarded_refresh = self._circuits.protect(SIGNING_SECRET, self._refresh_signing_keys)
        self._guarded_audit_write = self._circuits.protect(AUDIT_BUCKET, self._write_audit)

    @cached_property
    def _signing_key_source(self) -> SigningKeySource:
        return SigningKeySource(
            self._clients.secretsmanager, self._settings.secret_arn, self._settings.secret_cache_seconds, self._clock
        )

    @cached_property
    def _audit_store(self) -> AuditStore:
        return AuditStore(self._clients.s3, self._settings.audit_bucket)

    @cached_property
    def _dead_letter_queue(self) -> DeadLetterQueue:
        return DeadLetterQueue(self._clients.sqs, self._settings.dlq_url)

    def _fetch_signing_keys(self) -> tuple[SigningKey, ...]:
        return self._signing_key_source.get()

    def _refresh_signing_keys(self) -> tuple[SigningKey, ...] | None:
        source = self._signing_key_source
        return source.get() if source.refresh() else None

    def _write_audit(self, key: str, body: bytes) -> bool:
        return self._audit_store.put_if_absent(key, body)

    def _call(self, dependency: str, call: Callable[..., ResultT], *args: Any) -> ResultT:
        try:
            with subsegment(f"## {dependency}"):
                return call(*args)
        except DependencyError as error:
            count_with_dimension(DEPENDENCY_FAILURE, "dependency", dependency)
            logger.warning("dependency call failed", extra={"dependency": dependency, "reason": error.reason})
            raise DependencyUnavailableError(
                dependency, error.reason, self._circuits.retry_after_seconds(error)
            ) from error
        except CircuitBreakerOpenError as error:
            raise DependencyUnavailableError(
                dependency, "circuit open", self._circuits.retry_after_seconds(error)
            ) from error

    def signing_keys(self) -> tuple[SigningKey, ...]:
        """The accepted HMAC keys (AWSCURRENT first), from the cache while it is fresh.

        Raises DependencyUnavailableError, or SigningKeyTooShortError for an unusable current key."""
        return self._call(SIGNING_SECRET, self._guarded_signing_keys)

    def refreshed_signing_keys(self) -> tuple[SigningKey, ...] | None:
        """The keys read again now, or None when they were read too recently to ask Secrets Manager again.

        Raises as `signing_keys`."""
        return self._call(SIGNING_SECRET, self._guarded_refresh)

    def write_audit(self, key: str, body: bytes) -> bool:
        """True when this call wrote the record, False when it already existed. Raises DependencyUnavailableError."""
        return self._call(AUDIT_BUCKET, self._guarded_audit_write, key, body)

    def dead_letter(self, *, event_id: str, audit_key: str, reason: str, record: dict[str, Any]) -> None:
        """Queue a record that could not be audited. Raises DependencyUnavailableError."""
        queue = self._dead_letter_queue

        def send() -> None:
            queue.send(event_id=event_id, audit_key=audit_key, reason=reason, record=record)

        self._call(DEAD_LETTER_QUEUE, send)

    def check_audit_bucket(self) -> bool:
        """Whether the audit bucket answers HeadBucket (a deep health check; not counted by the circuit)."""
        try:
            self._call(AUDIT_BUCKET, self._audit_store.check_reachable)
        except DependencyUnavailableError:
            return False
        return True

    def check_signing_secret(self) -> bool:
        """Whether the signing key can be had now, from the cache or from Secrets Manager."""
        try:
            self.signing_keys()
        except DependencyUnavailableError:
            return False
        return True

    def retry_after_for_health(self) -> int:
        """What a failed deep health check tells callers to wait: one cool-down."""
        return self._settings.circuit_cooldown_seconds
