"""Circuit breakers around the audit bucket and the signing secret (Powertools circuit breaker, in-memory state).

Powertools ships a DynamoDB store for sharing circuit state across execution environments. This stack has no table
for it, and one dependency per function needs no fleet-wide agreement: each execution environment keeps its own
circuit here, which still stops it hammering a failing dependency for the cool-down.

Powertools' breaker and store read the wall clock themselves (`datetime.now()`); the subclasses here read the clock
they are given instead, so the cool-down is measured on whatever clock the caller injects.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools.utilities.circuit_breaker import (
    CircuitBreakerConfig,
    CircuitBreakerOpenError,
    CircuitTransition,
)
from aws_lambda_powertools.utilities.circuit_breaker.base import CircuitBreakerHandler
from aws_lambda_powertools.utilities.circuit_breaker.persistence.base import (
    CircuitBreakerExistingLockError,
    CircuitBreakerPersistenceLayer,
)
from aws_lambda_powertools.utilities.circuit_breaker.persistence.record import CircuitStateRecord
from aws_lambda_powertools.utilities.circuit_breaker.states import CircuitState

from pipeline_api.errors import DependencyError

ResultT = TypeVar("ResultT")


class InMemoryCircuitStore(CircuitBreakerPersistenceLayer):
    """Circuit records in this execution environment's memory, with the same election rule as the DynamoDB store;
    times (probe leases, expiry stamps) come from `clock` (seconds since the epoch)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        super().__init__()
        self._clock = clock
        self._records: dict[str, CircuitStateRecord] = {}

    def _durable_ttl(self, name: str) -> int:
        return int(self._clock()) + self._settings_for(name).recovery_timeout

    # The records are in memory already: no second, wall-clock-timed cache in front of them.
    def _save_to_cache(self, record: CircuitStateRecord) -> None:
        return None

    def _retrieve_from_cache(self, name: str) -> CircuitStateRecord | None:
        return None

    def try_acquire_half_open(self, name: str, owner: str, opened_at: int) -> bool:
        # As Powertools' CircuitBreakerPersistenceLayer.try_acquire_half_open
        # (aws_lambda_powertools/utilities/circuit_breaker/persistence/base.py), with the lease timed on the clock.
        record = CircuitStateRecord(
            name=name,
            state=CircuitState.HALF_OPEN,
            opened_at=opened_at,
            half_open_owner=owner,
            probe_lease_expiry=int(self._clock()) + self._settings_for(name).recovery_timeout,
            expiry_timestamp=self._durable_ttl(name),
        )
        try:
            self._put_record(record, condition="half_open", expected_opened_at=opened_at)
        except CircuitBreakerExistingLockError:
            return False
        return True

    def _get_record(self, name: str) -> CircuitStateRecord | None:
        return self._records.get(name)

    def _put_record(
        self, record: CircuitStateRecord, condition: str | None = None, expected_opened_at: int | None = None
    ) -> None:
        if condition == "half_open":
            current = self._records.get(record.name)
            won = (
                current is not None
                and current.state == CircuitState.OPEN
                and current.half_open_owner is None
                and (expected_opened_at is None or current.opened_at == expected_opened_at)
            )
            if not won:
                raise CircuitBreakerExistingLockError
        self._records[record.name] = record

    def _update_record(self, record: CircuitStateRecord) -> None:
        self._records[record.name] = record


class Circuits:
    """One circuit per dependency: opens after `failure_threshold` consecutive DependencyErrors, stays open for
    `cooldown_seconds` of `clock` (seconds since the epoch), then lets one call through to probe the dependency."""

    def __init__(
        self,
        failure_threshold: int,
        cooldown_seconds: int,
        clock: Callable[[], float],
        on_transition: Callable[[CircuitTransition], None] | None = None,
    ) -> None:
        self._clock = clock
        self._store = InMemoryCircuitStore(clock)
        self._cooldown_seconds = cooldown_seconds
        self._on_transition = on_transition
        self._config = CircuitBreakerConfig(
            failure_threshold=failure_threshold,
            recovery_timeout=cooldown_seconds,
            success_threshold=1,
            handled_exceptions=DependencyError,
            # The store is local memory: reading it is as cheap as the cache in front of it.
            local_cache_max_age=0,
        )
        # Powertools counts failures in module-level dicts keyed by circuit name; a per-instance suffix keeps a fresh
        # Circuits (after a configuration reset) from inheriting an earlier instance's counts.
        self._suffix = uuid.uuid4().hex[:8]

    def protect(self, dependency: str, call: Callable[..., ResultT]) -> Callable[..., ResultT]:
        """`call` guarded by the dependency's circuit; an open circuit raises CircuitBreakerOpenError."""
        name = f"{dependency}#{self._suffix}"
        clock = self._clock

        class ClockedHandler(CircuitBreakerHandler):
            @staticmethod
            def _now() -> int:
                return int(clock())

        def protected(*args: Any, **kwargs: Any) -> ResultT:
            # What Powertools' `circuit_breaker` decorator does per call, with the handler reading `clock`.
            handler = ClockedHandler(
                function=call,
                name=name,
                config=self._config,
                persistence_store=self._store,
                on_transition=self._on_transition,
                function_args=args,
                function_kwargs=kwargs,
            )
            result: ResultT = handler.handle()
            return result

        return protected

    def retry_after_seconds(self, error: BaseException | None) -> int:
        """Seconds until the circuit lets a call through again: the remaining cool-down when `error` is an open
        circuit, else the whole cool-down (the dependency just failed after the SDK's own retries)."""
        if isinstance(error, CircuitBreakerOpenError) and error.circuit and error.circuit.opened_at is not None:
            remaining = error.circuit.opened_at + self._cooldown_seconds - self._clock()
            return max(1, math.ceil(remaining))
        return self._cooldown_seconds


def dependency_of(error: Any) -> str | None:
    """The dependency an open-circuit error refers to, from the circuit's name."""
    if isinstance(error, CircuitBreakerOpenError) and error.circuit is not None:
        return error.circuit.name.split("#", 1)[0]
    return None
