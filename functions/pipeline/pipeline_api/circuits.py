"""Circuit breakers around the audit bucket and the signing secret (Powertools circuit breaker, in-memory state).

Powertools ships a DynamoDB store for sharing circuit state across execution environments. This stack has no table
for it, and one dependency per function needs no fleet-wide agreement: each execution environment keeps its own
circuit here, which still stops it hammering a failing dependency for the cool-down.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools.utilities.circuit_breaker import (
    CircuitBreakerConfig,
    CircuitBreakerOpenError,
    CircuitTransition,
    circuit_breaker,
)
from aws_lambda_powertools.utilities.circuit_breaker.persistence.base import (
    CircuitBreakerExistingLockError,
    CircuitBreakerPersistenceLayer,
)
from aws_lambda_powertools.utilities.circuit_breaker.persistence.record import CircuitStateRecord
from aws_lambda_powertools.utilities.circuit_breaker.states import CircuitState

from pipeline_api.errors import DependencyError

ResultT = TypeVar("ResultT")

# The wall clock, as Powertools' breaker reads it (seconds since the epoch); a name of its own so tests can move it.
clock: Callable[[], float] = time.time


class InMemoryCircuitStore(CircuitBreakerPersistenceLayer):
    """Circuit records in this execution environment's memory, with the same election rule as the DynamoDB store."""

    def __init__(self) -> None:
        super().__init__()
        self._records: dict[str, CircuitStateRecord] = {}

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
    `cooldown_seconds`, then lets one call through to probe the dependency."""

    def __init__(
        self,
        failure_threshold: int,
        cooldown_seconds: int,
        on_transition: Callable[[CircuitTransition], None] | None = None,
    ) -> None:
        self._store = InMemoryCircuitStore()
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
        guard = circuit_breaker(
            name=f"{dependency}#{self._suffix}",
            persistence_store=self._store,
            config=self._config,
            on_transition=self._on_transition,
        )
        protected: Callable[..., ResultT] = guard(call)
        return protected

    def retry_after_seconds(self, error: BaseException | None) -> int:
        """Seconds until the circuit lets a call through again: the remaining cool-down when `error` is an open
        circuit, else the whole cool-down (the dependency just failed after the SDK's own retries)."""
        if isinstance(error, CircuitBreakerOpenError) and error.circuit and error.circuit.opened_at is not None:
            remaining = error.circuit.opened_at + self._cooldown_seconds - clock()
            return max(1, math.ceil(remaining))
        return self._cooldown_seconds


def dependency_of(error: Any) -> str | None:
    """The dependency an open-circuit error refers to, from the circuit's name."""
    if isinstance(error, CircuitBreakerOpenError) and error.circuit is not None:
        return error.circuit.name.split("#", 1)[0]
    return None
