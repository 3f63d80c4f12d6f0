"""What the engine sends a policy pack about a deployment the ResourceMonitor recorded.

pkg/resource/deploy/step_generator.go: every registration (the root stack, components, providers, default
providers included) is Remediated by each pack in turn, each remediation replacing the inputs, then Analyzed with
the final inputs (stepGenerator.generateSteps, analyzeAll); at the end AnalyzeStack gets every resource's outputs
(stepGenerator.AnalyzeResources: a component's are what it registered as outputs, the root stack's its exports).
pkg/resource/plugin/analyzer_plugin.go marshals them: options in full, resource references as ids (URNs for
components), top-level `__` keys dropped, empty property dependencies left out, the provider's inputs beside.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2

from preflight.engine import urns
from preflight.engine.resource_goal import (
    ResourceGoal,
    analyzer_options,
    wire_properties,
    wire_property_dependencies,
)
from preflight.engine.resource_monitor import MonitoredResource, MonitorState


class PolicyAnalyzer(Protocol):
    """One running pack's Analyzer service (the calls the engine makes per resource and per stack)."""

    def remediate(self, request: analyzer_pb2.AnalyzeRequest) -> analyzer_pb2.RemediateResponse: ...

    def analyze(self, request: analyzer_pb2.AnalyzeRequest) -> analyzer_pb2.AnalyzeResponse: ...

    def analyze_stack(self, request: analyzer_pb2.AnalyzeStackRequest) -> analyzer_pb2.AnalyzeResponse: ...


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(dict(values))
    return message


def provider_message(provider: MonitoredResource | None) -> analyzer_pb2.AnalyzerProviderResource | None:
    """analyzer_plugin.go, marshalProvider: the provider's type, URN, name and inputs."""
    if provider is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(
        type=provider.goal.type,
        urn=provider.urn,
        name=urns.urn_name(provider.urn),
        properties=_struct(wire_properties(provider.goal.properties)),
    )


def analyze_request(
    urn: str, goal: ResourceGoal, provider: MonitoredResource | None, properties: Mapping[str, Any] | None = None
) -> analyzer_pb2.AnalyzeRequest:
    """analyzer_plugin.go, Analyze (and Remediate): the goal's inputs, or `properties` after a remediation."""
    return analyzer_pb2.AnalyzeRequest(
        type=goal.type,
        urn=urn,
        name=urns.urn_name(urn),
        properties=_struct(wire_properties(goal.properties if properties is None else properties)),
        options=analyzer_options(goal),
        provider=provider_message(provider),
    )


def stack_resource(resource: MonitoredResource, provider: MonitoredResource | None) -> analyzer_pb2.AnalyzerResource:
    """analyzer_plugin.go, AnalyzeStack: one resource's outputs, options, parent and dependencies."""
    goal = resource.goal
    return analyzer_pb2.AnalyzerResource(
        type=goal.type,
        urn=resource.urn,
        name=urns.urn_name(resource.urn),
        properties=_struct(wire_properties(resource.outputs)),
        options=analyzer_options(goal),
        provider=provider_message(provider),
        parent=goal.parent,
        dependencies=goal.dependencies,
        propertyDependencies=wire_property_dependencies(goal.property_dependencies),
    )


def provider_of(state: MonitorState, goal: ResourceGoal) -> MonitoredResource | None:
    if not goal.provider:
        return None
    urn, _ = urns.split_provider_reference(goal.provider)
    with state.lock:
        return state.resources.get(urn)


def stack_request(state: MonitorState) -> analyzer_pb2.AnalyzeStackRequest:
    """Every registered resource in registration order, the root stack first; read resources left out."""
    return analyzer_pb2.AnalyzeStackRequest(
        resources=[
            stack_resource(resource, provider_of(state, resource.goal))
            for resource in state.ordered()
            if not resource.read
        ]
    )


@dataclass
class RegistrationAnalysis:
    """What the packs said about one registration: each pack's Remediate and Analyze answers, in pack order."""

    urn: str
    remediations: list[analyzer_pb2.RemediateResponse] = field(default_factory=list)
    responses: list[analyzer_pb2.AnalyzeResponse] = field(default_factory=list)
    remediated: bool = False


class InlineAnalysis:
    """The monitor's registration hook: each registration analysed as it arrives, one at a time, before the world
    answers (so the world sees remediated inputs, as the provider would); then `analyze_stack` at the end."""

    def __init__(
        self,
        state: MonitorState,
        analyzers: Sequence[PolicyAnalyzer],
        on_analysed: Callable[[], None] = lambda: None,
    ) -> None:
        self.state = state
        self.analyzers = list(analyzers)
        self.on_analysed = on_analysed
        self.registrations: list[RegistrationAnalysis] = []
        # A pack that fails fails the run (as the engine bails), not only the program's registration; the request
        # it failed on and the pack's index are kept so the gate can name the policy that raised.
        self.failure: Exception | None = None
        self.failed_request: analyzer_pb2.AnalyzeRequest | None = None
        self.failed_index = 0
        # The step generator handles one registration event at a time.
        self._lock = threading.Lock()

    def __call__(self, urn: str, goal: ResourceGoal) -> dict[str, Any]:
        """Remediate then Analyze `goal`; the inputs the resource is created with (remediated or not)."""
        provider = provider_of(self.state, goal)
        properties = goal.properties
        analysis = RegistrationAnalysis(urn)
        with self._lock:
            request = analyze_request(urn, goal, provider, properties)
            try:
                for analyzer in self.analyzers:
                    request = analyze_request(urn, goal, provider, properties)
                    response = analyzer.remediate(request)
                    analysis.remediations.append(response)
                    for remediation in response.remediations:
                        if not remediation.diagnostic and remediation.HasField("properties"):
                            properties = json_format.MessageToDict(remediation.properties)
                            analysis.remediated = True
                request = analyze_request(urn, goal, provider, properties)
                for analyzer in self.analyzers:
                    analysis.responses.append(analyzer.analyze(request))
            except Exception as exc:
                if self.failure is None:
                    # The failing pack is the first without an answer in the phase that failed.
                    remediated = len(analysis.remediations) == len(self.analyzers)
                    failed = len(analysis.responses) if remediated else len(analysis.remediations)
                    self.failure, self.failed_request, self.failed_index = exc, request, failed
                raise
            self.registrations.append(analysis)
        self.on_analysed()
        return dict(properties)

    def analyze_stack(self) -> list[analyzer_pb2.AnalyzeResponse]:
        """AnalyzeStack for each pack, in pack order (step_generator.go, AnalyzeResources)."""
        request = stack_request(self.state)
        return [analyzer.analyze_stack(request) for analyzer in self.analyzers]
