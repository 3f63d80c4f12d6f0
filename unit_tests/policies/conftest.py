"""Fixtures of the policy tests: one pack process for the whole session (starting one costs about half a second)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from unit_tests.policies.pack_harness import PolicyGate, running_policy_gate


@pytest.fixture(scope="session")
def policy_gate() -> Iterator[PolicyGate]:
    with running_policy_gate() as gate:
        yield gate
