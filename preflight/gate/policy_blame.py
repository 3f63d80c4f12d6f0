"""Which policy raised: the pack answers a policy's exception with a bare gRPC error for the whole resource, so the
gate asks again with one policy enabled at a time (the pack is failing anyway; only the message depends on it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pulumi.runtime.proto import analyzer_pb2

from preflight.engine.pack_process import PackError
from preflight.gate.analysis import Analyzer
from preflight.gate.policy_config import PolicyConfigEntry, ReconciledConfig


class ConfigurableAnalyzer(Analyzer, Protocol):
    def configure(self, request: analyzer_pb2.ConfigureAnalyzerRequest) -> None: ...


def blame_policy(
    client: ConfigurableAnalyzer,
    config: ReconciledConfig,
    requests: Sequence[analyzer_pb2.AnalyzeRequest],
    failure: PackError,
) -> PackError:
    """A PackError whose first line names the policy that raised on `failure.urn` (asked again with each of
    `requests` for that URN), or `failure` when none is found."""
    failing = [request for request in requests if request.urn == failure.urn]
    if not failing:
        return failure
    for policy, entry in sorted(config.entries.items()):
        if entry.enforcement_level == "disabled":
            continue
        alone = {
            name: PolicyConfigEntry(other.enforcement_level if name == policy else "disabled", other.properties)
            for name, other in config.entries.items()
        }
        client.configure(ReconciledConfig(alone, []).request())
        try:
            for request in failing:
                client.remediate(request)
                client.analyze(request)
        except PackError:
            first = str(failure).partition("\n")[0]
            detail = first.rpartition("Exception calling application: ")[2] if "application: " in first else ""
            return PackError(f"policy {policy!r} raised on resource {failure.urn}: {detail}\n{failure}")
    return failure
