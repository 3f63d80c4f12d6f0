"""What the engine asks of the pack for one stack: Remediate and Analyze per resource (several in flight, as the
engine runs independent steps in parallel), then AnalyzeStack with the root stack first."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2

from preflight.engine.wire import EngineResource, engine_urn
from preflight.program.capture import Capture
from preflight.program.collector import collector_paused

DEFAULT_WORKERS: Final = 4


class Analyzer(Protocol):
    """The Analyzer calls the gate makes; AnalyzerClient over gRPC, or an in-process servicer adapter."""

    def remediate(self, request: analyzer_pb2.AnalyzeRequest) -> analyzer_pb2.RemediateResponse: ...

    def analyze(self, request: analyzer_pb2.AnalyzeRequest) -> analyzer_pb2.AnalyzeResponse: ...

    def analyze_stack(self, request: analyzer_pb2.AnalyzeStackRequest) -> analyzer_pb2.AnalyzeResponse: ...


@dataclass
class CountingAnalyzer:
    """An Analyzer that calls `on_analysed` after each Analyze (progress), passing every call through."""

    analyzer: Analyzer
    on_analysed: Callable[[], None]

    def remediate(self, request: analyzer_pb2.AnalyzeRequest) -> analyzer_pb2.RemediateResponse:
        return self.analyzer.remediate(request)

    def analyze(self, request: analyzer_pb2.AnalyzeRequest) -> analyzer_pb2.AnalyzeResponse:
        response = self.analyzer.analyze(request)
        self.on_analysed()
        return response

    def analyze_stack(self, request: analyzer_pb2.AnalyzeStackRequest) -> analyzer_pb2.AnalyzeResponse:
        return self.analyzer.analyze_stack(request)


@dataclass
class ResourceAnalysis:
    resource: EngineResource
    response: analyzer_pb2.AnalyzeResponse
    remediated: struct_pb2.Struct | None
    remediation_notes: list[str]


@dataclass
class Analysis:
    resources: list[ResourceAnalysis]
    stack: analyzer_pb2.AnalyzeResponse


def _analyse_one(analyzer: Analyzer, resource: EngineResource) -> ResourceAnalysis:
    request = resource.analyze_request()
    remediation = analyzer.remediate(request)
    remediated = None
    notes = []
    for step in remediation.remediations:
        if step.diagnostic:
            notes.append(f"{step.policyName}: {step.diagnostic}")
        if step.HasField("properties"):
            remediated = step.properties
    if remediated is not None:
        request = resource.analyze_request(remediated)
    return ResourceAnalysis(resource, analyzer.analyze(request), remediated, notes)


def root_stack_resource(capture: Capture) -> EngineResource | None:
    if not capture.stack_urn:
        return None
    return EngineResource(
        urn=engine_urn(capture.stack_urn),
        type="pulumi:pulumi:Stack",
        name=f"{capture.project}-{capture.stack}",
        custom=False,
        parent="",
        inputs={},
        outputs=capture.outputs,
        dependencies=[],
        property_dependencies={},
        source_position=None,
    )


class _Workers:
    """`workers` threads taking the next resource from one shared iterator until none is left or one call failed.

    Rather than a ThreadPoolExecutor: its Future, queue hand-off and wake-up per resource cost the gate more CPU than
    the gRPC calls' own client side on a loaded 2-core machine."""

    def __init__(self, analyzer: Analyzer, resources: Sequence[EngineResource]) -> None:
        self.analyzer = analyzer
        self.pending = iter(enumerate(resources))
        self.results: list[ResourceAnalysis | None] = [None] * len(resources)
        self.failures: dict[int, Exception] = {}
        self.lock = threading.Lock()

    def work(self) -> None:
        while True:
            with self.lock:
                item = None if self.failures else next(self.pending, None)
            if item is None:
                return
            index, resource = item
            try:
                self.results[index] = _analyse_one(self.analyzer, resource)
            except Exception as exc:  # re-raised by run(), in the caller's thread
                with self.lock:
                    self.failures[index] = exc
                return

    def run(self, workers: int) -> list[ResourceAnalysis]:
        threads = [threading.Thread(target=self.work, name=f"analyse-{n}", daemon=True) for n in range(workers - 1)]
        for thread in threads:
            thread.start()
        self.work()
        for thread in threads:
            thread.join()
        if self.failures:
            # The first failing resource in registration order, as the engine would have met it.
            raise self.failures[min(self.failures)]
        return [result for result in self.results if result is not None]


def analyse_resources(
    analyzer: Analyzer, resources: Sequence[EngineResource], workers: int = DEFAULT_WORKERS
) -> list[ResourceAnalysis]:
    """Remediate and Analyze each resource, up to `workers` in flight, results in the order of `resources`; a failed
    call stops the rest and is raised (the earliest resource's failure when several failed)."""
    with collector_paused():
        return _Workers(analyzer, resources).run(max(1, min(workers, len(resources))))


def analyse_stack(
    analyzer: Analyzer, analysed: Sequence[ResourceAnalysis], stack_root: EngineResource | None = None
) -> analyzer_pb2.AnalyzeResponse:
    """AnalyzeStack over every resource (the root stack first), with remediated properties where there were any."""
    with collector_paused():
        members = [stack_root.stack_message()] if stack_root is not None else []
        members += [item.resource.stack_message(item.remediated) for item in analysed]
        return analyzer.analyze_stack(analyzer_pb2.AnalyzeStackRequest(resources=members))


def analyse(
    analyzer: Analyzer,
    resources: Sequence[EngineResource],
    stack_root: EngineResource | None = None,
    workers: int = DEFAULT_WORKERS,
) -> Analysis:
    """What the engine asks of the pack: Remediate and Analyze per resource, then AnalyzeStack."""
    analysed = analyse_resources(analyzer, resources, workers)
    return Analysis(analysed, analyse_stack(analyzer, analysed, stack_root))
